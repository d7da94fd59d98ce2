/**
 * Visible watermark: tiled text naming the viewer (staff name, staff number, time, short code).
 * The API serves the JSON spec per disclosure; the console draws it; `renderVisibleSvg` draws it
 * for images, prints and PDF exports; `stampImage` composites it onto an image with sharp.
 */
import sharp from 'sharp';
import { CustosError, ErrorCode } from '../errors/index.ts';
import { readImagePixels } from './image.ts';
import { formatToken, type DisclosureToken } from './token.ts';

/** The specification of a visible watermark (JSON-serialisable, versioned). */
export interface VisibleWatermarkSpec {
  version: 1;
  /** Text lines of one tile, top to bottom. */
  lines: string[];
  fontFamily: string;
  /** Font size in CSS pixels. */
  fontSize: number;
  /** Text colour as #rrggbb. */
  color: string;
  /** Opacity of the text, 0..1. */
  opacity: number;
  /** Rotation of the text in degrees (negative = rising to the right). */
  angle: number;
  /** Tile size in CSS pixels (the text repeats on this grid, offset every other row). */
  tileWidth: number;
  tileHeight: number;
}

/** Who saw what, when: the inputs of a visible watermark. */
export interface VisibleWatermarkInput {
  staffName: string;
  staffNumber: string;
  /** Time of the disclosure. */
  time: Date;
  token: DisclosureToken | string;
  /** Optional workstation name shown on the last line. */
  workstation?: string;
  /** IANA time zone for the time shown (default Asia/Shanghai). */
  timeZone?: string;
}

/** Style overrides for the visible watermark. */
export type VisibleWatermarkStyle = Partial<Omit<VisibleWatermarkSpec, 'version' | 'lines'>>;

const MAX_LINE = 80;

/** Formatters per time zone: building one costs far more than formatting with it. */
const FORMATTERS = new Map<string, Intl.DateTimeFormat>();

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let f = FORMATTERS.get(timeZone);
  if (!f) {
    // Throws (RangeError) for an unknown zone before anything is cached.
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    if (FORMATTERS.size >= 64) FORMATTERS.clear();
    FORMATTERS.set(timeZone, f);
  }
  return f;
}

/** The last formatted minute per time zone: marks made within the same minute share it. */
const LAST_MINUTE = new Map<string, { minute: number; text: string }>();
const RECENT = Date.UTC(1980, 0, 1);

