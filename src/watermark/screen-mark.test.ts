import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { attackPhotoOfScreen } from './attacks.ts';
import {
  applyScreenMark,
  decodeScreenPhoto,
  decodeScreenQr,
  renderScreenMarkOverlaySvg,
  renderScreenMarkTilePng,
  renderScreenMarkTileSvg,
} from './screen.ts';
import { SCREEN_TILE_PX, screenMarkCells } from './screen-mark.ts';
import { renderSyntheticScreen } from './synthetic.ts';
import { issueToken } from './token.ts';

const key = Buffer.alloc(32, 5);
/** The key of `npm run bench -- eval-screen`, so that a test photo is one of the benchmark's. */
const BENCH_KEY = '6b3a9f1e0d2c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccdd';
const HARD = { perspective: 0.12, moire: 0.1, blur: 1.8, jpegQuality: 60, noise: 3 };
const token = issueToken(key, 31337);

describe('keyed screen mark', () => {
  it('draws a faint tile: black at alpha strength/255 on about half the cells', async () => {
    const png = await renderScreenMarkTilePng(key, token);
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([SCREEN_TILE_PX, SCREEN_TILE_PX, 4]);
    let dark = 0;
    for (let i = 0; i < info.width * info.height; i++) {
      expect(data[i * 4]).toBe(0);
      const a = data[i * 4 + 3]!;
      expect(a === 0 || a === 10).toBe(true);
      if (a) dark++;
    }
    expect(dark / (info.width * info.height)).toBeGreaterThan(0.35);
    expect(dark / (info.width * info.height)).toBeLessThan(0.65);
    const other = screenMarkCells(key, issueToken(key, 31338));
    expect(screenMarkCells(key, token)).not.toEqual(other);
  });

  it('renders SVG tile and overlay embedding the PNG tile', async () => {
    const tile = await renderScreenMarkTileSvg(key, token, { strength: 8 });
    expect(tile).toContain(`width="${SCREEN_TILE_PX}"`);
    expect(tile).toContain('href="data:image/png;base64,');
    const overlay = await renderScreenMarkOverlaySvg(key, token, 640, 400);
    expect(overlay).toContain('<pattern');
    await expect(renderScreenMarkOverlaySvg(key, token, 0, 400)).rejects.toThrow();
    await expect(renderScreenMarkTilePng(key, token, { strength: 300 })).rejects.toThrow();
  });

  it('is read from a screenshot and from a simulated phone photo of the screen', async () => {
    const screen = await renderSyntheticScreen(1280, 800);
    const marked = await applyScreenMark(key, token, screen);
    const shot = await decodeScreenPhoto(key, marked);
    expect(shot.map((r) => [r.token.entryRef, r.source])).toEqual([[31337, 'mark']]);
    const photo = await attackPhotoOfScreen(marked, { seed: 1 });
    const found = await decodeScreenPhoto(key, photo);
    expect(found[0]?.token.entryRef).toBe(31337);
    // The mark is keyed: another key reads nothing, and no QR code is there.
    expect(await decodeScreenPhoto(Buffer.alloc(32, 6), photo)).toEqual([]);
    expect(await decodeScreenQr(key, photo)).toEqual([]);
  }, 120_000);

  // Photos the decoder missed while the lattice came from the autocorrelation alone (text rows, the
  // JPEG block grid and moiré made the strongest peaks); the keyed proposals find them.
  it.each([
    ['hard (perspective 12%, moire 10%, blur 1.8, JPEG 60, noise 3)', 0, HARD],
    ['partial framing 50%', 16, { framing: 0.5, scale: 1.4 }],
    // Read once a track whose fold still gains gets more rounds (photo 1), and once the
    // registration falls back to smaller blocks when fewer than 3 of the usual ones lock (photo 12).
    ['partial framing 50% (photo 1)', 1, { framing: 0.5, scale: 1.4 }],
    ['partial framing 50% (photo 12)', 12, { framing: 0.5, scale: 1.4 }],
    // Read once the registration grows block by block from a searched seed lattice (photo 4: the
    // tracks locked at fold 6-8 and stopped; photo 20: the mark shows only in part of the photo).
    ['hard (photo 4)', 4, HARD],
    ['hard (photo 20)', 20, HARD],
  ] as const)(
    'is read from a %s photo (seeded)',
    async (_name, t, attack) => {
      const benchKey = Buffer.from(BENCH_KEY, 'hex');
      const want = issueToken(benchKey, 3_000_000 + t * 7919);
      const screen = await renderSyntheticScreen(1280, 800);
      const photo = await attackPhotoOfScreen(await applyScreenMark(benchKey, want, screen), {
        ...attack,
        seed: t + 1,
      });
      const found = await decodeScreenPhoto(benchKey, photo);
      expect(found.map((r) => [r.token.entryRef, r.source])).toEqual([[want.entryRef, 'mark']]);
    },
    120_000,
  );

  it('finds nothing in photos of an unmarked screen', async () => {
    const screen = await renderSyntheticScreen(1280, 800);
    for (const seed of [1, 2]) {
      const photo = await attackPhotoOfScreen(screen, { seed });
      expect(await decodeScreenPhoto(key, photo)).toEqual([]);
    }
    const hard = await attackPhotoOfScreen(screen, { ...HARD, seed: 3 });
    expect(await decodeScreenPhoto(key, hard)).toEqual([]);
  }, 120_000);
});
