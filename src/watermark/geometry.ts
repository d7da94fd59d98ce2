/**
 * Geometric synchronisation for the tiled image watermark: recovering rotation, anisotropic scale
 * and mild perspective from the watermark itself.
 *
 * The mark is periodic (one tile every TILE_PX pixels), so the autocorrelation of the high-passed
 * image has peaks on the lattice spanned by the two (rotated, scaled) tile vectors. Those peaks
 * give an affine estimate of the geometry. Residual perspective is then measured locally: blocks
 * of the re-aligned image are correlated on their own with the keyed synchronisation template,
 * and a homography is fitted to the local tile phases.
 */
import { fft2 } from './fft.ts';
import { createPlane, type Plane } from './plane.ts';

/** A 3x3 homography, row-major, mapping (u, v, 1) to (x, y, w) with x/w, y/w the image position. */
export type Homography = [number, number, number, number, number, number, number, number, number];

/** A lattice estimate: the two tile vectors (pixels of the examined image) and their strength. */
export interface LatticeCandidate {
  /** Image displacement of one tile along the marked x axis. */
  ax: number;
  ay: number;
  /** Image displacement of one tile along the marked y axis. */
  bx: number;
  by: number;
  /** Summed prominence of the two autocorrelation peaks. */
  strength: number;
}

interface Peak {
  x: number;
  y: number;
  v: number;
}

/**
 * Candidate tile lattices from the 2D autocorrelation of a residual plane (spectrally flattened),
 * averaged over up to four central blocks. `period` is the tile size at the nominal scale.
 */
