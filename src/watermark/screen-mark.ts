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
 * tile lattice (affine estimate) is proposed by pairs of the residual's autocorrelation peaks and
 * confirmed with the keyed template on the central tiles, then taken from the global
 * autocorrelation estimate; blocks of the re-aligned residual are synchronised on their own and a
 * homography is fitted to their tile phases, in rounds that spread outwards from the blocks that
 * agree. Where the perspective bends the lattice too much for that, the registration is grown
 * block by block from a seed whose local lattice is searched (screen-registration.ts). Every
 * geometry is decoded by folding all tiles onto one and reading soft bits; only a token whose MAC
 * verifies counts. The keyed layout and coding are shared with the image watermark
 * (keyed-tile.ts).
 */
import {
  applyHomography,
  estimateLattices,
  invertHomography,
  latticeHomography,
  markedFrame,
  warpPlane,
  type Homography,
  type LatticeCandidate,
} from './geometry.ts';
import {
  decodeSoft,
  fitRobust,
  foldAndSync,
  hostLimit,
  keyedLayout,
  PAYLOAD_BITS,
  readSoftBits,
  registerBlocks,
  tileCells,
  type BlockGrid,
  type Fold,
  type KeyedLayout,
} from './keyed-tile.ts';
import { proposeLattices, refineLattice } from './screen-geometry.ts';
import { growRegistration, registerSeed, seedOf, type GrowOptions } from './screen-registration.ts';
import { boxBlur, createPlane, type Plane } from './plane.ts';
import type { DisclosureToken, WatermarkKey } from './token.ts';

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
/** Radius of the decoder's high-pass box filter (work pixels). */
const RESIDUAL_RADIUS = 3;
/** Pixels around a host stroke that are left out of the residual. */
const STROKE_HALO = 1;

function layoutFor(key: WatermarkKey): KeyedLayout {
  return keyedLayout(key, 'screen-v1', TILE, CELL, RESIDUAL_RADIUS);
}

/**
 * The cells of one tile for a token: +1 (clear) or -1 (dark), row-major, SCREEN_CELL_PX screen
 * pixels each, TILE cells per side.
 */
export function screenMarkCells(key: WatermarkKey, token: DisclosureToken): Int8Array {
  return tileCells(layoutFor(key), token);
}

/** Cells per side of a tile. */
export const SCREEN_TILE_CELLS = TILE;

/**
 * The decoder's residual: pixel minus its local mean; residuals far above the typical level (text
 * strokes, rules, edges of panels) are the host, not the mark, and are set to 0.
 */
