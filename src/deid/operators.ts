/**
 * Anonymisation operators, registered by name and shared by text, tables and DICOM: redact, mask,
 * tag, pseudonym (keyed consistent surrogate), date-shift (per patient), keep. After replacing,
 * `deidentifyText` runs the detectors again over the output and reports what remains.
 */
import { CustosError, ErrorCode } from '../errors/index.ts';
import { createAnalyzer, type Analyzer, type AnalyzeOptions } from './analyzer.ts';
import { patientDateShift, shiftDateString } from './dates.ts';
import { makeSurrogate } from './surrogates.ts';
import { EntityType, type Finding } from './types.ts';

/** Parameters of one operator. */
export type OperatorConfig =
  | { type: 'redact' }
  | { type: 'mask'; char?: string; keepStart?: number; keepEnd?: number }
  | { type: 'tag'; format?: string }
  | { type: 'pseudonym' }
  | { type: 'date-shift' }
  | { type: 'keep' };

/** Names of the registered operators. */
export type OperatorName = OperatorConfig['type'];

/** What an operator needs besides the value. */
export interface OperatorContext {
  key?: Uint8Array;
  /** Days to shift dates by (from `patientDateShift`). */
  dateShiftDays?: number;
  referenceYear?: number;
}

type OperatorFn = (
  value: string,
  type: EntityType,
  cfg: OperatorConfig,
  ctx: OperatorContext,
) => string;

function requireKey(ctx: OperatorContext, op: string): Uint8Array {
  if (!ctx.key || ctx.key.length < 16)
    throw new CustosError(
      ErrorCode.ConfigInvalid,
      `operator ${op} needs a project key of at least 16 bytes`,
    );
  return ctx.key;
}

/** Default mask: keeps what Chinese hospitals show (张*, 138****5678, 110***********1234). */
function defaultMask(value: string, type: EntityType, ch: string): string {
  const chars = [...value];
  const n = chars.length;
  let keepStart = 0;
  let keepEnd = 0;
  if (type === EntityType.Person) keepStart = 1;
  else if (type === EntityType.Phone) {
    keepStart = n >= 11 ? 3 : 0;
    keepEnd = n >= 7 ? 4 : 0;
  } else if (type === EntityType.IdCard) {
    keepStart = n >= 15 ? 3 : 0;
    keepEnd = n >= 15 ? 4 : 0;
  } else if (type === EntityType.BankCard) keepEnd = 4;
  return maskChars(chars, keepStart, keepEnd, ch);
}

function maskChars(chars: string[], keepStart: number, keepEnd: number, ch: string): string {
  const n = chars.length;
  return chars
    .map((c, i) => (i < keepStart || i >= n - keepEnd || /[\s\-()]/.test(c) ? c : ch))
    .join('');
}

const registry = new Map<OperatorName, OperatorFn>([
  ['redact', () => ''],
  ['keep', (v) => v],
  [
    'mask',
    (v, type, cfg) => {
      const c = cfg as Extract<OperatorConfig, { type: 'mask' }>;
      const ch = c.char ?? '*';
      if (c.keepStart === undefined && c.keepEnd === undefined) return defaultMask(v, type, ch);
      return maskChars([...v], c.keepStart ?? 0, c.keepEnd ?? 0, ch);
    },
  ],
  [
    'tag',
    (_v, type, cfg) =>
      ((cfg as Extract<OperatorConfig, { type: 'tag' }>).format ?? '<{type}>').replace(
        '{type}',
        type,
      ),
  ],
  [
    'pseudonym',
    (v, type, _cfg, ctx) => {
      if (type === EntityType.Date && ctx.dateShiftDays !== undefined)
        return shiftDateString(v, ctx.dateShiftDays, ctx.referenceYear) ?? `<${type}>`;
      return makeSurrogate(type, v, requireKey(ctx, 'pseudonym'));
    },
  ],
  [
    'date-shift',
    (v, type, _cfg, ctx) => {
      if (ctx.dateShiftDays === undefined)
        throw new CustosError(
          ErrorCode.ConfigInvalid,
          'operator date-shift needs a key and a patient id',
        );
      return shiftDateString(v, ctx.dateShiftDays, ctx.referenceYear) ?? `<${type}>`;
    },
  ],
]);

/** Checks an operator configuration; throws CUSTOS_CONFIG_INVALID naming the problem. */
export function validateOperator(cfg: OperatorConfig): void {
  if (!cfg || !registry.has(cfg.type))
    throw new CustosError(
      ErrorCode.ConfigInvalid,
      `unknown operator "${String((cfg as { type?: unknown })?.type)}"`,
    );
  if (cfg.type === 'mask') {
    if (cfg.char !== undefined && [...cfg.char].length !== 1)
      throw new CustosError(ErrorCode.ConfigInvalid, 'mask char must be one character');
    for (const k of [cfg.keepStart, cfg.keepEnd])
      if (k !== undefined && (!Number.isInteger(k) || k < 0))
        throw new CustosError(
          ErrorCode.ConfigInvalid,
          'mask keepStart/keepEnd must be non-negative integers',
        );
  }
  if (
    cfg.type === 'tag' &&
    cfg.format !== undefined &&
    !cfg.format.includes('{type}') &&
    cfg.format.length > 64
  ) {
    throw new CustosError(ErrorCode.ConfigInvalid, 'tag format too long');
  }
}

