/**
 * Invisible watermark for DICOM Part 10 files: marks the pixel data of an exported copy
 * (uncompressed little-endian transfer syntaxes; 8/16-bit greyscale, signed or unsigned; 8-bit
 * RGB, interleaved or planar; every frame) and decodes it back from the file. A screenshot of a
 * displayed DICOM image is an ordinary image: decode it with `decodeImage`.
 */
import { createRequire } from 'node:module';
import { CustosError, ErrorCode } from '../errors/index.ts';
import { decodePixels, markPixels, MAX_IMAGE_PIXELS, type RawPixels } from './image.ts';
import type { PlaneDecodeResult } from './spread-spectrum.ts';
import type { EmbedOptions } from './spread-spectrum.ts';
import type { DisclosureToken, WatermarkKey } from './token.ts';

/** The subset of dcmjs used here (dcmjs ships no type declarations). */
interface DicomElement {
  vr: string;
  Value: unknown[];
}
interface DicomDictLike {
  meta: Record<string, DicomElement>;
  dict: Record<string, DicomElement>;
  write(): ArrayBuffer;
}
interface DcmjsApi {
  data: {
    DicomMessage: {
      readFile(buffer: ArrayBuffer, options?: Record<string, unknown>): DicomDictLike;
    };
    DicomDict: new (meta: Record<string, DicomElement>) => DicomDictLike;
    DicomMetaDictionary: {
      naturalizeDataset(dict: Record<string, DicomElement>): Record<string, unknown>;
      denaturalizeDataset(ds: Record<string, unknown>): Record<string, DicomElement>;
    };
  };
}
const dcmjs = createRequire(import.meta.url)('dcmjs') as DcmjsApi;

/** Transfer syntaxes whose pixel data can be marked in place. */
const UNCOMPRESSED = new Set(['1.2.840.10008.1.2', '1.2.840.10008.1.2.1']);
/** Largest DICOM file accepted (bytes). */
export const MAX_DICOM_BYTES = 512 * 1024 * 1024;

/** True when the buffer looks like a DICOM Part 10 file (preamble + "DICM"). */
export function isDicom(input: Uint8Array): boolean {
  return (
    input.length > 132 &&
    input[128] === 0x44 &&
    input[129] === 0x49 &&
    input[130] === 0x43 &&
    input[131] === 0x4d
  );
}

function bad(message: string, reason?: string): CustosError {
  return new CustosError(
    ErrorCode.InputInvalid,
    message,
    reason ? { reason: reason.slice(0, 200) } : {},
  );
}

function parse(input: Buffer): DicomDictLike {
  if (input.length > MAX_DICOM_BYTES) throw bad('DICOM file is too large');
  if (!isDicom(input)) throw bad('not a DICOM Part 10 file');
  try {
    const ab = input.buffer.slice(
      input.byteOffset,
      input.byteOffset + input.byteLength,
    ) as ArrayBuffer;
    return dcmjs.data.DicomMessage.readFile(ab, { ignoreErrors: false });
  } catch (e) {
    throw bad('malformed DICOM file', e instanceof Error ? e.message : undefined);
  }
}

/**
 * dcmjs fills a truncated final element with zeros instead of failing: check that the Pixel Data
 * element's declared length really fits in the file.
 */
function assertPixelDataComplete(input: Buffer, explicit: boolean): void {
  const at = input.lastIndexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00]));
  if (at < 0) return;
  const len = explicit ? input.readUInt32LE(at + 8) : input.readUInt32LE(at + 4);
  const header = explicit ? 12 : 8;
  if (len !== 0xffffffff && at + header + len > input.length)
    throw bad('DICOM pixel data is truncated');
}

function num(el: DicomElement | undefined): number | undefined {
  const v = el?.Value?.[0];
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '') return Number(v);
  return undefined;
}

function str(el: DicomElement | undefined): string | undefined {
  const v = el?.Value?.[0];
  return typeof v === 'string' ? v.trim() : undefined;
}

