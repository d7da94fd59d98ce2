/**
 * Screen watermarks, drawn over record views so that a phone photo of the monitor names the viewer.
 *
 * Two patterns exist. The keyed screen mark (screen-mark.ts: a spread-spectrum tile of 8 px cells,
 * 128 px period, ~10 grey levels) is the one to draw: its decoder recovers the photo's perspective
 * from the mark itself and reads it through blur, JPEG and moiré. The older tiled QR code (error
 * correction H, opacity 0.06) survives only mild photos; it is still decoded, after the mark.
 * `decodeScreenPhoto` returns only tokens whose MAC verifies under the key.
 */
import sharp, { type Sharp } from 'sharp';
import { CustosError, ErrorCode } from '../errors/index.ts';
import { MAX_IMAGE_PIXELS } from './image.ts';
import { createPlane } from './plane.ts';
import {
  decodeScreenMarkPlane,
  screenMarkCells,
  SCREEN_CELL_PX,
  SCREEN_TILE_CELLS,
  SCREEN_TILE_PX,
  SCREEN_WORK_SIDE,
} from './screen-mark.ts';
import { verifyToken, type DisclosureToken, type WatermarkKey } from './token.ts';
import { loadReader, loadWriter } from './zxing.ts';

/** Options of the screen overlay. */
export interface ScreenOverlayOptions {
  /** Size of one QR module in CSS pixels (default 6). */
  moduleSize?: number;
  /** Opacity of the dark modules, 0..1 (default 0.06: ~15 grey levels on white). */
  opacity?: number;
  /** Quiet zone around each code in modules (default 4). */
  quietZone?: number;
  /** Colour of the dark modules (default #000000). */
  color?: string;
}

/** A tile of the screen watermark: the QR modules of the token. */
export interface ScreenWatermarkTile {
  /** Modules per side (including the quiet zone). */
  size: number;
  /** Row-major module matrix, 1 = dark. */
  modules: Uint8Array;
}

/** Builds the QR module matrix of a token (error correction level H) with its quiet zone. */
export async function createScreenTile(
  token: DisclosureToken,
  quietZone = 4,
): Promise<ScreenWatermarkTile> {
  const w = await loadWriter();
  const r = await w.writeBarcode(token.text, {
    format: 'QRCode',
    ecLevel: 'H',
    scale: 1,
    withQuietZones: false,
  });
  if (r.error || !r.symbol)
    throw new CustosError(ErrorCode.Internal, 'QR code could not be generated');
  const n = r.symbol.width;
  const size = n + 2 * quietZone;
  const modules = new Uint8Array(size * size);
  for (let y = 0; y < n; y++)
    for (let x = 0; x < n; x++)
      modules[(y + quietZone) * size + x + quietZone] = r.symbol.data[y * n + x] === 0 ? 1 : 0;
  return { size, modules };
}

/**
 * Renders the screen watermark as an SVG overlay of the given size (transparent except for the
 * faint dark modules). The console can use it as a fixed, pointer-transparent layer; the same
 * tile can be drawn as a CSS background (see `renderScreenTileSvg`).
 */
export async function renderScreenOverlaySvg(
  token: DisclosureToken,
  width: number,
  height: number,
  options: ScreenOverlayOptions = {},
): Promise<string> {
  if (!(width > 0 && height > 0 && width <= 20000 && height <= 20000)) {
    throw new CustosError(ErrorCode.InputInvalid, 'overlay size is invalid');
  }
  const m = options.moduleSize ?? 6;
  const tile = await createScreenTile(token, options.quietZone ?? 4);
  const tilePx = tile.size * m;
  const path = tilePath(tile, m);
  const color = /^#[0-9a-fA-F]{6}$/.test(options.color ?? '') ? options.color! : '#000000';
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<defs><pattern id="cwm" width="${tilePx}" height="${tilePx}" patternUnits="userSpaceOnUse"><path d="${path}" fill="${color}"/></pattern></defs>` +
    `<rect width="100%" height="100%" fill="url(#cwm)" opacity="${options.opacity ?? 0.06}"/>` +
    `</svg>`
  );
}

/** One tile of the screen watermark as an SVG (for a CSS `background-image`). */
export async function renderScreenTileSvg(
  token: DisclosureToken,
  options: ScreenOverlayOptions = {},
): Promise<string> {
  const m = options.moduleSize ?? 6;
  const tile = await createScreenTile(token, options.quietZone ?? 4);
  const px = tile.size * m;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${px}" height="${px}">` +
    `<path d="${tilePath(tile, m)}" fill="${options.color ?? '#000000'}" fill-opacity="${options.opacity ?? 0.06}"/></svg>`
  );
}

