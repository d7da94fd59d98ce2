/**
 * Chinese word segmentation and part of speech through jieba-wasm. The WebAssembly module (4 MB,
 * with its dictionary) is loaded on first use only, and only once per process.
 */
import { createRequire } from 'node:module';

/** A segmented word with its jieba part-of-speech tag and UTF-16 offsets in the input. */
export interface ZhToken {
  word: string;
  tag: string;
  start: number;
  end: number;
}

interface JiebaApi {
  tag(sentence: string, hmm?: boolean | null): { word: string; tag: string }[];
}

let jieba: JiebaApi | undefined;

function loadJieba(): JiebaApi {
  if (!jieba) {
    // The package's `node` export is a CommonJS wasm-bindgen build that instantiates synchronously.
    const require = createRequire(import.meta.url);
    jieba = require('jieba-wasm') as JiebaApi;
  }
  return jieba;
}

/** Largest piece handed to jieba at once; longer texts are cut at a line or sentence end. */
const CHUNK = 20_000;

/**
 * Segments `text` and tags each word. Offsets are recomputed from the word lengths, which jieba
 * guarantees to concatenate back to the input; a mismatch would be a bug, so it is checked.
 */
export function tagZh(text: string): ZhToken[] {
  const api = loadJieba();
  const out: ZhToken[] = [];
  let base = 0;
  while (base < text.length) {
    let end = Math.min(text.length, base + CHUNK);
    if (end < text.length) {
      const cut = Math.max(text.lastIndexOf('\n', end), text.lastIndexOf('。', end));
      if (cut > base) end = cut + 1;
    }
    const piece = text.slice(base, end);
    let pos = base;
    for (const t of api.tag(piece, true)) {
      out.push({ word: t.word, tag: t.tag, start: pos, end: pos + t.word.length });
      pos += t.word.length;
    }
    if (pos !== end) throw new Error('zh tagger offsets out of step');
    base = end;
  }
  return out;
}
