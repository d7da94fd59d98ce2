/**
 * The keyed screen mark: a faint spread-spectrum tile drawn over record views, built to be read
 * back from a phone photo of the monitor.
 *
 * Design: a keyed pattern of dark/clear cells (SCREEN_CELL_PX screen pixels) repeated every
 * SCREEN_TILE_PX pixels. Half of a tile's cells (keyed choice) carry a fixed synchronisation
 * sequence, the other half the payload (token + Reed-Solomon parity, each bit spread over several
 * cells with keyed chip signs). The cells are large enough that a photo's blur, JPEG and moiré
 * leave them readable; what a photo mostly breaks is geometry (perspective, unknown scale).
 *
 * Decoding works on a copy of the photo scaled so a full screen is about WORK_SIDE pixels wide:
 * the host (text, rules) is removed with a high-pass filter whose strong strokes are zeroed; the
 * tile lattice is found from the residual's autocorrelation (affine estimate); blocks of the
 * re-aligned residual are then synchronised on their own and a homography is fitted to their tile
 * phases, in rounds that spread outwards from the blocks that agree. Every geometry is decoded by
 * folding all tiles onto one and reading soft bits; only a token whose MAC verifies counts.
 */
import { createCipheriv } from 'node:crypto';
import { fft2 } from './fft.ts';
import {
  applyHomography,
  estimateLattices,
  fitHomography,
  invertHomography,
  latticeHomography,
  markedFrame,
  warpPlane,
  type Homography,
} from './geometry.ts';
import { refineLattice } from './screen-geometry.ts';
import { boxBlur, createPlane, type Plane } from './plane.ts';
import { decodeReedSolomon, encodeReedSolomon } from './reed-solomon.ts';
import {
  deriveChannelKey,
  TOKEN_BYTES,
  verifyToken,
  type DisclosureToken,
  type WatermarkKey,
} from './token.ts';

/** Tile size in cells. */
const TILE = 16;
/** Cell size in folded (decoder) units, and tile size in those units (a power of 2 for the FFT). */
const CELL = 4;
const FOLD = CELL * TILE;
/** Screen pixels per folded unit when drawn. */
export const SCREEN_DRAW_SCALE = 2;
/** Cell size in screen (CSS) pixels. */
export const SCREEN_CELL_PX = CELL * SCREEN_DRAW_SCALE;
/** Tile size in screen (CSS) pixels. */
export const SCREEN_TILE_PX = FOLD * SCREEN_DRAW_SCALE;
const CELLS = TILE * TILE;
const PARITY = 6;
const PAYLOAD_BYTES = TOKEN_BYTES + PARITY;
const PAYLOAD_BITS = PAYLOAD_BYTES * 8;
/** Radius of the decoder's high-pass box filter (work pixels). */
const RESIDUAL_RADIUS = 3;
/** Pixels around a host stroke that are left out of the residual. */
const STROKE_HALO = 1;

