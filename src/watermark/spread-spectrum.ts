/**
 * The invisible image watermark, on a luminance plane.
 *
 * Design: a keyed pseudo-random pattern of +-1 cells (CELL x CELL pixels) tiled with period
 * TILE cells over the whole image. Half of a tile's cells (keyed choice) carry a fixed keyed
 * synchronisation sequence; the other half carry the payload (token + Reed-Solomon parity), each
 * payload bit spread over several cells with keyed chip signs. The pattern is added to the
 * luminance with a texture-adaptive amplitude scaled to a target PSNR.
 *
 * Decoding removes the host image with a high-pass filter, folds every tile onto one (summing all
 * the redundancy in the image), finds the crop offset as the peak of the cyclic cross-correlation
 * with the synchronisation sequence (2D FFT), reads the payload bits, corrects errors with
 * Reed-Solomon and verifies the token's MAC. Scale changes are found from the periodicity of the
 * residual (row/column autocorrelation) and refined on the synchronisation peak.
 */
import { createCipheriv } from 'node:crypto';
import { fft, fft2 } from './fft.ts';
import {
  applyHomography,
  estimateLattices,
  fitHomography,
  latticeHomography,
  markedFrame,
  warpPlane,
  type Homography,
} from './geometry.ts';
import { boxBlur, createPlane, resampleBilinear, type Plane } from './plane.ts';
import { decodeReedSolomon, encodeReedSolomon } from './reed-solomon.ts';
import {
  deriveChannelKey,
  TOKEN_BYTES,
  verifyToken,
  type DisclosureToken,
  type WatermarkKey,
} from './token.ts';

/** Cell size in pixels at the nominal scale. */
export const CELL = 4;
/** Tile size in cells. */
export const TILE = 32;
/** Tile size in pixels at the nominal scale. */
export const TILE_PX = CELL * TILE;
const PARITY = 6;
const PAYLOAD_BYTES = TOKEN_BYTES + PARITY;
const PAYLOAD_BITS = PAYLOAD_BYTES * 8;
const CELLS = TILE * TILE;
const RESIDUAL_RADIUS = 2;

interface Layout {
  /** Per cell: +-1 for synchronisation cells, 0 for payload cells. */
  sync: Int8Array;
  /** Per cell: chip sign for payload cells. */
  chip: Int8Array;
  /** Per cell: payload bit index, -1 for synchronisation cells. */
  bitOf: Int16Array;
  /** FFT (conjugated) of the high-passed synchronisation template, TILE_PX^2. */
  syncRe: Float64Array;
  syncIm: Float64Array;
  /** Keystream that whitens the payload bits. */
  whiten: Uint8Array;
}

const layouts = new Map<string, Layout>();

function keystream(key: Buffer, n: number): Uint8Array {
  const c = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  return c.update(Buffer.alloc(n));
}

function layoutFor(key: WatermarkKey): Layout {
  const k = deriveChannelKey(key, 'image-v1');
  const id = k.toString('hex');
  const cached = layouts.get(id);
  if (cached) return cached;
  const rnd = keystream(k, CELLS * 4 + CELLS + PAYLOAD_BYTES);
  // Keyed permutation of the cells (Fisher-Yates on 32-bit draws).
  const perm = Array.from({ length: CELLS }, (_, i) => i);
  const dv = new DataView(rnd.buffer, rnd.byteOffset, rnd.byteLength);
  for (let i = CELLS - 1; i > 0; i--) {
    const j = dv.getUint32(i * 4) % (i + 1);
    [perm[i], perm[j]] = [perm[j]!, perm[i]!];
  }
  const sync = new Int8Array(CELLS);
  const chip = new Int8Array(CELLS);
  const bitOf = new Int16Array(CELLS).fill(-1);
  for (let n = 0; n < CELLS; n++) {
    const cell = perm[n]!;
    const sign = rnd[CELLS * 4 + cell]! & 1 ? 1 : -1;
    if (n < CELLS / 2) sync[cell] = sign;
    else {
      chip[cell] = sign;
      bitOf[cell] = (n - CELLS / 2) % PAYLOAD_BITS;
    }
  }
  const whiten = rnd.subarray(CELLS * 5, CELLS * 5 + PAYLOAD_BYTES);
  // Synchronisation template at pixel level, high-passed like the decoder's residual.
  const t = createPlane(TILE_PX, TILE_PX);
  for (let y = 0; y < TILE_PX; y++)
    for (let x = 0; x < TILE_PX; x++)
      t.data[y * TILE_PX + x] = sync[((y / CELL) | 0) * TILE + ((x / CELL) | 0)]!;
  const hp = highPassCyclic(t);
  const tmp = Float64Array.from(hp.data);
  removeLineMeans(tmp);
  hp.data.set(tmp);
  const re = Float64Array.from(hp.data);
  const im = new Float64Array(re.length);
  fft2(re, im, TILE_PX);
  for (let i = 0; i < im.length; i++) im[i] = -im[i]!;
  const layout = { sync, chip, bitOf, syncRe: re, syncIm: im, whiten: Uint8Array.from(whiten) };
  layouts.set(id, layout);
  return layout;
}

