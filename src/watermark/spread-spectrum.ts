/**
 * The invisible image watermark, on a luminance plane.
 *
 * Design: a keyed pseudo-random pattern of +-1 cells (CELL x CELL pixels) tiled with period
 * TILE cells over the whole image. Half of a tile's cells (keyed choice) carry a fixed keyed
 * synchronisation sequence; the other half carry the payload (token + Reed-Solomon parity), each
 * payload bit spread over several cells with keyed chip signs. The pattern is added to the
 * luminance with a texture-adaptive amplitude scaled to a target PSNR.
 *
 * The keyed layout, folding, soft decoding and block registration are shared with the screen mark
 * (keyed-tile.ts).
 *
 * Decoding removes the host image with a high-pass filter, folds every tile onto one (summing all
 * the redundancy in the image), finds the crop offset as the peak of the cyclic cross-correlation
 * with the synchronisation sequence (2D FFT), reads the payload bits, corrects errors with
 * Reed-Solomon and verifies the token's MAC. Scale changes are found from the periodicity of the
 * residual (row/column autocorrelation) and refined on the synchronisation peak.
 */
import { fft } from './fft.ts';
import {
  estimateLattices,
  latticeHomography,
  markedFrame,
  warpPlane,
  type Homography,
} from './geometry.ts';
import {
  decodeSoft,
  fitRobust,
  foldAndSync,
  hostLimit,
  keyedLayout,
  payloadBits,
  PAYLOAD_BITS,
  readSoftBits,
  registerBlocks,
  tileCells,
  type Fold,
  type KeyedLayout,
} from './keyed-tile.ts';
import { boxBlur, createPlane, resampleBilinear, type Plane } from './plane.ts';
import type { DisclosureToken, WatermarkKey } from './token.ts';

/** Cell size in pixels at the nominal scale. */
export const CELL = 4;
/** Tile size in cells. */
export const TILE = 32;
/** Tile size in pixels at the nominal scale. */
export const TILE_PX = CELL * TILE;
const RESIDUAL_RADIUS = 2;

function layoutFor(key: WatermarkKey): KeyedLayout {
  return keyedLayout(key, 'image-v1', TILE, CELL, RESIDUAL_RADIUS);
}

/** Options for embedding. */
export interface EmbedOptions {
  /**
   * Target peak signal-to-noise ratio in dB of the marked samples (default 41.5). `markPixels`
   * calibrates the strength so that the rounded, clipped copy meets it.
   */
  psnr?: number;
  /**
   * Weaken the mark on near-white and near-black pixels (which clip under brightening or contrast
   * changes) to half strength in favour of mid-tones, at the same PSNR (default false). Brightened
   * mostly-white screenshots decode without it; with it, JPEG q30 and perspective + JPEG do a
   * little worse there (BENCHMARKS.md), so it is opt-in. (Weakening them further leaves too little
   * mark for rotated and cropped screenshots.)
   */
  headroom?: boolean;
}

/** Target PSNR (dB) of the marked samples when `EmbedOptions.psnr` is not given. */
export const DEFAULT_PSNR = 41.5;

/** Luminance distance from 0 or 255 below which the mark is weakened, and the weakest factor. */
const HEADROOM = 28;
const HEADROOM_FLOOR = 0.5;

/**
 * Computes the watermark delta for a luminance plane (0..255 scale): the values to add to the
 * luminance. The delta is tiled from the image origin and shaped by local texture.
 */
