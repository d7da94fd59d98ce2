/**
 * The keyed tile shared by the image watermark (spread-spectrum.ts) and the screen mark
 * (screen-mark.ts): the keyed cell layout, the payload coding, folding a residual onto one tile,
 * synchronising it on the keyed template, reading soft bits, MAC-checked soft decoding and the
 * block registration used to recover perspective.
 *
 * A tile is `tile` x `tile` cells of `cell` pixels (period `tile * cell`, a power of 2 for the FFT).
 * Half of the cells (keyed choice) carry a fixed keyed synchronisation sequence, the other half the
 * payload (token + Reed-Solomon parity, whitened by a keyed stream), each bit spread over several
 * cells with keyed chip signs. Everything here is a function of the channel key: without it the
 * layout, the template and the whitening are unknown.
 */
import { createCipheriv } from 'node:crypto';
import { fft2 } from './fft.ts';
import { applyHomography, fitHomography, type Homography } from './geometry.ts';
import type { Plane } from './plane.ts';
import { decodeReedSolomon, encodeReedSolomon } from './reed-solomon.ts';
import {
  deriveChannelKey,
  TOKEN_BYTES,
  verifyToken,
  type DisclosureToken,
  type WatermarkKey,
} from './token.ts';

/** Reed-Solomon parity bytes appended to the token. */
export const PARITY = 6;
/** Payload bytes (token + parity) and bits. */
export const PAYLOAD_BYTES = TOKEN_BYTES + PARITY;
export const PAYLOAD_BITS = PAYLOAD_BYTES * 8;

/** The keyed layout of one tile. */
export interface KeyedLayout {
  /** Cells per tile side. */
  tile: number;
  /** Pixels per cell side. */
  cell: number;
  /** Tile period in pixels (tile * cell). */
  period: number;
  /** Per cell: +-1 for synchronisation cells, 0 for payload cells. */
  sync: Int8Array;
  /** Per cell: chip sign for payload cells. */
  chip: Int8Array;
  /** Per cell: payload bit index, -1 for synchronisation cells. */
  bitOf: Int16Array;
  /** FFT (conjugated) of the high-passed synchronisation template, period^2. */
  syncRe: Float64Array;
  syncIm: Float64Array;
  /** Keystream that whitens the payload bits. */
  whiten: Uint8Array;
}

const layouts = new Map<string, KeyedLayout>();

function keystream(key: Buffer, n: number): Uint8Array {
  const c = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  return c.update(Buffer.alloc(n));
}

/**
 * The layout of `channel` (a `deriveChannelKey` label) for a key: `tile` cells of `cell` pixels per
 * side; the synchronisation template is high-passed with a box of radius `residualRadius`, like the
 * decoder's residual. Cached per channel key and shape.
 */
export function keyedLayout(
  key: WatermarkKey,
  channel: string,
  tile: number,
  cell: number,
  residualRadius: number,
): KeyedLayout {
  const k = deriveChannelKey(key, channel);
  const id = `${k.toString('hex')}/${tile}/${cell}/${residualRadius}`;
  const cached = layouts.get(id);
  if (cached) return cached;
  const cells = tile * tile;
  const rnd = keystream(k, cells * 4 + cells + PAYLOAD_BYTES);
  // Keyed permutation of the cells (Fisher-Yates on 32-bit draws).
  const perm = new Int32Array(cells);
  for (let i = 0; i < cells; i++) perm[i] = i;
  const dv = new DataView(rnd.buffer, rnd.byteOffset, rnd.byteLength);
  for (let i = cells - 1; i > 0; i--) {
    const j = dv.getUint32(i * 4) % (i + 1);
    const t = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = t;
  }
  const sync = new Int8Array(cells);
  const chip = new Int8Array(cells);
  const bitOf = new Int16Array(cells).fill(-1);
  for (let n = 0; n < cells; n++) {
    const c = perm[n]!;
    const sign = rnd[cells * 4 + c]! & 1 ? 1 : -1;
    if (n < cells / 2) sync[c] = sign;
    else {
      chip[c] = sign;
      bitOf[c] = (n - cells / 2) % PAYLOAD_BITS;
    }
  }
  const whiten = Uint8Array.from(rnd.subarray(cells * 5, cells * 5 + PAYLOAD_BYTES));
  const period = tile * cell;
  const t = new Float64Array(period * period);
  for (let y = 0; y < period; y++)
    for (let x = 0; x < period; x++)
      t[y * period + x] = sync[((y / cell) | 0) * tile + ((x / cell) | 0)]!;
  const re = highPassCyclic(t, period, residualRadius);
  removeLineMeans(re, period);
  const im = new Float64Array(re.length);
  fft2(re, im, period);
  for (let i = 0; i < im.length; i++) im[i] = -im[i]!;
  const layout: KeyedLayout = {
    tile,
    cell,
    period,
    sync,
    chip,
    bitOf,
    syncRe: re,
    syncIm: im,
    whiten,
  };
  layouts.set(id, layout);
  return layout;
}

