/**
 * Invisible watermark for PNG/JPEG (and any format sharp reads) and for raw pixel arrays.
 * Marking always returns a new buffer: the original is never altered.
 */
import sharp, { type Sharp } from 'sharp';
import { CustosError, ErrorCode } from '../errors/index.ts';
import { createPlane, type Plane } from './plane.ts';
import {
  computeWatermarkDelta,
  decodeWatermarkPlane,
  DEFAULT_PSNR,
  type EmbedOptions,
  type PlaneDecodeResult,
} from './spread-spectrum.ts';
import type { DisclosureToken, WatermarkKey } from './token.ts';

/** Largest image the watermark module will decode (pixels); bigger inputs are refused. */
export const MAX_IMAGE_PIXELS = 64 * 1024 * 1024;

/** Raw interleaved pixels: 8- or 16-bit, 1 (gray), 3 (RGB) or 4 (RGBA) channels. */
export interface RawPixels {
  width: number;
  height: number;
  channels: 1 | 3 | 4;
  /** Interleaved samples. Uint16Array, Int16Array or Int32Array for deeper data. */
  data: Uint8Array | Uint16Array | Int16Array | Int32Array;
  /** Largest sample value (255 for 8-bit; 2^bitsStored - 1 for DICOM), used for scaling. */
  maxValue?: number;
  /** Smallest sample value (0 unless signed). */
  minValue?: number;
}

/** Result of marking. */
export interface MarkResult<T> {
  output: T;
  /** PSNR of the marked copy against the original, in dB, over all samples. */
  psnr: number;
}

function rangeOf(px: RawPixels): { lo: number; hi: number } {
  const lo = px.minValue ?? (px.data instanceof Int16Array ? -32768 : 0);
  const hi =
    px.maxValue ??
    (px.data instanceof Uint8Array ? 255 : px.data instanceof Int16Array ? 32767 : 65535);
  return { lo, hi };
}

function assertRaw(px: RawPixels): void {
  const { width, height, channels, data } = px;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new CustosError(ErrorCode.InputInvalid, 'image dimensions must be positive integers');
  }
  if (width * height > MAX_IMAGE_PIXELS)
    throw new CustosError(ErrorCode.InputInvalid, 'image is too large to watermark');
  if (![1, 3, 4].includes(channels))
    throw new CustosError(ErrorCode.InputInvalid, 'unsupported channel count');
  if (data.length !== width * height * channels) {
    throw new CustosError(
      ErrorCode.InputInvalid,
      'pixel buffer length does not match the dimensions',
    );
  }
}

/** Luminance (BT.601) of raw pixels on a 0..255 scale over the given value range. */
export function lumaOf(px: RawPixels, range = rangeOf(px)): Plane {
  const { width, height, channels, data } = px;
  const p = createPlane(width, height);
  const k = 255 / Math.max(1, range.hi - range.lo);
  const lo = range.lo;
  if (channels === 1) for (let i = 0; i < p.data.length; i++) p.data[i] = (data[i]! - lo) * k;
  else
    for (let i = 0, j = 0; i < p.data.length; i++, j += channels)
      p.data[i] = (0.299 * data[j]! + 0.587 * data[j + 1]! + 0.114 * data[j + 2]! - lo) * k;
  return p;
}

/**
 * Marks raw pixels with the token (a new array is returned). For colour images the same
 * luminance delta is added to R, G and B; alpha is left alone. `range` defaults to the
 * dynamic range actually used by the image (so a 12-bit CT in 16-bit words is marked relative to
 * its real contrast), which is also the range the PSNR is reported against.
 */
