/**
 * De-identification: PHI/PII detection in Chinese and English text, operators (redact, mask,
 * tag, keyed pseudonyms, per-patient date shift), DICOM PS3.15 Annex E, k-anonymity datasets.
 */
export { EntityType, ENTITY_TYPES } from './types.ts';
export type { Finding, Lang, Recognizer, RecognizeInput } from './types.ts';
export { createAnalyzer, detectLangs, mergeOverlaps, MAX_TEXT_LENGTH } from './analyzer.ts';
export type { Analyzer, AnalyzerConfig, AnalyzeOptions, CustomPattern } from './analyzer.ts';
export { createPatternRecognizer } from './pattern-recognizer.ts';
export type { Pattern, PatternRecognizerSpec, Validation } from './pattern-recognizer.ts';
export {
  isValidResidentId,
  isValidLegacyResidentId,
  computeResidentIdCheck,
  isLuhnValid,
  computeLuhnCheck,
  isValidHkid,
  isValidTaiwanId,
  isValidIpv4,
  isValidUsSsn,
  isValidDate,
} from './validators.ts';
