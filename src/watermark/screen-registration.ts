/**
 * Grown registration of the screen mark: a strong perspective view changes the tile lattice's scale
 * and shear across the photo, so a homography fitted to the blocks near a locked start predicts
 * the far blocks too poorly for them to synchronise (their local lattice is off, not only their
 * phase). Here every block is predicted from an already registered neighbour one tile away, with
 * that neighbour's local lattice, and its own local lattice is searched (scale and shear steps)
 * on the keyed synchronisation score; the registered blocks spread over the photo from the best
 * one, and a homography is fitted to all of them.
 */
import { applyHomography, type Homography } from './geometry.ts';
import { fitRobust, foldAndSync, type Correspondence, type KeyedLayout } from './keyed-tile.ts';
import { createPlane, type Plane } from './plane.ts';

/** Local affine map of the marked frame to the image: 2x2 Jacobian (a b; c d). */
export type Jacobian = [number, number, number, number];

/** A registered block: marked-frame grid point (u, v) seen at image (x, y) with its lattice. */
interface Registered {
  i: number;
  j: number;
  x: number;
  y: number;
  jac: Jacobian;
  s: number;
}

/** Options of the grown registration. */
export interface GrowOptions {
  /** Smallest synchronisation score of the seed block. */
  seedScore: number;
  /** Smallest synchronisation score of a grown block. */
  minScore: number;
  /** Largest phase correction (marked-frame pixels) accepted for a block predicted by a neighbour. */
  maxShift: number;
}

/** The local linear map (d image / d marked frame) of `h` at marked-frame point (u, v). */
export function jacobianAt(h: Homography, u: number, v: number): Jacobian {
  const z = h[6] * u + h[7] * v + h[8];
  const [x, y] = applyHomography(h, u, v);
  return [
    (h[0] - x * h[6]) / z,
    (h[1] - x * h[7]) / z,
    (h[3] - y * h[6]) / z,
    (h[4] - y * h[7]) / z,
  ];
}

/** Relative steps of a seed's lattice search, coarse to fine. */
const SEED_STEPS = [0.04, 0.02, 0.01];
/** A seed scoring below this after the coarsest step is dropped (locks score 4.8 or more there). */
const SEED_GIVE_UP = 4.5;
/** Relative steps of a grown block's lattice search (predicted by a neighbour: near already). */
const GROW_STEPS = [0.015];
/** A grown block scoring this at its predicted lattice is taken without a search. */
const CLEAR_SCORE = 7;

/**
 * Registers the block of `size` x `size` marked-frame pixels whose centre is predicted at image
 * (x, y) with local lattice `jac`: the lattice is moved by `steps` (each of the 4 entries, relative
 * to the tile length) while the block's synchronisation score rises. Returns the best lattice, its
 * score and the tile phase found there.
 */
function registerBlock(
  layout: KeyedLayout,
  r: Plane,
  x: number,
  y: number,
  jac: Jacobian,
  size: number,
  buf: Plane,
  steps: readonly number[],
  passes: number,
  clear = Infinity,
  giveUp = -Infinity,
): { jac: Jacobian; s: number; fx: number; fy: number } {
  const half = size / 2;
  const score = (m: Jacobian): { s: number; fx: number; fy: number } => {
    sampleAffine(r, x, y, m, half, buf);
    const f = foldAndSync(layout, buf);
    return { s: f.score, fx: f.fx, fy: f.fy };
  };
  let best = { jac, ...score(jac) };
  if (best.s >= clear) return best;
  const len = Math.max(Math.hypot(jac[0], jac[2]), Math.hypot(jac[1], jac[3]));
  for (const step of steps) {
    let moved = true;
    for (let pass = 0; moved && pass < passes; pass++) {
      moved = false;
      for (let k = 0; k < 4; k++)
        for (const sign of [1, -1]) {
          const m: Jacobian = [...best.jac];
          m[k] += sign * step * len;
          const t = score(m);
          if (t.s > best.s) {
            best = { jac: m, ...t };
            moved = true;
            break;
          }
        }
    }
    // A block still far below a lock after the coarsest step is not worth the finer ones.
    if (best.s < giveUp) break;
  }
  return best;
}

/** Samples `r` (bilinear) on the affine grid (x, y) + jac * (i - half, j - half) into `out`. */
function sampleAffine(r: Plane, x: number, y: number, m: Jacobian, half: number, out: Plane): void {
  const { width: w, height: hh, data } = r;
  const n = out.width;
  for (let j = 0; j < n; j++) {
    const dv = j - half;
    for (let i = 0; i < n; i++) {
      const du = i - half;
      const px = x + m[0] * du + m[1] * dv;
      const py = y + m[2] * du + m[3] * dv;
      const x0 = Math.floor(px);
      const y0 = Math.floor(py);
      if (x0 < 0 || y0 < 0 || x0 >= w - 1 || y0 >= hh - 1) {
        out.data[j * n + i] = 0;
        continue;
      }
      const fx = px - x0;
      const fy = py - y0;
      const p = y0 * w + x0;
      const top = data[p]! + (data[p + 1]! - data[p]!) * fx;
      const bot = data[p + w]! + (data[p + w + 1]! - data[p + w]!) * fx;
      out.data[j * n + i] = top + (bot - top) * fy;
    }
  }
}