export function computeWatermarkDelta(
  key: WatermarkKey,
  token: DisclosureToken,
  luma: Plane,
  options: EmbedOptions = {},
): Float32Array {
  const cellValue = tileCells(layoutFor(key), token);
  const { width: w, height: h } = luma;
  // Texture mask: local standard deviation (5x5), normalised and bounded to [0.5, 1.6] of the mean.
  const mean = boxBlur(luma, 2);
  const sq = createPlane(w, h);
  for (let i = 0; i < sq.data.length; i++) sq.data[i] = luma.data[i]! * luma.data[i]!;
  const meanSq = boxBlur(sq, 2);
  const mask = new Float32Array(w * h);
  let sum = 0;
  for (let i = 0; i < mask.length; i++) {
    const sd = Math.sqrt(Math.max(0, meanSq.data[i]! - mean.data[i]! * mean.data[i]!));
    mask[i] = sd;
    sum += sd;
  }
  const avg = sum / mask.length + 1e-6;
  const headroom = options.headroom === true;
  let energy = 0;
  for (let i = 0; i < mask.length; i++) {
    let m = Math.min(1.6, Math.max(0.5, (mask[i]! + 2) / (avg + 2)));
    if (headroom) {
      // Near white or black, part of the mark clips at once and the rest clips under a mild
      // brightening or contrast change: move that energy to the tones that keep it.
      const v = luma.data[i]!;
      m *= Math.min(1, Math.max(HEADROOM_FLOOR, Math.min(255 - v, v) / HEADROOM));
    }
    mask[i] = m;
    energy += m * m;
  }
  const psnr = options.psnr ?? DEFAULT_PSNR;
  const targetRms = 255 / 10 ** (psnr / 20);
  // Rounding to integers adds ~1/12 of variance; leave room for it.
  const alpha = Math.sqrt(Math.max(0.05, targetRms * targetRms - 1 / 12) / (energy / mask.length));
  const delta = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const cy = ((y / CELL) | 0) % TILE;
    for (let x = 0; x < w; x++) {
      const cx = ((x / CELL) | 0) % TILE;
      delta[y * w + x] = alpha * mask[y * w + x]! * cellValue[cy * TILE + cx]!;
    }
  }
  return delta;
}

/** What the decoder found in one plane. */
export interface PlaneDecodeResult {
  /** The verified token, or null when no valid token was found. */
  token: DisclosureToken | null;
  /** Synchronisation peak strength (peak / standard deviation of the correlation surface). */
  syncScore: number;
  /** Scale of the examined image relative to the marked one. */
  scale: number;
  /** Number of payload bytes Reed-Solomon corrected (0..3), when a token was found. */
  correctedBytes: number;
  /** Mean |soft bit| / its standard deviation: how clearly the bits were read. */
  bitReliability: number;
  /** The raw (whitened-back) payload bits read, for evaluation. */
  bits: Uint8Array | null;
}

/**
 * How hard the residual is clipped: 'mean' at the mean absolute residual; 'tight' at a quarter of
 * it, which keeps little more than the residual's sign. After a brightening or contrast change
 * that saturates a white background, the mark survives only in mid-tones between strong text
 * edges, and the sign reads it best; under heavy JPEG the mean clip does.
 */
type ResidualClip = 'mean' | 'tight';

function residual(p: Plane, clip: ResidualClip = 'mean'): Plane {
  const blur = boxBlur(p, RESIDUAL_RADIUS);
  const out = createPlane(p.width, p.height);
  const n = p.data.length;
  // Robust clip at the mean absolute residual: edges of text and organs must not dominate.
  let s = 0;
  const step = Math.max(1, Math.floor(n / 20000));
  let cnt = 0;
  for (let i = 0; i < n; i += step) {
    s += Math.abs(p.data[i]! - blur.data[i]!);
    cnt++;
  }
  const lim = clip === 'tight' ? Math.max(0.05, 0.25 * (s / cnt)) : Math.max(0.5, s / cnt);
  for (let i = 0; i < n; i++) {
    const r = p.data[i]! - blur.data[i]!;
    out.data[i] = r > lim ? lim : r < -lim ? -lim : r;
  }
  return out;
}

/**
 * The residual for lattice estimation: pixels whose residual is far above the typical level (text
 * strokes, table rules, organ edges) are the host, not the mark, and are set to 0 rather than
 * clipped, so that periodic host structure (text lines, rows) does not outweigh the tile lattice.
 */
function latticeResidual(p: Plane): Plane {
  const blur = boxBlur(p, RESIDUAL_RADIUS);
  const out = createPlane(p.width, p.height);
  const lim = hostLimit(p, blur);
  for (let i = 0; i < p.data.length; i++) {
    const r = p.data[i]! - blur.data[i]!;
    out.data[i] = r > lim || r < -lim ? 0 : r;
  }
  return out;
}

/** Soft payload bits read from a fold. */
function readBits(layout: KeyedLayout, f: Fold): Float64Array {
  return readSoftBits(layout, f, new Float64Array(PAYLOAD_BITS));
}

function tryScale(
  layout: KeyedLayout,
  luma: Plane,
  sx: number,
  sy: number,
  clip: ResidualClip = 'mean',
) {
  const w = Math.floor(luma.width / sx);
  const h = Math.floor(luma.height / sy);
  // Bounded work: never resample to more than 4x the input or 24 Mpixel.
  if (w < 16 || h < 16 || w * h > Math.min(24e6, 4 * luma.width * luma.height)) return null;
  const nominal = sx === 1 && sy === 1 ? luma : resampleBilinear(luma, w, h, sx, sy);
  const f = foldAndSync(layout, residual(nominal, clip));
  return { f, sx, sy };
}

