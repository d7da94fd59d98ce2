/**
 * The encrypted record vault: FHIR R4-shaped records stored as encrypted field classes under
 * per-patient data keys, with clear non-identifying columns for the care graph, blind indexes
 * for exact lookups, classification and grading (GB/T 39725 style), key rotation,
 * re-encryption, crypto-shredding, encrypted DICOM blobs, and FHIR import.
 */
export { vaultMigrations, type VaultTables } from './schema.ts';
export {
  Vault,
  openVault,
  inTransaction,
  ensureTenant,
  setTenantSuite,
  type VaultOptions,
  type TenantSettings,
} from './vault.ts';
export {
  DataCategory,
  SensitiveCategory,
  defaultClassification,
  categoriesOfCodings,
  categoriesOfDepartment,
  collectCodings,
  classificationOf,
  fieldClassOf,
  gradeOf,
  matchesIcd10,
  type Grade,
  type FieldClass,
  type ResourceClassification,
  type SensitiveRule,
  type ClassificationConfig,
  type Coding,
} from './classification.ts';
export {
  SUPPORTED_RESOURCE_TYPES,
  isSupportedResourceType,
  validateResource,
  parseReference,
  toInstant,
  defaultIdentifierConfig,
  type FhirResource,
  type SupportedResourceType,
  type ResourceIssue,
  type IdentifierConfig,
  type ParsedReference,
} from './fhir-model.ts';
export {
  writeResources,
  readResource,
  readResources,
  readPatientRecord,
  getResourceMeta,
  readLabels,
  getPatientLabels,
  lookupByIndex,
  findPatients,
  type WriteOptions,
  type WriteResult,
  type ReadOptions,
  type PatientRecordOptions,
  type StoredResource,
  type ResourceMeta,
  type ResourceLabels,
  type PatientLabels,
  type LookupKind,
  type PatientQuery,
} from './records.ts';
export {
  CareRelationshipKind,
  getCareRelationships,
  getCareRelationshipsWithEncounters,
  getStaffDepartments,
  listAdmittedPatients,
  getPatientCareProviders,
  compareStaffAndPatient,
  findPatientsForStaff,
  type CareRelationship,
  type ClearEncounter,
  type StaffDepartment,
} from './care-graph.ts';
export {
  openDisclosedSections,
  readDisclosureFacts,
  readDisclosedSections,
  type ClearResource,
  type DisclosedResource,
  type DisclosureFacts,
  type SealedBody,
} from './disclosure-read.ts';
export {
  getKeyStatus,
  rotateKeys,
  rewrapDataKeys,
  reencryptTenant,
  shredPatient,
  shredOwner,
  listDestructionRecords,
  type KeyStatus,
  type KeyJobProgress,
  type DestructionRecord,
} from './lifecycle.ts';
export {
  putBlob,
  readBlob,
  listBlobs,
  putImagingInstance,
  findBlobByInstanceUid,
  MAX_BLOB_BYTES,
  type BlobMeta,
  type StoredBlob,
} from './blobs.ts';
export {
  importFhirBundle,
  importFhirNdjson,
  importFhirPath,
  operationOutcome,
  type FhirImportReport,
  type FhirImportOptions,
  type OperationOutcome,
  type OutcomeIssue,
} from './fhir-import.ts';
