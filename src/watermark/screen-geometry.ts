/**
 * Lattice refinement for the screen mark. A phone photo of a monitor is a strong perspective view:
 * the tile lattice is sheared (one axis turned by several degrees against the other), and the
 * global estimate, built from one autocorrelation peak and its square partner, can be off by 10
 * degrees. Each tile vector is moved to the strongest autocorrelation peak near it, which is
 * close enough for the block registration to lock on.
 */
import { fft2 } from './fft.ts';
import type { LatticeCandidate } from './geometry.ts';
import { subPixel } from './keyed-tile.ts';
import type { Plane } from './plane.ts';

/** Local tile vectors at a window centre (image pixels per tile). */
export interface LocalLattice {
  x: number;
  y: number;
  ax: number;
  ay: number;
  bx: number;
  by: number;
  /** Peak prominence (in standard deviations of the searched autocorrelation). */
  strength: number;
}

function taper(i: number, n: number): number {
  const edge = n / 8;
  if (i < edge) return 0.5 - 0.5 * Math.cos((Math.PI * (i + 0.5)) / edge);
  if (i >= n - edge) return 0.5 - 0.5 * Math.cos((Math.PI * (n - i - 0.5)) / edge);
  return 1;
}

interface Scratch {
  n: number;
  re: Float64Array;
  im: Float64Array;
}

function scratchOf(n: number, s: Scratch | null): Scratch {
  if (s && s.n === n) return s;
  return { n, re: new Float64Array(n * n), im: new Float64Array(n * n) };
}

function acAt(ac: Float64Array, n: number, x: number, y: number): number {
  return ac[(((y % n) + n) % n) * n + (((x % n) + n) % n)]!;
}

/** The highest autocorrelation within `radius` of (px, py), refined to sub-pixel. */
function peakNear(
  ac: Float64Array,
  n: number,
  px: number,
  py: number,
  radius: number,
): { x: number; y: number; v: number } {
  let bx = Math.round(px);
  let by = Math.round(py);
  let bv = -Infinity;
  const r = Math.ceil(radius);
  for (let y = Math.round(py) - r; y <= Math.round(py) + r; y++)
    for (let x = Math.round(px) - r; x <= Math.round(px) + r; x++) {
      if ((x - px) ** 2 + (y - py) ** 2 > radius * radius) continue;
      const v = acAt(ac, n, x, y);
      if (v > bv) {
        bv = v;
        bx = x;
        by = y;
      }
    }
  return {
    x: bx + subPixel(acAt(ac, n, bx - 1, by), bv, acAt(ac, n, bx + 1, by)),
    y: by + subPixel(acAt(ac, n, bx, by - 1), bv, acAt(ac, n, bx, by + 1)),
    v: bv,
  };
}

/** The n x n window of `r` centred at (cx, cy), moved inside the image, and its clipped size. */
function windowOf(
  r: Plane,
  cx: number,
  cy: number,
  n: number,
): { x0: number; y0: number; w: number; h: number } {
  return {
    x0: Math.max(0, Math.min(r.width - n, Math.round(cx - n / 2))),
    y0: Math.max(0, Math.min(r.height - n, Math.round(cy - n / 2))),
    w: Math.min(n, r.width),
    h: Math.min(n, r.height),
  };
}

/**
 * The partially whitened autocorrelation (magnitude spectrum, DC removed) of an n x n window of
 * `r` centred at (cx, cy), clipped to the image, tapered and zero-padded; in `scratch.re`.
 */
function autocorrelation(
  r: Plane,
  cx: number,
  cy: number,
  n: number,
  scratch: Scratch,
): Float64Array | null {
  const { x0, y0, w, h } = windowOf(r, cx, cy, n);
  const { re, im } = scratch;
  re.fill(0);
  im.fill(0);
  let mean = 0;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) mean += r.data[(y0 + y) * r.width + x0 + x]!;
  mean /= w * h;
  for (let y = 0; y < h; y++) {
    const wy = taper(y, h);
    for (let x = 0; x < w; x++)
      re[y * n + x] = (r.data[(y0 + y) * r.width + x0 + x]! - mean) * wy * taper(x, w);
  }
  fft2(re, im, n);
  // Partial whitening (magnitude), as for the global estimate: host text stays in few frequencies.
  for (let k = 0; k < re.length; k++) {
    re[k] = Math.sqrt(re[k]! * re[k]! + im[k]! * im[k]!);
    im[k] = 0;
  }
  re[0] = 0;
  fft2(re, im, n, true);
  return re;
}

/**
 * Refines the tile vectors (ax, ay), (bx, by) on the autocorrelation of an n x n window of `r`
 * centred at (cx, cy) (clipped to the image, tapered, zero-padded).
 */
