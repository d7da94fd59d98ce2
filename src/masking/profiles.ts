/**
 * Masking profiles: which format applies to which field, per role, purpose and channel, in
 * layers (channel → role → purpose → tenant overrides), with Chinese and English conventions.
 * Field paths are the decision vocabulary (`demographics.name`, `contact.*`, `note` …); `*` is
 * the rule for anything not named, and defaults to hiding it.
 */
import { CustosError, ErrorCode } from '../errors/index.ts';
import type { AddressLevel, DatePrecision, NameStyle } from './formats.ts';

/** What to do with one field. */
export type FieldRule =
  | { op: 'show' }
  | { op: 'hide' }
  | { op: 'name'; style?: NameStyle }
  | { op: 'phone' }
  | { op: 'id-number'; keepStart?: number; keepEnd?: number }
  | { op: 'address'; level?: AddressLevel }
  | { op: 'date'; precision?: DatePrecision }
  | { op: 'email' }
  | { op: 'free-text' };

/** Names of the rule operations. */
export const FIELD_RULE_OPS = [
  'show',
  'hide',
  'name',
  'phone',
  'id-number',
  'address',
  'date',
  'email',
  'free-text',
] as const;

/** Conventions for dates and redaction tags. */
export type MaskingLocale = 'zh' | 'en';

/** A resolved masking profile, applied by `maskRecord`. */
export interface MaskingProfile {
  /** Readable id of what it was resolved from, e.g. `role=billing;purpose=payment;channel=print`. */
  id: string;
  locale: MaskingLocale;
  rules: Readonly<Record<string, FieldRule>>;
}

/** A tenant's change to the defaults for requests that match all the given keys. */
export interface MaskingOverride {
  role?: string;
  purpose?: string;
  channel?: string;
  rules: Record<string, FieldRule>;
}

/** A tenant's masking configuration. */
export interface MaskingConfig {
  locale?: MaskingLocale;
  overrides?: MaskingOverride[];
}

/** Who is looking, why and where: the key of a profile. */
export interface MaskingContext {
  roles: string[];
  purpose: string;
  channel: string;
  /** The decision said the data must be de-identified (research). */
  deidentify?: boolean;
  locale?: MaskingLocale;
}

type Rules = Record<string, FieldRule>;
const SHOW: FieldRule = { op: 'show' };
const HIDE: FieldRule = { op: 'hide' };

/** Default rules per channel: the first layer. */
export const CHANNEL_RULES: Readonly<Record<string, Rules>> = {
  screen: {
    '*': SHOW,
    'demographics.idNumber': { op: 'id-number' },
    'contact.phone': { op: 'phone' },
    'contact.address': { op: 'address', level: 'district' },
    'contact.email': { op: 'email' },
    'contact.emergencyContact.name': { op: 'name' },
    'contact.emergencyContact.phone': { op: 'phone' },
  },
  api: {
    '*': SHOW,
    'demographics.idNumber': { op: 'id-number' },
    'contact.phone': { op: 'phone' },
    'contact.address': { op: 'address', level: 'district' },
    'contact.email': { op: 'email' },
  },
  print: {
    '*': SHOW,
    'demographics.name': { op: 'name', style: 'keep-first-last' },
    'demographics.idNumber': { op: 'id-number' },
    'contact.*': HIDE,
    'contact.phone': { op: 'phone' },
    'contact.address': { op: 'address', level: 'district' },
  },
  'queue-display': {
    '*': HIDE,
    'demographics.name': { op: 'name', style: 'keep-first-last' },
    'appointment.queueNumber': SHOW,
    'appointment.room': SHOW,
  },
  label: {
    '*': HIDE,
    // Wristbands and specimen labels carry two identifiers in full: patient safety first.
    'demographics.name': SHOW,
    'demographics.mrn': SHOW,
    'demographics.sex': SHOW,
    'demographics.birthDate': SHOW,
  },
  export: {
    '*': SHOW,
    'demographics.name': HIDE,
    'demographics.idNumber': HIDE,
    'demographics.birthDate': { op: 'date', precision: 'year' },
    'contact.*': HIDE,
    note: { op: 'free-text' },
  },
};

/** Role layers: what a role's work needs shown differently from the channel default. */
export const ROLE_RULES: Readonly<Record<string, Rules>> = {
  registration: {
    // Registration verifies identity documents and contact details at the desk.
    'demographics.idNumber': SHOW,
    'contact.phone': SHOW,
    'contact.address': SHOW,
  },
  billing: {
    'demographics.idNumber': { op: 'id-number' },
    'contact.phone': { op: 'phone' },
    'contact.address': { op: 'address', level: 'district' },
  },
  'medical-records': {
    // Copies released to the patient or a court are complete.
    'demographics.idNumber': SHOW,
    'contact.*': SHOW,
  },
  'vendor-engineer': {
    '*': HIDE,
    'demographics.mrn': SHOW,
    technical: SHOW,
  },
  'privacy-officer': {
    'demographics.birthDate': { op: 'date', precision: 'year' },
  },
};

/** The de-identification layer (research purpose or a decision that says so). */
export const DEIDENTIFIED_RULES: Readonly<Rules> = {
  'demographics.name': HIDE,
  'demographics.idNumber': HIDE,
  'demographics.mrn': HIDE,
  'demographics.birthDate': { op: 'date', precision: 'year' },
  'contact.*': HIDE,
  note: { op: 'free-text' },
  'imaging.report': { op: 'free-text' },
};

