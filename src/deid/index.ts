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
  isValidIban,
  isValidTaiwanId,
  isValidIpv4,
  isValidUsSsn,
  isValidDate,
} from './validators.ts';
export {
  anonymize,
  applyOperator,
  deidentifyText,
  redactText,
  validateOperator,
} from './operators.ts';
export type {
  DeidentifyOptions,
  DeidentifyResult,
  OperatorConfig,
  OperatorContext,
  OperatorMap,
  OperatorName,
  Replacement,
} from './operators.ts';
export { makeSurrogate, KeyedStream } from './surrogates.ts';
export { patientDateShift, shiftDateString } from './dates.ts';
export {
  deidentifyDicom,
  remapUid,
  detectTextBands,
  DicomProfile,
  SUPPORTED_TRANSFER_SYNTAXES,
} from './dicom/deidentify-dicom.ts';
export type { DicomDeidOptions, DicomDeidReport, Region } from './dicom/deidentify-dicom.ts';
export { ANNEX_E } from './dicom/annex-e.ts';
export type { AnnexEAction } from './dicom/annex-e.ts';
export {
  anonymizeDataset,
  generalize,
  guessHierarchy,
  readCsv,
  writeCsv,
} from './dataset/k-anonymity.ts';
export type {
  Hierarchy,
  InformationLossReport,
  KAnonymityOptions,
  KAnonymityResult,
} from './dataset/k-anonymity.ts';
export { decodeUtf8 } from './text-input.ts';