interface Layout {
  /** Per cell: +-1 for synchronisation cells, 0 for payload cells. */
  sync: Int8Array;
  /** Per cell: chip sign for payload cells. */
  chip: Int8Array;
  /** Per cell: payload bit index, -1 for synchronisation cells. */
  bitOf: Int16Array;
  /** FFT (conjugated) of the high-passed synchronisation template, FOLD^2. */
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
  const k = deriveChannelKey(key, 'screen-v1');
  const id = k.toString('hex');
  const cached = layouts.get(id);
  if (cached) return cached;
  const rnd = keystream(k, CELLS * 4 + CELLS + PAYLOAD_BYTES);
  const perm = new Int32Array(CELLS);
  for (let i = 0; i < CELLS; i++) perm[i] = i;
  const dv = new DataView(rnd.buffer, rnd.byteOffset, rnd.byteLength);
  for (let i = CELLS - 1; i > 0; i--) {
    const j = dv.getUint32(i * 4) % (i + 1);
    const t = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = t;
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
  const whiten = Uint8Array.from(rnd.subarray(CELLS * 5, CELLS * 5 + PAYLOAD_BYTES));
  // Synchronisation template in folded units, high-passed like the decoder's residual.
  const t = new Float64Array(FOLD * FOLD);
  for (let y = 0; y < FOLD; y++)
    for (let x = 0; x < FOLD; x++)
      t[y * FOLD + x] = sync[((y / CELL) | 0) * TILE + ((x / CELL) | 0)]!;
  const re = highPassCyclic(t);
  removeLineMeans(re);
  const im = new Float64Array(re.length);
  fft2(re, im, FOLD);
  for (let i = 0; i < im.length; i++) im[i] = -im[i]!;
  const layout: Layout = { sync, chip, bitOf, syncRe: re, syncIm: im, whiten };
  layouts.set(id, layout);
  return layout;
}

function highPassCyclic(p: Float64Array): Float64Array {
  const n = FOLD;
  const r = RESIDUAL_RADIUS;
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
function payloadBits(layout: Layout, token: DisclosureToken): Uint8Array {
  const code = encodeReedSolomon(token.bytes, PARITY);
  const bits = new Uint8Array(PAYLOAD_BITS);
  for (let i = 0; i < PAYLOAD_BITS; i++)
    bits[i] = ((code[i >> 3]! ^ layout.whiten[i >> 3]!) >> (7 - (i & 7))) & 1;
  return bits;
}

/**
 * The cells of one tile for a token: +1 (clear) or -1 (dark), row-major, SCREEN_CELL_PX screen
 * pixels each, TILE cells per side.
 */
export function screenMarkCells(key: WatermarkKey, token: DisclosureToken): Int8Array {
  const layout = layoutFor(key);
  const bits = payloadBits(layout, token);
  const cells = new Int8Array(CELLS);
  for (let c = 0; c < CELLS; c++) {
    const b = layout.bitOf[c]!;
    cells[c] = b < 0 ? layout.sync[c]! : layout.chip[c]! * (bits[b] ? 1 : -1);
  }
  return cells;
}

/** Cells per side of a tile. */
export const SCREEN_TILE_CELLS = TILE;

/** Subtracts the row and column means of a folded tile (long straight host edges). */
function removeLineMeans(acc: Float64Array): void {
  const n = FOLD;
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

/**
 * The decoder's residual: pixel minus its local mean; residuals far above the typical level (text
 * strokes, rules, edges of panels) are the host, not the mark, and are set to 0.
 */
export function screenResidual(p: Plane): Plane {
  const blur = boxBlur(p, RESIDUAL_RADIUS);
  const out = createPlane(p.width, p.height);
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
  const lim = Math.max(1, 3 * median);
  // Strokes and their anti-aliased halo (STROKE_HALO pixels around) are host: set to 0.
  const strong = createPlane(p.width, p.height);
  for (let i = 0; i < n; i++) {
    const r = p.data[i]! - blur.data[i]!;
    if (r > lim || r < -lim) strong.data[i] = 1;
    out.data[i] = r;
  }
  const near = boxBlur(strong, STROKE_HALO);
  for (let i = 0; i < n; i++) if (near.data[i]! > 0.001) out.data[i] = 0;
  return out;
}

interface Fold {
  acc: Float64Array;
  score: number;
  dx: number;
  dy: number;
  fx: number;
  fy: number;
}

function subPixel(a: number, b: number, c: number): number {
  const den = a - 2 * b + c;
  return den < 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (a - c)) / den)) : 0;
}

const foldRe = new Float64Array(FOLD * FOLD);
const foldIm = new Float64Array(FOLD * FOLD);

function foldAndSync(
  layout: Layout,
  r: Plane,
  x0 = 0,
  y0 = 0,
  w = r.width - x0,
  h = r.height - y0,
): Fold {
  const acc = new Float64Array(FOLD * FOLD);
  const { data } = r;
  for (let y = y0; y < y0 + h; y++) {
    const ty = (y % FOLD) * FOLD;
    const row = y * r.width;
    for (let x = x0; x < x0 + w; x++) acc[ty + (x % FOLD)]! += data[row + x]!;
  }
  removeLineMeans(acc);
  const re = foldRe;
  const im = foldIm;
  re.set(acc);
  im.fill(0);
  fft2(re, im, FOLD);
  for (let i = 0; i < re.length; i++) {
    const a = re[i]!;
    const b = im[i]!;
    const c = layout.syncRe[i]!;
    const d = layout.syncIm[i]!;
    re[i] = a * c - b * d;
    im[i] = a * d + b * c;
  }
  fft2(re, im, FOLD, true);
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
  const dx = at % FOLD;
  const dy = (at / FOLD) | 0;
  const l = re[dy * FOLD + ((dx + FOLD - 1) % FOLD)]!;
  const rr = re[dy * FOLD + ((dx + 1) % FOLD)]!;
  const u = re[((dy + FOLD - 1) % FOLD) * FOLD + dx]!;
  const d = re[((dy + 1) % FOLD) * FOLD + dx]!;
  return {
    acc,
    score: (best - s / n) / sd,
    dx,
    dy,
    fx: dx + subPixel(l, best, rr),
    fy: dy + subPixel(u, best, d),
  };
}