export function screenResidual(p: Plane): Plane {
  const blur = boxBlur(p, RESIDUAL_RADIUS);
  const out = createPlane(p.width, p.height);
  const n = p.data.length;
  const lim = hostLimit(p, blur);
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

/**
 * Payload bytes erased at most in the soft decoding: with 4 of the 6 parity bytes spent on
 * erasures, 2 are left to check the rest before the MAC is tried (6 would make every erasure
 * pattern a codeword, one more 32-bit MAC trial each on an unmarked photo).
 */
const MAX_ERASURES = 4;
/**
 * Weakest bits flipped in every combination (Chase-II) on the best fold of a track that locked
 * clearly but did not read: 65,536 Reed-Solomon decodings (≈ 0.2 s), of which only the few that
 * decode reach the MAC.
 */
const DEEP_CHASE_BITS = 16;
/** Smallest fold score of a track whose best fold gets the deeper soft decoding. */
const DEEP_MIN_FOLD = 7;
/** Smallest fold synchronisation score worth reading bits from. */
const FOLD_MIN_SCORE = 4;
/** Block size and stride (folded units) of the local registration used for perspective. */
const BLOCK = FOLD * 3;
const BLOCK_STRIDE = FOLD;
const BLOCK_MIN_SCORE = 4.5;
const LATTICE_CANDIDATES = 4;
const REGISTRATION_ROUNDS = 10;
const MAX_ROUNDS = 24;
/**
 * Smallest fold score for the dense grid: below it (unmarked photos fold at 2–4) the dense grid
 * mostly costs time (≈ 3× the CPU of an unmarked photo).
 */
const DENSE_MIN_SCORE = 4.3;
/** The registration grid tried when the usual one finds fewer than 3 blocks. */
const DENSE_GRID: BlockGrid = {
  size: 2 * FOLD,
  stride: FOLD / 2,
  edges: true,
  minScore: BLOCK_MIN_SCORE,
};
const FOLD_GAIN = 0.1;
/** Smallest fold score of a track whose registration is grown when its rounds stop. */
const GROW_MIN_FOLD = 5.5;
const GROW: GrowOptions = { seedScore: 5.5, minScore: 4.8, maxShift: 6 };

/**
 * The registration blocks: a photo of a small part of the screen holds few tiles, so smaller,
 * denser blocks there.
 */
function gridFor(plane: Plane): BlockGrid {
  const small = plane.width < 6 * FOLD || plane.height < 4 * FOLD;
  return small
    ? { size: 2 * FOLD, stride: FOLD / 2, edges: true, minScore: BLOCK_MIN_SCORE }
    : { size: BLOCK, stride: BLOCK_STRIDE, edges: true, minScore: BLOCK_MIN_SCORE };
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

function decodeAtScale(
  key: WatermarkKey,
  layout: KeyedLayout,
  luma: Plane,
): ScreenMarkResult | null {
  const r = screenResidual(luma);
  const maxPixels = Math.min(24e6, 8 * luma.width * luma.height);
  const soft = new Float64Array(PAYLOAD_BITS);
  const cx = luma.width / 2;
  const cy = luma.height / 2;
  const global: { h: Homography; scale: number }[] = [];
  for (const c of estimateLattices(r, FOLD, 0.5, 3.5, LATTICE_CANDIDATES)) {
    const scale = Math.sqrt(Math.abs(c.ax * c.by - c.ay * c.bx)) / FOLD;
    const g = refineLattice(r, c);
    global.push({ h: latticeHomography(g, FOLD, cx, cy), scale });
    if (Math.hypot(g.ax - c.ax, g.ay - c.ay) + Math.hypot(g.bx - c.bx, g.by - c.by) > 1)
      global.push({ h: latticeHomography(c, FOLD, cx, cy), scale });
  }
  const track = (start: { h: Homography; scale: number }, grow = true): ScreenMarkResult | null => {
    let h: Homography | null = start.h;
    const scale = start.scale;
    let bestTotal = 0;
    let bestFold = 0;
    let bestH: Homography | null = null;
    let bestFrame: { u0: number; v0: number; w: number; h: number } | null = null;
    let bestRead: { plane: Plane; f: Fold } | null = null;
    let lastGain = 0;
    for (let round = 0; round < MAX_ROUNDS && h; round++) {
      const frame = frameOf(h, luma.width, luma.height, scale, maxPixels);
      if (!frame) break;
      const plane = warpPlane(r, h, frame.u0, frame.v0, frame.w, frame.h);
      const f = foldAndSync(layout, plane);
      const token = readToken(key, layout, f, soft) ?? readTokenRobust(key, layout, plane, f, soft);
      if (token) return { token, syncScore: f.score, scale };
      if (f.score > bestFold) {
        bestH = h;
        bestFrame = frame;
        bestRead = { plane, f };
      }
      if (f.score > bestFold + FOLD_GAIN) {
        bestFold = f.score;
        lastGain = round;
      }
      // A track whose fold still gains is converging: it gets rounds beyond REGISTRATION_ROUNDS.
      const rising = round - lastGain < 2 && bestFold >= FOLD_MIN_SCORE + 1;
      if (round >= REGISTRATION_ROUNDS && !rising) break;
      let pts = registerBlocks(layout, plane, frame, h, luma.width, luma.height, gridFor(plane));
      // Few blocks synchronise on their own (text over much of a large-tile view): smaller,
      // denser blocks find more of them.
      if (pts.length < 3 && f.score >= DENSE_MIN_SCORE)
        pts = registerBlocks(layout, plane, frame, h, luma.width, luma.height, DENSE_GRID);
      if (pts.length < 3) break;
      let total = 0;
      for (const q of pts) total += q.s;
      // Rounds go on while the registration gains support (or the fold's score rises); a falling
      // total is a lost track.
      if (!rising) {
        if (round > 2 && total < 0.8 * bestTotal) break;
        if (round > 3 && total <= 1.01 * bestTotal) break;
      }
      if (total > bestTotal) bestTotal = total;
      h = fitRobust(pts, 8);
    }
    // A clear lock whose bits did not read: the deeper soft decoding on its best fold.
    if (bestRead && bestFold >= DEEP_MIN_FOLD) {
      const { plane, f } = bestRead;
      const token =
        readToken(key, layout, f, soft, DEEP_CHASE_BITS) ??
        readTokenRobust(key, layout, plane, f, soft, DEEP_CHASE_BITS);
      if (token) return { token, syncScore: f.score, scale };
    }
    // A track that locked but stopped short: grow the registration from its best geometry and
    // follow the grown one.
    if (grow && bestH && bestFrame && bestFold >= GROW_MIN_FOLD) {
      const seed = seedOf(layout, r, bestH, bestFrame);
      const g = seed ? growRegistration(layout, r, seed, GROW) : { h: null, blocks: 0 };
      if (g.h) return track({ h: g.h, scale }, false);
    }
    return null;
  };
  // The global estimate's first lattice reads most screenshots and mild photos at once; then the
  // lattices the keyed template confirms around the centre of the photo, then the other global ones.
  const first = global.shift();
  const firstFound = first && track(first);
  if (firstFound) return firstFound;
  const keyed = keyedLattices(layout, r);
  // The proposals whose lattice, searched on a block of two tiles, locks: grown registrations.
  for (const k of keyed) {
    const c = k.c;
    const seed = registerSeed(layout, r, k.x, k.y, [
      c.ax / FOLD,
      c.bx / FOLD,
      c.ay / FOLD,
      c.by / FOLD,
    ]);
    const g = growRegistration(layout, r, seed, GROW);
    if (!g.h) continue;
    const found = track(
      { h: g.h, scale: Math.sqrt(Math.abs(c.ax * c.by - c.ay * c.bx)) / FOLD },
      false,
    );
    if (found) return found;
  }
  for (const k of keyed.slice(0, KEYED_STARTS)) {
    const found = track({
      h: latticeHomography(k.c, FOLD, k.x, k.y),
      scale: Math.sqrt(Math.abs(k.c.ax * k.c.by - k.c.ay * k.c.bx)) / FOLD,
    });
    if (found) return found;
  }
  for (const start of global) {
    const found = track(start);
    if (found) return found;
  }
  return null;
}

/** Lattice proposals scored with the keyed template; at most this many become starts. */
const KEYED_STARTS = 4;
/** Lattice proposals whose lattice is searched on a block as the seed of a grown registration. */
const KEYED_SEEDS = 12;
/** Autocorrelation peaks paired into lattice proposals, per window. */
const KEYED_PEAKS = 30;
/** Side (tiles) of the central window a proposal is scored on. */
const KEYED_WINDOW = 3;

/**
 * Windows (fractions of the width and height) whose lattices are proposed and scored: the centre
 * (256 and 512 px autocorrelation windows) and four off-centre points (256 px), so that a photo
 * whose centre is mostly text, or whose perspective bends the lattice across the frame, still
 * has a window where the mark shows.
 */
const KEYED_WINDOWS: readonly (readonly [number, number, readonly number[]])[] = [
  [0.5, 0.5, [256, 512]],
  [0.3, 0.35, [256]],
  [0.7, 0.35, [256]],
  [0.3, 0.65, [256]],
  [0.7, 0.65, [256]],
];

/**
 * Lattices proposed by the autocorrelation of the residual around each of KEYED_WINDOWS, ranked
 * by the keyed synchronisation score of the KEYED_WINDOW x KEYED_WINDOW tiles around that point
 * re-aligned with each; the best KEYED_STARTS with the point they hold at. The host's own
 * periodicity (text rows, the JPEG block grid of the photo, moiré) makes many autocorrelation
 * peaks; only the tile lattice lines the keyed template up.
 */
function keyedLattices(
  layout: KeyedLayout,
  r: Plane,
): { c: LatticeCandidate; x: number; y: number }[] {
  const scored: { c: LatticeCandidate; x: number; y: number; s: number }[] = [];
  const side = KEYED_WINDOW * FOLD;
  for (const [fx, fy, sizes] of KEYED_WINDOWS) {
    const x = r.width * fx;
    const y = r.height * fy;
    for (const n of sizes)
      for (const c of proposeLattices(r, FOLD * 0.5, FOLD * 3.5, KEYED_PEAKS, n, x, y)) {
        const plane = warpPlane(
          r,
          latticeHomography(c, FOLD, x, y),
          -side / 2,
          -side / 2,
          side,
          side,
        );
        scored.push({ c, x, y, s: foldAndSync(layout, plane).score });
      }
  }
  scored.sort((a, b) => b.s - a.s);
  return scored.slice(0, KEYED_SEEDS);
}

function readToken(
  key: WatermarkKey,
  layout: KeyedLayout,
  f: Fold,
  soft: Float64Array,
  chaseBits?: number,
): DisclosureToken | null {
  if (f.score < FOLD_MIN_SCORE) return null;
  soft.fill(0);
  readSoftBits(layout, f, soft, 1);
  return decodeSoft(key, layout, soft, MAX_ERASURES, chaseBits).token;
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
  layout: KeyedLayout,
  plane: Plane,
  f: Fold,
  soft: Float64Array,
  chaseBits?: number,
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
  return decodeSoft(key, layout, soft, MAX_ERASURES, chaseBits).token;
}

/** Longest side of the copy of a photo the decoder works on (a full screen about this wide). */
export const SCREEN_WORK_SIDE = 640;