/** `p` (n x n, cyclic) minus its box mean of radius r. */
function highPassCyclic(p: Float64Array, n: number, r: number): Float64Array {
  const out = new Float64Array(n * n);
  const win = (2 * r + 1) ** 2;
  for (let y = 0; y < n; y++)
    for (let x = 0; x < n; x++) {
      let s = 0;
      for (let dy = -r; dy <= r; dy++)
        for (let dx = -r; dx <= r; dx++) s += p[((y + dy + n) % n) * n + ((x + dx + n) % n)]!;
      out[y * n + x] = p[y * n + x]! - s / win;
    }
  return out;
}

/** Payload bits (0/1) for a token: token || RS parity, whitened by the keyed stream. */
export function payloadBits(layout: KeyedLayout, token: DisclosureToken): Uint8Array {
  const code = encodeReedSolomon(token.bytes, PARITY);
  const bits = new Uint8Array(PAYLOAD_BITS);
  for (let i = 0; i < PAYLOAD_BITS; i++)
    bits[i] = ((code[i >> 3]! ^ layout.whiten[i >> 3]!) >> (7 - (i & 7))) & 1;
  return bits;
}

/** The +-1 value of every cell of a tile carrying `token`, row-major. */
export function tileCells(layout: KeyedLayout, token: DisclosureToken): Int8Array {
  const bits = payloadBits(layout, token);
  const cells = new Int8Array(layout.tile * layout.tile);
  for (let c = 0; c < cells.length; c++) {
    const b = layout.bitOf[c]!;
    cells[c] = b < 0 ? layout.sync[c]! : layout.chip[c]! * (bits[b] ? 1 : -1);
  }
  return cells;
}

/**
 * Subtracts the row and column means of a folded n x n tile: long straight edges (table rules,
 * header bars, collimator edges) add the same value along a whole folded row or column and would
 * bias every payload cell on it; the random pattern itself has almost no line means.
 */
export function removeLineMeans(acc: Float64Array, n: number): void {
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

/** Sub-sample offset of a peak b between neighbours a and c (parabola), within +-0.5. */
export function subPixel(a: number, b: number, c: number): number {
  const den = a - 2 * b + c;
  return den < 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (a - c)) / den)) : 0;
}

/**
 * Clipping level of a high-pass residual: three times the median absolute residual over pixels
 * that carry anything (flat areas, saturated white or empty background, are not counted), at
 * least 1. Residuals beyond it are host structure (text strokes, rules, edges), not the mark.
 */