/** Estimates candidate periods (pixels) of the tiled pattern from row and column autocorrelation. */
function estimatePeriods(r: Plane, axis: 'x' | 'y', minLag: number, maxLag: number): number[] {
  const len = axis === 'x' ? r.width : r.height;
  const lines = axis === 'x' ? r.height : r.width;
  const segLen = Math.min(len, 2048);
  const start = Math.floor((len - segLen) / 2);
  let n = 1;
  while (n < segLen * 2) n <<= 1;
  const power = new Float64Array(n);
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  const step = Math.max(1, Math.floor(lines / 192));
  for (let l = 0; l < lines; l += step) {
    re.fill(0);
    im.fill(0);
    for (let i = 0; i < segLen; i++)
      re[i] = axis === 'x' ? r.data[l * r.width + start + i]! : r.data[(start + i) * r.width + l]!;
    fft(re, im);
    for (let i = 0; i < n; i++) power[i]! += re[i]! * re[i]! + im[i]! * im[i]!;
  }
  re.set(power);
  im.fill(0);
  fft(re, im, true);
  const maxL = Math.min(maxLag, Math.floor(segLen * 0.75));
  const ac = new Float64Array(maxL + 2);
  for (let lag = 0; lag <= maxL + 1; lag++) ac[lag] = re[lag]! / (segLen - lag);
  // Peak prominence over the median of a +-12 lag neighbourhood.
  const peaks: { lag: number; v: number }[] = [];
  for (let lag = Math.max(2, Math.ceil(minLag)); lag <= maxL; lag++) {
    const v = ac[lag]!;
    if (v < ac[lag - 1]! || v < ac[lag + 1]!) continue;
    const nb: number[] = [];
    for (let k = Math.max(1, lag - 12); k <= Math.min(maxL + 1, lag + 12); k++)
      if (Math.abs(k - lag) > 1) nb.push(ac[k]!);
    nb.sort((a, b) => a - b);
    const med = nb[nb.length >> 1] ?? 0;
    const a = ac[lag - 1]!;
    const c = ac[lag + 1]!;
    const den = a - 2 * v + c;
    const frac = den < 0 ? (0.5 * (a - c)) / den : 0;
    peaks.push({ lag: lag + frac, v: v - med });
  }
  peaks.sort((p, q) => q.v - p.v);
  return peaks.slice(0, 4).map((p) => p.lag);
}

/** Decoder options. */
export interface DecodeOptions {
  /** Try scale estimation when the unscaled decode fails (default true). */
  searchScale?: boolean;
  /**
   * Try geometric synchronisation (rotation, anisotropic scale, mild perspective) when the
   * axis-aligned searches fail (default true).
   */
  searchGeometry?: boolean;
}

/**
 * Looks for a watermark in a luminance plane (0..255 scale). Never throws on arbitrary content;
 * returns `token: null` when nothing verifiable is found.
 */