/** A registered seed block: image point (x, y) of a tile-grid point, its lattice and score. */
export interface Seed {
  x: number;
  y: number;
  jac: Jacobian;
  s: number;
  fx: number;
  fy: number;
}

/**
 * Registers the seed block at image point (x, y) with lattice `jac` (marked-frame pixel to image,
 * a 2x2 Jacobian a b; c d): the block's lattice searched as in the growth.
 */
export function registerSeed(
  layout: KeyedLayout,
  r: Plane,
  x: number,
  y: number,
  jac: Jacobian,
): Seed {
  const size = 2 * layout.period;
  const b = registerBlock(
    layout,
    r,
    x,
    y,
    jac,
    size,
    createPlane(size, size),
    SEED_STEPS,
    2,
    Infinity,
    SEED_GIVE_UP,
  );
  return { x, y, ...b };
}

/**
 * The seed of a homography `h` (marked frame to image): of the SEEDS grid points of `frame`
 * nearest the image centre, the one whose block registers best.
 */
export function seedOf(
  layout: KeyedLayout,
  r: Plane,
  h: Homography,
  frame: { u0: number; v0: number; w: number; h: number },
): Seed | null {
  const p = layout.period;
  const cands: { u: number; v: number; x: number; y: number; d: number }[] = [];
  for (let v = frame.v0; v <= frame.v0 + frame.h; v += p)
    for (let u = frame.u0; u <= frame.u0 + frame.w; u += p) {
      const [x, y] = applyHomography(h, u, v);
      if (!(x >= 0 && y >= 0 && x < r.width && y < r.height)) continue;
      cands.push({ u, v, x, y, d: Math.hypot(x - r.width / 2, y - r.height / 2) });
    }
  cands.sort((a, b) => a.d - b.d);
  let seed: Seed | null = null;
  for (const c of cands.slice(0, SEEDS)) {
    const b = registerSeed(layout, r, c.x, c.y, jacobianAt(h, c.u, c.v));
    if (!seed || b.s > seed.s) seed = b;
  }
  return seed;
}

/**
 * Grows a registration over the residual `r` from a registered seed: blocks of two tiles on a
 * one-tile grid of the marked frame, each accepted block's neighbours predicted from it, the
 * strongest block's first. Returns the homography (marked frame, with the seed at the origin, to
 * image) fitted to the registered blocks (null when the seed is too weak or fewer than 6 register)
 * and how many registered.
 */
export function growRegistration(
  layout: KeyedLayout,
  r: Plane,
  seed: Seed,
  options: GrowOptions,
): { h: Homography | null; blocks: number } {
  if (seed.s < options.seedScore) return { h: null, blocks: 0 };
  const p = layout.period;
  const size = 2 * p;
  const buf = createPlane(size, size);
  // The seed's phase defines the grid: a block whose tile origin shows elsewhere than the seed's
  // moves its image point by the difference.
  const wrap = (d: number): number => d - p * Math.round(d / p);
  const id = (i: number, j: number): number => (j + GRID) * (2 * GRID + 1) + i + GRID;
  const first: Registered = { i: 0, j: 0, x: seed.x, y: seed.y, jac: seed.jac, s: seed.s };
  const done: Registered[] = [first];
  const queue: Registered[] = [first];
  const tried = new Set<number>([id(0, 0)]);
  while (queue.length) {
    queue.sort((a, b) => b.s - a.s);
    const from = queue.shift()!;
    for (const [di, dj] of [
      [1, 0],
      [-1, 0],
      [0, 1],
      [0, -1],
    ] as const) {
      const i = from.i + di;
      const j = from.j + dj;
      if (Math.abs(i) > GRID || Math.abs(j) > GRID || tried.has(id(i, j))) continue;
      const m = from.jac;
      const x = from.x + (m[0] * di + m[1] * dj) * p;
      const y = from.y + (m[2] * di + m[3] * dj) * p;
      if (!(x >= 0 && y >= 0 && x < r.width && y < r.height)) continue;
      tried.add(id(i, j));
      const b = registerBlock(layout, r, x, y, m, size, buf, GROW_STEPS, 1, CLEAR_SCORE);
      const du = wrap(seed.fx - b.fx);
      const dv = wrap(seed.fy - b.fy);
      if (b.s < options.minScore || Math.hypot(du, dv) > options.maxShift) continue;
      // The tile origin shows (du, dv) samples early here: the grid point lies that far past the
      // block centre.
      const reg: Registered = {
        i,
        j,
        x: x - b.jac[0] * du - b.jac[1] * dv,
        y: y - b.jac[2] * du - b.jac[3] * dv,
        jac: b.jac,
        s: b.s,
      };
      done.push(reg);
      queue.push(reg);
    }
  }
  const pts: Correspondence[] = done.map((b) => ({
    u: p * b.i,
    v: p * b.j,
    x: b.x,
    y: b.y,
    s: b.s,
  }));
  if (pts.length < 6) return { h: null, blocks: pts.length };
  return { h: fitRobust(pts, 8), blocks: pts.length };
}

/** Grid points near the image centre tried as the seed of a homography. */
const SEEDS = 6;
/** Largest grid index (tiles from the seed) the growth reaches. */
const GRID = 64;