export function markPixels(
  key: WatermarkKey,
  token: DisclosureToken,
  px: RawPixels,
  options: EmbedOptions = {},
): MarkResult<RawPixels> {
  assertRaw(px);
  const { lo: tlo, hi: thi } = rangeOf(px);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < px.data.length; i++) {
    const v = px.data[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (px.data instanceof Uint8Array || hi - lo < 32) {
    lo = tlo;
    hi = thi;
  }
  const luma = lumaOf(px, { lo, hi });
  const delta = computeWatermarkDelta(key, token, luma, options);
  const k = (hi - lo) / 255;
  // The delta's strength assumes every sample moves by exactly its value; rounding (a flat
  // background moved by 1.4 ends up moved by 1) and clipping at the range ends change that. Scale
  // it so that the quantised, clipped copy meets the target PSNR (measured on every third row).
  const targetMse = ((hi - lo) * (hi - lo)) / 10 ** ((options.psnr ?? DEFAULT_PSNR) / 10);
  let gain = 1;
  for (let round = 0; round < CALIBRATION_ROUNDS; round++) {
    const mse = quantisedError(px, delta, k * gain, tlo, thi, CALIBRATION_ROW_STEP, null);
    if (!(mse > 0)) break;
    const next = Math.min(MAX_GAIN, Math.max(MIN_GAIN, gain * Math.sqrt(targetMse / mse)));
    const settled = Math.abs(next / gain - 1) < 0.005;
    gain = next;
    if (settled) break;
  }
  const out = px.data.slice() as RawPixels['data'];
  const mse = quantisedError(px, delta, k * gain, tlo, thi, 1, out);
  const psnr = mse === 0 ? Infinity : 10 * Math.log10(((hi - lo) * (hi - lo)) / mse);
  return { output: { ...px, data: out }, psnr };
}

const CALIBRATION_ROUNDS = 3;
const CALIBRATION_ROW_STEP = 3;
const MIN_GAIN = 0.5;
const MAX_GAIN = 2;
/**
 * 4x4 ordered-dither thresholds (Bayer), aligned with the 4-pixel cells of the mark: a cell moved
 * by 1.4 gets 40 % of its pixels moved by 2 and 60 % by 1, so its mean keeps the full mark.
 */
const DITHER = Float32Array.from(
  [0, 8, 2, 10, 12, 4, 14, 6, 3, 11, 1, 9, 15, 7, 13, 5],
  (b) => (b + 0.5) / 16,
);

/**
 * Adds `delta * scale` to the colour samples with ordered dithering and clipping to [lo, hi];
 * returns the mean squared error over the rows visited (every `rowStep`-th). Writes the samples
 * into `out` when given.
 */
function quantisedError(
  px: RawPixels,
  delta: Float32Array,
  scale: number,
  lo: number,
  hi: number,
  rowStep: number,
  out: RawPixels['data'] | null,
): number {
  const { width: w, height: h, channels, data } = px;
  const colour = Math.min(channels, 3);
  let se = 0;
  let n = 0;
  for (let y = 0; y < h; y += rowStep) {
    const dither = (y & 3) * 4;
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const d = delta[i]! * scale + DITHER[dither + (x & 3)]!;
      for (let c = 0; c < colour; c++) {
        const j = i * channels + c;
        const v = data[j]!;
        const nv = Math.min(hi, Math.max(lo, Math.floor(v + d)));
        if (out) out[j] = nv;
        se += (nv - v) * (nv - v);
        n++;
      }
    }
  }
  return se / Math.max(1, n);
}

/** Decodes the watermark from raw pixels. */
export function decodePixels(key: WatermarkKey, px: RawPixels): PlaneDecodeResult {
  assertRaw(px);
  return decodeWatermarkPlane(key, lumaOf(px));
}

function openSharp(input: Buffer): Sharp {
  return sharp(input, { limitInputPixels: MAX_IMAGE_PIXELS, failOn: 'error' });
}

/** Decodes any sharp-readable image into 8-bit raw pixels (grey, RGB or RGBA). */
export async function readImagePixels(input: Buffer): Promise<RawPixels & { format: string }> {
  try {
    const img = openSharp(input);
    const meta = await img.metadata();
    const { data, info } = await img
      .rotate()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    const channels = info.channels === 2 ? 1 : info.channels;
    let pixels: Uint8Array = new Uint8Array(data.buffer, data.byteOffset, data.length);
    if (info.channels === 2) {
      pixels = new Uint8Array(info.width * info.height);
      for (let i = 0; i < pixels.length; i++) pixels[i] = data[i * 2]!;
    }
    if (data.length !== info.width * info.height * info.channels)
      throw new CustosError(ErrorCode.InputInvalid, 'unsupported image sample depth');
    return {
      width: info.width,
      height: info.height,
      channels: channels as 1 | 3 | 4,
      data: pixels,
      format: meta.format ?? 'unknown',
    };
  } catch (e) {
    if (e instanceof CustosError) throw e;
    throw new CustosError(ErrorCode.InputInvalid, 'image could not be decoded', {
      reason: e instanceof Error ? e.message.slice(0, 200) : 'unknown',
    });
  }
}

/** Options for marking an encoded image. */
export interface MarkImageOptions extends EmbedOptions {
  /** JPEG quality of the marked copy when the input is JPEG (default 92). */
  jpegQuality?: number;
}

/**
 * Marks an encoded image (PNG, JPEG, WebP, TIFF…). Returns a new buffer in the same format
 * (PNG for formats sharp cannot write back) and the PSNR of the marked pixels.
 */
export async function markImage(
  key: WatermarkKey,
  token: DisclosureToken,
  input: Buffer,
  options: MarkImageOptions = {},
): Promise<MarkResult<Buffer> & { format: string }> {
  const px = await readImagePixels(input);
  const marked = markPixels(key, token, px, options);
  const raw = { width: px.width, height: px.height, channels: px.channels };
  const img = sharp(
    Buffer.from(
      marked.output.data.buffer,
      marked.output.data.byteOffset,
      marked.output.data.byteLength,
    ),
    {
      raw,
    },
  );
  let output: Buffer;
  let format = px.format;
  if (px.format === 'jpeg')
    output = await img
      .jpeg({ quality: options.jpegQuality ?? 92, chromaSubsampling: '4:4:4' })
      .toBuffer();
  else if (px.format === 'webp') output = await img.webp({ lossless: true }).toBuffer();
  else {
    output = await img.png({ compressionLevel: 6 }).toBuffer();
    format = 'png';
  }
  return { output, psnr: marked.psnr, format };
}

/** Decodes the watermark from an encoded image (photo, screenshot, export). */
export async function decodeImage(key: WatermarkKey, input: Buffer): Promise<PlaneDecodeResult> {
  return decodePixels(key, await readImagePixels(input));
}
