/**
 * The console's visible-watermark overlay against the service's watermark module: it accepts
 * exactly the specs the service would, draws every line of the spec, and escapes what it draws
 * (a staff name cannot inject markup into the tile).
 */
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  attackPhotoOfScreen,
  createScreenMarkSpec,
  createVisibleSpec,
  decodeScreenPhoto,
  issueToken,
  renderScreenMarkTilePng,
  renderSyntheticScreen,
  validateSpec,
  type VisibleWatermarkSpec,
} from '../src/watermark/index.ts';
import {
  isValidScreenSpec,
  isValidSpec,
  renderScreenTileSvg,
  renderTileSvg,
} from '../web/src/components/Watermark.tsx';

const base = createVisibleSpec({
  staffName: '王医生',
  staffNumber: 'D-1024',
  time: new Date('2026-03-01T02:10:00Z'),
  token: 'ABCD-EFGH-JKLM-NPQR',
  workstation: 'ER-03',
});

const variants: [string, Partial<VisibleWatermarkSpec> | Record<string, unknown>][] = [
  ['the service default', {}],
  ['no lines', { lines: [] }],
  ['nine lines', { lines: Array.from({ length: 9 }, () => 'x') }],
  ['a line of 81 characters', { lines: ['x'.repeat(81)] }],
  ['a colour name', { color: 'red' }],
  ['opacity 0', { opacity: 0 }],
  ['opacity 1', { opacity: 1 }],
  ['font size 5', { fontSize: 5 }],
  ['tile 39 px wide', { tileWidth: 39 }],
  ['angle 91', { angle: 91 }],
  ['a font family with a quote', { fontFamily: 'x" onload="y' }],
  ['version 2', { version: 2 }],
];

describe('visible watermark overlay', () => {
  it.each(variants)('accepts or refuses %s exactly as the service does', (_name, patch) => {
    const spec = { ...base, ...patch } as VisibleWatermarkSpec;
    let service = true;
    try {
      validateSpec(spec);
    } catch {
      service = false;
    }
    expect(isValidSpec(spec)).toBe(service);
  });

  it('draws every line of the spec in a brick pattern of two rows', () => {
    const svg = renderTileSvg(base);
    for (const line of base.lines) expect(svg.split(`>${line}</tspan>`).length - 1).toBe(3);
    expect(svg).toContain(`width="${base.tileWidth}" height="${2 * base.tileHeight}"`);
    expect(svg).toContain(`fill-opacity="${base.opacity}"`);
    expect(svg).toContain(`rotate(${base.angle} `);
  });

  it('escapes markup in the lines', () => {
    const spec = { ...base, lines: ['<script>alert(1)</script> & "x"'] };
    const svg = renderTileSvg(spec);
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;');
  });
});

describe('screen mark overlay', () => {
  const key = randomBytes(32);
  const token = issueToken(key, 4_242);

  it('draws exactly the dark cells of the service tile', async () => {
    const spec = createScreenMarkSpec(key, token);
    expect(isValidScreenSpec(spec)).toBe(true);
    const n = spec.tileCells * spec.cellSize;
    const drawn = await sharp(Buffer.from(renderScreenTileSvg(spec)))
      .ensureAlpha()
      .raw()
      .toBuffer();
    const served = await sharp(await renderScreenMarkTilePng(key, token))
      .ensureAlpha()
      .raw()
      .toBuffer();
    expect(drawn.length).toBe(n * n * 4);
    let dark = 0;
    for (let i = 0; i < n * n; i++) {
      // Same cells dark (alpha within rounding of the served tile), same cells clear.
      expect(Math.abs(drawn[i * 4 + 3]! - served[i * 4 + 3]!)).toBeLessThanOrEqual(1);
      if (served[i * 4 + 3]! > 0) dark++;
    }
    expect(dark).toBeGreaterThan(n * n * 0.3);
    expect(dark).toBeLessThan(n * n * 0.7);
  });

  it('refuses malformed specs (the view is then withheld)', () => {
    const spec = createScreenMarkSpec(key, token);
    for (const bad of [
      null,
      { ...spec, version: 2 },
      { ...spec, cells: spec.cells.slice(1) },
      { ...spec, cells: `${spec.cells.slice(1)}g` },
      { ...spec, alpha: 0 },
      { ...spec, alpha: 65 },
      { ...spec, cellSize: 1.5 },
      { ...spec, tileCells: 3 },
    ])
      expect(isValidScreenSpec(bad)).toBe(false);
  });

  it("a phone photo of a screen with the console's overlay names the disclosure", async () => {
    const spec = createScreenMarkSpec(key, token);
    const screen = await renderSyntheticScreen(1280, 800);
    const overlay = await sharp(Buffer.from(renderScreenTileSvg(spec))).png().toBuffer();
    const shown = await sharp(screen).composite([{ input: overlay, tile: true }]).png().toBuffer();
    const photo = await attackPhotoOfScreen(shown, { seed: 3 });
    const found = await decodeScreenPhoto(key, photo);
    expect(found.map((f) => [f.token.entryRef, f.source])).toContainEqual([4_242, 'mark']);
    // Another key reads nothing from the same photo.
    expect(await decodeScreenPhoto(randomBytes(32), photo)).toEqual([]);
  }, 120_000);
});