export function estimateLattices(
  r: Plane,
  period: number,
  minScale: number,
  maxScale: number,
  maxCandidates = 3,
): LatticeCandidate[] {
  const side = Math.min(r.width, r.height);
  // FFT size n; blocks of m <= n image pixels, zero-padded when the image is small.
  const n = 512;
  const m = Math.min(n, side);
  if (m < 192) return [];
  const bx = Math.min(2, Math.floor(r.width / m));
  const by = Math.min(2, Math.floor(r.height / m));
  const power = new Float64Array(n * n);
  const re = new Float64Array(n * n);
  const im = new Float64Array(n * n);
  for (let j = 0; j < by; j++)
    for (let i = 0; i < bx; i++) {
      const x0 = Math.floor((r.width - bx * m) / 2) + i * m;
      const y0 = Math.floor((r.height - by * m) / 2) + j * m;
      let mean = 0;
      for (let y = 0; y < m; y++)
        for (let x = 0; x < m; x++) mean += r.data[(y0 + y) * r.width + x0 + x]!;
      mean /= m * m;
      re.fill(0);
      im.fill(0);
      for (let y = 0; y < m; y++) {
        // Separable raised-cosine edge taper: the cyclic wrap of the block must not add a lattice.
        const wy = taper(y, m);
        for (let x = 0; x < m; x++)
          re[y * n + x] = (r.data[(y0 + y) * r.width + x0 + x]! - mean) * wy * taper(x, m);
      }
      fft2(re, im, n);
      for (let k = 0; k < power.length; k++) power[k]! += re[k]! * re[k]! + im[k]! * im[k]!;
    }
  // Partial whitening (magnitude instead of power): host lines and text concentrate their energy
  // in a few frequencies, the random tile pattern spreads it; this keeps the tile lattice visible.
  for (let k = 0; k < power.length; k++) {
    re[k] = Math.sqrt(power[k]!);
    im[k] = 0;
  }
  re[0] = 0;
  fft2(re, im, n, true);
  const ac = re;
  const at = (x: number, y: number): number => ac[((y + n) % n) * n + ((x + n) % n)]!;
  const rMin = period * minScale;
  const rMax = Math.min(period * maxScale, n / 2 - 6, m * 0.6);
  // Background level: mean and deviation of the autocorrelation over the search annulus.
  let s = 0;
  let s2 = 0;
  let cnt = 0;
  const peaks: Peak[] = [];
  const lim = Math.ceil(rMax) + 1;
  for (let y = 0; y <= lim; y++)
    for (let x = -lim; x <= lim; x++) {
      if (y === 0 && x <= 0) continue;
      const d = Math.hypot(x, y);
      if (d < rMin || d > rMax) continue;
      const v = at(x, y);
      s += v;
      s2 += v * v;
      cnt++;
      let isMax = true;
      for (let dy = -1; dy <= 1 && isMax; dy++)
        for (let dx = -1; dx <= 1; dx++)
          if ((dx || dy) && at(x + dx, y + dy) > v) {
            isMax = false;
            break;
          }
      if (isMax) peaks.push({ x, y, v });
    }
  if (!cnt) return [];
  const mean = s / cnt;
  const sd = Math.sqrt(Math.max(1e-12, s2 / cnt - mean * mean));
  peaks.sort((p, q) => q.v - p.v);
  const top = peaks.slice(0, 16).map((p) => refinePeak(at, p, mean, sd));
  const cands: LatticeCandidate[] = [];
  for (let i = 0; i < top.length; i++)
    for (let j = i + 1; j < top.length; j++) {
      const p = top[i]!;
      const q = top[j]!;
      const lp = Math.hypot(p.x, p.y);
      const lq = Math.hypot(q.x, q.y);
      const ratio = lp / lq;
      if (ratio < 0.8 || ratio > 1.25) continue;
      const cos = (p.x * q.x + p.y * q.y) / (lp * lq);
      if (Math.abs(cos) > 0.25) continue;
      // Orient: a is the vector nearest +x, b the one nearest +y (rotations below 45 degrees).
      const vs = [p, q, { ...p, x: -p.x, y: -p.y }, { ...q, x: -q.x, y: -q.y }];
      const a = vs.reduce((m, v) => (v.x > m.x ? v : m));
      const b = vs.reduce((m, v) => (v.y > m.y ? v : m));
      if (a === b) continue;
      cands.push({ ax: a.x, ay: a.y, bx: b.x, by: b.y, strength: p.v + q.v });
    }
  // A square tile under rotation and uniform scale: the second vector is the first turned by 90
  // degrees. Host periodicity (text rows) can hide one of the two peaks, so each strong peak also
  // proposes its own square lattice (scored with the autocorrelation next to the predicted partner).
  for (const p of top.slice(0, 6)) {
    const q = localMax(at, -p.y, p.x, 1);
    const vq = (at(q.x, q.y) - mean) / sd;
    const refined = { x: -p.y, y: p.x, v: vq };
    const vs = [
      p,
      refined,
      { ...p, x: -p.x, y: -p.y },
      { ...refined, x: -refined.x, y: -refined.y },
    ];
    const a = vs.reduce((m, v) => (v.x > m.x ? v : m));
    const b = vs.reduce((m, v) => (v.y > m.y ? v : m));
    if (a === b) continue;
    if (
      cands.some((c) => Math.hypot(c.ax - a.x, c.ay - a.y) + Math.hypot(c.bx - b.x, c.by - b.y) < 3)
    )
      continue;
    cands.push({ ax: a.x, ay: a.y, bx: b.x, by: b.y, strength: p.v + vq });
  }
  cands.sort((p, q) => q.strength - p.strength);
  return cands.slice(0, maxCandidates);
}

function localMax(
  at: (x: number, y: number) => number,
  x0: number,
  y0: number,
  radius: number,
): { x: number; y: number } {
  const cx = Math.round(x0);
  const cy = Math.round(y0);
  let best = { x: cx, y: cy };
  let bv = -Infinity;
  for (let y = cy - radius; y <= cy + radius; y++)
    for (let x = cx - radius; x <= cx + radius; x++) {
      const v = at(x, y);
      if (v > bv) {
        bv = v;
        best = { x, y };
      }
    }
  return best;
}

function taper(i: number, n: number): number {
  const edge = n / 8;
  if (i < edge) return 0.5 - 0.5 * Math.cos((Math.PI * (i + 0.5)) / edge);
  if (i >= n - edge) return 0.5 - 0.5 * Math.cos((Math.PI * (n - i - 0.5)) / edge);
  return 1;
}

