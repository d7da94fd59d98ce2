/**
 * Shapes of the patient portal: its tables, the tenant settings, and what the portal shows
 * (access history lines, notifications, restrictions, reports). Values are stable strings.
 */

/** Row types of the portal's tables (see migrations.ts). */
export interface PortalTables {
  portal_challenge: {
    tenant_id: string;
    id: string;
    phone_key: Buffer;
    patient_ids: string;
    code_hash: Buffer;
    created_at: Date;
    expires_at: Date;
    attempts: number;
    closed_at: Date | null;
  };
  portal_throttle: {
    tenant_id: string;
    key: string;
    window_start: Date;
    requests: number;
    failures: number;
    locked_until: Date | null;
  };
  portal_session: {
    tenant_id: string;
    id: string;
    token_hash: Buffer;
    patient_id: string;
    created_at: Date;
    expires_at: Date;
    last_seen_at: Date;
    revoked_at: Date | null;
    address: string | null;
  };
  portal_settings: { tenant_id: string; settings: string; updated_at: Date };
  portal_preference: {
    tenant_id: string;
    patient_id: string;
    channel: string;
    locale: string;
    updated_at: Date;
  };
  portal_notification: {
    tenant_id: string;
    id: string;
    patient_id: string;
    kind: string;
    entry_seq: number | string;
    subject: string;
    created_at: Date;
    status: string;
    channel: string | null;
    attempts: number;
    next_attempt_at: Date;
    sent_at: Date | null;
    last_error: string | null;
    read_at: Date | null;
  };
  portal_notify_cursor: { tenant_id: string; last_seq: number | string; updated_at: Date };
  portal_org_seen: {
    tenant_id: string;
    patient_id: string;
    org_key: string;
    first_seq: number | string;
    first_at: Date;
  };
  portal_report: {
    tenant_id: string;
    id: string;
    patient_id: string;
    entry_seq: number | string;
    text_sealed: Buffer;
    case_id: string;
    created_at: Date;
  };
}

/** Languages of the portal, its notices and its downloads. */
export const PortalLocale = { Zh: 'zh-CN', En: 'en' } as const;
export type PortalLocale = (typeof PortalLocale)[keyof typeof PortalLocale];

/** How a patient wants to be told: by SMS, by e-mail, or only inside the portal. */
export const NotifyChannel = { Sms: 'sms', Email: 'email', Portal: 'portal' } as const;
export type NotifyChannel = (typeof NotifyChannel)[keyof typeof NotifyChannel];
export const NOTIFY_CHANNELS: readonly NotifyChannel[] = Object.values(NotifyChannel);

/** Why a patient is told about an access. */
export const NotificationKind = {
  /** Someone broke the glass (紧急访问) on the record. */
  BreakGlass: 'break-glass',
  /** An organisation or third party opened the record for the first time. */
  NewOrganisation: 'new-organisation',
  /** A section the patient restricted was shown (to the care team or in an emergency). */
  RestrictedAccess: 'restricted-access',
} as const;
export type NotificationKind = (typeof NotificationKind)[keyof typeof NotificationKind];

/** How an access reached the data, as the patient reads it. */
export const AccessChannel = {
  Screen: 'screen',
  Print: 'print',
  Export: 'export',
  ThirdParty: 'third-party',
  Search: 'search',
  Other: 'other',
} as const;
export type AccessChannel = (typeof AccessChannel)[keyof typeof AccessChannel];
export const ACCESS_CHANNELS: readonly AccessChannel[] = Object.values(AccessChannel);