export function decodeWatermarkPlane(
  key: WatermarkKey,
  luma: Plane,
  options: DecodeOptions = {},
): PlaneDecodeResult {
  const layout = layoutFor(key);
  let best: { f: Fold; sx: number; sy: number } | null = null;
  const attempt = (sx: number, sy: number, clip?: ResidualClip): PlaneDecodeResult | null => {
    const t = tryScale(layout, luma, sx, sy, clip);
    if (!t) return null;
    if (!best || t.f.score > best.f.score) best = t;
    if (t.f.score < 4.5) return null;
    const d = decodeSoft(key, layout, readBits(layout, t.f));
    if (!d.token) return null;
    return {
      token: d.token,
      syncScore: t.f.score,
      scale: Math.sqrt(sx * sy),
      correctedBytes: d.corrected,
      bitReliability: d.reliability,
      bits: d.bits,
    };
  };
  const direct = attempt(1, 1) ?? attempt(1, 1, 'tight');
  if (direct) return direct;
  if (options.searchScale !== false) {
    const r = residual(luma);
    const tried = new Set<string>();
    const cands: [number, number][] = [];
    const px = estimatePeriods(r, 'x', TILE_PX * 0.25, TILE_PX * 4);
    const py = estimatePeriods(r, 'y', TILE_PX * 0.25, TILE_PX * 4);
    for (const p of px) {
      const q = py.find((v) => Math.abs(v / p - 1) < 0.03) ?? p;
      cands.push([p / TILE_PX, q / TILE_PX]);
    }
    for (const q of py) cands.push([q / TILE_PX, q / TILE_PX]);
    cands.push([0.5, 0.5]);
    for (const [sx, sy] of cands) {
      const k = `${sx.toFixed(4)}/${sy.toFixed(4)}`;
      if (tried.has(k) || sx < 0.35 || sy < 0.35 || sx > 4 || sy > 4) continue;
      tried.add(k);
      const res = attempt(sx, sy);
      if (res) return res;
    }
    // Refine around the best synchronisation peak.
    const b0 = best as { f: Fold; sx: number; sy: number } | null;
    if (b0 && b0.f.score > 4) {
      for (const d of [0.002, -0.002, 0.004, -0.004, 0.007, -0.007]) {
        const res = attempt(b0.sx * (1 + d), b0.sy * (1 + d));
        if (res) return res;
      }
    }
  }
  if (options.searchGeometry !== false) {
    const res = decodeGeometric(key, layout, luma);
    if (res) return res;
  }
  const b = best as { f: Fold; sx: number; sy: number } | null;
  let bits: Uint8Array | null = null;
  if (b) bits = decodeSoft(key, layout, readBits(layout, b.f)).bits;
  return {
    token: null,
    syncScore: b ? b.f.score : 0,
    scale: b ? Math.sqrt(b.sx * b.sy) : 1,
    correctedBytes: 0,
    bitReliability: 0,
    bits,
  };
}

/** Block size (marked-frame pixels) and stride of the local registration used for perspective. */
const BLOCK = 2 * TILE_PX;
const BLOCK_STRIDE = TILE_PX;
/** Smallest block synchronisation score accepted as a registration point. */
const BLOCK_MIN_SCORE = 5;
/** Lattice candidates tried, and registration rounds per candidate. */
const LATTICE_CANDIDATES = 6;
const REGISTRATION_ROUNDS = 3;

function tryFold(
  key: WatermarkKey,
  layout: KeyedLayout,
  f: Fold,
  scale: number,
): PlaneDecodeResult | null {
  if (f.score < 4.5) return null;
  const d = decodeSoft(key, layout, readBits(layout, f));
  if (!d.token) return null;
  return {
    token: d.token,
    syncScore: f.score,
    scale,
    correctedBytes: d.corrected,
    bitReliability: d.reliability,
    bits: d.bits,
  };
}

/** The block grid of the local registration. */
const GRID = { size: BLOCK, stride: BLOCK_STRIDE, edges: false, minScore: BLOCK_MIN_SCORE };

/**
 * Geometric search: tile lattices from the autocorrelation give an affine estimate (rotation,
 * scale, shear); local block registration then refines it to a homography (perspective). Each
 * candidate geometry is decoded like the axis-aligned case and only a MAC-verified token counts.
 */
function decodeGeometric(
  key: WatermarkKey,
  layout: KeyedLayout,
  luma: Plane,
): PlaneDecodeResult | null {
  const r = residual(luma);
  const maxPixels = Math.min(24e6, 4 * luma.width * luma.height);
  const cands = estimateLattices(latticeResidual(luma), TILE_PX, 0.35, 2.5, LATTICE_CANDIDATES);
  for (const c of cands) {
    let h: Homography | null = latticeHomography(c, TILE_PX, luma.width / 2, luma.height / 2);
    const scale = Math.sqrt(Math.abs(c.ax * c.by - c.ay * c.bx)) / TILE_PX;
    for (let round = 0; round < REGISTRATION_ROUNDS && h; round++) {
      const frame = markedFrame(h, luma.width, luma.height, maxPixels);
      if (!frame) break;
      const plane = warpPlane(r, h, frame.u0, frame.v0, frame.w, frame.h);
      const ff = foldAndSync(layout, plane);
      const res = tryFold(key, layout, ff, scale);
      if (res) return res;
      const pts = registerBlocks(layout, plane, frame, h, luma.width, luma.height, GRID);
      if (pts.length < 3) break;
      h = fitRobust(pts);
    }
  }
  return null;
}

/** The expected raw payload bits of a token under a key (for bit-accuracy evaluation). */
export function expectedPayloadBits(key: WatermarkKey, token: DisclosureToken): Uint8Array {
  return payloadBits(layoutFor(key), token);
}
