import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import {
  applyScreenWatermark,
  createScreenTile,
  createVisibleSpec,
  decodeScreenPhoto,
  issueToken,
  renderScreenOverlaySvg,
  renderSyntheticScreen,
  renderVisibleSvg,
  stampImage,
  validateSpec,
} from './index.ts';

const key = Buffer.alloc(32, 3);
const token = issueToken(key, 2024);

describe('visible watermark', () => {
  const spec = createVisibleSpec({
    staffName: 'Li <Na>\u202e',
    staffNumber: 'N0451',
    time: new Date('2026-03-01T18:10:00Z'),
    token,
    workstation: 'WS-ER-03',
  });

  it('names the viewer, staff number, local time and short code', () => {
    expect(spec.lines[0]).toBe('Li <Na> N0451');
    expect(spec.lines[1]).toBe('2026-03-02 02:10');
    expect(spec.lines[2]).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    expect(spec.lines[3]).toBe('WS-ER-03');
    expect(JSON.parse(JSON.stringify(spec))).toEqual(spec);
  });

  it('renders escaped SVG and stamps it onto an image as a new buffer', async () => {
    const svg = renderVisibleSvg(spec, 800, 600);
    expect(svg).toContain('Li &lt;Na&gt; N0451');
    expect(svg).not.toContain('<Na>');
    const img = await sharp({
      create: { width: 400, height: 300, channels: 3, background: '#ffffff' },
    })
      .png()
      .toBuffer();
    const stamped = await stampImage(img, spec);
    const { data } = await sharp(stamped).raw().toBuffer({ resolveWithObject: true });
    expect(data.some((v) => v < 250)).toBe(true);
  });

  it('rejects an invalid spec', () => {
    expect(() => validateSpec({ ...spec, color: 'red;x' })).toThrow(
      expect.objectContaining({ code: 'CUSTOS_INPUT_INVALID' }),
    );
    expect(() => validateSpec({ ...spec, fontFamily: 'x"><script>' })).toThrow();
  });
});

describe('screen watermark', () => {
  it('builds a QR tile and a faint overlay', async () => {
    const tile = await createScreenTile(token);
    expect(tile.size).toBeGreaterThan(20);
    const svg = await renderScreenOverlaySvg(token, 640, 400, { opacity: 0.05 });
    expect(svg).toContain('opacity="0.05"');
  });

  it('decodes the token from a marked screenshot, and nothing from an unmarked one', async () => {
    const screen = await renderSyntheticScreen(1280, 800);
    const marked = await applyScreenWatermark(token, screen);
    const found = await decodeScreenPhoto(key, marked);
    expect(found[0]?.token.entryRef).toBe(2024);
    expect(await decodeScreenPhoto(key, screen)).toEqual([]);
    expect(await decodeScreenPhoto(Buffer.alloc(32, 8), marked)).toEqual([]);
    // Three full decodes (two of them searching every lattice proposal in vain): about 30 s on
    // a quiet machine, more when the suite's other files share its cores.
  }, 180_000);
});
