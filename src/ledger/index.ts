/**
 * The tamper-evident access ledger: append-only, hash-chained per tenant, RFC 9162 Merkle tree
 * heads signed every N entries or T seconds, inclusion and consistency proofs, a verifier, queries,
 * and audit-log interchange (FHIR AuditEvent NDJSON and RFC 5424 syslog out; FHIR and CSV in).
 */
export { ledgerMigrations, type LedgerTables } from './migrations.ts';
export { createLedger, type Ledger, type LedgerOptions } from './ledger.ts';
export {
  EntryKind,
  ActorType,
  Decision,
  ENTRY_KINDS,
  type JsonValue,
  type LedgerEntry,
  type LedgerEntryInput,
  type AppendedEntry,
} from './types.ts';
export { encodeEntry, hashEntry, canonicalJson, ENTRY_FORMAT, GENESIS_HASH } from './canonical.ts';
export {
  createEd25519Signer,
  createEd25519Verifier,
  createSm2Signer,
  createSm2Verifier,
  createVerifier,
  createTestSigner,
  createTestSm2Signer,
  keyIdOf,
  type Signer,
} from './signer.ts';
export {
  encodeTreeHead,
  exportTreeHead,
  parseExportedHead,
  verifyTreeHeadSignature,
  EXPORTED_HEAD_FORMAT,
  type TreeHead,
} from './heads.ts';
export {
  digest,
  equal,
  hashLeaf,
  hashChildren,
  merkleRoot,
  inclusionProof,
  consistencyProof,
  verifyInclusion,
  verifyConsistency,
  EMPTY_ROOT,
  CompactRange,
  type ProofResult,
} from './merkle.ts';
export {
  verifyLedger,
  type VerifyOptions,
  type VerifyReport,
  type VerifyProblem,
} from './verify.ts';
export {
  getInclusionProof,
  getConsistencyProof,
  getTreeHead,
  getRecordedPublicKey,
  listTreeHeads,
  type InclusionProofResult,
  type ConsistencyProofResult,
} from './proofs.ts';
export {
  queryEntries,
  getPatientAccessHistory,
  streamEntries,
  type LedgerQuery,
  type LedgerPage,
  type PatientAccess,
} from './query.ts';
export { toFhirAuditEvent, fromFhirAuditEvent, FhirSystem } from './fhir.ts';
export {
  formatSyslogMessage,
  openSyslogSender,
  type SyslogTarget,
  type SyslogSender,
} from './syslog.ts';
export {
  importAuditLog,
  parseCsvMapping,
  fromCsvRecord,
  type CsvMapping,
  type CsvField,
  type ImportOptions,
  type ImportReport,
  type ImportRejection,
} from './import.ts';
export { exportFhirNdjson, exportToSyslog, type ExportRange } from './export.ts';
export { setRetention, getRetention, applyRetention, MIN_RETENTION_MONTHS } from './retention.ts';
