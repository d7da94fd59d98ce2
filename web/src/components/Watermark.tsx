/**
 * The visible watermark (明水印) over every view that shows patient data: the viewer's name and
 * staff number, the time and the short code of the disclosure, tiled across the content as the
 * service's spec says (src/watermark createVisibleSpec); under it, the faint keyed screen mark
 * (createScreenMarkSpec) that lets a phone photo of the monitor name the disclosure. The overlay
 * is drawn outside React's tree and watched: if it is removed, hidden or restyled (e.g. from the
 * developer tools), it is put back at once. A spec that fails validation withholds the content
 * (fail closed).
 */
import { useLayoutEffect, useRef, type ReactNode } from 'react';

/** The visible watermark spec served with a disclosure (version 1). */
export interface VisibleWatermarkSpec {
  version: 1;
  lines: string[];
  fontFamily: string;
  fontSize: number;
  color: string;
  opacity: number;
  angle: number;
  tileWidth: number;
  tileHeight: number;
}

/** The screen mark spec served with a disclosure (version 1; src/watermark/screen.ts). */
export interface ScreenMarkSpec {
  version: 1;
  /** Dark cells, one bit per cell, row-major, hex, most significant bit first. */
  cells: string;
  /** Cell size in CSS pixels. */
  cellSize: number;
  /** Cells per side of the tile. */
  tileCells: number;
  /** Darkness of a dark cell: black at alpha / 255. */
  alpha: number;
}

/** Whether a screen mark spec received from the service is drawable. */
export function isValidScreenSpec(spec: unknown): spec is ScreenMarkSpec {
  const s = spec as ScreenMarkSpec | null;
  return (
    !!s &&
    s.version === 1 &&
    Number.isInteger(s.tileCells) &&
    s.tileCells >= 4 &&
    s.tileCells <= 64 &&
    typeof s.cells === 'string' &&
    s.cells.length === (s.tileCells * s.tileCells) / 4 &&
    /^[0-9a-f]+$/.test(s.cells) &&
    Number.isInteger(s.cellSize) &&
    s.cellSize >= 2 &&
    s.cellSize <= 32 &&
    Number.isInteger(s.alpha) &&
    s.alpha >= 1 &&
    s.alpha <= 64
  );
}

/** One tile of the screen mark as an SVG: the dark cells as one path, crisp edges. */
export function renderScreenTileSvg(spec: ScreenMarkSpec): string {
  const n = spec.tileCells;
  const c = spec.cellSize;
  let d = '';
  for (let i = 0; i < n * n; i++) {
    const bit = (parseInt(spec.cells[i >> 2]!, 16) >> (3 - (i & 3))) & 1;
    if (bit) d += `M${(i % n) * c} ${Math.floor(i / n) * c}h${c}v${c}h-${c}z`;
  }
  const size = n * c;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}" shape-rendering="crispEdges">` +
    `<path fill="#000000" fill-opacity="${(spec.alpha / 255).toFixed(4)}" d="${d}"/></svg>`
  );
}

/** Whether a spec received from the service is drawable (the same rules as the service's). */
export function isValidSpec(spec: unknown): spec is VisibleWatermarkSpec {
  const s = spec as VisibleWatermarkSpec | null;
  return (
    !!s &&
    s.version === 1 &&
    Array.isArray(s.lines) &&
    s.lines.length > 0 &&
    s.lines.length <= 8 &&
    s.lines.every((l) => typeof l === 'string' && l.length <= 80) &&
    /^#[0-9a-fA-F]{6}$/.test(s.color) &&
    s.opacity > 0 &&
    s.opacity <= 1 &&
    s.fontSize >= 6 &&
    s.fontSize <= 200 &&
    s.tileWidth >= 40 &&
    s.tileWidth <= 4000 &&
    s.tileHeight >= 40 &&
    s.tileHeight <= 4000 &&
    Math.abs(s.angle) <= 90 &&
    /^[\w\s,-]+$/.test(s.fontFamily)
  );
}

