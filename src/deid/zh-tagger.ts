/**
 * Chinese word segmentation and part of speech, as jieba's `tag(text, true)` gives them.
 *
 * Normally by `ZhSegmenter` (`zh-segmenter.ts`): jieba's algorithm in TypeScript over jieba's own
 * dictionary and model, read once per process out of the jieba-wasm package
 * (`zh-jieba-model.ts`), and checked against jieba-wasm on a sample text (words and tags) before
 * first use. No string crosses into WebAssembly: on news text it runs at 2.6–4 times the speed of
 * jieba-wasm's `cut()` alone. The text is walked piece by piece (a piece ends after one of
 * `，。；：、！？（）“”《》【】` or a line end; jieba segments each independently); a piece seen a
 * second time is kept with its words, so that later copies (template fields and lines) are not
 * segmented again.
 *
 * If the model cannot be read out of the package (another jieba-wasm build) or the check fails,
 * jieba-wasm itself is used, at lower cost than its plain `tag()`: `tag()` hands every word back as
 * a JavaScript object built across the wasm boundary, twice the cost of `cut()`, which hands back
 * strings. So that path
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
import { loadJieba, readJiebaModel, type JiebaApi } from './zh-jieba-model.ts';
import { ZhSegmenter, type ZhToken } from './zh-segmenter.ts';

export type { ZhToken };

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
  clearSegmentedPieces();
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
 * Segments `text` and tags each word, as jieba's `tag(text, true)` does, with UTF-16 offsets
 * (the words cover the text exactly). Through the TypeScript segmenter when it is available,
 * else through jieba-wasm (see the module comment).
 */
export function tagZh(text: string): ZhToken[] {
  const seg = segmenterEnabled ? loadSegmenter() : undefined;
  return seg ? tagBySegmenter(seg, text) : tagZhByJieba(text);
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
    clearZhTaggerTables();
    return tagWhole(api, text);
  }
}

let segmenterEnabled = true;

/**
 * Switches the TypeScript segmenter on or off (off: tagZh goes through jieba-wasm), for
 * benchmarks that compare the two; returns whether the segmenter is in use afterwards.
 */
export function setZhSegmenterEnabled(on: boolean): boolean {
  segmenterEnabled = on;
  return on && loadSegmenter() !== undefined;
}

/**
 * Sample the segmenter must segment and tag as jieba-wasm does before it is used: dictionary
 * words, words left to the hidden Markov model, digits, Latin letters, symbols, line ends and a
 * supplementary-plane character.
 */
const CHECK_SAMPLE = [
  '患者张伟，男，45岁，因胸痛2天于2023年5月3日入院。现住址：浙江省杭州市西湖区文三路100号。',
  '我们中出了一个叛徒，他来到了网易杭研大厦；小明硕士毕业于中国科学院计算所，后在日本京都大学深造。',
  '口服“氨氯地平”5mg qd！血压120/80mmHg，体温36.5℃，v1.2版C++与AT&T 3.5% e-mail\r\n',
  '𠀀字（补充平面）、䶮䶯与 English words, mixed 2号楼.',
].join('\n');

let segmenter: ZhSegmenter | null | undefined;

/** The TypeScript segmenter, once it has agreed with jieba-wasm on CHECK_SAMPLE; else undefined. */
function loadSegmenter(): ZhSegmenter | undefined {
  if (segmenter === undefined) {
    segmenter = null;
    const model = readJiebaModel();
    if (model) {
      const seg = new ZhSegmenter(model);
      const mine = seg.tag(CHECK_SAMPLE);
      const theirs = loadJieba().tag(CHECK_SAMPLE, true);
      if (
        mine.length === theirs.length &&
        mine.every((t, i) => t.word === theirs[i]!.word && t.tag === theirs[i]!.tag)
      )
        segmenter = seg;
    }
  }
  return segmenter ?? undefined;
}

/** Slots of the table of segmented pieces (a power of two). */
const PIECE_SLOTS = 1 << 16;

/**
 * Words of the pieces the segmenter has segmented (a template line's fields recur across notes):
 * a direct-mapped table on a hash of the piece's characters, computed while looking for the
 * piece's end, so that an unrepeated piece costs no more than a hash and a store. Each slot holds
 * the piece, where it was, and its words with their offsets there.
 */
const pieceSlot = new Int32Array(PIECE_SLOTS);
/** Hash of the last piece seen in each slot (odd; 0 for none). */
const pieceSeen = new Int32Array(PIECE_SLOTS);
const pieceEntries: { piece: string; at: number; words: ZhToken[] }[] = [];

/** Words, tags and offsets of `text` from the TypeScript segmenter, each distinct piece once. */
function tagBySegmenter(seg: ZhSegmenter, text: string): ZhToken[] {
  const out: ZhToken[] = [];
  if (pieceEntries.length >= MAX_PIECES) clearSegmentedPieces();
  let from = 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h = Math.imul(h ^ c, 0x01000193);
    if (!endsPiece(c) && i + 1 < text.length) continue;
    const to = i + 1;
    if (to - from > MAX_KEPT_PIECE) {
      seg.tag(text, out, from, to);
    } else {
      const slot = (h ^ (h >>> 16)) & (PIECE_SLOTS - 1);
      const e = pieceSlot[slot]! > 0 ? pieceEntries[pieceSlot[slot]! - 1] : undefined;
      if (e && e.piece.length === to - from && text.startsWith(e.piece, from)) {
        const shift = from - e.at;
        for (const t of e.words)
          out.push({ word: t.word, tag: t.tag, start: t.start + shift, end: t.end + shift });
      } else {
        const first = out.length;
        seg.tag(text, out, from, to);
        // Kept from its second sighting on: keeping every piece of a text without repeats
        // would cost more (the kept words outlive the young generation) than it saves.
        const mark = h | 1;
        if (pieceSeen[slot] === mark) {
          pieceEntries.push({ piece: text.slice(from, to), at: from, words: out.slice(first) });
          pieceSlot[slot] = pieceEntries.length;
        } else pieceSeen[slot] = mark;
      }
    }
    from = to;
    h = 0x811c9dc5;
  }
  return out;
}

function clearSegmentedPieces(): void {
  pieceSlot.fill(0);
  pieceSeen.fill(0);
  pieceEntries.length = 0;
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
