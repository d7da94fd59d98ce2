/**
 * The disclosure path (identify → decide → record → read → mask → mark): the only way patient
 * data leaves Custos. One function per disclosure kind (read, search, print, export), break-the-
 * glass with review, "could X see Y" explanations, and watermark token resolution.
 */
export {
  AccessService,
  type AccessDeps,
  type AccessStep,
  type DiscloseOptions,
  type ExplainQuestion,
  type GrantReviewInput,
} from './service.ts';
export { accessMigrations, type AccessTables } from './migrations.ts';
export {
  POLICY_ROLE_OF,
  checkPurpose,
  isWellFormedId,
  locationClassOf,
  networkZoneOf,
  policyRolesOf,
  trainingStatusOf,
  workstationFactsOf,
} from './identify.ts';
export { consentRestrictionsOf } from './facts.ts';
export { REF_BLOCK_SIZE } from './watermark-refs.ts';
export {
  DEFAULT_ACCESS_SETTINGS,
  GrantReview,
  type AccessRequest,
  type AccessSettings,
  type BreakGlassDeclaration,
  type DisclosedDecision,
  type DisclosedRecord,
  type DisclosureMark,
  type PatientSearchQuery,
  type PatientSearchResult,
  type SearchCandidate,
  type StoredGrant,
} from './types.ts';
export {
  FHIR_TYPE_FIELDS,
  MASKED_VALUE_EXTENSION,
  WATERMARK_TAG_SYSTEM,
  candidateToFhirPatient,
  fhirResourcesOfType,
  fieldsOfFhirType,
  toFhirResources,
  toSearchsetBundle,
  type FhirJson,
} from './fhir-view.ts';