/** Applies one operator to one value. */
export function applyOperator(
  value: string,
  type: EntityType,
  cfg: OperatorConfig,
  ctx: OperatorContext = {},
): string {
  validateOperator(cfg);
  return registry.get(cfg.type)!(value, type, cfg, ctx);
}

/** Operators per entity type; `default` applies to types not listed. */
export type OperatorMap = Partial<Record<EntityType | 'default', OperatorConfig>>;

/** A replacement made in the text: where it was, where its output is. */
export interface Replacement {
  start: number;
  end: number;
  outStart: number;
  outEnd: number;
  type: EntityType;
  operator: OperatorName;
}

/** Options of `deidentifyText`. */
export interface DeidentifyOptions extends AnalyzeOptions {
  /** Project key for pseudonyms and date shifts (≥ 16 bytes). Keep it secret: it links surrogates to originals. */
  key?: Uint8Array;
  /** Patient whose dates are shifted (same patient → same shift). */
  patientId?: string;
  operators?: OperatorMap;
  analyzer?: Analyzer;
  /** Year assumed for dates written without one (default 2000). */
  referenceYear?: number;
  /** Largest date shift in days (default 365). */
  maxShiftDays?: number;
}

/** Result of de-identifying a text. */
export interface DeidentifyResult {
  text: string;
  findings: Finding[];
  replacements: Replacement[];
  /** Findings of a second scan of the output outside the replacements: PHI that remains. */
  residual: Finding[];
}

/** Replaces `findings` in `text` using the operator map. Findings must not overlap (analyzer output). */
export function anonymize(
  text: string,
  findings: readonly Finding[],
  operators: OperatorMap,
  ctx: OperatorContext = {},
): { text: string; replacements: Replacement[] } {
  const sorted = [...findings].sort((a, b) => a.start - b.start);
  let out = '';
  let pos = 0;
  const replacements: Replacement[] = [];
  for (const f of sorted) {
    if (f.start < pos) continue;
    const cfg = operators[f.type] ?? operators.default ?? { type: 'tag' };
    out += text.slice(pos, f.start);
    const rep = applyOperator(text.slice(f.start, f.end), f.type, cfg, ctx);
    replacements.push({
      start: f.start,
      end: f.end,
      outStart: out.length,
      outEnd: out.length + rep.length,
      type: f.type,
      operator: cfg.type,
    });
    out += rep;
    pos = f.end;
  }
  out += text.slice(pos);
  return { text: out, replacements };
}

let defaultAnalyzer: Analyzer | undefined;

function analyzerOf(opts: { analyzer?: Analyzer }): Analyzer {
  if (opts.analyzer) return opts.analyzer;
  defaultAnalyzer ??= createAnalyzer();
  return defaultAnalyzer;
}

/**
 * Finds PHI in `text`, replaces it with the configured operators (default: type tags, dates
 * shifted when a key and patient id are given), then scans the output again and returns what
 * the second scan finds outside the replacements as `residual`.
 */
export function deidentifyText(text: string, opts: DeidentifyOptions = {}): DeidentifyResult {
  const analyzer = analyzerOf(opts);
  const findings = analyzer.analyze(text, opts);
  const ctx: OperatorContext = { key: opts.key, referenceYear: opts.referenceYear };
  if (opts.key && opts.patientId !== undefined)
    ctx.dateShiftDays = patientDateShift(opts.key, opts.patientId, opts.maxShiftDays);
  const operators: OperatorMap = {
    ...(ctx.dateShiftDays !== undefined ? { [EntityType.Date]: { type: 'date-shift' } } : {}),
    ...opts.operators,
  };
  for (const cfg of Object.values(operators)) if (cfg) validateOperator(cfg);
  const { text: out, replacements } = anonymize(text, findings, operators, ctx);
  const again = analyzer.analyze(out, opts);
  // Surrogates are realistic on purpose, so the re-scan finds them: only findings outside the
  // replaced spans (or inside spans an operator kept as they were) are residual PHI.
  const replaced = replacements.filter((r) => r.operator !== 'keep');
  const residual = again.filter(
    (f) => !replaced.some((r) => f.start < r.outEnd && r.outStart < f.end),
  );
  return { text: out, findings, replacements, residual };
}

/**
 * Redacts PHI from free text for display, replacing each finding with its type tag such as
 * `<PERSON>`. Needs no key; used by the access module for notes shown to roles that do not need
 * identities.
 */
export function redactText(text: string, opts: { lang?: 'zh' | 'en' | 'auto' } = {}): string {
  const analyzer = analyzerOf({});
  const findings = analyzer.analyze(text, { lang: opts.lang ?? 'auto' });
  return anonymize(text, findings, { default: { type: 'tag' } }).text;
}
