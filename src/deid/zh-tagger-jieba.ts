/**
 * Chinese words and tags through jieba-wasm itself, the path `tagZh` takes when the TypeScript
 * segmenter is unavailable (its model could not be read out of the package), at lower cost than
 * jieba's plain `tag()`: `tag()` hands every word back as a JavaScript object built across the
 * wasm boundary, twice the cost of `cut()`, which hands back strings. So this path
 * - cuts the text into the pieces jieba segments independently (`zh-pieces.ts`) and keeps the
 *   words of each distinct piece (a repeated template line or field is segmented once);
 * - segments the new pieces with `cut()` in one call, and takes each word's tag from a table of
 *   the tags jieba gave that word before (the tag depends on the word alone: its dictionary entry,
 *   else `m`/`eng`/`x` by its characters);
 * - tags with `tag()` only the pieces holding a word not seen before (few once the table is warm).
 * While the word-tag table still misses many words (a cold process), batches go to `tag()`
 * directly. If the piece shortcut ever disagreed with jieba, the tables are emptied and `tag()`
 * runs on the whole text. The result is the same as `tag(text, true)` (zh-tagger.test.ts).
 */
import { loadJieba, type JiebaApi } from './zh-jieba-model.ts';
import { MAX_KEPT_PIECE, MAX_PIECES, splitZhPieces } from './zh-pieces.ts';
import type { ZhToken } from './zh-segmenter.ts';

/** Largest batch of pieces handed to jieba at once. */
const CHUNK = 20_000;
/** Most words kept in the word-tag table; a full table is emptied and refilled. */
const MAX_WORDS = 300_000;

/** Segmentation of one piece: its words and their tags, alternating (word, tag, word, tag...). */
type Segmented = string[];

/** Words and tags of pieces already segmented (a template line's fields recur across notes). */
const pieces = new Map<string, Segmented>();
/** jieba's tag of each word seen so far. */
const wordTags = new Map<string, string>();

/** Empties the tables of this path: the pieces only, or also the word tags. */
export function clearJiebaTables(what: 'pieces' | 'all'): void {
  pieces.clear();
  if (what === 'all') {
    wordTags.clear();
    lastMisses = 1;
  }
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
 * tagZh through jieba-wasm itself (the path taken when the segmenter is unavailable): `cut()` on
 * the distinct pieces, tags from the word-tag table, `tag()` for pieces with an unseen word.
 */
export function tagZhByJieba(text: string): ZhToken[] {
  const api = loadJieba();
  try {
    return tagByPieces(api, text);
  } catch {
    // A text on which the piece shortcut and jieba disagree (none known): jieba's own tag().
    clearJiebaTables('all');
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