interface FrameLayout {
  rows: number;
  cols: number;
  frames: number;
  samples: 1 | 3;
  bitsAllocated: 8 | 16;
  bitsStored: number;
  signed: boolean;
  planar: boolean;
  monochrome1: boolean;
  pixelBytes: Uint8Array;
}

function layoutOf(d: DicomDictLike, input: Buffer): FrameLayout {
  const ts = str(d.meta['00020010']);
  if (!ts || !UNCOMPRESSED.has(ts))
    throw bad('only uncompressed little-endian DICOM pixel data can be watermarked', ts);
  assertPixelDataComplete(input, ts === '1.2.840.10008.1.2.1');
  const el = d.dict;
  const rows = num(el['00280010']);
  const cols = num(el['00280011']);
  const frames = num(el['00280008']) ?? 1;
  const samples = num(el['00280002']) ?? 1;
  const bitsAllocated = num(el['00280100']);
  const bitsStored = num(el['00280101']) ?? bitsAllocated;
  const signed = num(el['00280103']) === 1;
  const planar = num(el['00280006']) === 1;
  const photometric = str(el['00280004']) ?? 'MONOCHROME2';
  if (!rows || !cols || rows < 1 || cols < 1 || !Number.isInteger(frames) || frames < 1)
    throw bad('DICOM image dimensions missing or invalid');
  if (rows * cols > MAX_IMAGE_PIXELS) throw bad('DICOM frame is too large to watermark');
  if (bitsAllocated !== 8 && bitsAllocated !== 16)
    throw bad('unsupported DICOM Bits Allocated', String(bitsAllocated));
  if (samples !== 1 && samples !== 3)
    throw bad('unsupported DICOM Samples per Pixel', String(samples));
  if (samples === 3 && (photometric !== 'RGB' || bitsAllocated !== 8))
    throw bad('unsupported DICOM colour encoding', photometric);
  if (samples === 1 && !photometric.startsWith('MONOCHROME'))
    throw bad('unsupported DICOM photometric interpretation', photometric);
  const px = el['7FE00010'];
  const first = px?.Value?.[0];
  if (!(first instanceof ArrayBuffer)) throw bad('DICOM file has no pixel data');
  const pixelBytes = new Uint8Array(first);
  const need = rows * cols * samples * (bitsAllocated / 8) * frames;
  if (pixelBytes.length < need) throw bad('DICOM pixel data is truncated');
  return {
    rows,
    cols,
    frames,
    samples: samples as 1 | 3,
    bitsAllocated,
    bitsStored: Math.min(bitsStored ?? bitsAllocated, bitsAllocated),
    signed,
    planar,
    monochrome1: photometric === 'MONOCHROME1',
    pixelBytes,
  };
}

/** Extracts one frame as interleaved raw pixels (a copy). */
function frameOf(l: FrameLayout, f: number): RawPixels {
  const n = l.rows * l.cols;
  const per = n * l.samples;
  if (l.bitsAllocated === 8) {
    const src = l.pixelBytes.subarray(f * per, (f + 1) * per);
    let data: Uint8Array;
    if (l.samples === 3 && l.planar) {
      data = new Uint8Array(per);
      for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) data[i * 3 + c] = src[c * n + i]!;
    } else data = Uint8Array.from(src);
    if (l.monochrome1) for (let i = 0; i < data.length; i++) data[i] = 255 - data[i]!;
    return { width: l.cols, height: l.rows, channels: l.samples, data, maxValue: 255, minValue: 0 };
  }
  const dv = new DataView(l.pixelBytes.buffer, l.pixelBytes.byteOffset + f * per * 2, per * 2);
  const mask = (1 << l.bitsStored) - 1;
  const data = new Int32Array(per);
  for (let i = 0; i < per; i++) {
    let v = dv.getUint16(i * 2, true) & mask;
    if (l.signed && v & (1 << (l.bitsStored - 1))) v -= 1 << l.bitsStored;
    data[i] = v;
  }
  const lo = l.signed ? -(1 << (l.bitsStored - 1)) : 0;
  const hi = l.signed ? (1 << (l.bitsStored - 1)) - 1 : mask;
  // MONOCHROME1 displays high values dark: mark in display polarity so screenshots decode.
  if (l.monochrome1) for (let i = 0; i < per; i++) data[i] = hi + lo - data[i]!;
  return { width: l.cols, height: l.rows, channels: 1, data, maxValue: hi, minValue: lo };
}

