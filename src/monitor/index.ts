/**
 * Privacy monitoring: explains every access by a care relationship, runs detectors for snooping
 * and harvesting over the access stream, ranks and de-duplicates alerts, groups them into cases,
 * and keeps cases and sanctions (the staff privacy record) in the store.
 *
 * The detector core is pure and incremental (bounded memory per user); adapters map FHIR
 * resources and AuditEvents onto the plain input types; persistence lives in `cases.ts`.
 */
export * from './types.ts';
export {
  defaultMonitorConfig,
  resolveMonitorConfig,
  localDay,
  localHour,
  type MonitorConfig,
} from './config.ts';
export { indexFacts, findShift, type FactIndex, type FactProblems } from './facts.ts';
export { explainAccess } from './explain.ts';
export {
  createMonitor,
  runMonitor,
  explainedShare,
  isValidEvent,
  type Monitor,
  type MonitorOptions,
  type MonitorResult,
  type MonitorStats,
  type ExplainedShare,
} from './engine.ts';
export { rankAlerts, groupCases, combineScores } from './alerts.ts';
export { detectorRegistry, createDetectors } from './registry.ts';
export {
  sharedTies,
  normaliseSurname,
  type Detector,
  type DetectorFactory,
  type DetectorInput,
  type Emit,
} from './detectors/index.ts';
export { say, formatDate, type EvidenceCode } from './messages.ts';
export { monitorMigrations } from './migrations.ts';
export {
  directoryStaff,
  importRoster,
  loadShifts,
  parseRosterCsv,
  type RosterDeps,
  type RosterImportReport,
  type RosterShift,
  type RosterTables,
} from './roster.ts';
export {
  saveAlerts,
  listNewAlerts,
  openCase,
  openCasesFromCandidates,
  assignCase,
  addCaseNote,
  resolveCase,
  getCase,
  listCases,
  getPrivacyRecord,
  addSuppression,
  revokeSuppression,
  listActiveSuppressions,
  listMonitorAudit,
  applySuppressions,
  CaseStatus,
  Disposition,
  Sanction,
  type MonitorTables,
  type CaseRecord,
  type CaseEntry,
  type CaseEntryType,
  type CaseDetail,
  type StoredAlert,
  type PrivacyRecordEntry,
  type Suppression,
} from './cases.ts';
export {
  FhirFactBuilder,
  readFhirFolder,
  readAuditEvents,
  auditEventToAccess,
  purposeName,
  normalisePhone,
  DEFAULT_NATIONAL_ID_SYSTEM,
  type FhirImportOptions,
  type FhirImportReport,
  type AuditReadReport,
} from './fhir.ts';
export {
  renderHtmlReport,
  renderSvgChart,
  renderTerminalChart,
  renderTextSummary,
} from './report.ts';
export {
  demoToFacts,
  demoEventToAccess,
  demoMonitorConfig,
  DEMO_KIND_MAP,
} from './demo-adapter.ts';
export { ledgerEntryToAccess } from './ledger-adapter.ts';
export {
  buildMonitorFacts,
  runMonitorOnLedger,
  streamLedgerWindow,
  listMonitorRuns,
  startMonitorWorker,
  getMonitorDashboard,
  MONITOR_ACTOR,
  MONITOR_RESOURCE_SECTIONS,
  MAX_RUN_WINDOW_MS,
  type MonitorServiceDeps,
  type MonitorFactsReport,
  type BuiltMonitorFacts,
  type BuildFactsOptions,
  type MonitorRunStats,
  type MonitorRunOptions,
  type ShareFigure,
  type MonitorWorker,
  type MonitorWorkerOptions,
  type MonitorDashboard,
  type Counts,
} from './service.ts';
