/**
 * Chinese word segmentation and part of speech through jieba-wasm. The WebAssembly module (4 MB,
 * with its dictionary) is loaded on first use only, and only once per process.
 *
 * Cost. jieba's `tag()` is `cut()` followed by a dictionary look-up of each word, but it hands
 * every word back as a JavaScript object built across the wasm boundary: twice the cost of `cut()`,
 * which hands back strings. So the tagger
 * - cuts the text into pieces that jieba segments independently (it splits its input at every
 *   character outside its "Han block" class: CJK ideographs, ASCII letters and digits, `+#&._%-`;
 *   a piece here ends after one of `，。；：、！？（）“”《》【】` or a line end) and keeps the words of
 *   each distinct piece (a repeated template line or field is segmented once);
 * - segments the new pieces with `cut()` in one call, and takes each word's tag from a table of
 *   the tags jieba gave that word before (the tag depends on the word alone: its dictionary entry,
 *   else `m`/`eng`/`x` by its characters);
 * - tags with `tag()` only the pieces holding a word not seen before (few once the table is warm).
 * While the word-tag table still misses many words (a cold process), batches go to `tag()`
 * directly. The result is the same as `tag(text, true)` (checked in zh-tagger.test.ts).
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
  cut(text: string, hmm?: boolean | null): string[];
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

/** Largest batch of pieces handed to jieba at once. */
const CHUNK = 20_000;
/** Longest piece kept in the piece table (longer ones are segmented, not remembered). */
const MAX_KEPT_PIECE = 200;
/** Bounds of the tables kept across calls; a full table is emptied and refilled. */
const MAX_PIECES = 50_000;
const MAX_WORDS = 300_000;

/** Segmentation of one piece: its words and their tags, alternating (word, tag, word, tag...). */
type Segmented = string[];

/** Words and tags of pieces already segmented (a template line's fields recur across notes). */
const pieces = new Map<string, Segmented>();
/** jieba's tag of each word seen so far. */
const wordTags = new Map<string, string>();

/**
 * Empties the tables kept across calls: the pieces only, or also the word tags (benchmarks time
 * texts never seen before with it).
 */
export function clearZhTaggerTables(what: 'pieces' | 'all' = 'all'): void {
  pieces.clear();
  if (what === 'all') {
    wordTags.clear();
    lastMisses = 1;
  }
}

/** True for a character after which jieba's segmentation starts afresh (see the module comment). */
function endsPiece(c: number): boolean {
  return (
    c === 0x0a || // \n (a \r before it stays in the same piece: jieba keeps "\r\n" together)
    c === 0xff0c || // ，
    c === 0x3002 || // 。
    c === 0xff1b || // ；
    c === 0xff1a || // ：
    c === 0x3001 || // 、
    c === 0xff01 || // ！
    c === 0xff1f || // ？
    c === 0xff08 || // （
    c === 0xff09 || // ）
    c === 0x201c || // “
    c === 0x201d || // ”
    c === 0x300a || // 《
    c === 0x300b || // 》
    c === 0x3010 || // 【
    c === 0x3011 // 】
  );
}

/** Splits `text` into pieces that jieba segments independently (see the module comment). */
export function splitZhPieces(text: string): string[] {
  const out: string[] = [];
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    if (endsPiece(text.charCodeAt(i))) {
      out.push(text.slice(from, i + 1));
      from = i + 1;
    }
  }
  if (from < text.length) out.push(text.slice(from));
  return out;
}

/** Consecutive runs of `items` whose joined length stays within CHUNK (a longer item alone). */
function* batches(items: readonly string[]): Generator<[number, number]> {
  let k = 0;
  while (k < items.length) {
    const first = k;
    let len = items[k++]!.length;
    while (k < items.length && len + items[k]!.length <= CHUNK) len += items[k++]!.length;
    yield [first, k];
  }
}

/**
 * Share of the words of the last batch that the word-tag table did not know (with `cut()`: the
 * words of pieces holding such a word). Above MAX_MISSES — a process that has seen little Chinese
 * yet — `tag()` costs less than `cut()` followed by `tag()` of most pieces, so the next batch goes
 * to `tag()` directly.
 */
let lastMisses = 1;
const MAX_MISSES = 0.2;

/** Tags the pieces todo[first..last) with `tag()`, fills `done` and the word-tag table. */
function tagBatch(
  api: JiebaApi,
  todo: string[],
  first: number,
  last: number,
  done: Segmented[],
): void {
  const tagged = api.tag(todo.slice(first, last).join(''), true);
  let t = 0;
  let misses = 0;
  for (let p = first; p < last; p++) {
    const piece = todo[p]!;
    const seg: Segmented = [];
    let covered = 0;
    while (covered < piece.length) {
      const r = tagged[t++];
      if (r === undefined) throw new Error('zh tagger: pieces and words out of step');
      covered += r.word.length;
      if (!wordTags.has(r.word)) {
        misses++;
        wordTags.set(r.word, r.tag);
      }
      seg.push(r.word, r.tag);
    }
    if (covered !== piece.length) throw new Error('zh tagger: a word crosses a piece boundary');
    done[p] = seg;
  }
  if (t !== tagged.length) throw new Error('zh tagger: pieces and words out of step');
  lastMisses = misses / Math.max(1, t);
}

