/**
 * Breach response and compliance: incidents opened from a monitor case, a trace result or by
 * hand, with a response team, a timeline, scope from the ledger (patients, records, fields,
 * categories and grades an account, client, workstation, network range, watermark token or
 * export touched), one-step containment, patient and regulator notices (PIPL Art. 57) in Chinese
 * and English, impact assessments (Art. 55), processing records kept three years (Art. 56),
 * retention with crypto-shredding, legal holds and destruction certificates, training records
 * and access reviews.
 */
export { incidentMigrations, type IncidentTables } from './migrations.ts';
export {
  IncidentService,
  type IncidentDeps,
  type ContainmentPorts,
  type Incident,
  type IncidentDetail,
  type TimelineEvent,
  type ContainmentAction,
  type AffectedPatient,
  type StoredScope,
  type NotificationRecord,
  type CaseSummary,
  type OpenIncidentInput,
  type PatientNotice,
} from './service.ts';
export {
  ComplianceService,
  verifyCertificate,
  DEFAULT_RETENTION_RULES,
  COURSE_VALIDITY_DAYS,
  KEEP_YEARS,
  MEDIA_KINDS,
  MEDIA_METHODS,
  type AssessmentFacts,
  type AssessmentText,
  type ImpactAssessment,
  type RetentionRule,
  type DueRecord,
  type LegalHold,
  type DestructionCertificate,
  type TrainingRecord,
  type AccessReview,
} from './compliance.ts';
export {
  scopeAccesses,
  normaliseScopeQuery,
  type ScopeQuery,
  type ScopeResult,
  type ScopedPatient,
  type ScopeProgress,
} from './scope.ts';
export {
  classifyAccess,
  dataWords,
  DATA_KINDS,
  type Classified,
  type DataKind,
} from './classify.ts';
export {
  patientNotice,
  regulatorReport,
  possibleHarm,
  individualMeasures,
  DEFAULT_NOTICE_SETTINGS,
  type NoticeSettings,
  type NoticeIncident,
  type PatientNoticeText,
} from './notices.ts';
export { renderTextPdf, type PdfPart } from './pdf.ts';
export {
  checkWindow,
  parseCidrBlock,
  addressInBlock,
  MAX_WINDOW_MS,
  type CidrBlock,
  type TimeWindow,
} from './checks.ts';
export {
  IncidentStatus,
  IncidentRole,
  IncidentSource,
  IncidentReason,
  ContainmentKind,
  ActionStatus,
  NoticeChannel,
  Severity,
  type NoticeLanguage,
  type IncidentActor,
} from './types.ts';