export function hostLimit(p: Plane, blur: Plane): number {
  const n = p.data.length;
  const hist = new Uint32Array(256);
  const step = Math.max(1, Math.floor(n / 50000));
  let cnt = 0;
  for (let i = 0; i < n; i += step) {
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
  return Math.max(1, 3 * median);
}

/** A residual folded onto one tile and synchronised on the keyed template. */
export interface Fold {
  /** The folded tile (period^2), line means removed. */
  acc: Float64Array;
  /** Synchronisation peak over the standard deviation of the correlation surface. */
  score: number;
  /** Integer tile phase. */
  dx: number;
  dy: number;
  /** Sub-pixel position of the synchronisation peak. */
  fx: number;
  fy: number;
}

const scratch = new Map<number, { re: Float64Array; im: Float64Array }>();

/**
 * Folds the (x0, y0, w, h) window of a residual onto one tile (tile phase from the plane origin)
 * and finds the tile offset as the peak of the cyclic cross-correlation with the template.
 */
export function foldAndSync(
  layout: KeyedLayout,
  r: Plane,
  x0 = 0,
  y0 = 0,
  w = r.width - x0,
  h = r.height - y0,
): Fold {
  const p = layout.period;
  const acc = new Float64Array(p * p);
  const { data } = r;
  for (let y = y0; y < y0 + h; y++) {
    const ty = (y % p) * p;
    const row = y * r.width;
    for (let x = x0; x < x0 + w; x++) acc[ty + (x % p)]! += data[row + x]!;
  }
  removeLineMeans(acc, p);
  let s0 = scratch.get(p);
  if (!s0) {
    s0 = { re: new Float64Array(p * p), im: new Float64Array(p * p) };
    scratch.set(p, s0);
  }
  const { re, im } = s0;
  re.set(acc);
  im.fill(0);
  fft2(re, im, p);
  for (let i = 0; i < re.length; i++) {
    const a = re[i]!;
    const b = im[i]!;
    const c = layout.syncRe[i]!;
    const d = layout.syncIm[i]!;
    re[i] = a * c - b * d;
    im[i] = a * d + b * c;
  }
  fft2(re, im, p, true);
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
  const dx = at % p;
  const dy = (at / p) | 0;
  const c = (x: number, y: number): number => re[((y + p) % p) * p + ((x + p) % p)]!;
  return {
    acc,
    score: (best - s / n) / sd,
    dx,
    dy,
    fx: dx + subPixel(c(dx - 1, dy), best, c(dx + 1, dy)),
    fy: dy + subPixel(c(dx, dy - 1), best, c(dx, dy + 1)),
  };
}

/** Adds the fold's payload cell sums, times chip sign and `weight`, to the soft bits. */
export function readSoftBits(
  layout: KeyedLayout,
  f: Fold,
  soft: Float64Array,
  weight = 1,
): Float64Array {
  const { tile, cell, period: p } = layout;
  for (let c = 0; c < tile * tile; c++) {
    const b = layout.bitOf[c]!;
    if (b < 0) continue;
    const cx = (c % tile) * cell;
    const cy = ((c / tile) | 0) * cell;
    let s = 0;
    for (let y = 0; y < cell; y++) {
      const yy = ((cy + y + f.dy) % p) * p;
      for (let x = 0; x < cell; x++) s += f.acc[yy + ((cx + x + f.dx) % p)]!;
    }
    soft[b]! += s * layout.chip[c]! * weight;
  }
  return soft;
}

/** What soft decoding found. */
export interface SoftDecode {
  /** The MAC-verified token, or null. */
  token: DisclosureToken | null;
  /** Payload bytes Reed-Solomon corrected (when a token was found). */
  corrected: number;
  /** Mean |soft bit| / its standard deviation: how clearly the bits were read. */
  reliability: number;
  /** The raw (whitened) hard bits. */
  bits: Uint8Array;
}

/** Least reliable bits flipped in every combination before Reed-Solomon (Chase-II decoding). */
const CHASE_BITS = 8;
/** Least reliable payload bytes whose subsets (up to PARITY of them) are tried as erasures. */
const ERASURE_BYTES = 8;

/**
 * Decodes soft payload bits: Chase-II (every flip pattern of the `chaseBits` weakest bits, default
 * CHASE_BITS; each added bit doubles the Reed-Solomon decodings) through
 * Reed-Solomon, then generalised minimum-distance decoding (the weakest bytes erased in every
 * combination of up to `maxErasures`, at most PARITY; 0 skips it). Only a codeword whose token MAC
 * verifies under `key` is returned: a Reed-Solomon success alone is never trusted. Every erasure
 * pattern that leaves no parity to spare yields a codeword, so each such pattern is one more
 * 32-bit MAC trial on unmarked input: `maxErasures` below PARITY keeps a parity check in front of
 * the MAC.
 */
export function decodeSoft(
  key: WatermarkKey,
  layout: KeyedLayout,
  soft: Float64Array,
  maxErasures = PARITY,
  chaseBits = CHASE_BITS,
): SoftDecode {
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
    .slice(0, chaseBits);
  const hard = new Uint8Array(PAYLOAD_BYTES);
  for (let i = 0; i < PAYLOAD_BITS; i++) hard[i >> 3]! |= bits[i]! << (7 - (i & 7));
  const bytes = new Uint8Array(PAYLOAD_BYTES);
  const verified = (data: Uint8Array | null, sent: Uint8Array): SoftDecode | null => {
    if (!data) return null;
    // The MAC decides: a codeword that does not verify is not a mark of this key.
    const token = verifyToken(key, data);
    if (!token) return null;
    let corrected = 0;
    const again = encodeReedSolomon(data, PARITY);
    for (let i = 0; i < PAYLOAD_BYTES; i++) if (again[i] !== sent[i]) corrected++;
    return { token, corrected, reliability, bits };
  };
  for (let pattern = 0; pattern < 1 << chaseBits; pattern++) {
    bytes.set(hard);
    for (let k = 0; k < chaseBits; k++)
      if (pattern & (1 << k)) bytes[weakest[k]! >> 3]! ^= 1 << (7 - (weakest[k]! & 7));
    for (let i = 0; i < PAYLOAD_BYTES; i++) bytes[i]! ^= layout.whiten[i]!;
    const found = verified(decodeReedSolomon(bytes, PARITY), bytes);
    if (found) return found;
  }
  if (maxErasures > 0) {
    const byteWeakness = new Float64Array(PAYLOAD_BYTES).fill(Infinity);
    for (let i = 0; i < PAYLOAD_BITS; i++)
      byteWeakness[i >> 3] = Math.min(byteWeakness[i >> 3]!, Math.abs(soft[i]!));
    const weakBytes = Array.from({ length: PAYLOAD_BYTES }, (_, i) => i)
      .sort((a, b) => byteWeakness[a]! - byteWeakness[b]!)
      .slice(0, ERASURE_BYTES);
    for (let i = 0; i < PAYLOAD_BYTES; i++) hard[i]! ^= layout.whiten[i]!;
    const erased: number[] = [];
    for (let pattern = 1; pattern < 1 << ERASURE_BYTES; pattern++) {
      erased.length = 0;
      for (let k = 0; k < ERASURE_BYTES; k++) if (pattern & (1 << k)) erased.push(weakBytes[k]!);
      if (erased.length > Math.min(PARITY, maxErasures)) continue;
      const found = verified(decodeReedSolomon(hard, PARITY, erased), hard);
      if (found) return found;
    }
  }
  return { token: null, corrected: 0, reliability, bits };
}

/** A registration point: marked-frame position (u, v) seen at image position (x, y), score s. */
export interface Correspondence {
  u: number;
  v: number;
  x: number;
  y: number;
  s: number;
}

/** Block grid of the local registration. */
export interface BlockGrid {
  /** Block side and stride (marked-frame pixels). */
  size: number;
  stride: number;
  /** Also register the clipped blocks at the right and bottom edges (at least one period). */
  edges: boolean;
  /** Smallest block synchronisation score accepted as a registration point. */
  minScore: number;
}

/**
 * Local registration: every block of the re-aligned residual `plane` (the marked frame from
 * (frame.u0, frame.v0), sampled through `h`) is synchronised on its own; its sub-pixel tile phase
 * says where the marked frame really lies there. Blocks with fewer than three corners inside the
 * width x height image are skipped. Returns correspondences (marked frame -> image) for a
 * homography fit.
 */
export function registerBlocks(
  layout: KeyedLayout,
  plane: Plane,
  frame: { u0: number; v0: number },
  h: Homography,
  width: number,
  height: number,
  grid: BlockGrid,
): Correspondence[] {
  const { size, stride, minScore } = grid;
  const p = layout.period;
  const slack = grid.edges ? stride : 0;
  const blocks: { cx: number; cy: number; fx: number; fy: number; s: number }[] = [];
  for (let y0 = 0; y0 + size <= plane.height + slack; y0 += stride)
    for (let x0 = 0; x0 + size <= plane.width + slack; x0 += stride) {
      const bw = Math.min(size, plane.width - x0);
      const bh = Math.min(size, plane.height - y0);
      if (bw < p || bh < p) continue;
      let inside = 0;
      for (let k = 0; k < 4; k++) {
        const [x, y] = applyHomography(
          h,
          frame.u0 + x0 + (k & 1 ? bw : 0),
          frame.v0 + y0 + (k & 2 ? bh : 0),
        );
        if (x >= 0 && y >= 0 && x < width && y < height) inside++;
      }
      if (inside < 3) continue;
      const f = foldAndSync(layout, plane, x0, y0, bw, bh);
      if (f.score < minScore) continue;
      blocks.push({ cx: x0 + bw / 2, cy: y0 + bh / 2, fx: f.fx, fy: f.fy, s: f.score });
    }
  if (!blocks.length) return [];
  let ref = blocks[0]!;
  for (const b of blocks) if (b.s > ref.s) ref = b;
  const wrap = (d: number): number => d - p * Math.round(d / p);
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

/**
 * Fits a homography to registration points, dropping outliers (> 1.5 px) once; affine only when
 * fewer than `minPerspective` points are given.
 */
export function fitRobust(pts: Correspondence[], minPerspective = 0): Homography | null {
  let h = fitHomography(pts, pts.length < minPerspective);
  if (!h) return null;
  const kept: Correspondence[] = [];
  for (const q of pts) {
    const [x, y] = applyHomography(h, q.u, q.v);
    if (Math.hypot(x - q.x, y - q.y) < 1.5) kept.push(q);
  }
  if (kept.length < pts.length && kept.length >= 3)
    h = fitHomography(kept, kept.length < minPerspective) ?? h;
  return h;
}