function highPassCyclic(p: Plane): Plane {
  const { width: w, height: h } = p;
  const r = RESIDUAL_RADIUS;
  const out = createPlane(w, h);
  const win = (2 * r + 1) ** 2;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let dy = -r; dy <= r; dy++)
        for (let dx = -r; dx <= r; dx++) s += p.data[((y + dy + h) % h) * w + ((x + dx + w) % w)]!;
      out.data[y * w + x] = p.data[y * w + x]! - s / win;
    }
  return out;
}

/** Payload bits (0/1) for a token: token || RS parity, whitened by the keyed stream. */
function payloadBits(layout: Layout, token: DisclosureToken): Uint8Array {
  const code = encodeReedSolomon(token.bytes, PARITY);
  const bits = new Uint8Array(PAYLOAD_BITS);
  for (let i = 0; i < PAYLOAD_BITS; i++)
    bits[i] = ((code[i >> 3]! ^ layout.whiten[i >> 3]!) >> (7 - (i & 7))) & 1;
  return bits;
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
  const layout = layoutFor(key);
  const bits = payloadBits(layout, token);
  const cellValue = new Float32Array(CELLS);
  for (let c = 0; c < CELLS; c++) {
    const b = layout.bitOf[c]!;
    cellValue[c] = b < 0 ? layout.sync[c]! : layout.chip[c]! * (bits[b] ? 1 : -1);
  }
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
  const n = p.data.length;
  const hist = new Uint32Array(256);
  const step = Math.max(1, Math.floor(n / 50000));
  let cnt = 0;
  for (let i = 0; i < n; i += step) {
    // Flat areas (saturated white, empty background) carry neither mark nor host: not counted.
    const a = Math.abs(p.data[i]! - blur.data[i]!);
    if (a < 0.25) continue;
    hist[Math.min(255, Math.floor(a * 8))]!++;
    cnt++;
  }
  let median = 0;
  for (let k = 0, acc = 0; k < 256; k++) {
    acc += hist[k]!;
    if (acc * 2 >= cnt) {
      median = (k + 0.5) / 8;
      break;
    }
  }
  const lim = Math.max(1, 3 * median);
  for (let i = 0; i < n; i++) {
    const r = p.data[i]! - blur.data[i]!;
    out.data[i] = r > lim || r < -lim ? 0 : r;
  }
  return out;
}

/**
 * Subtracts the row and column means of a folded tile: long straight edges (table rules, header
 * bars, collimator edges) add the same value along a whole folded row or column and would bias
 * every payload cell on it; the random pattern itself has almost no line means.
 */
function removeLineMeans(acc: Float64Array): void {
  const n = TILE_PX;
  for (let y = 0; y < n; y++) {
    let s = 0;
    for (let x = 0; x < n; x++) s += acc[y * n + x]!;
    s /= n;
    for (let x = 0; x < n; x++) acc[y * n + x]! -= s;
  }
  for (let x = 0; x < n; x++) {
    let s = 0;
    for (let y = 0; y < n; y++) s += acc[y * n + x]!;
    s /= n;
    for (let y = 0; y < n; y++) acc[y * n + x]! -= s;
  }
}

interface Fold {
  acc: Float64Array;
  score: number;
  dx: number;
  dy: number;
  /** Sub-pixel position of the synchronisation peak. */
  fx: number;
  fy: number;
}

function foldAndSync(
  layout: Layout,
  r: Plane,
  x0 = 0,
  y0 = 0,
  w = r.width - x0,
  h = r.height - y0,
): Fold {
  const acc = new Float64Array(TILE_PX * TILE_PX);
  const { data } = r;
  for (let y = y0; y < y0 + h; y++) {
    const ty = (y % TILE_PX) * TILE_PX;
    const row = y * r.width;
    for (let x = x0; x < x0 + w; x++) acc[ty + (x % TILE_PX)]! += data[row + x]!;
  }
  removeLineMeans(acc);
  const re = Float64Array.from(acc);
  const im = new Float64Array(re.length);
  fft2(re, im, TILE_PX);
  for (let i = 0; i < re.length; i++) {
    const a = re[i]!;
    const b = im[i]!;
    const c = layout.syncRe[i]!;
    const d = layout.syncIm[i]!;
    re[i] = a * c - b * d;
    im[i] = a * d + b * c;
  }
  fft2(re, im, TILE_PX, true);
  let best = -Infinity;
  let at = 0;
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < re.length; i++) {
    const v = re[i]!;
    s += v;
    s2 += v * v;
    if (v > best) {
      best = v;
      at = i;
    }
  }
  const n = re.length;
  const sd = Math.sqrt(Math.max(1e-12, s2 / n - (s / n) ** 2));
  const dx = at % TILE_PX;
  const dy = (at / TILE_PX) | 0;
  const c = (x: number, y: number): number =>
    re[((y + TILE_PX) % TILE_PX) * TILE_PX + ((x + TILE_PX) % TILE_PX)]!;
  return {
    acc,
    score: (best - s / n) / sd,
    dx,
    dy,
    fx: dx + subPixel(c(dx - 1, dy), best, c(dx + 1, dy)),
    fy: dy + subPixel(c(dx, dy - 1), best, c(dx, dy + 1)),
  };
}

