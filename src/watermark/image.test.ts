import { describe, expect, it, beforeAll } from 'vitest';
import sharp from 'sharp';
import {
  attackCrop,
  attackJpeg,
  attackLinear,
  attackScale,
  decodeImage,
  issueToken,
  markImage,
  markPixels,
  decodePixels,
  renderSyntheticPhoto,
  renderSyntheticRadiograph,
  renderSyntheticScreen,
} from './index.ts';

const key = Buffer.alloc(32, 9);
const token = issueToken(key, 77_000_123);
let xray: Buffer;
let marked: Buffer;

beforeAll(async () => {
  xray = await renderSyntheticRadiograph(512, 512);
  const m = await markImage(key, token, xray);
  expect(m.psnr).toBeGreaterThanOrEqual(40);
  marked = m.output;
});

describe('invisible image watermark', () => {
  it('decodes the token from the marked copy and leaves the original untouched', async () => {
    const before = Buffer.from(xray);
    await markImage(key, token, xray);
    expect(xray.equals(before)).toBe(true);
    const r = await decodeImage(key, marked);
    expect(r.token?.entryRef).toBe(77_000_123);
  });

  it.each([
    ['JPEG q50', (b: Buffer) => attackJpeg(b, 50)],
    ['resize 0.5x', (b: Buffer) => attackScale(b, 0.5)],
    ['crop 20%', (b: Buffer) => attackCrop(b, 0.2)],
    ['brightness x1.1', (b: Buffer) => attackLinear(b, 1.1, 0)],
  ])('survives %s', async (_name, attack) => {
    const r = await decodeImage(key, await attack(marked));
    expect(r.token?.entryRef).toBe(77_000_123);
  });

  it('finds nothing in an unmarked image or under another key', async () => {
    expect((await decodeImage(key, xray)).token).toBeNull();
    expect((await decodeImage(Buffer.alloc(32, 10), marked)).token).toBeNull();
  });

  it('marks colour JPEG and keeps the format', async () => {
    const photo = await sharp(await renderSyntheticPhoto(400, 300))
      .jpeg({ quality: 95 })
      .toBuffer();
    const m = await markImage(key, token, photo);
    expect(m.format).toBe('jpeg');
    expect((await sharp(m.output).metadata()).format).toBe('jpeg');
    expect((await decodeImage(key, m.output)).token?.entryRef).toBe(77_000_123);
  });

  it('survives brightening of a mostly-white screenshot, with or without headroom', async () => {
    const screen = await renderSyntheticScreen(1280, 800);
    const bright = async (headroom: boolean): Promise<number | undefined> => {
      const m = await markImage(key, token, screen, { headroom });
      expect(m.psnr).toBeGreaterThanOrEqual(40);
      return (await decodeImage(key, await attackLinear(m.output, 1.1, 0))).token?.entryRef;
    };
    expect(await bright(true)).toBe(77_000_123);
    // The white background clips to 255 and takes its part of the mark; the mid-tones keep the rest.
    expect(await bright(false)).toBe(77_000_123);
  });

  it('meets the target PSNR after rounding and clipping (a flat near-white page included)', async () => {
    const screen = await renderSyntheticScreen(640, 400);
    for (const psnr of [41.5, 40.5]) {
      const m = await markImage(key, token, screen, { psnr });
      expect(Math.abs(m.psnr - psnr)).toBeLessThan(0.2);
    }
    const m = await markImage(key, token, xray);
    expect(Math.abs(m.psnr - 41.5)).toBeLessThan(0.2);
  });

  it('marks 16-bit raw grey pixels relative to their used range', () => {
    const w = 256;
    const data = new Uint16Array(w * w);
    for (let i = 0; i < data.length; i++)
      data[i] = 800 + (((i % w) * 7 + Math.floor(i / w) * 3) % 2000);
    const m = markPixels(key, token, { width: w, height: w, channels: 1, data, maxValue: 4095 });
    expect(m.psnr).toBeGreaterThanOrEqual(40);
    expect(data[0]).toBe(800);
    expect(decodePixels(key, m.output).token?.entryRef).toBe(77_000_123);
  });

  it('rejects garbage, truncated files and decompression bombs with CUSTOS_INPUT_INVALID', async () => {
    const invalid = expect.objectContaining({ code: 'CUSTOS_INPUT_INVALID' });
    await expect(decodeImage(key, Buffer.from('not an image'))).rejects.toThrow(invalid);
    await expect(decodeImage(key, marked.subarray(0, 200))).rejects.toThrow(invalid);
    // 100000 x 100000 PNG header: refused before any pixel is allocated.
    const bomb = await sharp({ create: { width: 10, height: 10, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    bomb.writeUInt32BE(100000, 16);
    bomb.writeUInt32BE(100000, 20);
    await expect(decodeImage(key, bomb)).rejects.toThrow(invalid);
    expect(() =>
      markPixels(key, token, { width: 10, height: 10, channels: 1, data: new Uint8Array(5) }),
    ).toThrow(invalid);
  });
});