function refinePeak(at: (x: number, y: number) => number, p: Peak, mean: number, sd: number): Peak {
  const c = at(p.x, p.y);
  const fx = parabola(at(p.x - 1, p.y), c, at(p.x + 1, p.y));
  const fy = parabola(at(p.x, p.y - 1), c, at(p.x, p.y + 1));
  return { x: p.x + fx, y: p.y + fy, v: (p.v - mean) / sd };
}

function parabola(a: number, b: number, c: number): number {
  const den = a - 2 * b + c;
  if (den >= 0) return 0;
  return Math.max(-0.5, Math.min(0.5, (0.5 * (a - c)) / den));
}

/** The affine homography (marked frame to image) with tile vectors a, b and origin (ox, oy). */
export function latticeHomography(
  c: LatticeCandidate,
  period: number,
  ox: number,
  oy: number,
): Homography {
  return [c.ax / period, c.bx / period, ox, c.ay / period, c.by / period, oy, 0, 0, 1];
}

/** Applies a homography to a point. */
export function applyHomography(h: Homography, u: number, v: number): [number, number] {
  const w = h[6] * u + h[7] * v + h[8];
  return [(h[0] * u + h[1] * v + h[2]) / w, (h[3] * u + h[4] * v + h[5]) / w];
}

/** Inverse of a homography (adjugate). */
export function invertHomography(h: Homography): Homography | null {
  const [a, b, c, d, e, f, g, k, l] = h;
  const A = e * l - f * k;
  const B = -(d * l - f * g);
  const C = d * k - e * g;
  const det = a * A + b * B + c * C;
  if (!Number.isFinite(det) || Math.abs(det) < 1e-12) return null;
  const inv: Homography = [
    A,
    -(b * l - c * k),
    b * f - c * e,
    B,
    a * l - c * g,
    -(a * f - c * d),
    C,
    -(a * k - b * g),
    a * e - b * d,
  ];
  for (let i = 0; i < 9; i++) inv[i] = inv[i]! / det;
  return inv;
}

/**
 * The bounding box, in the marked frame, of the image under the inverse of `h`, clipped to
 * `maxPixels` (null when degenerate).
 */
export function markedFrame(
  h: Homography,
  width: number,
  height: number,
  maxPixels: number,
): { u0: number; v0: number; w: number; h: number } | null {
  const inv = invertHomography(h);
  if (!inv) return null;
  let u0 = Infinity;
  let v0 = Infinity;
  let u1 = -Infinity;
  let v1 = -Infinity;
  for (const [x, y] of [
    [0, 0],
    [width, 0],
    [0, height],
    [width, height],
  ] as const) {
    const [u, v] = applyHomography(inv, x, y);
    if (!Number.isFinite(u) || !Number.isFinite(v)) return null;
    u0 = Math.min(u0, u);
    v0 = Math.min(v0, v);
    u1 = Math.max(u1, u);
    v1 = Math.max(v1, v);
  }
  const w = Math.ceil(u1 - u0);
  const hh = Math.ceil(v1 - v0);
  if (w < 16 || hh < 16 || w * hh > maxPixels) return null;
  return { u0: Math.floor(u0), v0: Math.floor(v0), w, h: hh };
}

/**
 * Samples `src` (bilinear) at h(u0 + i, v0 + j) for every output pixel (i, j); positions outside
 * the source give 0 (the residual's neutral value).
 */