function subPixel(a: number, b: number, c: number): number {
  const den = a - 2 * b + c;
  return den < 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (a - c)) / den)) : 0;
}

function readBits(layout: Layout, f: Fold): { soft: Float64Array } {
  const soft = new Float64Array(PAYLOAD_BITS);
  for (let c = 0; c < CELLS; c++) {
    const b = layout.bitOf[c]!;
    if (b < 0) continue;
    const cx = (c % TILE) * CELL;
    const cy = ((c / TILE) | 0) * CELL;
    let s = 0;
    for (let y = 0; y < CELL; y++) {
      const yy = ((cy + y + f.dy) % TILE_PX) * TILE_PX;
      for (let x = 0; x < CELL; x++) s += f.acc[yy + ((cx + x + f.dx) % TILE_PX)]!;
    }
    soft[b]! += s * layout.chip[c]!;
  }
  return { soft };
}

/** Number of least reliable bits flipped in every combination before Reed-Solomon (Chase-II decoding). */
const CHASE_BITS = 8;
/** Least reliable payload bytes whose subsets (up to PARITY of them) are tried as erasures. */
const ERASURE_BYTES = 8;

function decodeSoft(
  key: WatermarkKey,
  layout: Layout,
  soft: Float64Array,
): { token: DisclosureToken | null; corrected: number; reliability: number; bits: Uint8Array } {
  const bits = new Uint8Array(PAYLOAD_BITS);
  let sa = 0;
  let sa2 = 0;
  for (let i = 0; i < PAYLOAD_BITS; i++) {
    bits[i] = soft[i]! > 0 ? 1 : 0;
    const a = Math.abs(soft[i]!);
    sa += a;
    sa2 += a * a;
  }
  const m = sa / PAYLOAD_BITS;
  const reliability = m / Math.sqrt(Math.max(1e-12, sa2 / PAYLOAD_BITS - m * m));
  const weakest = Array.from({ length: PAYLOAD_BITS }, (_, i) => i)
    .sort((a, b) => Math.abs(soft[a]!) - Math.abs(soft[b]!))
    .slice(0, CHASE_BITS);
  for (let pattern = 0; pattern < 1 << CHASE_BITS; pattern++) {
    const bytes = new Uint8Array(PAYLOAD_BYTES);
    for (let i = 0; i < PAYLOAD_BITS; i++) bytes[i >> 3]! |= bits[i]! << (7 - (i & 7));
    for (let k = 0; k < CHASE_BITS; k++)
      if (pattern & (1 << k)) bytes[weakest[k]! >> 3]! ^= 1 << (7 - (weakest[k]! & 7));
    for (let i = 0; i < PAYLOAD_BYTES; i++) bytes[i]! ^= layout.whiten[i]!;
    const data = decodeReedSolomon(bytes, PARITY);
    if (!data) continue;
    // The MAC decides: a codeword that does not verify is not a watermark of this key.
    const token = verifyToken(key, data);
    if (!token) continue;
    let corrected = 0;
    const again = encodeReedSolomon(data, PARITY);
    for (let i = 0; i < PAYLOAD_BYTES; i++) if (again[i] !== bytes[i]) corrected++;
    return { token, corrected, reliability, bits };
  }
  // Generalised minimum-distance decoding: erase the least reliable bytes (weakest bit of each)
  // in every combination of up to PARITY of the ERASURE_BYTES weakest; Reed-Solomon fills them
  // and corrects what errors the remaining parity allows.
  const byteWeakness = new Float64Array(PAYLOAD_BYTES).fill(Infinity);
  for (let i = 0; i < PAYLOAD_BITS; i++)
    byteWeakness[i >> 3] = Math.min(byteWeakness[i >> 3]!, Math.abs(soft[i]!));
  const weakBytes = Array.from({ length: PAYLOAD_BYTES }, (_, i) => i)
    .sort((a, b) => byteWeakness[a]! - byteWeakness[b]!)
    .slice(0, ERASURE_BYTES);
  const hard = new Uint8Array(PAYLOAD_BYTES);
  for (let i = 0; i < PAYLOAD_BITS; i++) hard[i >> 3]! |= bits[i]! << (7 - (i & 7));
  for (let i = 0; i < PAYLOAD_BYTES; i++) hard[i]! ^= layout.whiten[i]!;
  const erased: number[] = [];
  for (let pattern = 1; pattern < 1 << ERASURE_BYTES; pattern++) {
    erased.length = 0;
    for (let k = 0; k < ERASURE_BYTES; k++) if (pattern & (1 << k)) erased.push(weakBytes[k]!);
    if (erased.length > PARITY) continue;
    const data = decodeReedSolomon(hard, PARITY, erased);
    if (!data) continue;
    const token = verifyToken(key, data);
    if (!token) continue;
    let corrected = 0;
    const again = encodeReedSolomon(data, PARITY);
    for (let i = 0; i < PAYLOAD_BYTES; i++) if (again[i] !== hard[i]) corrected++;
    return { token, corrected, reliability, bits };
  }
  return { token: null, corrected: 0, reliability, bits };
}