function tilePath(tile: ScreenWatermarkTile, m: number): string {
  const parts: string[] = [];
  for (let y = 0; y < tile.size; y++)
    for (let x = 0; x < tile.size; x++)
      if (tile.modules[y * tile.size + x]) parts.push(`M${x * m} ${y * m}h${m}v${m}h-${m}z`);
  return parts.join('');
}

/**
 * Composites the screen watermark onto a screenshot-like image (what a monitor shows), for
 * rendering exports of record views and for tests.
 */
export async function applyScreenWatermark(
  token: DisclosureToken,
  input: Buffer,
  options: ScreenOverlayOptions = {},
): Promise<Buffer> {
  const meta = await sharp(input, { limitInputPixels: MAX_IMAGE_PIXELS }).metadata();
  const w = meta.width ?? 0;
  const h = meta.height ?? 0;
  const svg = await renderScreenOverlaySvg(token, w, h, options);
  return sharp(input, { limitInputPixels: MAX_IMAGE_PIXELS })
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .removeAlpha()
    .png()
    .toBuffer();
}

/** Options of the keyed screen mark. */
export interface ScreenMarkOptions {
  /**
   * Darkening of the dark cells in grey levels on white (alpha = strength / 255 of black),
   * default 10: PSNR 31.2 dB against the unmarked white screen.
   */
  strength?: number;
}

/** Default strength of the screen mark (grey levels). */
export const SCREEN_MARK_STRENGTH = 10;

function markAlpha(options: ScreenMarkOptions): number {
  const s = options.strength ?? SCREEN_MARK_STRENGTH;
  if (!(s > 0 && s <= 64))
    throw new CustosError(ErrorCode.InputInvalid, 'mark strength is invalid');
  return Math.round(s);
}

/**
 * What a viewer draws for the keyed screen mark of one disclosure (served with it, like the
 * visible watermark's spec): a tile of `tileCells` × `tileCells` cells of `cellSize` CSS pixels,
 * row-major, whose dark cells (bit 1 of `cells`, hex, most significant bit first) are black at
 * alpha `alpha`/255; repeated from the top-left corner of the record view, without smoothing.
 */
export interface ScreenMarkSpec {
  version: 1;
  cells: string;
  cellSize: number;
  tileCells: number;
  alpha: number;
}

/** The screen mark spec of a disclosure token (cheap: no image is encoded). */
export function createScreenMarkSpec(
  key: WatermarkKey,
  token: DisclosureToken,
  options: ScreenMarkOptions = {},
): ScreenMarkSpec {
  const alpha = markAlpha(options);
  const cells = screenMarkCells(key, token);
  const bytes = Buffer.alloc(cells.length / 8);
  for (let c = 0; c < cells.length; c++) if (cells[c]! < 0) bytes[c >> 3]! |= 0x80 >> (c & 7);
  return {
    version: 1,
    cells: bytes.toString('hex'),
    cellSize: SCREEN_CELL_PX,
    tileCells: SCREEN_TILE_CELLS,
    alpha,
  };
}

/**
 * One tile of the keyed screen mark as an RGBA PNG (SCREEN_TILE_PX square): black with alpha
 * `strength`/255 on the dark cells, transparent elsewhere. Drawn repeated from the top-left corner
 * of the record view, one PNG pixel per CSS pixel, without smoothing.
 */
