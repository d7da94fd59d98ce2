/**
 * The console's visible-watermark overlay against the service's watermark module: it accepts
 * exactly the specs the service would, draws every line of the spec, and escapes what it draws
 * (a staff name cannot inject markup into the tile).
 */
import { describe, expect, it } from 'vitest';
import {
  createVisibleSpec,
  validateSpec,
  type VisibleWatermarkSpec,
} from '../src/watermark/index.ts';
import { isValidSpec, renderTileSvg } from '../web/src/components/Watermark.tsx';

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