function checkRule(path: string, r: unknown): asserts r is FieldRule {
  const bad = (why: string): CustosError =>
    new CustosError(ErrorCode.ConfigInvalid, `masking rule for "${path}" ${why}`, { path });
  if (typeof r !== 'object' || r === null) throw bad('must be an object');
  const op = (r as { op?: unknown }).op;
  if (typeof op !== 'string' || !(FIELD_RULE_OPS as readonly string[]).includes(op)) {
    throw bad(`has an unknown op (allowed: ${FIELD_RULE_OPS.join(', ')})`);
  }
  const o = r as Record<string, unknown>;
  if (
    op === 'name' &&
    o['style'] !== undefined &&
    !['keep-first-last', 'keep-first', 'initials'].includes(o['style'] as string)
  ) {
    throw bad('has an unknown name style');
  }
  if (
    op === 'address' &&
    o['level'] !== undefined &&
    !['province', 'city', 'district'].includes(o['level'] as string)
  ) {
    throw bad('has an unknown address level');
  }
  if (
    op === 'date' &&
    o['precision'] !== undefined &&
    !['year', 'year-month'].includes(o['precision'] as string)
  ) {
    throw bad('has an unknown date precision');
  }
  if (op === 'id-number') {
    for (const k of ['keepStart', 'keepEnd']) {
      const v = o[k];
      if (v !== undefined && (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 8))
        throw bad(`has a bad ${k}`);
    }
  }
  if (!/^(\*|[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(\.\*)?)$/.test(path))
    throw bad('has a malformed field path');
}

/** Check a tenant's masking configuration; throws CustosError(CUSTOS_CONFIG_INVALID) when wrong. */
export function checkMaskingConfig(config: unknown): asserts config is MaskingConfig {
  if (typeof config !== 'object' || config === null) {
    throw new CustosError(ErrorCode.ConfigInvalid, 'masking configuration must be an object');
  }
  const c = config as Record<string, unknown>;
  if (c['locale'] !== undefined && c['locale'] !== 'zh' && c['locale'] !== 'en') {
    throw new CustosError(ErrorCode.ConfigInvalid, 'masking locale must be zh or en');
  }
  const ov = c['overrides'];
  if (ov === undefined) return;
  if (!Array.isArray(ov))
    throw new CustosError(ErrorCode.ConfigInvalid, 'masking overrides must be a list');
  for (const o of ov) {
    if (
      typeof o !== 'object' ||
      o === null ||
      typeof (o as { rules?: unknown }).rules !== 'object'
    ) {
      throw new CustosError(ErrorCode.ConfigInvalid, 'each masking override needs rules');
    }
    for (const [path, rule] of Object.entries((o as MaskingOverride).rules)) checkRule(path, rule);
  }
}

/** Lay `layer` over `base`: a wildcard in the layer replaces the base's rules under it. */
function overlay(base: Rules, layer: Readonly<Rules>): Rules {
  const out: Rules = { ...base };
  for (const [path, rule] of Object.entries(layer)) {
    if (path === '*') {
      for (const k of Object.keys(out)) delete out[k];
    } else if (path.endsWith('.*')) {
      const prefix = path.slice(0, -1);
      for (const k of Object.keys(out)) if (k.startsWith(prefix)) delete out[k];
    }
    out[path] = rule;
  }
  return out;
}

/**
 * Resolve the masking profile for a role, purpose and channel: channel defaults, then each role's
 * layer, then the de-identification layer for research (or when the decision requires it), then
 * the tenant's matching overrides in order. An unknown channel shows nothing.
 */
export function resolveMaskingProfile(
  ctx: MaskingContext,
  config: MaskingConfig = {},
): MaskingProfile {
  checkMaskingConfig(config);
  let rules: Rules = overlay({}, CHANNEL_RULES[ctx.channel] ?? { '*': HIDE });
  for (const role of ctx.roles) {
    const layer = ROLE_RULES[role];
    if (layer) rules = overlay(rules, layer);
  }
  if (ctx.deidentify || ctx.purpose === 'research') rules = overlay(rules, DEIDENTIFIED_RULES);
  for (const o of config.overrides ?? []) {
    if (o.role !== undefined && !ctx.roles.includes(o.role)) continue;
    if (o.purpose !== undefined && o.purpose !== ctx.purpose) continue;
    if (o.channel !== undefined && o.channel !== ctx.channel) continue;
    rules = overlay(rules, o.rules);
  }
  if (!rules['*']) rules['*'] = HIDE;
  const id = `role=${ctx.roles.join('+') || '-'};purpose=${ctx.purpose};channel=${ctx.channel}${ctx.deidentify ? ';deidentify' : ''}`;
  return { id, locale: ctx.locale ?? config.locale ?? 'zh', rules: Object.freeze(rules) };
}

/** Build a profile from explicit rules (checked), e.g. for tests or a tenant's own profile. */
export function createMaskingProfile(
  id: string,
  rules: Record<string, FieldRule>,
  locale: MaskingLocale = 'zh',
): MaskingProfile {
  for (const [path, rule] of Object.entries(rules)) checkRule(path, rule);
  return { id, locale, rules: Object.freeze({ '*': HIDE, ...rules }) };
}
