import type { EntityType, Finding, Lang, RecognizeInput, Recognizer } from './types.ts';

/**
 * One scored pattern. The regex must be global; a named group `v` (with the `d` flag) narrows the
 * finding to that group, so that a label such as "MRN:" can be part of the pattern but not of
 * the finding.
 */
export interface Pattern {
  regex: RegExp;
  score: number;
  why: string;
  /**
   * Optional cheap pre-test on the whole text (not global): when it fails the pattern cannot
   * match and its scan is skipped, e.g. /@/ before an e-mail pattern.
   */
  requires?: RegExp;
  /** Optional narrowing of the scan to windows around a rare mark every match holds. */
  anchor?: Anchor;
  /**
   * Optional narrowing of the scan for patterns that begin with `\b` and a list of words: the
   * beginnings (a letter and at most one more ASCII character, space-separated, case-insensitive;
   * a letter alone means any next character) that every match starts with, e.g. 'ph te ca s/ x'
   * for phone|tel|call|s/p|x(?=\d). A
   * match then starts where an ASCII word starts (a letter after a character that is no ASCII
   * letter, digit or underscore); only those positions are tried, with the same findings as a scan
   * of the whole text.
   */
  wordStarts?: string;
}

/**
 * A rare mark that every match of a pattern holds, e.g. the "@" of an e-mail address. `regex`
 * (global, cheap to scan) finds the marks; `from(text, at)` is the first position at which a match
 * holding the mark found at `at` can start, and such a match starts no later than `at`. The
 * pattern is then tried only at the positions of those windows, in text order: the findings are the
 * same as those of a scan of the whole text, which on a long text that holds a few marks (a clinic's
 * e-mail address in a 2 MB note file) is many times slower.
 */
export interface Anchor {
  regex: RegExp;
  from: (text: string, at: number) => number;
}

/** Result of a validator: an explanation and optionally a new score, or `null` to drop the candidate. */
export type Validation = { score?: number; why: string } | null;

/** Declarative description of a regex-based recognizer (Presidio's PatternRecognizer shape). */
export interface PatternRecognizerSpec {
  name: string;
  type: EntityType;
  langs?: readonly Lang[];
  patterns: readonly Pattern[];
  context?: readonly string[];
  /** Checksum or plausibility hook; receives the matched value. */
  validate?: (value: string, text: string, start: number) => Validation;
}

/** Turns a match into a finding (narrowed to the group `v`, validated by the spec). */
function addFinding(
  spec: PatternRecognizerSpec,
  p: Pattern,
  m: RegExpExecArray,
  text: string,
  out: Finding[],
): void {
  let start = m.index;
  let end = m.index + m[0].length;
  const g = m.indices?.groups?.['v'];
  if (g) [start, end] = g;
  if (end <= start) return;
  const value = text.slice(start, end);
  let score = p.score;
  let why = `${spec.name}: ${p.why}`;
  if (spec.validate) {
    const v = spec.validate(value, text, start);
    if (v === null) return;
    score = v.score ?? p.score;
    why += `; ${v.why}`;
  }
  out.push({ start, end, type: spec.type, score, recognizer: spec.name, why });
}

/** Every match of `p.regex` in the text, by a scan of the whole text. */
function scanAll(spec: PatternRecognizerSpec, p: Pattern, text: string, out: Finding[]): void {
  p.regex.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = p.regex.exec(text)) !== null) {
    if (m[0].length === 0) {
      p.regex.lastIndex++;
      continue;
    }
    addFinding(spec, p, m, text, out);
  }
}

/**
 * Tries the sticky copy of a pattern at `s`: -1 when it does not match there; otherwise the first
 * position a next match may start at (after an empty match, the next position; after a match, its
 * end, the match added as a finding).
 */
function matchAt(
  spec: PatternRecognizerSpec,
  p: Pattern,
  sticky: RegExp,
  text: string,
  s: number,
  out: Finding[],
): number {
  sticky.lastIndex = s;
  const m = sticky.exec(text);
  if (m === null) return -1;
  if (m[0].length === 0) return s + 1;
  addFinding(spec, p, m, text, out);
  return s + m[0].length;
}

/**
 * The same matches as `scanAll`, trying the sticky copy of the pattern only in the windows of its
 * anchor's marks: positions are tried in increasing order, none before the end of the last match,
 * none twice.
 */
