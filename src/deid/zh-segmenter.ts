/**
 * Chinese word segmentation and part of speech exactly as jieba-rs (the code jieba-wasm compiles)
 * gives them with `cut(text, true)` and `tag(text, true)`, in TypeScript over jieba's own model
 * (`zh-jieba-model.ts`): no string crosses into WebAssembly per text.
 *
 * jieba's algorithm, step by step as jieba-rs does it (its `cut_internal`, `cut_dag_hmm`, `calc`,
 * `hmm::viterbi`), with its tie rules:
 * 1. The text is split into blocks of "Han" characters (CJK ideographs, ASCII letters and digits,
 *    `+#&._%-`) and other characters; each other character is a word of its own ("\r\n" one word).
 * 2. In a block, every dictionary word starting at each character is an edge of a graph; the
 *    route maximises the sum of log(frequency / total) from the end backwards (a character with
 *    no word: frequency 1; equal sums: the longer word).
 * 3. Consecutive one-character steps of the route are gathered; a gathered run that is not a
 *    dictionary word goes to the hidden Markov model (Viterbi over Begin/End/Middle/Single on
 *    `[\u4E00-\u9FD5]` runs; other runs split by `[a-zA-Z0-9]+(?:.\d+)?%?`), a run that is a
 *    dictionary word is cut into its characters.
 * A word's tag is its dictionary tag; a word outside the dictionary is `eng` (ASCII letters),
 * `m` (ASCII digits only) or `x` (neither).
 *
 * Log values are computed in the same order as jieba-rs (`ln(freq) - ln(total) + route`), so
 * equal sums tie the same way. `zh-segmenter.test.ts` compares the words and tags with jieba-wasm.
 */
import { HMM_FIRST, HMM_LAST, type JiebaModel } from './zh-jieba-model.ts';

/** jieba's stand-in for log(0) in the hidden Markov model. */
const MIN_FLOAT = -3.14e100;
/** Hidden Markov model states, numbered as in jieba-rs (their order breaks ties). */
const BEGIN = 0;
const END = 1;
const MIDDLE = 2;
const SINGLE = 3;
/** Start and transition log probabilities of jieba's hmm.model (rows: from B, E, M, S). */
const START = [-0.26268660809250016, -3.14e100, -3.14e100, -1.4652633398537678];
const TRANS = [
  [-3.14e100, -0.51082562376599, -0.916290731874155, -3.14e100],
  [-0.5897149736854513, -3.14e100, -3.14e100, -0.8085250474669937],
  [-3.14e100, -0.33344856811948514, -1.2603623820268226, -3.14e100],
  [-0.7211965654669841, -3.14e100, -3.14e100, -0.6658631448798212],
];
/** The two states that may precede each state, in jieba-rs's order (B, E, M, S). */
const PREV_A = [END, BEGIN, MIDDLE, SINGLE];
const PREV_B = [SINGLE, MIDDLE, BEGIN, END];