export async function renderScreenMarkTilePng(
  key: WatermarkKey,
  token: DisclosureToken,
  options: ScreenMarkOptions = {},
): Promise<Buffer> {
  const alpha = markAlpha(options);
  const cells = screenMarkCells(key, token);
  const n = SCREEN_TILE_PX;
  const rgba = Buffer.alloc(n * n * 4);
  for (let y = 0; y < n; y++) {
    const row = ((y / SCREEN_CELL_PX) | 0) * SCREEN_TILE_CELLS;
    for (let x = 0; x < n; x++)
      if (cells[row + ((x / SCREEN_CELL_PX) | 0)]! < 0) rgba[(y * n + x) * 4 + 3] = alpha;
  }
  return sharp(rgba, { raw: { width: n, height: n, channels: 4 } })
    .png({ compressionLevel: 9 })
    .toBuffer();
}

function markImageTag(png: Buffer): string {
  const n = SCREEN_TILE_PX;
  return `<image width="${n}" height="${n}" image-rendering="pixelated" style="image-rendering:pixelated" href="data:image/png;base64,${png.toString('base64')}"/>`;
}

/** One tile of the keyed screen mark as an SVG embedding the PNG tile (for a CSS background). */
export async function renderScreenMarkTileSvg(
  key: WatermarkKey,
  token: DisclosureToken,
  options: ScreenMarkOptions = {},
): Promise<string> {
  const n = SCREEN_TILE_PX;
  const png = await renderScreenMarkTilePng(key, token, options);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${n}" height="${n}">${markImageTag(png)}</svg>`;
}

