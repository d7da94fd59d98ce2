/**
 * A table of distinct words found by their code units in the text, without cutting the word out
 * of the text first: a tokenizer looks each word up here and gets back the one stored string and
 * whatever it computed about the word the first time (lower case, lexicon flags), so that a word
 * repeated a hundred thousand times is sliced, lower-cased and looked up in the lexicons once.
 * Bounded: emptied when it holds `limit` words.
 */
export class WordTable {
  private mask: number;
  /** Hash of each slot's word; meaningful where `slots` is not 0. */
  private hashes: Int32Array;
  /** Entry index + 1 per slot; 0 marks an empty slot. */
  private slots: Int32Array;
  /** The words as written, by entry index. */
  readonly words: string[] = [];
  /** Lower-case forms, by entry index. */
  readonly lower: string[] = [];
  /** A number the caller keeps per word (e.g. flags), by entry index. */
  readonly info: number[] = [];

  constructor(private readonly limit = 200_000) {
    this.mask = (1 << 14) - 1;
    this.hashes = new Int32Array(this.mask + 1);
    this.slots = new Int32Array(this.mask + 1);
  }

  /** Entry index of the word text[start, end) with hash `hash` (see `wordHash`), or -1. */
  find(text: string, start: number, end: number, hash: number): number {
    const len = end - start;
    const { hashes, slots, words, mask } = this;
    for (let s = hash & mask; ; s = (s + 1) & mask) {
      const e = slots[s]!;
      if (e === 0) return -1;
      if (hashes[s] !== hash) continue;
      const w = words[e - 1]!;
      if (w.length !== len) continue;
      let k = 0;
      while (k < len && w.charCodeAt(k) === text.charCodeAt(start + k)) k++;
      if (k === len) return e - 1;
    }
  }

  /** Stores a word not yet present (its hash from `wordHash`); returns its entry index. */
  add(word: string, lower: string, info: number, hash: number): number {
    if (this.words.length >= this.limit) this.clear();
    if ((this.words.length + 1) * 2 > this.mask + 1) this.grow();
    const index = this.words.length;
    this.words.push(word);
    this.lower.push(lower);
    this.info.push(info);
    this.place(hash, index + 1);
    return index;
  }

  private place(hash: number, entry: number): void {
    let s = hash & this.mask;
    while (this.slots[s] !== 0) s = (s + 1) & this.mask;
    this.slots[s] = entry;
    this.hashes[s] = hash;
  }

  private grow(): void {
    const oldSlots = this.slots;
    const oldHashes = this.hashes;
    this.mask = this.mask * 2 + 1;
    this.slots = new Int32Array(this.mask + 1);
    this.hashes = new Int32Array(this.mask + 1);
    for (let s = 0; s < oldSlots.length; s++)
      if (oldSlots[s] !== 0) this.place(oldHashes[s]!, oldSlots[s]!);
  }

  private clear(): void {
    this.slots.fill(0);
    this.words.length = 0;
    this.lower.length = 0;
    this.info.length = 0;
  }
}

/** Hash of the code units text[start, end), as `WordTable` expects it. */
export function wordHash(text: string, start: number, end: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h;
}
