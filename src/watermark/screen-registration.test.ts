import { describe, expect, it } from 'vitest';
import { applyHomography, invertHomography, type Homography } from './geometry.ts';
import { keyedLayout } from './keyed-tile.ts';
import { createPlane } from './plane.ts';
import { screenMarkCells, screenResidual } from './screen-mark.ts';
import { growRegistration, jacobianAt, registerSeed } from './screen-registration.ts';
import { issueToken } from './token.ts';

const key = Buffer.alloc(32, 7);
const layout = keyedLayout(key, 'screen-v1', 16, 4, 3);
const PERIOD = 64;

/** Marked frame (folded units) to image: a keystone view, the far edge 12 % narrower. */
const TRUE: Homography = [0.95, 0.06, 40, 0.02, 0.9, 30, 0.00018, 0.00004, 1];

/** A grey photo of the mark alone (10 grey levels) under TRUE, with seeded noise. */
function photo(width: number, height: number) {
  const cells = screenMarkCells(key, issueToken(key, 77));
  const inv = invertHomography(TRUE)!;
  const p = createPlane(width, height);
  let s = 12345;
  const rnd = (): number => {
    s = (s * 1103515245 + 12345) >>> 0;
    return s / 4294967296;
  };
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const [u, v] = applyHomography(inv, x, y);
      const cx = ((Math.floor(u / 4) % 16) + 16) % 16;
      const cy = ((Math.floor(v / 4) % 16) + 16) % 16;
      p.data[y * width + x] = 200 - (cells[cy * 16 + cx]! < 0 ? 10 : 0) + (rnd() - 0.5) * 16;
    }
  return p;
}

describe('grown screen-mark registration', () => {
  it('recovers a keystone view from a seed whose lattice is 4 % off', () => {
    const r = screenResidual(photo(640, 420));
    const [x, y] = applyHomography(TRUE, 300, 200);
    const j = jacobianAt(TRUE, 300, 200);
    const seed = registerSeed(layout, r, x, y, [j[0] * 1.04, j[1], j[2], j[3] * 0.97]);
    expect(seed.s).toBeGreaterThan(6);
    const g = growRegistration(layout, r, seed, { seedScore: 5.5, minScore: 4.8, maxShift: 6 });
    expect(g.blocks).toBeGreaterThan(30);
    // The grown homography equals TRUE up to a shift of the marked frame: every image point's
    // marked position differs from the true one by the same amount, modulo the tile period.
    const a = invertHomography(g.h!)!;
    const b = invertHomography(TRUE)!;
    const at = (px: number, py: number): [number, number] => {
      const [u1, v1] = applyHomography(a, px, py);
      const [u2, v2] = applyHomography(b, px, py);
      return [u1 - u2, v1 - v2];
    };
    const [du0, dv0] = at(320, 210);
    const wrap = (d: number): number => d - PERIOD * Math.round(d / PERIOD);
    for (const [px, py] of [
      [60, 50],
      [580, 50],
      [60, 380],
      [580, 380],
      [320, 210],
    ] as const) {
      const [du, dv] = at(px, py);
      expect(Math.hypot(wrap(du - du0), wrap(dv - dv0))).toBeLessThan(1.5);
    }
  });

  it('does not grow from noise', () => {
    const r = screenResidual(photo(640, 420));
    const other = keyedLayout(Buffer.alloc(32, 8), 'screen-v1', 16, 4, 3);
    const [x, y] = applyHomography(TRUE, 300, 200);
    const seed = registerSeed(other, r, x, y, jacobianAt(TRUE, 300, 200));
    const g = growRegistration(other, r, seed, { seedScore: 5.5, minScore: 4.8, maxShift: 6 });
    expect(g.h).toBeNull();
  });
});
