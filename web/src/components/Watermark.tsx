/**
 * The visible watermark (明水印) over every view that shows patient data: the viewer's name and
 * staff number, the time and the short code of the disclosure, tiled across the content as the
 * service's spec says (src/watermark createVisibleSpec). The overlay is drawn outside React's tree
 * and watched: if it is removed, hidden or restyled (e.g. from the developer tools), it is put
 * back at once. A spec that fails validation withholds the content (fail closed).
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

const OVERLAY_STYLE = (spec: VisibleWatermarkSpec) =>
  [
    'position:absolute',
    'inset:0',
    'z-index:2147483000',
    'pointer-events:none',
    'user-select:none',
    'display:block',
    'visibility:visible',
    'opacity:1',
    `background-image:url("data:image/svg+xml;charset=utf-8,${encodeURIComponent(renderTileSvg(spec))}")`,
    `background-size:${spec.tileWidth}px ${2 * spec.tileHeight}px`,
    'background-repeat:repeat',
    '-webkit-print-color-adjust:exact',
    'print-color-adjust:exact',
  ].join(';');

/** Protected content with the viewer's visible watermark over it. */
export function Watermark({ spec, children }: { spec: VisibleWatermarkSpec; children: ReactNode }) {
  const box = useRef<HTMLDivElement>(null);
  const valid = isValidSpec(spec);
  const style = valid ? OVERLAY_STYLE(spec) : '';

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
