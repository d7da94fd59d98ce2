/**
 * Text fingerprints for exported documents (notes, reports, CSV, PDF text). The token is carried
 * redundantly in runs of zero-width characters (2 bits per character) placed after sentence and
 * clause punctuation and at line ends, so that any quoted sentence or copied line still carries a
 * whole copy. The decoder reads every run, verifies each by its MAC, and votes bit-wise across
 * damaged runs. Zero-width characters survive copy-paste into most chat apps and editors; apps
 * that strip them defeat this channel (the image and screen channels remain).
 */
import { CustosError, ErrorCode } from '../errors/index.ts';
import { TOKEN_BYTES, verifyToken, type DisclosureToken, type WatermarkKey } from './token.ts';

/** The four zero-width symbols: 2 bits each. */
const SYMBOLS = ['\u200b', '\u200c', '\u200d', '\u2060'] as const;
const SYMBOL_SET = new Set<string>(SYMBOLS);
const RUN_LENGTH = (TOKEN_BYTES * 8) / 2;
/** Largest text accepted (characters). */
export const MAX_TEXT_LENGTH = 20 * 1024 * 1024;

function encodeRun(token: DisclosureToken): string {
  let s = '';
  for (const b of token.bytes) for (let k = 6; k >= 0; k -= 2) s += SYMBOLS[(b >> k) & 3];
  return s;
}

/** Options of the fingerprint. */
export interface FingerprintOptions {
  /** Minimum number of characters between two copies (default 24). */
  spacing?: number;
  /** CSV mode: place copies only inside fields that are not numbers (default false). */
  csv?: boolean;
}

/** True at positions where a copy may follow: after punctuation or before a line break. */
function isAnchor(text: string, i: number): boolean {
  const c = text[i]!;
  if ('。，；：！？、.,;:!?'.includes(c)) {
    // Not inside numbers such as 12.5 or 1,000.
    const next = text[i + 1];
    return !(next !== undefined && /[0-9]/.test(next) && /[0-9]/.test(text[i - 1] ?? ''));
  }
  return false;
}

/**
 * Returns the text with the token's fingerprint added. The visible text is unchanged. Any
 * zero-width characters already present from another fingerprint are removed first.
 */
export function fingerprintText(
  token: DisclosureToken,
  text: string,
  options: FingerprintOptions = {},
): string {
  if (typeof text !== 'string')
    throw new CustosError(ErrorCode.InputInvalid, 'text must be a string');
  if (text.length > MAX_TEXT_LENGTH)
    throw new CustosError(ErrorCode.InputInvalid, 'text is too long to fingerprint');
  const run = encodeRun(token);
  const spacing = Math.max(4, options.spacing ?? 24);
  const src = [...text].filter((c) => !SYMBOL_SET.has(c)).join('');
  let out = '';
  let since = spacing;
  let inQuotes = false;
  let fieldStart = 0;
  const numericField = (end: number): boolean =>
    /^\s*-?[\d.,]+\s*$/.test(src.slice(fieldStart, end));
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (options.csv) {
      if (c === '"') inQuotes = !inQuotes;
      if (!inQuotes && (c === ',' || c === '\n' || c === '\r')) {
        // Put a copy at the end of a text field, before its delimiter.
        const lineEnd = c !== ',';
        if ((since >= spacing || lineEnd) && !numericField(i) && i > fieldStart) {
          const quoted = src[i - 1] === '"';
          out = quoted ? out.slice(0, -1) + run + '"' : out + run;
          since = 0;
        }
        out += c;
        fieldStart = i + 1;
        since++;
        continue;
      }
      out += c;
      since++;
      continue;
    }
    if ((c === '\n' || c === '\r') && since >= 8 && !SYMBOL_SET.has(out[out.length - 1] ?? '')) {
      out += run;
      since = 0;
    }
    out += c;
    since++;
    if (isAnchor(src, i) && since >= spacing) {
      out += run;
      since = 0;
    }
  }
  if (!options.csv && since >= 8) out += run;
  return out;
}

/** A token found in text. */
export interface TextDecodeResult {
  token: DisclosureToken;
  /** Whole copies that verified on their own. */
  copies: number;
  /** True when the token was only recovered by voting across damaged copies. */
  voted: boolean;
}

/**
 * Finds fingerprints in text (possibly a partial quote, possibly with several sources pasted
 * together). Only tokens whose MAC verifies under `key` are returned.
 */
export function decodeTextFingerprint(key: WatermarkKey, text: string): TextDecodeResult[] {
  if (typeof text !== 'string')
    throw new CustosError(ErrorCode.InputInvalid, 'text must be a string');
  const runs: string[] = [];
  let cur = '';
  const limit = Math.min(text.length, MAX_TEXT_LENGTH);
  for (let i = 0; i < limit; i++) {
    const c = text[i]!;
    if (SYMBOL_SET.has(c)) cur += c;
    else if (cur) {
      runs.push(cur);
      cur = '';
    }
  }
  if (cur) runs.push(cur);
  const found = new Map<string, TextDecodeResult>();
  const damaged: string[] = [];
  for (const run of runs) {
    // A run may hold several copies back to back (adjacent anchors) or a truncated one.
    for (let at = 0; at + RUN_LENGTH <= run.length; at += RUN_LENGTH) {
      const bytes = new Uint8Array(TOKEN_BYTES);
      for (let i = 0; i < RUN_LENGTH; i++)
        bytes[i >> 2]! |=
          SYMBOLS.indexOf(run[at + i] as (typeof SYMBOLS)[number]) << (6 - 2 * (i & 3));
      const t = verifyToken(key, bytes);
      if (t) {
        const prev = found.get(t.text);
        if (prev) prev.copies++;
        else found.set(t.text, { token: t, copies: 1, voted: false });
      } else damaged.push(run.slice(at, at + RUN_LENGTH));
    }
    if (run.length % RUN_LENGTH !== 0 && run.length > RUN_LENGTH / 2)
      damaged.push(run.slice(0, RUN_LENGTH));
  }
  if (found.size === 0 && damaged.length >= 3) {
    // Symbol-wise majority over damaged copies aligned at their start.
    let voted = '';
    for (let i = 0; i < RUN_LENGTH; i++) {
      const counts = new Map<string, number>();
      for (const d of damaged) if (d[i]) counts.set(d[i]!, (counts.get(d[i]!) ?? 0) + 1);
      const best = [...counts.entries()].sort((a, b) => b[1] - a[1])[0];
      if (!best) return [];
      voted += best[0];
    }
    const bytes = new Uint8Array(TOKEN_BYTES);
    for (let i = 0; i < RUN_LENGTH; i++)
      bytes[i >> 2]! |= SYMBOLS.indexOf(voted[i] as (typeof SYMBOLS)[number]) << (6 - 2 * (i & 3));
    const t = verifyToken(key, bytes);
    if (t) found.set(t.text, { token: t, copies: 0, voted: true });
  }
  return [...found.values()].sort((a, b) => b.copies - a.copies);
}

/** Removes every zero-width fingerprint character (e.g. before de-identification diffs). */
export function stripTextFingerprint(text: string): string {
  return [...text].filter((c) => !SYMBOL_SET.has(c)).join('');
}