/** Tenant settings of the portal. */
export interface PortalSettings {
  /** Show the staff member's name and role; false shows only the organisation and department. */
  showStaffNames: boolean;
  /** One-time code lifetime, minutes. */
  codeMinutes: number;
  /** Wrong answers (code or ID number) per code before it is closed. */
  maxCodeAttempts: number;
  /** Codes one phone may request per throttle window. */
  maxCodesPerWindow: number;
  /** Wrong answers per phone per throttle window before the phone is locked. */
  maxFailuresPerWindow: number;
  /** Throttle window, minutes. */
  windowMinutes: number;
  /** Lockout of a phone after too many wrong answers, minutes. */
  lockoutMinutes: number;
  /** Session idle timeout, minutes. */
  sessionIdleMinutes: number;
  /** Session absolute lifetime, minutes. */
  sessionMaxMinutes: number;
  /** Accesses older than this (days) when first scanned are recorded silently, never notified. */
  notifyWindowDays: number;
  /** Default notification channel of patients who chose none. */
  defaultChannel: NotifyChannel;
  /** Name of the organisation shown instead of staff names (default: the tenant id). */
  organisationName?: string;
}

/** Defaults of the portal settings. */
export const DEFAULT_PORTAL_SETTINGS: PortalSettings = {
  showStaffNames: true,
  codeMinutes: 5,
  maxCodeAttempts: 5,
  maxCodesPerWindow: 3,
  maxFailuresPerWindow: 10,
  windowMinutes: 15,
  lockoutMinutes: 60,
  sessionIdleMinutes: 15,
  sessionMaxMinutes: 120,
  notifyWindowDays: 30,
  defaultChannel: NotifyChannel.Sms,
};

/** A signed-in patient. */
export interface PatientSession {
  tenant: string;
  sessionId: string;
  patientId: string;
  expiresAt: Date;
}

/** One line of the patient's access history, as the portal shows it. */
export interface AccessLine {
  /** Ledger sequence number: the reference for reports and proofs. */
  seq: number;
  at: string;
  kind: string;
  /** `staff`, `client` (third-party system), `system` (Custos itself) or `patient` (you). */
  actorType: string;
  /** Opaque reference of who acted (to block them); null when the tenant hides staff names. */
  actorRef: string | null;
  /** Staff member's name, or null when hidden by the tenant setting or unknown. */
  name: string | null;
  /** Roles (e.g. `physician`), empty when hidden. */
  roles: string[];
  /** The organisation (hospital, vendor or third party). */
  organisation: string;
  departmentId: string | null;
  department: string | null;
  purpose: string | null;
  /** The reasons as codes (e.g. `care-team`, `EMERGENCY_UNCONSCIOUS`). */
  reasons: string[];
  /** The reason in words (localised). */
  reasonText: string;
  channel: AccessChannel;
  decision: string | null;
  breakGlass: boolean;
  fields: string[];
  categories: string[];
  /** Case of the patient's report on this access, if any. */
  reportId: string | null;
}

/** Filters of the history. */
export interface HistoryFilter {
  from?: Date;
  to?: Date;
  channel?: AccessChannel;
  breakGlassOnly?: boolean;
  /** Include the patient's own portal activity (default false). */
  includeOwn?: boolean;
  limit?: number;
  cursor?: string;
  locale?: PortalLocale;
}

/** A page of history. */
export interface HistoryPage {
  accesses: AccessLine[];
  nextCursor: string | null;
}

/** The patient's restrictions as the portal edits them (stored as FHIR Consent). */
export interface PatientRestrictions {
  /** Sensitive sections hidden from everyone but the direct care team. */
  hiddenSections: string[];
  /** Staff barred from the record (even in break-the-glass where the tenant allows). */
  blockedStaff: { ref: string; name: string | null }[];
  researchOptOut: boolean;
}

/** A notification as the patient sees it. */
export interface PatientNotification {
  id: string;
  kind: NotificationKind;
  seq: number;
  at: string;
  text: string;
  status: string;
  channel: string | null;
  read: boolean;
}

/** A report of suspicious access, with the case's progress. */
export interface PatientReport {
  id: string;
  seq: number;
  createdAt: string;
  caseId: string;
  /** The case status: `open`, `assigned` (being investigated), `resolved`. */
  status: string;
  statusText: string;
  /** `pending`, `justified`, `education`, `sanction`. */
  outcome: string;
  outcomeText: string;
  resolvedAt: string | null;
  /** The patient's own words. */
  text: string;
}