function escapeXml(s: string): string {
  return s.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!,
  );
}

/**
 * One tile of the pattern as an SVG: the text block twice, the second row shifted by half a tile
 * so the repeat reads as a brick pattern with no empty column.
 */
export function renderTileSvg(spec: VisibleWatermarkSpec): string {
  const w = spec.tileWidth;
  const h = spec.tileHeight;
  const lh = spec.fontSize * 1.3;
  const block = (x: number, y: number) => {
    const top = y - ((spec.lines.length - 1) * lh) / 2;
    const tspans = spec.lines
      .map((l, i) => `<tspan x="${x}" y="${(top + i * lh).toFixed(1)}">${escapeXml(l)}</tspan>`)
      .join('');
    return `<text transform="rotate(${spec.angle} ${x} ${y})" text-anchor="middle" dominant-baseline="middle">${tspans}</text>`;
  };
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${2 * h}" viewBox="0 0 ${w} ${2 * h}">` +
    `<g font-family="${escapeXml(spec.fontFamily)}" font-size="${spec.fontSize}" fill="${spec.color}" fill-opacity="${spec.opacity}">` +
    block(w / 2, h / 2) +
    block(0, (3 * h) / 2) +
    block(w, (3 * h) / 2) +
    `</g></svg>`
  );
}

const svgUrl = (svg: string) =>
  `url("data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}")`;

const OVERLAY_STYLE = (spec: VisibleWatermarkSpec, screen: ScreenMarkSpec) =>
  [
    'position:absolute',
    'inset:0',
    'z-index:2147483000',
    'pointer-events:none',
    'user-select:none',
    'display:block',
    'visibility:visible',
    'opacity:1',
    // The visible text on top, the screen mark under it, both from the view's top-left corner.
    `background-image:${svgUrl(renderTileSvg(spec))},${svgUrl(renderScreenTileSvg(screen))}`,
    `background-size:${spec.tileWidth}px ${2 * spec.tileHeight}px,${screen.tileCells * screen.cellSize}px ${screen.tileCells * screen.cellSize}px`,
    'background-position:0 0,0 0',
    'background-repeat:repeat,repeat',
    '-webkit-print-color-adjust:exact',
    'print-color-adjust:exact',
  ].join(';');

/** Protected content with the viewer's visible watermark over it. */
export function Watermark({
  spec,
  screen,
  children,
}: {
  spec: VisibleWatermarkSpec;
  screen: ScreenMarkSpec;
  children: ReactNode;
}) {
  const box = useRef<HTMLDivElement>(null);
  const valid = isValidSpec(spec) && isValidScreenSpec(screen);
  const style = valid ? OVERLAY_STYLE(spec, screen) : '';

  useLayoutEffect(() => {
    const container = box.current;
    if (!container || !valid) return;
    let overlay: HTMLDivElement | null = null;
    const place = () => {
      overlay?.remove();
      overlay = document.createElement('div');
      overlay.className = 'custos-watermark';
      overlay.setAttribute('aria-hidden', 'true');
      overlay.setAttribute('data-testid', 'watermark');
      overlay.dataset.lines = spec.lines.join(' | ');
      overlay.setAttribute('style', style);
      container.appendChild(overlay);
    };
    place();
    const watch = new MutationObserver(() => {
      if (
        !overlay ||
        overlay.parentNode !== container ||
        overlay.getAttribute('style') !== style ||
        overlay.className !== 'custos-watermark' ||
        container.lastElementChild !== overlay
      )
        place();
    });
    watch.observe(container, { childList: true, attributes: true, subtree: true });
    return () => {
      watch.disconnect();
      overlay?.remove();
    };
  }, [valid, style, spec.lines]);

  if (!valid)
    return (
      <div role="alert" style={{ padding: 16 }}>
        Watermark unavailable: content withheld. / 水印不可用，内容已隐藏。
      </div>
    );
  return (
    <div ref={box} className="custos-protected" data-watermarked="true">
      {children}
    </div>
  );
}