function storeFrame(l: FrameLayout, f: number, px: RawPixels): void {
  const n = l.rows * l.cols;
  const per = n * l.samples;
  if (l.bitsAllocated === 8) {
    const dst = l.pixelBytes.subarray(f * per, (f + 1) * per);
    for (let i = 0; i < per; i++) {
      const v = l.monochrome1 ? 255 - px.data[i]! : px.data[i]!;
      if (l.samples === 3 && l.planar) dst[(i % 3) * n + Math.floor(i / 3)] = v;
      else dst[i] = v;
    }
    return;
  }
  const dv = new DataView(l.pixelBytes.buffer, l.pixelBytes.byteOffset + f * per * 2, per * 2);
  const lo = px.minValue ?? 0;
  const hi = px.maxValue ?? 65535;
  const mask = (1 << l.bitsStored) - 1;
  for (let i = 0; i < per; i++) {
    let v = px.data[i]!;
    if (l.monochrome1) v = hi + lo - v;
    // Bits above Bits Stored are kept as they were (overlays in old files live there).
    const old = dv.getUint16(i * 2, true);
    dv.setUint16(i * 2, (old & ~mask & 0xffff) | (v & mask), true);
  }
}

/** Result of marking a DICOM file. */
export interface DicomMarkResult {
  /** The marked copy as a DICOM Part 10 file. */
  output: Buffer;
  /** Lowest PSNR over the frames, in dB, relative to each frame's used dynamic range. */
  psnr: number;
  frames: number;
}

/**
 * Marks every frame of an uncompressed DICOM file and returns a new file; the input buffer is
 * not modified. Adds a Derivation Description so the copy is recognisable as derived.
 */
export function markDicom(
  key: WatermarkKey,
  token: DisclosureToken,
  input: Buffer,
  options: EmbedOptions = {},
): DicomMarkResult {
  const copy = Buffer.from(input);
  const d = parse(copy);
  const l = layoutOf(d, copy);
  // Work on a private copy of the pixel data, then put it back in the dataset.
  l.pixelBytes = Uint8Array.from(l.pixelBytes);
  let psnr = Infinity;
  for (let f = 0; f < l.frames; f++) {
    const marked = markPixels(key, token, frameOf(l, f), options);
    psnr = Math.min(psnr, marked.psnr);
    storeFrame(l, f, marked.output);
  }
  d.dict['7FE00010']!.Value = [l.pixelBytes.buffer];
  d.dict['00082111'] = {
    vr: 'ST',
    Value: ['Exported copy carrying a Custos leak-tracing watermark'],
  };
  try {
    return { output: Buffer.from(d.write()), psnr, frames: l.frames };
  } catch (e) {
    throw bad('DICOM file could not be written back', e instanceof Error ? e.message : undefined);
  }
}

/** Decodes the watermark from a DICOM file: tries each frame (up to 8) until a token verifies. */
export function decodeDicom(
  key: WatermarkKey,
  input: Buffer,
): PlaneDecodeResult & { frame: number } {
  const l = layoutOf(parse(input), input);
  let last: (PlaneDecodeResult & { frame: number }) | null = null;
  for (let f = 0; f < Math.min(l.frames, 8); f++) {
    const px = frameOf(l, f);
    // Decode on the frame's used range so that 12-bit data in 16-bit words is not attenuated.
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < px.data.length; i++) {
      const v = px.data[i]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (hi > lo) {
      px.minValue = lo;
      px.maxValue = hi;
    }
    const r = { ...decodePixels(key, px), frame: f };
    if (r.token) return r;
    if (!last || r.syncScore > last.syncScore) last = r;
  }
  return last!;
}
