/**
 * The detection pipeline: recognize → context → merge overlaps → threshold → allow/deny lists.
 * A registry (one per tenant configuration) decides which recognizers run.
 */
import { CustosError, ErrorCode } from '../errors/index.ts';
import { createPatternRecognizer } from './pattern-recognizer.ts';
import {
  createEnAddressRecognizer,
  createEnFacilityRecognizer,
  createEnHospitalRecognizer,
  createEnLocationRecognizer,
  createEnOrganizationRecognizer,
  createEnPersonRecognizer,
  propagateEnNames,
} from './recognizers/en-entities.ts';
import { createPatternRecognizers } from './recognizers/patterns.ts';
import {
  createZhAddressRecognizer,
  createZhLocationRecognizer,
  createZhOrganizationRecognizer,
  createZhPersonRecognizer,
} from './recognizers/zh-entities.ts';
import {
  ENTITY_TYPES,
  EntityType,
  type Finding,
  type Lang,
  type RecognizeInput,
  type Recognizer,
} from './types.ts';

/** A hospital's own identifier format, e.g. inpatient numbers "ZY" + 8 digits. */
export interface CustomPattern {
  name: string;
  type: EntityType;
  /** JavaScript regular expression source; a named group `v` narrows the finding. */
  pattern: string;
  flags?: string;
  score?: number;
  context?: string[];
}

/** Per-tenant analyzer configuration. */
export interface AnalyzerConfig {
  /** Findings scoring below this are dropped (default 0.5). */
  threshold?: number;
  /** Values never reported (compared case-insensitively, trimmed), e.g. the hospital's own name. */
  allow?: string[];
  /** Values always reported wherever they occur, e.g. VIP names or local place names. */
  deny?: { text: string; type?: EntityType }[];
  /** Extra patterns: medical record, inpatient, outpatient, insurance numbers of this hospital. */
  patterns?: CustomPattern[];
  /** Recognizer names to switch off. */
  disabled?: string[];
  /** Only report these types (default: all). */
  entities?: EntityType[];
  /** Use jieba part of speech for Chinese (default true); off is faster and less accurate. */
  zhPos?: boolean;
  /** Characters searched on each side of a candidate for context words (default 24). */
  contextWindow?: number;
  /** Extra recognizers (e.g. a site-specific one); see README.md. */
  recognizers?: Recognizer[];
}

/** Options of one analysis. */
export interface AnalyzeOptions {
  lang?: Lang | 'auto';
}

/** Largest text accepted in one call (UTF-16 code units). Split longer input. */
export const MAX_TEXT_LENGTH = 64 * 1024 * 1024;

const CONTEXT_BOOST = 0.3;

/** A configured recognizer registry with the pipeline over it. */
export interface Analyzer {
  readonly recognizers: readonly Recognizer[];
  readonly threshold: number;
  analyze(text: string, options?: AnalyzeOptions): Finding[];
}

function compileCustom(p: CustomPattern): Recognizer {
  if (!p.name || typeof p.pattern !== 'string' || p.pattern.length > 1000) {
    throw new CustosError(
      ErrorCode.ConfigInvalid,
      `custom pattern "${String(p.name)}" is missing or too long`,
    );
  }
  if (!ENTITY_TYPES.includes(p.type))
    throw new CustosError(
      ErrorCode.ConfigInvalid,
      `custom pattern "${p.name}" has an unknown type`,
    );
  let regex: RegExp;
  try {
    regex = new RegExp(p.pattern, 'gd' + (p.flags ?? '').replace(/[gdy]/g, ''));
  } catch {
    throw new CustosError(
      ErrorCode.ConfigInvalid,
      `custom pattern "${p.name}" is not a valid regular expression`,
    );
  }
  return createPatternRecognizer({
    name: `custom:${p.name}`,
    type: p.type,
    patterns: [{ regex, score: p.score ?? 0.85, why: 'hospital-configured pattern' }],
    context: p.context,
  });
}