function tryScale(
  layout: Layout,
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
    const { soft } = readBits(layout, t.f);
    const d = decodeSoft(key, layout, soft);
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
  if (b) bits = decodeSoft(key, layout, readBits(layout, b.f).soft).bits;
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
  layout: Layout,
  f: Fold,
  scale: number,
): PlaneDecodeResult | null {
  if (f.score < 4.5) return null;
  const d = decodeSoft(key, layout, readBits(layout, f).soft);
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

/**
 * Local registration: every block of the re-aligned residual is synchronised on its own; its
 * sub-pixel tile phase says where the marked frame really lies there. Returns correspondences
 * (marked-frame position -> image position) for a homography fit.
 */
function registerBlocks(
  layout: Layout,
  plane: Plane,
  frame: { u0: number; v0: number },
  h: Homography,
  width: number,
  height: number,
): { u: number; v: number; x: number; y: number; s: number }[] {
  const blocks: { cx: number; cy: number; fx: number; fy: number; s: number }[] = [];
  for (let y0 = 0; y0 + BLOCK <= plane.height; y0 += BLOCK_STRIDE)
    for (let x0 = 0; x0 + BLOCK <= plane.width; x0 += BLOCK_STRIDE) {
      let inside = 0;
      for (const [cx, cy] of [
        [x0, y0],
        [x0 + BLOCK, y0],
        [x0, y0 + BLOCK],
        [x0 + BLOCK, y0 + BLOCK],
      ] as const) {
        const [x, y] = applyHomography(h, frame.u0 + cx, frame.v0 + cy);
        if (x >= 0 && y >= 0 && x < width && y < height) inside++;
      }
      if (inside < 3) continue;
      const f = foldAndSync(layout, plane, x0, y0, BLOCK, BLOCK);
      if (f.score < BLOCK_MIN_SCORE) continue;
      blocks.push({ cx: x0 + BLOCK / 2, cy: y0 + BLOCK / 2, fx: f.fx, fy: f.fy, s: f.score });
    }
  if (!blocks.length) return [];
  const ref = blocks.reduce((m, b) => (b.s > m.s ? b : m));
  const wrap = (d: number): number => d - TILE_PX * Math.round(d / TILE_PX);
  return blocks.map((b) => {
    const [x, y] = applyHomography(h, frame.u0 + b.cx, frame.v0 + b.cy);
    return {
      u: b.cx - ref.fx - wrap(b.fx - ref.fx),
      v: b.cy - ref.fy - wrap(b.fy - ref.fy),
      x,
      y,
      s: b.s,
    };
  });
}

/** Fits a homography to registration points, dropping outliers (> 1.5 px) once. */
function fitRobust(pts: { u: number; v: number; x: number; y: number }[]): Homography | null {
  let h = fitHomography(pts);
  if (!h) return null;
  const err = (p: { u: number; v: number; x: number; y: number }): number => {
    const [x, y] = applyHomography(h!, p.u, p.v);
    return Math.hypot(x - p.x, y - p.y);
  };
  const kept = pts.filter((p) => err(p) < 1.5);
  if (kept.length < pts.length && kept.length >= 3) h = fitHomography(kept) ?? h;
  return h;
}

/**
 * Geometric search: tile lattices from the autocorrelation give an affine estimate (rotation,
 * scale, shear); local block registration then refines it to a homography (perspective). Each
 * candidate geometry is decoded like the axis-aligned case and only a MAC-verified token counts.
 */
function decodeGeometric(key: WatermarkKey, layout: Layout, luma: Plane): PlaneDecodeResult | null {
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
      const pts = registerBlocks(layout, plane, frame, h, luma.width, luma.height);
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
