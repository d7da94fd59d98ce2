/**
 * The patient portal (患者门户): patients sign in with a one-time code to their phone plus their
 * ID number, see every access to their record from the ledger (who, role, department, purpose,
 * reason, channel, break-the-glass), download it as CSV/PDF/JSON with inclusion proofs, restrict
 * sensitive sections, block named staff and opt out of research (FHIR Consent in the vault), get
 * notified of break-the-glass, new organisations and restricted-section access, and report a
 * suspicious access, which opens a case in the privacy monitor.
 */
export { portalMigrations } from './migrations.ts';
export { readPortalAssets, type PortalAsset } from './assets.ts';
export {
  PortalService,
  MAX_EXPORT_ENTRIES,
  type RestrictionChange,
  type DownloadFile,
} from './service.ts';
export {
  PatientLogin,
  normalisePatientPhone,
  type CodeChallenge,
  type PatientSignIn,
} from './login.ts';
export { SettingsStore, type PortalDeps, type BreakGlassNotices } from './context.ts';
export {
  createHttpSender,
  createLogSender,
  createMemorySender,
  GATEWAY_SIGNATURE_HEADER,
  signGatewayRequest,
  type HttpSenderOptions,
  maskRecipient,
  type MessageSender,
  type OutgoingMessage,
} from './sender.ts';
export {
  createMonitorCaseDesk,
  PATIENT_REPORT_KIND,
  type CaseDesk,
  type ReportedAccess,
} from './reports.ts';
export {
  buildConsents,
  consentIds,
  HIDEABLE_SECTIONS,
  DIRECT_CARE_TEAM,
  type StoredChoices,
} from './restrictions.ts';
export { channelOf, reasonsOf, channelNames } from './history.ts';
export { renderCsv, renderJson, renderPdf, type HistoryCopy, type ProvenLine } from './export.ts';
export type { ScanReport, DispatchReport, NotifyPreference } from './notify.ts';
export {
  AccessChannel,
  ACCESS_CHANNELS,
  DEFAULT_PORTAL_SETTINGS,
  NotificationKind,
  NotifyChannel,
  NOTIFY_CHANNELS,
  PortalLocale,
  type AccessLine,
  type HistoryFilter,
  type HistoryPage,
  type PatientNotification,
  type PatientReport,
  type PatientRestrictions,
  type PatientSession,
  type PortalSettings,
  type PortalTables,
} from './types.ts';