function readSoftBits(layout: Layout, f: Fold, soft: Float64Array, weight: number): void {
  for (let c = 0; c < CELLS; c++) {
    const b = layout.bitOf[c]!;
    if (b < 0) continue;
    const cx = (c % TILE) * CELL;
    const cy = ((c / TILE) | 0) * CELL;
    let s = 0;
    for (let y = 0; y < CELL; y++) {
      const yy = ((cy + y + f.dy) % FOLD) * FOLD;
      for (let x = 0; x < CELL; x++) s += f.acc[yy + ((cx + x + f.dx) % FOLD)]!;
    }
    soft[b]! += s * layout.chip[c]! * weight;
  }
}

/** Least reliable bits flipped in every combination before Reed-Solomon (Chase-II decoding). */
const CHASE_BITS = 8;

function decodeSoft(key: WatermarkKey, layout: Layout, soft: Float64Array): DisclosureToken | null {
  const order = new Int32Array(PAYLOAD_BITS);
  for (let i = 0; i < PAYLOAD_BITS; i++) order[i] = i;
  const mag = new Float64Array(PAYLOAD_BITS);
  for (let i = 0; i < PAYLOAD_BITS; i++) mag[i] = Math.abs(soft[i]!);
  const weakest = Array.from(order)
    .sort((a, b) => mag[a]! - mag[b]!)
    .slice(0, CHASE_BITS);
  const hard = new Uint8Array(PAYLOAD_BYTES);
  for (let i = 0; i < PAYLOAD_BITS; i++) if (soft[i]! > 0) hard[i >> 3]! |= 1 << (7 - (i & 7));
  const bytes = new Uint8Array(PAYLOAD_BYTES);
  for (let pattern = 0; pattern < 1 << CHASE_BITS; pattern++) {
    bytes.set(hard);
    for (let k = 0; k < CHASE_BITS; k++)
      if (pattern & (1 << k)) bytes[weakest[k]! >> 3]! ^= 1 << (7 - (weakest[k]! & 7));
    for (let i = 0; i < PAYLOAD_BYTES; i++) bytes[i]! ^= layout.whiten[i]!;
    const data = decodeReedSolomon(bytes, PARITY);
    if (!data) continue;
    // The MAC decides: a codeword that does not verify is not a mark of this key.
    const token = verifyToken(key, data);
    if (token) return token;
  }
  return null;
}

/** Smallest fold synchronisation score worth reading bits from. */
const FOLD_MIN_SCORE = 4;
/** Block size and stride (folded units) of the local registration used for perspective. */
const BLOCK = FOLD * 3;
const BLOCK_STRIDE = FOLD;
const BLOCK_MIN_SCORE = 4.5;
const LATTICE_CANDIDATES = 4;
const REGISTRATION_ROUNDS = 10;

interface Correspondence {
  u: number;
  v: number;
  x: number;
  y: number;
  s: number;
}

function registerBlocks(
  layout: Layout,
  plane: Plane,
  frame: { u0: number; v0: number },
  h: Homography,
  width: number,
  height: number,
): Correspondence[] {
  const blocks: { cx: number; cy: number; fx: number; fy: number; s: number }[] = [];
  // A photo of a small part of the screen holds few tiles: smaller, denser blocks there.
  const small = plane.width < 6 * FOLD || plane.height < 4 * FOLD;
  const size = small ? 2 * FOLD : BLOCK;
  const stride = small ? FOLD / 2 : BLOCK_STRIDE;
  for (let y0 = 0; y0 + size <= plane.height + stride; y0 += stride)
    for (let x0 = 0; x0 + size <= plane.width + stride; x0 += stride) {
      const bw = Math.min(size, plane.width - x0);
      const bh = Math.min(size, plane.height - y0);
      if (bw < FOLD || bh < FOLD) continue;
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
      if (f.score < BLOCK_MIN_SCORE) continue;
      blocks.push({ cx: x0 + bw / 2, cy: y0 + bh / 2, fx: f.fx, fy: f.fy, s: f.score });
    }
  if (!blocks.length) return [];
  let ref = blocks[0]!;
  for (const b of blocks) if (b.s > ref.s) ref = b;
  const out: Correspondence[] = [];
  for (const b of blocks) {
    const d = b.fx - ref.fx;
    const e = b.fy - ref.fy;
    const [x, y] = applyHomography(h, frame.u0 + b.cx, frame.v0 + b.cy);
    out.push({
      u: b.cx - ref.fx - (d - FOLD * Math.round(d / FOLD)),
      v: b.cy - ref.fy - (e - FOLD * Math.round(e / FOLD)),
      x,
      y,
      s: b.s,
    });
  }
  return out;
}

