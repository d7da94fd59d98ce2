/**
 * jieba's model — its dictionary (word, frequency, part of speech) and the emission probabilities
 * of its hidden Markov model for unknown words — read out of the jieba-wasm package, so that
 * `zh-segmenter.ts` can segment exactly as jieba does without crossing into WebAssembly for every
 * text (the tagger reads it once per process).
 *
 * The package ships the model inside its WebAssembly module only (the dictionary compressed), so
 * it is read from the module's memory after jieba has loaded it: the decompressed dictionary text
 * (one `word frequency tag` line per word) and the four static emission tables (Begin, End,
 * Middle, Single: arrays of (UTF-8 key pointer, key length, log probability), found through the
 * array of the four tables). Everything read is checked for shape; a module laid out otherwise
 * (another jieba-wasm build) yields `undefined`, and callers keep using jieba-wasm itself.
 * The start and transition probabilities are jieba's published constants (hmm.model, in
 * `zh-segmenter.ts`).
 */
import { createRequire } from 'node:module';

/** The jieba-wasm functions used here and by the tagger. */
export interface JiebaApi {
  tag(sentence: string, hmm?: boolean | null): { word: string; tag: string }[];
  cut(text: string, hmm?: boolean | null): string[];
}

let jieba: JiebaApi | undefined;

/** jieba-wasm, loaded on first use (its `node` export instantiates synchronously). */
export function loadJieba(): JiebaApi {
  if (!jieba) {
    const require = createRequire(import.meta.url);
    jieba = require('jieba-wasm') as JiebaApi;
  }
  return jieba;
}

/** First and last code point of the hidden Markov model's characters (its `[\u4E00-\u9FD5]`). */
export const HMM_FIRST = 0x4e00;
export const HMM_LAST = 0x9fd5;

/** jieba's model as read out of jieba-wasm. */
export interface JiebaModel {
  /** The dictionary text: lines `word frequency [tag]`, as jieba-rs loads it. */
  dictionary: string;
  /**
   * Emission log probabilities of the states Begin, End, Middle, Single (in that order), indexed
   * by code point − HMM_FIRST; characters absent from a table hold NaN.
   */
  emissions: [Float64Array, Float64Array, Float64Array, Float64Array];
}

/** Byte that may occur in the dictionary text (printable, tab, line end, UTF-8). */
function isDictByte(b: number): boolean {
  return b >= 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

/** Each line: a word, then optionally a decimal frequency and a tag, separated by spaces. */
const DICT_LINE = /^\S+(?:[ \t]+\d+(?:[ \t]+\S+)?)?[ \t]*\r?$/;

/** The dictionary text in jieba's memory: the run of text around its entry for 的. */
function findDictionary(mem: Uint8Array): { text: string; at: number } | undefined {
  const anchor = Buffer.from('\n的 ', 'utf8');
  const buf = Buffer.from(mem.buffer, mem.byteOffset, mem.byteLength);
  for (let at = buf.indexOf(anchor); at >= 0; at = buf.indexOf(anchor, at + 1)) {
    let s = at;
    while (s > 0 && isDictByte(buf[s - 1]!)) s--;
    let e = at;
    while (e < buf.length && isDictByte(buf[e]!)) e++;
    if (e - s < 1_000_000) continue;
    const text = buf.subarray(s, e).toString('utf8');
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    if (lines.length > 100_000 && lines.every((l) => DICT_LINE.test(l))) return { text, at: s };
  }
  return undefined;
}

/** One code point's UTF-8 bytes, decoded; -1 when they are not exactly one valid code point. */
function decodeOne(mem: Uint8Array, p: number, len: number): number {
  if (len < 1 || len > 4 || p + len > mem.length) return -1;
  const s = Buffer.from(mem.buffer, mem.byteOffset + p, len).toString('utf8');
  const cp = s.codePointAt(0)!;
  return s.length === (cp > 0xffff ? 2 : 1) && cp !== 0xfffd ? cp : -1;
}

/**
 * Reads one emission table whose descriptor (disps pointer, disps length, entries pointer,
 * entries length — phf's `Map` in wasm32) is at `at`; undefined unless every entry is a one
 * character key with a log probability.
 */
function readEmissions(view: DataView, mem: Uint8Array, at: number): Float64Array | undefined {
  if (at <= 0 || at + 16 > mem.length) return undefined;
  const entries = view.getUint32(at + 8, true);
  const n = view.getUint32(at + 12, true);
  if (n < 1000 || n > 100_000 || entries % 8 !== 0 || entries + n * 16 > mem.length)
    return undefined;
  const table = new Float64Array(HMM_LAST - HMM_FIRST + 1).fill(NaN);
  for (let k = 0; k < n; k++) {
    const r = entries + k * 16;
    const cp = decodeOne(mem, view.getUint32(r, true), view.getUint32(r + 4, true));
    const logp = view.getFloat64(r + 8, true);
    if (cp < 0 || !(logp <= 0 && logp > -1000)) return undefined;
    if (cp >= HMM_FIRST && cp <= HMM_LAST) table[cp - HMM_FIRST] = logp;
  }
  return table;
}

/** The four emission tables: the first place below `end` that points to four valid tables. */
function findEmissions(
  view: DataView,
  mem: Uint8Array,
  end: number,
): JiebaModel['emissions'] | undefined {
  for (let o = 8; o + 16 <= end; o += 4) {
    const p0 = view.getUint32(o, true);
    // Cheap test first: a plausible entry count at the descriptor (most places fail here).
    if (p0 === 0 || p0 + 16 > mem.length || p0 % 4 !== 0) continue;
    const n0 = view.getUint32(p0 + 12, true);
    if (n0 < 1000 || n0 > 100_000) continue;
    const tables: Float64Array[] = [];
    for (let k = 0; k < 4; k++) {
      const t = readEmissions(view, mem, view.getUint32(o + 4 * k, true));
      if (!t) break;
      tables.push(t);
    }
    if (tables.length === 4) return tables as JiebaModel['emissions'];
  }
  return undefined;
}

/**
 * jieba's model read out of jieba-wasm (see the module comment), or undefined when the package's
 * module is not laid out as expected. Not kept here (the dictionary text alone takes 6 MB): the
 * caller builds what it needs from it once.
 */
export function readJiebaModel(): JiebaModel | undefined {
  try {
    const api = loadJieba() as JiebaApi & { __wasm?: { memory?: { buffer: ArrayBuffer } } };
    api.cut('一', true); // jieba loads its dictionary on first use
    const memory = api.__wasm?.memory;
    if (!memory) return undefined;
    const mem = new Uint8Array(memory.buffer);
    // The static tables lie below the heap, hence below the dictionary text.
    const dict = findDictionary(mem);
    const emissions = dict ? findEmissions(new DataView(memory.buffer), mem, dict.at) : undefined;
    return dict && emissions ? { dictionary: dict.text, emissions } : undefined;
  } catch {
    return undefined;
  }
}