function localLattice(
  r: Plane,
  cx: number,
  cy: number,
  n: number,
  guess: LatticeCandidate,
  tolerance: number,
  scratch: Scratch,
): LocalLattice | null {
  const { x0, y0, w, h } = windowOf(r, cx, cy, n);
  const re = autocorrelation(r, cx, cy, n, scratch);
  if (!re) return null;
  const la = Math.hypot(guess.ax, guess.ay);
  const lb = Math.hypot(guess.bx, guess.by);
  if (la > 0.6 * w || lb > 0.6 * h) return null;
  const a = peakNear(re, n, guess.ax, guess.ay, tolerance * la);
  const b = peakNear(re, n, guess.bx, guess.by, tolerance * lb);
  // Background: the autocorrelation on a ring around the tile length.
  let s = 0;
  let s2 = 0;
  let cnt = 0;
  const rMax = Math.ceil(1.3 * Math.max(la, lb));
  for (let y = 0; y <= rMax; y++)
    for (let x = -rMax; x <= rMax; x++) {
      const d = Math.hypot(x, y);
      if (d < 0.6 * Math.min(la, lb) || d > rMax) continue;
      const v = acAt(re, n, x, y);
      s += v;
      s2 += v * v;
      cnt++;
    }
  const m = s / Math.max(1, cnt);
  const sd = Math.sqrt(Math.max(1e-12, s2 / Math.max(1, cnt) - m * m));
  return {
    x: x0 + w / 2,
    y: y0 + h / 2,
    ax: a.x,
    ay: a.y,
    bx: b.x,
    by: b.y,
    strength: Math.min(a.v - m, b.v - m) / sd,
  };
}

/**
 * The global lattice `c` refined on the autocorrelation of the whole residual: each tile vector
 * moves to the strongest peak within `tolerance` of its length (an estimate built from one peak
 * and its square partner is corrected for the shear a perspective view adds).
 */
export function refineLattice(r: Plane, c: LatticeCandidate, tolerance = 0.2): LatticeCandidate {
  let n = 256;
  while (n < Math.max(r.width, r.height) && n < 1024) n <<= 1;
  const l = localLattice(r, r.width / 2, r.height / 2, n, c, tolerance, scratchOf(n, null));
  if (!l) return c;
  return { ax: l.ax, ay: l.ay, bx: l.bx, by: l.by, strength: l.strength };
}

/**
 * Candidate tile lattices from the strongest peaks of the whitened autocorrelation of the n x n
 * window of `r` centred at (cx, cy) (clipped to the image): every pair of peaks whose lengths lie within [minLen, maxLen], agree within
 * a factor 1.45 and stand 55..125 degrees apart (a strong perspective view shears the lattice),
 * plus every peak with its square partner. Many of them are host periodicity (text rows, the JPEG
 * block grid, moiré): the caller tells the tile lattice apart with the keyed template.
 */
export function proposeLattices(
  r: Plane,
  minLen: number,
  maxLen: number,
  peaks: number,
  n: number,
  cx: number,
  cy: number,
): LatticeCandidate[] {
  const s = scratchOf(n, null);
  const ac = autocorrelation(r, cx, cy, n, s);
  if (!ac) return [];
  const { w, h } = windowOf(r, cx, cy, n);
  const rMax = Math.min(maxLen, 0.6 * Math.min(w, h));
  const found: { x: number; y: number; v: number }[] = [];
  const lim = Math.ceil(rMax) + 1;
  for (let y = 0; y <= lim; y++)
    for (let x = -lim; x <= lim; x++) {
      if (y === 0 && x <= 0) continue;
      const d = Math.hypot(x, y);
      if (d < minLen || d > rMax) continue;
      const v = acAt(ac, n, x, y);
      let isMax = true;
      for (let dy = -1; dy <= 1 && isMax; dy++)
        for (let dx = -1; dx <= 1; dx++)
          if ((dx || dy) && acAt(ac, n, x + dx, y + dy) > v) {
            isMax = false;
            break;
          }
      if (isMax) found.push({ x, y, v });
    }
  found.sort((p, q) => q.v - p.v);
  const top = found.slice(0, peaks).map((p) => peakNear(ac, n, p.x, p.y, 1));
  const out: LatticeCandidate[] = [];
  const push = (p: { x: number; y: number }, q: { x: number; y: number }, v: number): void => {
    const vs = [p, q, { x: -p.x, y: -p.y }, { x: -q.x, y: -q.y }];
    let a = vs[0]!;
    let b = vs[0]!;
    for (const t of vs) {
      if (t.x > a.x) a = t;
      if (t.y > b.y) b = t;
    }
    if (a === b || (Math.abs(a.x - b.x) < 1e-9 && Math.abs(a.y - b.y) < 1e-9)) return;
    out.push({ ax: a.x, ay: a.y, bx: b.x, by: b.y, strength: v });
  };
  for (let i = 0; i < top.length; i++) {
    const p = top[i]!;
    const lp = Math.hypot(p.x, p.y);
    for (let j = i + 1; j < top.length; j++) {
      const q = top[j]!;
      const lq = Math.hypot(q.x, q.y);
      if (lp / lq > 1.45 || lq / lp > 1.45) continue;
      if (Math.abs((p.x * q.x + p.y * q.y) / (lp * lq)) > 0.58) continue;
      push(p, q, p.v + q.v);
    }
    const q = peakNear(ac, n, -p.y, p.x, 1.5);
    push(p, q, p.v + q.v);
  }
  out.sort((p, q) => q.strength - p.strength);
  return out;
}
