/**
 * Dynamic masking (动态脱敏), the mask step of the disclosure path: masking formats, a pluggable
 * free-text redactor, profiles per role × purpose × channel configurable per tenant, and
 * `maskRecord` applying a profile field by field.
 */
export {
  COMPOUND_SURNAMES,
  MASK_CHAR,
  maskAddress,
  maskBirthDate,
  maskEmail,
  maskIdNumber,
  maskName,
  maskPhone,
} from './formats.ts';
export type { AddressLevel, DatePrecision, NameStyle } from './formats.ts';
export {
  builtInRedactor,
  isLuhnValid,
  isValidResidentId,
  mergeFindings,
  redactText,
} from './redactor.ts';
export type { FindingKind, Redactor, TextFinding } from './redactor.ts';
export {
  CHANNEL_RULES,
  checkMaskingConfig,
  createMaskingProfile,
  DEIDENTIFIED_RULES,
  FIELD_RULE_OPS,
  resolveMaskingProfile,
  ROLE_RULES,
} from './profiles.ts';
export type {
  FieldRule,
  MaskingConfig,
  MaskingContext,
  MaskingLocale,
  MaskingOverride,
  MaskingProfile,
} from './profiles.ts';
export { maskRecord } from './mask-record.ts';
export type { MaskableRecord, MaskOptions } from './mask-record.ts';
