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

  it('finds nothing in photos of an unmarked screen', async () => {
    const screen = await renderSyntheticScreen(1280, 800);
    for (const seed of [1, 2]) {
      const photo = await attackPhotoOfScreen(screen, { seed });
      expect(await decodeScreenPhoto(key, photo)).toEqual([]);
    }
  }, 120_000);
});