/** Fits a homography to registration points, dropping outliers (> 1.5 px) once. */
function fitRobust(pts: Correspondence[]): Homography | null {
  let h = fitHomography(pts, pts.length < 8);
  if (!h) return null;
  const kept: Correspondence[] = [];
  for (const p of pts) {
    const [x, y] = applyHomography(h, p.u, p.v);
    if (Math.hypot(x - p.x, y - p.y) < 1.5) kept.push(p);
  }
  if (kept.length < pts.length && kept.length >= 3) h = fitHomography(kept, kept.length < 8) ?? h;
  return h;
}

/**
 * The part of the marked frame the image covers, as `markedFrame`, but bounded to a box around the
 * image centre: a homography fitted to the inner blocks may send the image corners far away.
 */
function frameOf(
  h: Homography,
  width: number,
  height: number,
  scale: number,
  maxPixels: number,
): { u0: number; v0: number; w: number; h: number } | null {
  const inv = invertHomography(h);
  if (!inv) return null;
  const [uc, vc] = applyHomography(inv, width / 2, height / 2);
  if (!Number.isFinite(uc) || !Number.isFinite(vc)) return null;
  const reach = (0.75 * Math.max(width, height)) / Math.max(0.1, scale);
  let u0 = uc - reach;
  let v0 = vc - reach;
  let u1 = uc + reach;
  let v1 = vc + reach;
  const box = markedFrame(h, width, height, Infinity);
  if (box) {
    u0 = Math.max(u0, box.u0);
    v0 = Math.max(v0, box.v0);
    u1 = Math.min(u1, box.u0 + box.w);
    v1 = Math.min(v1, box.v0 + box.h);
  }
  const w = Math.ceil(u1 - u0);
  const hh = Math.ceil(v1 - v0);
  if (w < 16 || hh < 16 || w * hh > maxPixels) return null;
  return { u0: Math.floor(u0), v0: Math.floor(v0), w, h: hh };
}

/** What the screen-mark decoder found. */
export interface ScreenMarkResult {
  token: DisclosureToken;
  /** Synchronisation score of the fold the token was read from. */
  syncScore: number;
  /** Tile period in work pixels (the photo's scale relative to the mark). */
  scale: number;
}

/**
 * Looks for the screen mark in a luminance plane (0..255). The plane should be scaled so that a
 * tile spans roughly 45..320 pixels (see `SCREEN_WORK_SIDE`). Null when nothing verifies.
 */
export function decodeScreenMarkPlane(key: WatermarkKey, luma: Plane): ScreenMarkResult | null {
  const layout = layoutFor(key);
  const found = decodeAtScale(key, layout, luma);
  if (found || Math.min(luma.width, luma.height) < 2 * MIN_WORK_SIDE) return found;
  // A close-up (few, large tiles): the lattice is found more easily at half the size.
  return decodeAtScale(key, layout, halve(luma));
}

/** Shortest side below which a plane is not halved for a second attempt. */
const MIN_WORK_SIDE = 192;

function halve(p: Plane): Plane {
  const w = p.width >> 1;
  const h = p.height >> 1;
  const out = createPlane(w, h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = 2 * y * p.width + 2 * x;
      out.data[y * w + x] =
        (p.data[i]! + p.data[i + 1]! + p.data[i + p.width]! + p.data[i + p.width + 1]!) / 4;
    }
  return out;
}