/**
 * Segments the distinct pieces `todo` with `cut()` in as few calls as possible and tags their
 * words from `wordTags`; pieces with an unseen word are tagged with `tag()`, which fills the table.
 * While the table misses many words, batches go to `tag()` directly (see lastMisses).
 */
function segmentPieces(api: JiebaApi, todo: string[]): Segmented[] {
  const done: Segmented[] = new Array<Segmented>(todo.length);
  const untagged: number[] = [];
  if (wordTags.size > MAX_WORDS) wordTags.clear();
  for (const [first, last] of batches(todo)) {
    if (lastMisses > MAX_MISSES || wordTags.size === 0) {
      tagBatch(api, todo, first, last, done);
      continue;
    }
    const before = untagged.length;
    let total = 0;
    let missed = 0;
    const words = api.cut(
      last - first === 1 ? todo[first]! : todo.slice(first, last).join(''),
      true,
    );
    let w = 0;
    for (let p = first; p < last; p++) {
      const piece = todo[p]!;
      const seg: Segmented = [];
      let covered = 0;
      let known = true;
      while (covered < piece.length) {
        const word = words[w++];
        if (word === undefined) throw new Error('zh tagger: pieces and words out of step');
        covered += word.length;
        const tag = wordTags.get(word);
        if (tag === undefined) known = false;
        seg.push(word, tag ?? '');
      }
      if (covered !== piece.length) throw new Error('zh tagger: a word crosses a piece boundary');
      done[p] = seg;
      total += seg.length / 2;
      if (!known) {
        untagged.push(p);
        missed += seg.length / 2;
      }
    }
    if (w !== words.length) throw new Error('zh tagger: pieces and words out of step');
    lastMisses = untagged.length > before ? missed / Math.max(1, total) : 0;
  }
  if (untagged.length === 0) return done;
  // Whole pieces in context, never lone words: jieba may segment a word differently alone.
  const texts = untagged.map((p) => todo[p]!);
  for (const [first, last] of batches(texts)) {
    const tagged = api.tag(texts.slice(first, last).join(''), true);
    let t = 0;
    for (let u = first; u < last; u++) {
      const seg = done[untagged[u]!]!;
      for (let i = 0; i < seg.length; i += 2) {
        const r = tagged[t++];
        if (r === undefined || r.word !== seg[i])
          throw new Error('zh tagger: cut() and tag() disagree');
        seg[i + 1] = r.tag;
        wordTags.set(r.word, r.tag);
      }
    }
    if (t !== tagged.length) throw new Error('zh tagger: cut() and tag() disagree');
  }
  return done;
}

/**
 * Segments `text` and tags each word, as jieba's `tag(text, true)` does. Offsets are recomputed
 * from the word lengths, which jieba guarantees to concatenate back to the input; a mismatch
 * would be a bug, so it is checked.
 */
export function tagZh(text: string): ZhToken[] {
  const api = loadJieba();
  try {
    return tagByPieces(api, text);
  } catch {
    // A text on which the piece shortcut and jieba disagree (none known): jieba's own tag().
    clearZhTaggerTables();
    return tagWhole(api, text);
  }
}

/** jieba's tag() over the whole text, in batches cut at a line or sentence end. */
function tagWhole(api: JiebaApi, text: string): ZhToken[] {
  const out: ZhToken[] = [];
  let base = 0;
  while (base < text.length) {
    let end = Math.min(text.length, base + CHUNK);
    if (end < text.length) {
      const cut = Math.max(text.lastIndexOf('\n', end), text.lastIndexOf('。', end));
      if (cut > base) end = cut + 1;
    }
    let pos = base;
    for (const t of api.tag(text.slice(base, end), true)) {
      out.push({ word: t.word, tag: t.tag, start: pos, end: pos + t.word.length });
      pos += t.word.length;
    }
    if (pos !== end) throw new Error('zh tagger offsets out of step');
    base = end;
  }
  return out;
}

/** tagZh by pieces, with the tables (see the module comment); throws when jieba disagrees. */
function tagByPieces(api: JiebaApi, text: string): ZhToken[] {
  const parts = splitZhPieces(text);
  const segs: (Segmented | undefined)[] = new Array<Segmented | undefined>(parts.length);
  const todo: string[] = [];
  const todoIndex = new Map<string, number>();
  const waiting: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    const s = pieces.get(p);
    if (s) {
      segs[i] = s;
      continue;
    }
    if (!todoIndex.has(p)) {
      todoIndex.set(p, todo.length);
      todo.push(p);
    }
    waiting.push(i);
  }
  if (todo.length > 0) {
    const done = segmentPieces(api, todo);
    if (pieces.size + todo.length > MAX_PIECES) pieces.clear();
    for (let k = 0; k < todo.length; k++)
      if (todo[k]!.length <= MAX_KEPT_PIECE) pieces.set(todo[k]!, done[k]!);
    for (const i of waiting) segs[i] = done[todoIndex.get(parts[i]!)!];
  }
  const out: ZhToken[] = [];
  let pos = 0;
  for (let i = 0; i < parts.length; i++) {
    const s = segs[i]!;
    for (let k = 0; k < s.length; k += 2) {
      const word = s[k]!;
      out.push({ word, tag: s[k + 1]!, start: pos, end: pos + word.length });
      pos += word.length;
    }
  }
  if (pos !== text.length) throw new Error('zh tagger offsets out of step');
  return out;
}