/** ASCII characters of jieba's Han class: letters, digits and `+#&._%-`. */
const ASCII_HAN = new Uint8Array(128);
for (const c of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+#&._%-')
  ASCII_HAN[c.charCodeAt(0)] = 1;

/** True for a code point of jieba's Han class (its RE_HAN_DEFAULT). */
function isHan(cp: number): boolean {
  if (cp < 0x80) return ASCII_HAN[cp] === 1;
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2ebef) || // four adjacent extension blocks, B to F
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

function isAsciiAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

/** UTF-16 length of the character at `i` (2 for a surrogate pair). */
function charWidth(text: string, i: number, end: number): number {
  return isHighSurrogate(text.charCodeAt(i)) &&
    i + 1 < end &&
    (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00
    ? 2
    : 1;
}

/**
 * The dictionary as a trie over UTF-16 code units, compact for the cache: nodes are numbered
 * breadth first, so the children of node v are the nodes first[v] .. first[v + 1] - 1, sorted by
 * the code unit that leads to them (`code`); the children of the root are also in a direct table.
 */
class Trie {
  /** Child of the root by code unit, or -1. */
  readonly rootChild = new Int32Array(65536).fill(-1);
  /** Children of node v: the nodes first[v] .. first[v + 1] - 1. */
  readonly first: Int32Array;
  /** Code unit of the edge into each node; children of a node in increasing order. */
  readonly code: Uint16Array;
  /** Per node: ln(freq) - ln(total) when the node ends a word, else NaN. */
  readonly weight: Float64Array;
  /** Per node: index of the word's tag in the segmenter's tag list. */
  readonly tagOf: Uint16Array;

  /** Node of each word given to the constructor. */
  readonly wordNode: Int32Array;

  /** Builds the trie of `words`. */
  constructor(words: readonly string[]) {
    // 1. A provisional trie, built in code-unit order of the words (the dictionary comes sorted,
    // else it is sorted here): a word shares with the word before it the path of their common
    // prefix, so each node is its parent's last child so far and no look-up is needed.
    let sorted = true;
    for (let w = 1; w < words.length && sorted; w++) sorted = words[w - 1]! <= words[w]!;
    const byOrder = Array.from(words.keys());
    if (!sorted)
      byOrder.sort((x, y) => (words[x]! < words[y]! ? -1 : words[x]! > words[y]! ? 1 : 0));
    let units = 1;
    let longest = 0;
    for (const word of words) {
      units += word.length;
      longest = Math.max(longest, word.length);
    }
    const parent = new Int32Array(units);
    const unit = new Uint16Array(units);
    const path = new Int32Array(longest + 1); // path[d]: node at depth d of the word before
    let count = 1;
    let before = '';
    const provisional = new Int32Array(words.length);
    for (const w of byOrder) {
      const word = words[w]!;
      let d = 0;
      while (d < word.length && d < before.length && word.charCodeAt(d) === before.charCodeAt(d))
        d++;
      for (; d < word.length; d++) {
        parent[count] = path[d]!;
        unit[count] = word.charCodeAt(d);
        path[d + 1] = count++;
      }
      provisional[w] = path[word.length]!;
      before = word;
    }
    // 2. Children of each provisional node, grouped (counting sort by parent).
    const start = new Int32Array(count + 1);
    for (let n = 1; n < count; n++) start[parent[n]! + 1]!++;
    for (let n = 0; n < count; n++) start[n + 1]! += start[n]!;
    const fill = start.slice(0, count);
    const kids = new Int32Array(Math.max(0, count - 1));
    for (let n = 1; n < count; n++) kids[fill[parent[n]!]!++] = n;
    // 3. Breadth-first numbering; children come in code-unit order from step 1.
    const renum = new Int32Array(count);
    const order = new Int32Array(count); // provisional node of each final number
    this.first = new Int32Array(count + 1);
    this.code = new Uint16Array(count);
    let next = 1;
    for (let v = 0; v < count; v++) {
      const old = order[v]!;
      this.first[v] = next;
      for (let j = start[old]!; j < start[old + 1]!; j++) {
        const k = kids[j]!;
        renum[k] = next;
        order[next] = k;
        this.code[next] = unit[k]!;
        next++;
      }
    }
    this.first[count] = next;
    for (let k = this.first[0]!; k < this.first[1]!; k++) this.rootChild[this.code[k]!] = k;
    this.weight = new Float64Array(count).fill(NaN);
    this.tagOf = new Uint16Array(count);
    this.wordNode = provisional.map((n) => renum[n]!);
  }

  /** The child of `node` by code unit `c`, or -1. */
  child(node: number, c: number): number {
    if (node === 0) return this.rootChild[c]!;
    let lo = this.first[node]!;
    let hi = this.first[node + 1]!;
    const code = this.code;
    while (hi - lo > 8) {
      const mid = (lo + hi) >>> 1;
      if (code[mid]! < c) lo = mid + 1;
      else hi = mid + 1; // code[mid] may be c
    }
    for (; lo < hi; lo++) if (code[lo] === c) return lo;
    return -1;
  }
}

/**
 * A word with its jieba part-of-speech tag and UTF-16 offsets in the input. Read-only: the
 * tagger's table of segmented pieces keeps the tokens it hands out.
 */
export interface ZhToken {
  readonly word: string;
  readonly tag: string;
  readonly start: number;
  readonly end: number;
}

/** Segments Chinese text as jieba does; see the module comment. */
export class ZhSegmenter {
  private readonly trie: Trie;
  private readonly tags: string[] = [];
  private readonly emit: JiebaModel['emissions'];
  private readonly minusLogTotal: number;
  // Work arrays, grown as needed.
  private routeP = new Float64Array(256);
  private routeEnd = new Int32Array(256);
  private routeNode = new Int32Array(256);
  private v = new Float64Array(1024);
  private prev = new Int8Array(1024);
  private path = new Int8Array(256);
  /** Words of the current segmentation. */
  private out: ZhToken[] = [];

  constructor(model: JiebaModel) {
    this.emit = model.emissions;
    const words: string[] = [];
    const freqs: number[] = [];
    const tagNames: string[] = [];
    // Lines `word freq tag` (their shape was checked when the dictionary was read).
    const entry = /^(\S+)(?:[ \t]+(\d+)(?:[ \t]+(\S+))?)?/;
    for (const line of model.dictionary.split('\n')) {
      const m = entry.exec(line);
      if (!m) continue;
      words.push(m[1]!);
      freqs.push(m[2] === undefined ? 0 : Number(m[2]));
      tagNames.push(m[3] ?? '');
    }
    const tagIndex = new Map<string, number>();
    const trie = new Trie(words);
    const freqOf = new Float64Array(trie.weight.length).fill(-1); // -1: no word ends here
    for (let w = 0; w < words.length; w++) {
      const node = trie.wordNode[w]!;
      // A repeated word keeps its first tag and takes its last frequency (jieba-rs load_dict).
      if (freqOf[node]! < 0) {
        const tag = tagNames[w]!;
        let t = tagIndex.get(tag);
        if (t === undefined) {
          t = this.tags.length;
          this.tags.push(tag);
          tagIndex.set(tag, t);
        }
        trie.tagOf[node] = t;
      }
      freqOf[node] = freqs[w]!;
    }
    let total = 0; // a sum of integers, exact in any order
    for (const f of freqOf) if (f >= 0) total += f;
    const logTotal = Math.log(total);
    for (let node = 0; node < freqOf.length; node++)
      if (freqOf[node]! >= 0) trie.weight[node] = Math.log(freqOf[node]!) - logTotal;
    this.minusLogTotal = Math.log(1) - logTotal;
    this.trie = trie;
  }

  /** jieba's `cut(text, true)`. */
  cut(text: string): string[] {
    return this.tag(text).map((t) => t.word);
  }

  /**
   * jieba's `tag(text, true)`, each word with its UTF-16 offsets (the words cover the text
   * exactly, in order). With `from`/`to`, the words of text[from, to) (offsets still in `text`)
   * appended to `out`; jieba segments such a range as it would alone when it starts and ends
   * outside a Han block (e.g. after punctuation).
   */
  tag(text: string, out: ZhToken[] = [], from = 0, to = text.length): ZhToken[] {
    this.out = out;
    const n = to;
    let i = from;
    while (i < n) {
      const cp = text.codePointAt(i)!;
      if (isHan(cp)) {
        let j = i + (cp > 0xffff ? 2 : 1);
        while (j < n) {
          const c = text.codePointAt(j)!;
          if (!isHan(c)) break;
          j += c > 0xffff ? 2 : 1;
        }
        this.cutBlock(text, i, j);
        i = j;
      } else {
        // Outside the Han class every character is a word, "\r\n" one word.
        const w = cp === 0x0d && text.charCodeAt(i + 1) === 0x0a ? 2 : cp > 0xffff ? 2 : 1;
        this.push(text, i, i + w, -2);
        i += w;
      }
    }
    this.out = [];
    return out;
  }

  /** Appends the word text[start, end) to `out`; `node` is its dictionary node, -1 none, -2 look it up. */
  private push(text: string, start: number, end: number, node: number): void {
    if (node === -2) node = this.lookup(text, start, end);
    this.out.push({
      word: text.slice(start, end),
      tag: node >= 0 ? this.tags[this.trie.tagOf[node]!]! : otherTag(text, start, end),
      start,
      end,
    });
  }

  /** The dictionary node of text[start, end), or -1 when it is not a dictionary word. */
  private lookup(text: string, start: number, end: number): number {
    let node = 0;
    for (let k = start; k < end; k++) {
      node = this.trie.child(node, text.charCodeAt(k));
      if (node < 0) return -1;
    }
    const w = this.trie.weight[node]!;
    return w === w ? node : -1;
  }

  /** jieba-rs `cut_dag_hmm` on the Han block text[bs, be). */
  private cutBlock(text: string, bs: number, be: number): void {
    const len = be - bs;
    if (this.routeP.length < len + 1) {
      const size = Math.max(len + 1, this.routeP.length * 2);
      this.routeP = new Float64Array(size);
      this.routeEnd = new Int32Array(size);
      this.routeNode = new Int32Array(size);
    }
    const routeP = this.routeP;
    const routeEnd = this.routeEnd;
    const routeNode = this.routeNode;
    const trie = this.trie;
    const weight = trie.weight;
    const rootChild = trie.rootChild;
    const first = trie.first;
    const code = trie.code;
    routeP[len] = 0;
    let next = be;
    for (let i = be - 1; i >= bs; i--) {
      // Only character starts (a low surrogate continues the character before it).
      if (
        (text.charCodeAt(i) & 0xfc00) === 0xdc00 &&
        i > bs &&
        isHighSurrogate(text.charCodeAt(i - 1))
      )
        continue;
      let best = 0;
      let bestEnd = -1;
      let bestNode = -1;
      // Walk the trie along text[i..]: every node that ends a word is an edge of the graph.
      let node = rootChild[text.charCodeAt(i)]!;
      let k = i + 1;
      while (node >= 0) {
        const w = weight[node]!;
        if (w === w) {
          const p = w + routeP[k - bs]!;
          // Equal sums: the later (longer) edge, as jieba-rs's max_by over (sum, end).
          if (bestEnd < 0 || p >= best) {
            best = p;
            bestEnd = k;
            bestNode = node;
          }
        }
        if (k >= be) break;
        let lo = first[node]!;
        let hi = first[node + 1]!;
        const c = text.charCodeAt(k++);
        while (hi - lo > 8) {
          const mid = (lo + hi) >>> 1;
          if (code[mid]! < c) lo = mid + 1;
          else hi = mid + 1; // code[mid] may be c
        }
        node = -1;
        for (; lo < hi; lo++)
          if (code[lo] === c) {
            node = lo;
            break;
          }
      }
      if (bestEnd < 0) {
        best = this.minusLogTotal + routeP[next - bs]!;
        bestEnd = next;
      }
      routeP[i - bs] = best;
      routeEnd[i - bs] = bestEnd;
      routeNode[i - bs] = bestNode;
      next = i;
    }
    let x = bs;
    let left = -1;
    while (x < be) {
      const y = routeEnd[x - bs]!;
      const single = y - x === 1 || (y - x === 2 && isHighSurrogate(text.charCodeAt(x)));
      if (single) {
        if (left < 0) left = x;
      } else {
        if (left >= 0) {
          this.gathered(text, left, x);
          left = -1;
        }
        this.push(text, x, y, routeNode[x - bs]!);
      }
      x = y;
    }
    if (left >= 0) this.gathered(text, left, be);
  }

  /** A run of one-character route steps text[a, b): one word, the model's words, or characters. */
  private gathered(text: string, a: number, b: number): void {
    if (charWidth(text, a, b) === b - a) {
      this.push(text, a, b, -2);
      return;
    }
    if (this.lookup(text, a, b) < 0) {
      this.hmmCut(text, a, b);
      return;
    }
    for (let k = a; k < b;) {
      const w = charWidth(text, k, b);
      this.push(text, k, k + w, -2);
      k += w;
    }
  }

  /** jieba-rs `hmm::cut` on text[a, b). */
  private hmmCut(text: string, a: number, b: number): void {
    let i = a;
    while (i < b) {
      let j = i;
      while (j < b && isHmmChar(text.charCodeAt(j))) j++;
      if (j > i) {
        if (j - i === 1) this.push(text, i, j, -2);
        else this.viterbi(text, i, j);
        i = j;
        continue;
      }
      while (j < b && !isHmmChar(text.charCodeAt(j))) j++;
      this.skipSplit(text, i, j);
      i = j;
    }
  }

  /**
   * Splits text[a, b) (no model character in it) at the matches of `[a-zA-Z0-9]+(?:.\d+)?%?`:
   * each match and each stretch between matches is a word.
   */
  private skipSplit(text: string, a: number, b: number): void {
    let last = a;
    let i = a;
    while (i < b) {
      if (!isAsciiAlnum(text.charCodeAt(i))) {
        i += charWidth(text, i, b);
        continue;
      }
      let m = i + 1;
      while (m < b && isAsciiAlnum(text.charCodeAt(m))) m++;
      if (m < b && text.charCodeAt(m) !== 0x0a) {
        const d = m + charWidth(text, m, b);
        if (d < b && isDigit(text.charCodeAt(d))) {
          m = d + 1;
          while (m < b && isDigit(text.charCodeAt(m))) m++;
        }
      }
      if (m < b && text.charCodeAt(m) === 0x25) m++; // %
      if (i > last) this.push(text, last, i, -2);
      this.push(text, i, m, -2);
      last = m;
      i = m;
    }
    if (b > last) this.push(text, last, b, -2);
  }

  /** jieba-rs `hmm::viterbi` and `cut_internal` on text[a, b), all model characters, b - a > 1. */
  private viterbi(text: string, a: number, b: number): void {
    const c = b - a;
    if (this.v.length < 4 * c) {
      this.v = new Float64Array(8 * c);
      this.prev = new Int8Array(8 * c);
      this.path = new Int8Array(2 * c);
    }
    const v = this.v;
    const prev = this.prev;
    const path = this.path;
    const emit = this.emit;
    const c0 = text.charCodeAt(a) - HMM_FIRST;
    for (let y = 0; y < 4; y++) {
      const e = emit[y]![c0]!;
      v[y] = START[y]! + (e === e ? e : MIN_FLOAT);
    }
    for (let t = 1; t < c; t++) {
      const ch = text.charCodeAt(a + t) - HMM_FIRST;
      for (let y = 0; y < 4; y++) {
        const e0 = emit[y]![ch]!;
        const e = e0 === e0 ? e0 : MIN_FLOAT;
        const ya = PREV_A[y]!;
        const yb = PREV_B[y]!;
        const pa = v[(t - 1) * 4 + ya]! + TRANS[ya]![y]! + e;
        const pb = v[(t - 1) * 4 + yb]! + TRANS[yb]![y]! + e;
        // max_by over (probability, state): equal probabilities, the higher-numbered state.
        const takeB = pb > pa || (pb === pa && yb > ya);
        v[t * 4 + y] = takeB ? pb : pa;
        prev[t * 4 + y] = takeB ? yb : ya;
      }
    }
    const vE = v[(c - 1) * 4 + END]!;
    const vS = v[(c - 1) * 4 + SINGLE]!;
    let state = vS >= vE ? SINGLE : END;
    path[c - 1] = state;
    for (let t = c - 1; t > 0; t--) {
      state = prev[t * 4 + state]!;
      path[t - 1] = state;
    }
    let begin = 0;
    let nextI = 0;
    for (let t = 0; t < c; t++) {
      const s = path[t]!;
      if (s === BEGIN) begin = t;
      else if (s === END) {
        this.push(text, a + begin, a + t + 1, -2);
        nextI = t + 1;
      } else if (s === SINGLE) {
        this.push(text, a + t, a + t + 1, -2);
        nextI = t + 1;
      }
    }
    if (nextI < c) this.push(text, a + nextI, b, -2);
  }
}

/** True for a character of the hidden Markov model (`[\u4E00-\u9FD5]`). */
function isHmmChar(c: number): boolean {
  return c >= HMM_FIRST && c <= HMM_LAST;
}

/** jieba's tag of a word outside the dictionary: `eng`, `m` (digits only) or `x`. */
function otherTag(text: string, start: number, end: number): string {
  let eng = 0;
  let m = 0;
  for (let k = start; k < end; k++) {
    const c = text.charCodeAt(k);
    if (isAsciiAlnum(c)) {
      eng++;
      if (isDigit(c)) m++;
    }
  }
  return eng === 0 ? 'x' : eng === m ? 'm' : 'eng';
}