function decodeAtScale(key: WatermarkKey, layout: Layout, luma: Plane): ScreenMarkResult | null {
  const r = screenResidual(luma);
  const maxPixels = Math.min(24e6, 8 * luma.width * luma.height);
  const cands = estimateLattices(r, FOLD, 0.5, 3.5, LATTICE_CANDIDATES);
  const soft = new Float64Array(PAYLOAD_BITS);
  const starts: { h: Homography; scale: number }[] = [];
  for (const c of cands) {
    const scale = Math.sqrt(Math.abs(c.ax * c.by - c.ay * c.bx)) / FOLD;
    const g = refineLattice(r, c);
    starts.push({ h: latticeHomography(g, FOLD, luma.width / 2, luma.height / 2), scale });
    if (Math.hypot(g.ax - c.ax, g.ay - c.ay) + Math.hypot(g.bx - c.bx, g.by - c.by) > 1)
      starts.push({ h: latticeHomography(c, FOLD, luma.width / 2, luma.height / 2), scale });
  }
  for (const start of starts) {
    let h: Homography | null = start.h;
    const scale = start.scale;
    let bestTotal = 0;
    for (let round = 0; round < REGISTRATION_ROUNDS && h; round++) {
      const frame = frameOf(h, luma.width, luma.height, scale, maxPixels);
      if (!frame) break;
      const plane = warpPlane(r, h, frame.u0, frame.v0, frame.w, frame.h);
      const f = foldAndSync(layout, plane);
      const token = readToken(key, layout, f, soft) ?? readTokenRobust(key, layout, plane, f, soft);
      if (token) return { token, syncScore: f.score, scale };
      const pts = registerBlocks(layout, plane, frame, h, luma.width, luma.height);
      let total = 0;
      for (const q of pts) total += q.s;
      // Rounds go on while the registration gains support; a falling total is a lost track.
      if (pts.length < 3 || (round > 2 && total < 0.8 * bestTotal)) break;
      if (round > 3 && total <= 1.01 * bestTotal) break;
      if (total > bestTotal) bestTotal = total;
      h = fitRobust(pts);
    }
  }
  return null;
}

function readToken(
  key: WatermarkKey,
  layout: Layout,
  f: Fold,
  soft: Float64Array,
): DisclosureToken | null {
  if (f.score < FOLD_MIN_SCORE) return null;
  soft.fill(0);
  readSoftBits(layout, f, soft, 1);
  return decodeSoft(key, layout, soft);
}

/** Cell sums beyond this many robust deviations are clipped: host structure, not the mark. */
const CELL_CLIP = 2.5;

/**
 * Reads the payload tile by tile instead of from the fold: every (tile, cell) sum of the aligned
 * plane is clipped at CELL_CLIP robust deviations before the tiles are added, so host structure
 * that lands on the same cells of a few tiles (aligned text columns, table rules) cannot outvote
 * the mark carried by all the others.
 */
function readTokenRobust(
  key: WatermarkKey,
  layout: Layout,
  plane: Plane,
  f: Fold,
  soft: Float64Array,
): DisclosureToken | null {
  if (f.score < FOLD_MIN_SCORE) return null;
  const tilesX = Math.ceil(plane.width / FOLD) + 1;
  const tilesY = Math.ceil(plane.height / FOLD) + 1;
  const sums = new Float64Array(tilesX * tilesY * CELLS);
  const { data, width } = plane;
  for (let y = 0; y < plane.height; y++) {
    const ty = Math.floor((y - f.dy + FOLD) / FOLD);
    const cy = (((((y - f.dy) % FOLD) + FOLD) % FOLD) / CELL) | 0;
    for (let x = 0; x < width; x++) {
      const v = data[y * width + x]!;
      if (v === 0) continue;
      const tx = Math.floor((x - f.dx + FOLD) / FOLD);
      const cx = (((((x - f.dx) % FOLD) + FOLD) % FOLD) / CELL) | 0;
      sums[(ty * tilesX + tx) * CELLS + cy * TILE + cx]! += v;
    }
  }
  const mags: number[] = [];
  for (let i = 0; i < sums.length; i++) if (sums[i] !== 0) mags.push(Math.abs(sums[i]!));
  if (mags.length < CELLS) return null;
  mags.sort((a, b) => a - b);
  const lim = CELL_CLIP * 1.4826 * mags[mags.length >> 1]!;
  soft.fill(0);
  for (let i = 0; i < sums.length; i++) {
    const c = i % CELLS;
    const b = layout.bitOf[c]!;
    if (b < 0) continue;
    const v = sums[i]!;
    soft[b]! += (v > lim ? lim : v < -lim ? -lim : v) * layout.chip[c]!;
  }
  return decodeSoft(key, layout, soft);
}

/** Longest side of the copy of a photo the decoder works on (a full screen about this wide). */
export const SCREEN_WORK_SIDE = 640;