function formatTime(t: Date, timeZone: string): string {
  const ms = t.getTime();
  if (Number.isNaN(ms)) throw new CustosError(ErrorCode.InputInvalid, 'watermark time is invalid');
  // Since 1980 every time zone's offset is a whole number of minutes, so all instants of one
  // UTC minute format alike (older local mean times had seconds: those are not cached).
  const minute = ms >= RECENT ? Math.floor(ms / 60_000) : Number.NaN;
  const last = LAST_MINUTE.get(timeZone);
  if (last && last.minute === minute) return last.text;
  const parts = formatterOf(timeZone).formatToParts(t);
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  const text = `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
  if (LAST_MINUTE.size >= 64) LAST_MINUTE.clear();
  LAST_MINUTE.set(timeZone, { minute, text });
  return text;
}

function clean(s: string): string {
  // Control characters and bidi overrides could hide or reorder the viewer's name.
  const hidden = (cp: number): boolean =>
    cp < 0x20 ||
    cp === 0x7f ||
    (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0x202a && cp <= 0x202e) ||
    (cp >= 0x2066 && cp <= 0x2069);
  return [...s]
    .filter((c) => !hidden(c.codePointAt(0)!))
    .join('')
    .slice(0, MAX_LINE);
}

/** Builds the visible watermark spec of one disclosure. */
export function createVisibleSpec(
  input: VisibleWatermarkInput,
  style: VisibleWatermarkStyle = {},
): VisibleWatermarkSpec {
  const code = typeof input.token === 'string' ? input.token : formatToken(input.token);
  const lines = [
    `${clean(input.staffName)} ${clean(input.staffNumber)}`,
    formatTime(input.time, input.timeZone ?? 'Asia/Shanghai'),
    clean(code),
  ];
  if (input.workstation) lines.push(clean(input.workstation));
  const spec: VisibleWatermarkSpec = {
    version: 1,
    lines,
    fontFamily: style.fontFamily ?? 'Noto Sans CJK SC, Microsoft YaHei, DejaVu Sans, sans-serif',
    fontSize: style.fontSize ?? 16,
    color: style.color ?? '#808080',
    opacity: style.opacity ?? 0.18,
    angle: style.angle ?? -30,
    tileWidth: style.tileWidth ?? 320,
    tileHeight: style.tileHeight ?? 200,
  };
  validateSpec(spec);
  return spec;
}

/** Checks a spec received from elsewhere; throws CUSTOS_INPUT_INVALID when it is unusable. */
export function validateSpec(spec: VisibleWatermarkSpec): void {
  const ok =
    spec.version === 1 &&
    Array.isArray(spec.lines) &&
    spec.lines.length > 0 &&
    spec.lines.length <= 8 &&
    spec.lines.every((l) => typeof l === 'string' && l.length <= MAX_LINE) &&
    /^#[0-9a-fA-F]{6}$/.test(spec.color) &&
    spec.opacity > 0 &&
    spec.opacity <= 1 &&
    spec.fontSize >= 6 &&
    spec.fontSize <= 200 &&
    spec.tileWidth >= 40 &&
    spec.tileWidth <= 4000 &&
    spec.tileHeight >= 40 &&
    spec.tileHeight <= 4000 &&
    Math.abs(spec.angle) <= 90 &&
    /^[\w\s,-]+$/.test(spec.fontFamily);
  if (!ok) throw new CustosError(ErrorCode.InputInvalid, 'visible watermark spec is invalid');
}

function escapeXml(s: string): string {
  return s.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!,
  );
}

/**
 * Renders the spec as an SVG of the given size (CSS pixels; `scale` multiplies font and tile
 * sizes, e.g. 2 for a 2x print). The tile repeats with every other row shifted by half a tile.
 */
export function renderVisibleSvg(
  spec: VisibleWatermarkSpec,
  width: number,
  height: number,
  scale = 1,
): string {
  validateSpec(spec);
  if (!(width > 0 && height > 0 && width <= 20000 && height <= 20000)) {
    throw new CustosError(ErrorCode.InputInvalid, 'overlay size is invalid');
  }
  const fs = spec.fontSize * scale;
  const tw = spec.tileWidth * scale;
  const th = spec.tileHeight * scale;
  const text = spec.lines
    .map((l, i) => `<tspan x="0" dy="${i === 0 ? 0 : fs * 1.3}">${escapeXml(l)}</tspan>`)
    .join('');
  const lineBlock = (spec.lines.length - 1) * fs * 1.3;
  const tile = (x: number, y: number): string =>
    `<text transform="translate(${x.toFixed(1)},${y.toFixed(1)}) rotate(${spec.angle})" y="${(-lineBlock / 2).toFixed(1)}" text-anchor="middle">${text}</text>`;
  const tiles: string[] = [];
  for (let row = -1, y = 0; y < height + th; row++, y = (row + 1) * th) {
    const shift = row % 2 === 0 ? tw / 2 : 0;
    for (let x = -tw + shift; x < width + tw; x += tw) tiles.push(tile(x + tw / 2, y + th / 2));
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<g font-family="${escapeXml(spec.fontFamily)}" font-size="${fs.toFixed(1)}" fill="${spec.color}" fill-opacity="${spec.opacity}">` +
    tiles.join('') +
    `</g></svg>`
  );
}

/**
 * Composites the visible watermark onto an image and returns a new image (PNG, or JPEG when the
 * input is JPEG). Font and tile sizes scale with the image so the text stays legible.
 */
export async function stampImage(input: Buffer, spec: VisibleWatermarkSpec): Promise<Buffer> {
  const px = await readImagePixels(input);
  const scale = Math.max(1, Math.min(px.width, px.height) / 800);
  const svg = renderVisibleSvg(spec, px.width, px.height, scale);
  const base = sharp(Buffer.from(px.data.buffer, px.data.byteOffset, px.data.byteLength), {
    raw: { width: px.width, height: px.height, channels: px.channels },
  });
  const out = base.composite([{ input: Buffer.from(svg), top: 0, left: 0 }]);
  return px.format === 'jpeg' ? out.jpeg({ quality: 92 }).toBuffer() : out.png().toBuffer();
}
