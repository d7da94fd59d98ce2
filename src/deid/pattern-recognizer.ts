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

/** Builds a Recognizer from scored patterns, context words and an optional validator. */
export function createPatternRecognizer(spec: PatternRecognizerSpec): Recognizer {
  for (const p of spec.patterns) {
    if (!p.regex.global) throw new Error(`pattern of ${spec.name} must be global`);
  }
  return {
    name: spec.name,
    types: [spec.type],
    langs: spec.langs ?? [],
    context: spec.context,
    recognize(input: RecognizeInput): Finding[] {
      const out: Finding[] = [];
      const { text } = input;
      for (const p of spec.patterns) {
        if (p.requires && !p.requires.test(text)) continue;
        p.regex.lastIndex = 0;
        let m: RegExpExecArray | null;
        while ((m = p.regex.exec(text)) !== null) {
          if (m[0].length === 0) {
            p.regex.lastIndex++;
            continue;
          }
          let start = m.index;
          let end = m.index + m[0].length;
          const g = m.indices?.groups?.['v'];
          if (g) [start, end] = g;
          if (end <= start) continue;
          const value = text.slice(start, end);
          let score = p.score;
          let why = `${spec.name}: ${p.why}`;
          if (spec.validate) {
            const v = spec.validate(value, text, start);
            if (v === null) continue;
            score = v.score ?? p.score;
            why += `; ${v.why}`;
          }
          out.push({ start, end, type: spec.type, score, recognizer: spec.name, why });
        }
      }
      return out;
    },
  };
}