export function warpPlane(
  src: Plane,
  h: Homography,
  u0: number,
  v0: number,
  outW: number,
  outH: number,
): Plane {
  const out = createPlane(outW, outH);
  const { width: w, height: hh, data } = src;
  const [a, b, c, d, e, f, g, k, l] = h;
  for (let j = 0; j < outH; j++) {
    const v = v0 + j;
    const o = j * outW;
    for (let i = 0; i < outW; i++) {
      const u = u0 + i;
      const z = g * u + k * v + l;
      const x = (a * u + b * v + c) / z;
      const y = (d * u + e * v + f) / z;
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      if (x0 < 0 || y0 < 0 || x0 >= w - 1 || y0 >= hh - 1) continue;
      const fx = x - x0;
      const fy = y - y0;
      const p = y0 * w + x0;
      const top = data[p]! + (data[p + 1]! - data[p]!) * fx;
      const bot = data[p + w]! + (data[p + w + 1]! - data[p + w]!) * fx;
      out.data[o + i] = top + (bot - top) * fy;
    }
  }
  return out;
}

/**
 * Least-squares homography through point correspondences (u, v) -> (x, y) (normalised DLT with
 * h33 = 1); an affine fit when fewer than 6 points are given. Null when degenerate.
 */
export function fitHomography(
  pts: { u: number; v: number; x: number; y: number }[],
  affineOnly = false,
): Homography | null {
  if (pts.length < 3) return null;
  const mu = pts.reduce((s, p) => s + p.u, 0) / pts.length;
  const mv = pts.reduce((s, p) => s + p.v, 0) / pts.length;
  const mx = pts.reduce((s, p) => s + p.x, 0) / pts.length;
  const my = pts.reduce((s, p) => s + p.y, 0) / pts.length;
  const su = Math.sqrt(pts.reduce((s, p) => s + (p.u - mu) ** 2 + (p.v - mv) ** 2, 0) / pts.length);
  const sx = Math.sqrt(pts.reduce((s, p) => s + (p.x - mx) ** 2 + (p.y - my) ** 2, 0) / pts.length);
  if (su < 1e-6 || sx < 1e-6) return null;
  const full = !affineOnly && pts.length >= 6;
  const nUnk = full ? 8 : 6;
  const ata = Array.from({ length: nUnk }, () => new Float64Array(nUnk + 1));
  const add = (row: number[], rhs: number): void => {
    for (let i = 0; i < nUnk; i++) {
      for (let j = 0; j < nUnk; j++) ata[i]![j]! += row[i]! * row[j]!;
      ata[i]![nUnk]! += row[i]! * rhs;
    }
  };
  for (const p of pts) {
    const u = (p.u - mu) / su;
    const v = (p.v - mv) / su;
    const x = (p.x - mx) / sx;
    const y = (p.y - my) / sx;
    if (full) {
      add([u, v, 1, 0, 0, 0, -u * x, -v * x], x);
      add([0, 0, 0, u, v, 1, -u * y, -v * y], y);
    } else {
      add([u, v, 1, 0, 0, 0], x);
      add([0, 0, 0, u, v, 1], y);
    }
  }
  const sol = solve(ata);
  if (!sol) return null;
  const hn: Homography = full
    ? [sol[0]!, sol[1]!, sol[2]!, sol[3]!, sol[4]!, sol[5]!, sol[6]!, sol[7]!, 1]
    : [sol[0]!, sol[1]!, sol[2]!, sol[3]!, sol[4]!, sol[5]!, 0, 0, 1];
  // Undo the normalisations: H = Tx^-1 * Hn * Tu.
  const tu: Homography = [1 / su, 0, -mu / su, 0, 1 / su, -mv / su, 0, 0, 1];
  const txi: Homography = [sx, 0, mx, 0, sx, my, 0, 0, 1];
  return multiply(multiply(txi, hn), tu);
}

/** Product of two homographies (a after b). */
export function multiply(a: Homography, b: Homography): Homography {
  const out = new Array<number>(9).fill(0) as Homography;
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += a[i * 3 + k]! * b[k * 3 + j]!;
      out[i * 3 + j] = s;
    }
  return out;
}

function solve(m: Float64Array[]): Float64Array | null {
  const n = m.length;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    if (Math.abs(m[p]![c]!) < 1e-12) return null;
    [m[c], m[p]] = [m[p]!, m[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / m[c]![c]!;
      if (f) for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = m[i]![n]! / m[i]![i]!;
  return x;
}
