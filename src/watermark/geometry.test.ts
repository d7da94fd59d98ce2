import { beforeAll, describe, expect, it } from 'vitest';
import {
  applyHomography,
  fitHomography,
  invertHomography,
  multiply,
  type Homography,
} from './geometry.ts';
import {
  attackJpeg,
  attackPerspective,
  attackRotate,
  decodeImage,
  issueToken,
  markImage,
  renderSyntheticRadiograph,
  renderSyntheticScreen,
} from './index.ts';

const key = Buffer.alloc(32, 21);
const token = issueToken(key, 5_550_001);
let xray: Buffer;
let markedXray: Buffer;
let screen: Buffer;
let markedScreen: Buffer;

beforeAll(async () => {
  xray = await renderSyntheticRadiograph(512, 512, 3);
  markedXray = (await markImage(key, token, xray)).output;
  screen = await renderSyntheticScreen(800, 600);
  markedScreen = (await markImage(key, token, screen)).output;
});

describe('geometric synchronisation of the image watermark', () => {
  it.each([3, -4, 5, -5])('decodes a radiograph rotated by %d degrees (cropped)', async (deg) => {
    const r = await decodeImage(key, await attackRotate(markedXray, deg));
    expect(r.token?.entryRef).toBe(5_550_001);
  });

  it('decodes a record screenshot rotated by 4 degrees and re-encoded as JPEG q90', async () => {
    const r = await decodeImage(key, await attackJpeg(await attackRotate(markedScreen, 4), 90));
    expect(r.token?.entryRef).toBe(5_550_001);
  });

  it('decodes a radiograph under a perspective warp', async () => {
    const r = await decodeImage(key, await attackPerspective(markedXray, 0.03, 2));
    expect(r.token?.entryRef).toBe(5_550_001);
  });

  it('finds no token in unmarked rotated or warped images, nor under another key', async () => {
    expect((await decodeImage(key, await attackRotate(xray, 5))).token).toBeNull();
    expect((await decodeImage(key, await attackRotate(screen, -3))).token).toBeNull();
    expect((await decodeImage(key, await attackPerspective(xray, 0.05, 2))).token).toBeNull();
    const other = Buffer.alloc(32, 22);
    expect((await decodeImage(other, await attackRotate(markedXray, 5))).token).toBeNull();
  });
});

describe('homography helpers', () => {
  const h: Homography = [1.02, 0.05, 10, -0.04, 0.98, -7, 0.0001, -0.00005, 1];

  it('fits a homography from exact correspondences and inverts it', () => {
    const pts: { u: number; v: number; x: number; y: number }[] = [];
    for (let u = 0; u <= 600; u += 150)
      for (let v = 0; v <= 400; v += 200) {
        const [x, y] = applyHomography(h, u, v);
        pts.push({ u, v, x, y });
      }
    const fit = fitHomography(pts)!;
    const [x, y] = applyHomography(fit, 321, 123);
    const [ex, ey] = applyHomography(h, 321, 123);
    expect(Math.hypot(x - ex, y - ey)).toBeLessThan(1e-6);
    const id = multiply(invertHomography(h)!, h);
    const [ix, iy] = applyHomography(id, 50, 60);
    expect(Math.hypot(ix - 50, iy - 60)).toBeLessThan(1e-9);
  });

  it('refuses degenerate input', () => {
    expect(fitHomography([{ u: 0, v: 0, x: 0, y: 0 }])).toBeNull();
    expect(
      fitHomography([
        { u: 1, v: 1, x: 1, y: 1 },
        { u: 1, v: 1, x: 1, y: 1 },
        { u: 1, v: 1, x: 1, y: 1 },
      ]),
    ).toBeNull();
  });
});