function scanAnchored(
  spec: PatternRecognizerSpec,
  p: Pattern,
  anchor: Anchor,
  sticky: RegExp,
  text: string,
  out: Finding[],
): void {
  const marks = anchor.regex;
  marks.lastIndex = 0;
  let pos = 0; // no match starts before this (the end of the last match)
  let tried = 0; // every position below this has been tried
  let mark: RegExpExecArray | null;
  while ((mark = marks.exec(text)) !== null) {
    const at = mark.index;
    marks.lastIndex = at + 1; // every mark position, overlapping ones too
    for (let s = Math.max(pos, tried, anchor.from(text, at)); s <= at; s++) {
      const next = matchAt(spec, p, sticky, text, s, out);
      if (next < 0) continue;
      pos = next;
      s = pos - 1;
    }
    if (at + 1 > tried) tried = at + 1;
  }
}

/** Columns of a word-start table: one per ASCII second character, then one for any. */
const START_COLS = 129;

/** Table of the beginnings of `Pattern.wordStarts`: letter * 129 + next character, or + 128 for any. */
function startTable(wordStarts: string): Uint8Array {
  const t = new Uint8Array(26 * START_COLS);
  for (const b of wordStarts.toLowerCase().split(/\s+/).filter(Boolean)) {
    const c0 = b.charCodeAt(0) - 97;
    const c1 = b.length > 1 ? b.charCodeAt(1) : 128;
    if (b.length > 2 || c0 < 0 || c0 > 25 || c1 > 128)
      throw new Error(`word start "${b}" is not a letter and at most one ASCII character`);
    t[c0 * START_COLS + c1] = 1;
  }
  return t;
}

const isAsciiLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isAsciiWord = (c: number): boolean => isAsciiLetter(c) || (c >= 48 && c <= 57) || c === 95;

/** Positions where an ASCII word starts with a letter, per input (shared by the recognizers). */
const wordStartCache = new WeakMap<RecognizeInput, Int32Array>();

function wordStartsOf(input: RecognizeInput): Int32Array {
  let starts = wordStartCache.get(input);
  if (starts) return starts;
  const { text } = input;
  const found: number[] = [];
  let prevWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!prevWord && isAsciiLetter(c)) found.push(i);
    prevWord = isAsciiWord(c);
  }
  starts = Int32Array.from(found);
  wordStartCache.set(input, starts);
  return starts;
}

/**
 * The same matches as `scanAll`, trying the sticky copy of the pattern only where a word starts
 * with one of the pattern's beginnings, in text order and none before the end of the last match.
 */
function scanWordStarts(
  spec: PatternRecognizerSpec,
  p: Pattern,
  table: Uint8Array,
  sticky: RegExp,
  input: RecognizeInput,
  out: Finding[],
): void {
  const { text } = input;
  const starts = wordStartsOf(input);
  let pos = 0;
  for (let k = 0; k < starts.length; k++) {
    const s = starts[k]!;
    if (s < pos) continue;
    const row = ((text.charCodeAt(s) | 32) - 97) * START_COLS;
    if (table[row + 128] !== 1) {
      let c1 = text.charCodeAt(s + 1);
      if (!(c1 < 128)) continue; // past the end, or not ASCII
      if (c1 >= 65 && c1 <= 90) c1 |= 32; // the beginnings are lower case
      if (table[row + c1] !== 1) continue;
    }
    const next = matchAt(spec, p, sticky, text, s, out);
    if (next >= 0) pos = next;
  }
}

/** Builds a Recognizer from scored patterns, context words and an optional validator. */
export function createPatternRecognizer(spec: PatternRecognizerSpec): Recognizer {
  for (const p of spec.patterns) {
    if (!p.regex.global) throw new Error(`pattern of ${spec.name} must be global`);
    if (p.wordStarts && /[uv]/.test(p.regex.flags))
      throw new Error(`word starts of a pattern of ${spec.name} need a pattern without the u flag`);
    if (p.anchor && !p.anchor.regex.global)
      throw new Error(`anchor of a pattern of ${spec.name} must be global`);
  }
  // Sticky copies of anchored and word-start patterns, and the word-start tables, made once.
  const sticky = spec.patterns.map((p) =>
    p.anchor || p.wordStarts
      ? new RegExp(p.regex.source, p.regex.flags.replace('g', '') + 'y')
      : undefined,
  );
  const tables = spec.patterns.map((p) => (p.wordStarts ? startTable(p.wordStarts) : undefined));
  return {
    name: spec.name,
    types: [spec.type],
    langs: spec.langs ?? [],
    context: spec.context,
    recognize(input: RecognizeInput): Finding[] {
      const out: Finding[] = [];
      const { text } = input;
      for (let k = 0; k < spec.patterns.length; k++) {
        const p = spec.patterns[k]!;
        if (p.requires && !p.requires.test(text)) continue;
        const st = sticky[k];
        const table = tables[k];
        if (p.anchor && st) scanAnchored(spec, p, p.anchor, st, text, out);
        else if (table && st) scanWordStarts(spec, p, table, st, input, out);
        else scanAll(spec, p, text, out);
      }
      return out;
    },
  };
}
