/**
 * The trace tool: given a leaked file (photo, screenshot, image, DICOM, text) it detects the kind,
 * runs every decoder that applies and returns the verified tokens found, each with the channel
 * that carried it and a confidence. Resolving a token to its ledger entry is the caller's job
 * (`resolveToken`), so this module stays free of the database.
 */
import sharp from 'sharp';
import { CustosError, ErrorCode } from '../errors/index.ts';
import { decodeDicom, isDicom } from './dicom.ts';
import { decodeImage, MAX_IMAGE_PIXELS } from './image.ts';
import { decodeScreenPhoto } from './screen.ts';
import { decodeTextFingerprint, MAX_TEXT_LENGTH } from './text.ts';
import type { DisclosureToken, WatermarkKey } from './token.ts';

/** Channels a token can be found in. */
export const TraceChannel = {
  Image: 'image-invisible',
  Dicom: 'dicom-invisible',
  Screen: 'screen',
  Text: 'text-fingerprint',
} as const;
export type TraceChannel = (typeof TraceChannel)[keyof typeof TraceChannel];

/** What kind of input was examined. */
export type TraceInputKind = 'image' | 'dicom' | 'text' | 'pdf' | 'unknown';

/** One token found. */
export interface TraceFinding {
  token: DisclosureToken;
  channel: TraceChannel;
  /** 0..1: one minus the chance that a random input produces this verified token. */
  confidence: number;
  /** Channel-specific evidence (sync score, corrected bytes, copies…), for the report. */
  evidence: Record<string, number | boolean>;
}

/** Result of a trace. "No watermark found" is `findings: []`, not an error. */
export interface TraceResult<E = unknown> {
  kind: TraceInputKind;
  findings: (TraceFinding & { entry?: E | null })[];
  /** Decoders that ran, for the report. */
  tried: TraceChannel[];
}

/** Context of a trace. */
export interface TraceContext<E = unknown> {
  /** The tenant's watermark key. */
  key: WatermarkKey;
  /** Maps a verified token to its ledger entry (or null when unknown). */
  resolveToken?: (token: DisclosureToken) => Promise<E | null> | E | null;
  /** Skip the screen (QR) decoder, which is the slowest (default false). */
  skipScreen?: boolean;
}

/** Largest input accepted by the trace tool (bytes). */
export const MAX_TRACE_BYTES = 256 * 1024 * 1024;

// A MAC-verified token from random data: 2^-32 per candidate codeword; the image decoder tries
// at most ~36 alignments (straight, two residual clips, scales, refinements, 6 lattices x 3 rounds)
// x (256 Chase patterns + 246 erasure patterns), the others one codeword per copy or symbol.
const FALSE_MATCH_IMAGE = (36 * 512) / 2 ** 32;
const FALSE_MATCH_SINGLE = 1 / 2 ** 32;

function detectKind(input: Buffer | string): TraceInputKind {
  if (typeof input === 'string') return 'text';
  if (isDicom(input)) return 'dicom';
  if (input.subarray(0, 5).toString('latin1') === '%PDF-') return 'pdf';
  const sig = input.subarray(0, 12);
  const hex = sig.toString('hex');
  if (
    hex.startsWith('89504e47') || // PNG
    hex.startsWith('ffd8ff') || // JPEG
    hex.startsWith('52494646') || // RIFF (WebP)
    hex.startsWith('49492a00') || // TIFF LE
    hex.startsWith('4d4d002a') || // TIFF BE
    sig.subarray(4, 12).toString('latin1').startsWith('ftyp') || // HEIF/AVIF
    hex.startsWith('474946') // GIF
  )
    return 'image';
  const text = input.toString('utf8');
  if (!text.includes('\ufffd')) return 'text';
  return 'unknown';
}

/**
 * Traces a leaked file or text. Throws CUSTOS_INPUT_INVALID for inputs that are too large or
 * damaged beyond reading; returns an empty `findings` when nothing verifiable is present.
 */
export async function traceLeak<E = unknown>(
  input: Buffer | string,
  ctx: TraceContext<E>,
): Promise<TraceResult<E>> {
  const size = typeof input === 'string' ? input.length : input.length;
  if (size > MAX_TRACE_BYTES || (typeof input === 'string' && size > MAX_TEXT_LENGTH)) {
    throw new CustosError(ErrorCode.InputInvalid, 'input is too large to trace');
  }
  const kind = detectKind(input);
  const findings: TraceFinding[] = [];
  const tried: TraceChannel[] = [];
  if (kind === 'text' || kind === 'pdf') {
    tried.push(TraceChannel.Text);
    const text = typeof input === 'string' ? input : input.toString('utf8');
    for (const r of decodeTextFingerprint(ctx.key, text)) {
      findings.push({
        token: r.token,
        channel: TraceChannel.Text,
        confidence: 1 - FALSE_MATCH_SINGLE * Math.max(1, r.copies),
        evidence: { copies: r.copies, voted: r.voted },
      });
    }
  } else if (kind === 'dicom') {
    tried.push(TraceChannel.Dicom);
    const r = decodeDicom(ctx.key, input as Buffer);
    if (r.token) {
      findings.push({
        token: r.token,
        channel: TraceChannel.Dicom,
        confidence: 1 - FALSE_MATCH_IMAGE,
        evidence: {
          syncScore: round(r.syncScore),
          correctedBytes: r.correctedBytes,
          frame: r.frame,
        },
      });
    }
  } else if (kind === 'image') {
    const buf = input as Buffer;
    try {
      const meta = await sharp(buf, { limitInputPixels: MAX_IMAGE_PIXELS }).metadata();
      if ((meta.width ?? 0) * (meta.height ?? 0) > MAX_IMAGE_PIXELS)
        throw new Error('too many pixels');
    } catch {
      throw new CustosError(ErrorCode.InputInvalid, 'image could not be decoded or is too large');
    }
    tried.push(TraceChannel.Image);
    const r = await decodeImage(ctx.key, buf);
    if (r.token) {
      findings.push({
        token: r.token,
        channel: TraceChannel.Image,
        confidence: 1 - FALSE_MATCH_IMAGE,
        evidence: {
          syncScore: round(r.syncScore),
          correctedBytes: r.correctedBytes,
          scale: round(r.scale),
        },
      });
    }
    if (!ctx.skipScreen) {
      tried.push(TraceChannel.Screen);
      for (const s of await decodeScreenPhoto(ctx.key, buf)) {
        findings.push({
          token: s.token,
          channel: TraceChannel.Screen,
          confidence: 1 - FALSE_MATCH_SINGLE * s.symbols,
          evidence: { symbols: s.symbols },
        });
      }
    }
  }
  const out: TraceResult<E>['findings'] = [];
  for (const f of findings) {
    const entry = ctx.resolveToken ? await ctx.resolveToken(f.token) : undefined;
    out.push(entry === undefined ? f : { ...f, entry });
  }
  return { kind, findings: out, tried };
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