/** The keyed screen mark as an SVG overlay of the given size (transparent except the dark cells). */
export async function renderScreenMarkOverlaySvg(
  key: WatermarkKey,
  token: DisclosureToken,
  width: number,
  height: number,
  options: ScreenMarkOptions = {},
): Promise<string> {
  if (!(width > 0 && height > 0 && width <= 20000 && height <= 20000)) {
    throw new CustosError(ErrorCode.InputInvalid, 'overlay size is invalid');
  }
  const n = SCREEN_TILE_PX;
  const png = await renderScreenMarkTilePng(key, token, options);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<defs><pattern id="cwk" width="${n}" height="${n}" patternUnits="userSpaceOnUse">${markImageTag(png)}</pattern></defs>` +
    `<rect width="100%" height="100%" fill="url(#cwk)"/></svg>`
  );
}

/**
 * Composites the keyed screen mark onto a screenshot-like image (what a monitor shows), for
 * rendering exports of record views and for tests. Returns a new PNG.
 */
export async function applyScreenMark(
  key: WatermarkKey,
  token: DisclosureToken,
  input: Buffer,
  options: ScreenMarkOptions = {},
): Promise<Buffer> {
  const tile = await renderScreenMarkTilePng(key, token, options);
  return sharp(input, { limitInputPixels: MAX_IMAGE_PIXELS })
    .composite([{ input: tile, tile: true, top: 0, left: 0 }])
    .removeAlpha()
    .png()
    .toBuffer();
}

/** A token found in a photo of a screen. */
export interface ScreenDecodeResult {
  token: DisclosureToken;
  /** How many QR symbols carried it (1 for the keyed mark). */
  symbols: number;
  /** Which pattern carried it: the keyed screen mark or the QR code. */
  source: 'mark' | 'qr';
}

/** Residuals this many times the code's contrast are strokes of the screen content. */
const SUPPRESS = 3;
async function enhance(grey: Sharp, w: number, sigma: number, clampK: number): Promise<Buffer> {
  const base = await grey.clone().raw().toBuffer();
  const bg = await grey.clone().blur(sigma).raw().toBuffer();
  const n = base.length;
  const diff = new Float32Array(n);
  const absSample: number[] = [];
  const step = Math.max(1, Math.floor(n / 50000));
  for (let i = 0; i < n; i++) {
    diff[i] = base[i]! - bg[i]!;
    if (i % step === 0) absSample.push(Math.abs(diff[i]!));
  }
  absSample.sort((a, b) => a - b);
  // The faint code dominates the middle of the residual distribution; text strokes its tail.
  const scale = Math.max(1, absSample[Math.floor(absSample.length * 0.6)]! * clampK);
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) {
    // Strokes far stronger than the code (text, rules) carry no code information: neutral grey.
    const d = diff[i]! / scale;
    out[i] = Math.abs(d) > SUPPRESS ? 128 : Math.round(128 + 127 * Math.max(-1, Math.min(1, d)));
  }
  const h = n / w;
  return sharp(out, { raw: { width: w, height: h, channels: 1 } })
    .median(3)
    .png()
    .toBuffer();
}

async function openPhoto(input: Buffer): Promise<{ img: Sharp; w: number; h: number }> {
  try {
    const img = sharp(input, { limitInputPixels: MAX_IMAGE_PIXELS, failOn: 'error' }).rotate();
    const meta = await img.metadata();
    const w = meta.autoOrient?.width ?? meta.width ?? 0;
    const h = meta.autoOrient?.height ?? meta.height ?? 0;
    return { img, w, h };
  } catch {
    throw new CustosError(ErrorCode.InputInvalid, 'image could not be decoded');
  }
}

/** The keyed screen mark in a photo, read on a grey copy scaled to SCREEN_WORK_SIDE. */
async function decodeMark(
  key: WatermarkKey,
  img: Sharp,
  w: number,
  h: number,
): Promise<DisclosureToken | null> {
  const k = Math.min(1, SCREEN_WORK_SIDE / Math.max(w, h));
  const { data, info } = await img
    .clone()
    .greyscale()
    .resize(Math.max(1, Math.round(w * k)), Math.max(1, Math.round(h * k)), { kernel: 'cubic' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const plane = createPlane(info.width, info.height);
  for (let i = 0; i < plane.data.length; i++) plane.data[i] = data[i * info.channels]!;
  return decodeScreenMarkPlane(key, plane)?.token ?? null;
}

/**
 * Looks for screen watermarks in a photo or screenshot: the keyed screen mark first, then QR codes. Returns the verified tokens (codes that
 * do not verify under `key` are ignored), most frequent first. "Nothing found" is an empty array.
 */
export async function decodeScreenPhoto(
  key: WatermarkKey,
  input: Buffer,
): Promise<ScreenDecodeResult[]> {
  const { img, w, h } = await openPhoto(input);
  const mark = await decodeMark(key, img, w, h);
  if (mark) return [{ token: mark, symbols: 1, source: 'mark' }];
  return readQrCodes(key, img, w, h);
}

/** Looks for the screen watermark's QR codes only (the older pattern); verified tokens only. */
export async function decodeScreenQr(
  key: WatermarkKey,
  input: Buffer,
): Promise<ScreenDecodeResult[]> {
  const { img, w, h } = await openPhoto(input);
  return readQrCodes(key, img, w, h);
}

async function readQrCodes(
  key: WatermarkKey,
  img: Sharp,
  w: number,
  h: number,
): Promise<ScreenDecodeResult[]> {
  const r = await loadReader();
  const found = new Map<string, ScreenDecodeResult>();
  // Work at a bounded size: phone photos are large, codes need only ~3 px per module.
  const target = [1600, 1000];
  for (const maxSide of target) {
    const k = Math.min(1, maxSide / Math.max(w, h));
    const sw = Math.max(1, Math.round(w * k));
    const grey = img
      .clone()
      .greyscale()
      .resize(sw, Math.max(1, Math.round(h * k)), { kernel: 'cubic' });
    for (const [sigma, clampK] of [
      [6, 1.5],
      [3, 1.2],
    ] as const) {
      const png = await enhance(grey, sw, sigma, clampK);
      const results = await r.readBarcodes(new Uint8Array(png), {
        formats: ['QRCode'],
        tryHarder: true,
        tryDownscale: true,
        tryInvert: true,
        maxNumberOfSymbols: 32,
      });
      for (const res of results) {
        if (!res.isValid) continue;
        const t = verifyToken(key, res.text);
        if (!t) continue;
        const prev = found.get(t.text);
        if (prev) prev.symbols++;
        else found.set(t.text, { token: t, symbols: 1, source: 'qr' });
      }
      if (found.size > 0) return [...found.values()].sort((a, b) => b.symbols - a.symbols);
    }
  }
  return [...found.values()];
}