/** Builds the registry of built-in recognizers, tenant patterns and extra recognizers. */
export function createAnalyzer(config: AnalyzerConfig = {}): Analyzer {
  const threshold = config.threshold ?? 0.5;
  if (!(threshold >= 0 && threshold <= 1))
    throw new CustosError(ErrorCode.ConfigInvalid, 'threshold must be within 0..1');
  const pos = config.zhPos ?? true;
  const disabled = new Set(config.disabled ?? []);
  const all: Recognizer[] = [
    ...createPatternRecognizers(),
    createEnPersonRecognizer(),
    createEnLocationRecognizer(),
    createEnFacilityRecognizer(),
    createEnHospitalRecognizer(),
    createEnOrganizationRecognizer(),
    createEnAddressRecognizer(),
    createZhPersonRecognizer({ pos }),
    createZhOrganizationRecognizer({ pos }),
    createZhAddressRecognizer({ pos }),
    ...(pos ? [createZhLocationRecognizer()] : []),
    ...(config.patterns ?? []).map(compileCustom),
    ...(config.recognizers ?? []),
  ];
  const recognizers = all.filter((r) => !disabled.has(r.name));
  const entities = config.entities ? new Set(config.entities) : undefined;
  const allow = new Set((config.allow ?? []).map((s) => s.trim().toLowerCase()).filter(Boolean));
  const deny = (config.deny ?? []).filter((d) => d.text.length > 0);
  const window = config.contextWindow ?? 24;
  const propagate = !disabled.has('en-propagate');

  return {
    recognizers,
    threshold,
    analyze(text: string, options: AnalyzeOptions = {}): Finding[] {
      if (typeof text !== 'string')
        throw new CustosError(ErrorCode.InputInvalid, 'text must be a string');
      if (text.length > MAX_TEXT_LENGTH)
        throw new CustosError(
          ErrorCode.InputInvalid,
          `text longer than ${MAX_TEXT_LENGTH} characters; split it`,
        );
      if (text.length === 0) return [];
      const langs = detectLangs(text, options.lang ?? 'auto');
      const input: RecognizeInput = { text, langs };
      // 1. recognize
      let cands: Finding[] = [];
      for (const r of recognizers) {
        if (r.langs.length > 0 && !anyIn(r.langs, langs)) continue;
        if (entities && !anyIn(r.types, entities)) continue;
        const found = r.recognize(input);
        // 2. context
        if (r.context && r.context.length > 0) {
          const words = contextWordsOf(r.context);
          for (const f of found) enhanceWithContext(text, f, words, window);
        }
        for (const f of found) cands.push(f);
      }
      for (const d of deny) {
        const needle = d.text;
        const hay = /[A-Za-z]/.test(needle) ? text.toLowerCase() : text;
        const n = /[A-Za-z]/.test(needle) ? needle.toLowerCase() : needle;
        for (let i = hay.indexOf(n); i >= 0; i = hay.indexOf(n, i + n.length)) {
          cands.push({
            start: i,
            end: i + n.length,
            type: d.type ?? EntityType.Custom,
            score: 1,
            recognizer: 'deny-list',
            why: 'tenant deny list',
          });
        }
      }
      if (entities) cands = cands.filter((f) => entities.has(f.type));
      // 3. merge overlaps among candidates that pass 4. the threshold
      let merged = mergeOverlaps(cands.filter((f) => f.score >= threshold));
      // 4b. English names and places found once count wherever else they occur in the text.
      if (propagate && langs.has('en') && (!entities || entities.has(EntityType.Person))) {
        const more = propagateEnNames(input, merged).filter(
          (f) => f.score >= threshold && (!entities || entities.has(f.type)),
        );
        if (more.length > 0) merged = mergeOverlaps([...merged, ...more]);
      }
      // 5. allow list
      return allow.size === 0
        ? merged
        : merged.filter((f) => !allow.has(text.slice(f.start, f.end).trim().toLowerCase()));
    },
  };
}

/** Languages present in the text: CJK ideographs → zh, Latin words → en. */
export function detectLangs(text: string, lang: Lang | 'auto'): Set<Lang> {
  if (lang === 'zh' || lang === 'en') return new Set([lang]);
  const out = new Set<Lang>();
  if (/[\u4e00-\u9fff]/.test(text)) out.add('zh');
  if (/[A-Za-z]{2}/.test(text)) out.add('en');
  if (out.size === 0) out.add('en');
  return out;
}

/** True when some item of `items` is in `set`. */
function anyIn<T>(items: readonly T[], set: ReadonlySet<T>): boolean {
  for (const x of items) if (set.has(x)) return true;
  return false;
}

