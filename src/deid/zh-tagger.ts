/**
 * Chinese word segmentation and part of speech, as jieba's `tag(text, true)` gives them.
 *
 * Normally by `ZhSegmenter` (`zh-segmenter.ts`): jieba's algorithm in TypeScript over jieba's own
 * dictionary and model, read once per process out of the jieba-wasm package
 * (`zh-jieba-model.ts`), and checked against jieba-wasm on a sample text (words and tags) before
 * first use. No string crosses into WebAssembly: on news text it runs at 2.6–4 times the speed of
 * jieba-wasm's `cut()` alone. The text is walked piece by piece (`zh-pieces.ts`: jieba segments
 * each independently); a piece seen a second time is kept with its words, so that later copies
 * (template fields and lines) are not segmented again.
 *
 * If the model cannot be read out of the package (another jieba-wasm build) or the check fails,
 * jieba-wasm itself is used (`zh-tagger-jieba.ts`).
 */
import { loadJieba, readJiebaModel } from './zh-jieba-model.ts';
import { MAX_KEPT_PIECE, MAX_PIECES, endsPiece } from './zh-pieces.ts';
import { ZhSegmenter, type ZhToken } from './zh-segmenter.ts';
import { clearJiebaTables, tagZhByJieba } from './zh-tagger-jieba.ts';

export type { ZhToken };
export { splitZhPieces } from './zh-pieces.ts';
export { tagZhByJieba } from './zh-tagger-jieba.ts';

/**
 * Empties the tables kept across calls: the pieces only, or also the word tags of the jieba-wasm
 * path (benchmarks time texts never seen before with it).
 */
export function clearZhTaggerTables(what: 'pieces' | 'all' = 'all'): void {
  clearSegmentedPieces();
  clearJiebaTables(what);
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
