/**
 * Apply a masking profile to a record, field by field. Fields without a rule fall to the
 * profile's `*` rule (hide by default); a value a format cannot handle is hidden, never shown.
 */
import {
  maskAddress,
  maskBirthDate,
  maskEmail,
  maskIdNumber,
  maskName,
  maskPhone,
} from './formats.ts';
import type { FieldRule, MaskingProfile } from './profiles.ts';
import { builtInRedactor, redactText } from './redactor.ts';
import type { Redactor } from './redactor.ts';

/** Options of `maskRecord`. */
export interface MaskOptions {
  /** Free-text redactor (default: the built-in detector). */
  redactor?: Redactor;
}

/** A record: nested objects keyed by the field vocabulary, or flat dotted keys. */
export type MaskableRecord = Record<string, unknown>;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    Object.getPrototypeOf(v) === Object.prototype
  );
}

function findRule(profile: MaskingProfile, path: string): FieldRule | undefined {
  const exact = profile.rules[path];
  if (exact) return exact;
  // Longest wildcard prefix first: a.b.* before a.*.
  let dot = path.lastIndexOf('.');
  while (dot > 0) {
    const r = profile.rules[`${path.slice(0, dot)}.*`];
    if (r) return r;
    dot = path.lastIndexOf('.', dot - 1);
  }
  return undefined;
}

/** What the profile says about one path: its rule and whether rules exist below it. */
interface PathRule {
  rule: FieldRule | undefined;
  rulesBelow: boolean;
}

/** Per frozen rule set, the answer for each path seen (paths repeat on every record). */
const pathRules = new WeakMap<object, Map<string, PathRule>>();
const MAX_PATHS = 4096;

function lookUp(profile: MaskingProfile, path: string): PathRule {
  const frozen = Object.isFrozen(profile.rules);
  let memo = frozen ? pathRules.get(profile.rules) : undefined;
  const hit = memo?.get(path);
  if (hit) return hit;
  const prefix = `${path}.`;
  const found: PathRule = {
    rule: findRule(profile, path),
    rulesBelow: Object.keys(profile.rules).some((k) => k.startsWith(prefix)),
  };
  if (frozen) {
    if (!memo) pathRules.set(profile.rules, (memo = new Map()));
    if (memo.size < MAX_PATHS) memo.set(path, found);
  }
  return found;
}

const DROP = Symbol('drop');

function formatString(
  rule: FieldRule,
  s: string,
  profile: MaskingProfile,
  redactor: Redactor,
): string {
  switch (rule.op) {
    case 'name':
      return maskName(s, rule.style);
    case 'phone':
      return maskPhone(s);
    case 'id-number':
      return maskIdNumber(s, rule.keepStart, rule.keepEnd);
    case 'address':
      return maskAddress(s, rule.level);
    case 'date':
      return maskBirthDate(s, rule.precision, profile.locale);
    case 'email':
      return maskEmail(s);
    case 'free-text':
      return redactText(s, redactor, profile.locale);
    case 'show':
      return s;
    case 'hide':
      return '';
  }
}

function applyRule(
  rule: FieldRule,
  v: unknown,
  profile: MaskingProfile,
  redactor: Redactor,
): unknown {
  if (rule.op === 'hide') return DROP;
  if (rule.op === 'show') return v;
  if (v === null || v === undefined) return v;
  if (typeof v === 'string') return formatString(rule, v, profile, redactor);
  if (typeof v === 'number' || typeof v === 'bigint')
    return formatString(rule, String(v), profile, redactor);
  if (Array.isArray(v))
    return v.map((x) => applyRule(rule, x, profile, redactor)).filter((x) => x !== DROP);
  if (rule.op === 'free-text' && isPlainObject(v)) {
    // Notes and reports: redact every string inside, keep the structure.
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const r = applyRule(rule, x, profile, redactor);
      if (r !== DROP) out[k] = r;
    }
    return out;
  }
  if (rule.op === 'free-text' && typeof v === 'boolean') return v;
  // A format that does not fit the value: fail closed.
  return DROP;
}

/**
 * A value below which the profile names no path: every leaf takes `rule` (the profile's `*`),
 * objects left empty disappear. The same as walking it path by path, without the look-ups.
 */
function maskUnnamed(v: unknown, rule: FieldRule, profile: MaskingProfile, redactor: Redactor) {
  if (!isPlainObject(v)) return applyRule(rule, v, profile, redactor);
  const out: Record<string, unknown> = {};
  let kept = false;
  for (const k of Object.keys(v)) {
    const r = maskUnnamed(v[k], rule, profile, redactor);
    if (r !== DROP) {
      out[k] = r;
      kept = true;
    }
  }
  return kept ? out : DROP;
}

function maskAt(path: string, v: unknown, profile: MaskingProfile, redactor: Redactor): unknown {
  const { rule, rulesBelow } = lookUp(profile, path);
  if (rule && !(isPlainObject(v) && rulesBelow && rule.op !== 'hide')) {
    return applyRule(rule, v, profile, redactor);
  }
  // No rule here or below (nor a wildcard above, or `rule` would be set): only `*` applies.
  if (!rule && !rulesBelow)
    return maskUnnamed(v, profile.rules['*'] ?? { op: 'hide' }, profile, redactor);
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const r = maskAt(`${path}.${k}`, x, profile, redactor);
      if (r !== DROP) out[k] = r;
    }
    return Object.keys(out).length > 0 ? out : DROP;
  }
  if (rule) return applyRule(rule, v, profile, redactor);
  return applyRule(profile.rules['*'] ?? { op: 'hide' }, v, profile, redactor);
}

/**
 * Mask `record` with `profile`, field by field, returning a new object (the input is not
 * changed). Keys are field paths, nested (`{ demographics: { name } }`) or flat
 * (`{ 'demographics.name': … }`). Hidden fields are removed; empty sections disappear.
 */
export function maskRecord(
  record: MaskableRecord,
  profile: MaskingProfile,
  options: MaskOptions = {},
): MaskableRecord {
  const redactor = options.redactor ?? builtInRedactor;
  const out: MaskableRecord = {};
  for (const [k, v] of Object.entries(record)) {
    const r = maskAt(k, v, profile, redactor);
    if (r !== DROP) out[k] = r;
  }
  return out;
}