/** True for the code unit of an ASCII letter or digit (NaN, before or after the text: false). */
function isAsciiWordCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** A recognizer's context words, lower-cased once: as written (for `why`), lower case, Latin. */
interface ContextWords {
  words: readonly string[];
  lower: string[];
  /** Starts with a Latin letter, a digit or #: must stand as a whole word. */
  latin: boolean[];
}

const contextCache = new WeakMap<readonly string[], ContextWords>();

function contextWordsOf(words: readonly string[]): ContextWords {
  let c = contextCache.get(words);
  if (!c) {
    const lower = words.map((w) => w.toLowerCase());
    c = { words, lower, latin: lower.map((lw) => /^[a-z0-9#]/.test(lw)) };
    contextCache.set(words, c);
  }
  return c;
}

/** True when `lw` occurs in `hay` (which starts at text offset `off`), as a whole word if `latin`. */
function holdsWord(text: string, hay: string, off: number, lw: string, latin: boolean): boolean {
  let i = hay.indexOf(lw);
  while (i >= 0) {
    if (
      !latin ||
      (!isAsciiWordCode(text.charCodeAt(off + i - 1)) &&
        !isAsciiWordCode(text.charCodeAt(off + i + lw.length)))
    )
      return true;
    i = hay.indexOf(lw, i + 1);
  }
  return false;
}

/** Raises a finding's score when one of its recognizer's context words is near it on the same line. */
function enhanceWithContext(text: string, f: Finding, cw: ContextWords, window: number): void {
  // Only the window is examined (never the whole line: lines can be megabytes long).
  const ls0 = Math.max(0, f.start - window);
  const re0 = Math.min(text.length, f.end + window);
  let before = text.slice(ls0, f.start);
  let after = text.slice(f.end, re0);
  const nl = before.lastIndexOf('\n');
  const ls = nl >= 0 ? ls0 + nl + 1 : ls0;
  if (nl >= 0) before = before.slice(nl + 1);
  const nr = after.indexOf('\n');
  if (nr >= 0) after = after.slice(0, nr);
  before = before.toLowerCase();
  after = after.toLowerCase();
  for (let k = 0; k < cw.lower.length; k++) {
    const lw = cw.lower[k]!;
    const latin = cw.latin[k]!;
    if (holdsWord(text, before, ls, lw, latin) || holdsWord(text, after, f.end, lw, latin)) {
      f.score = Math.min(1, f.score + CONTEXT_BOOST);
      f.why += `; context word "${cw.words[k]!}" nearby`;
      return;
    }
  }
}

/** Place-like types: a longer place candidate widens a place winner of another of these types. */
const PLACE_TYPES: ReadonlySet<EntityType> = new Set([
  EntityType.Location,
  EntityType.Organization,
  EntityType.Address,
]);

/**
 * Resolves overlapping candidates: within each cluster of overlapping findings the highest score
 * wins (then the longest); a lower candidate of the same type (or both places: location,
 * organisation, address) that overlaps a winner widens it.
 */
export function mergeOverlaps(cands: Finding[]): Finding[] {
  const sorted = [...cands].sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Finding[] = [];
  let i = 0;
  while (i < sorted.length) {
    let clusterEnd = sorted[i]!.end;
    let j = i + 1;
    while (j < sorted.length && sorted[j]!.start < clusterEnd) {
      clusterEnd = Math.max(clusterEnd, sorted[j]!.end);
      j++;
    }
    const cluster = sorted
      .slice(i, j)
      .sort((a, b) => b.score - a.score || b.end - b.start - (a.end - a.start));
    const kept: Finding[] = [];
    for (const c of cluster) {
      const hit = kept.find((k) => c.start < k.end && k.start < c.end);
      if (!hit) kept.push({ ...c });
      else if (
        (hit.type === c.type || (PLACE_TYPES.has(hit.type) && PLACE_TYPES.has(c.type))) &&
        (c.start < hit.start || c.end > hit.end)
      ) {
        // Widen only if no other kept finding is in the way.
        const ns = Math.min(hit.start, c.start);
        const ne = Math.max(hit.end, c.end);
        if (!kept.some((k) => k !== hit && ns < k.end && k.start < ne)) {
          hit.start = ns;
          hit.end = ne;
          if (!hit.why.includes(c.recognizer)) hit.why += `; also ${c.recognizer}`;
        }
      }
    }
    kept.sort((a, b) => a.start - b.start);
    for (const k of kept) out.push(k);
    i = j;
  }
  return out;
}
