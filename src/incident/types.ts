/**
 * Vocabulary of breach response and compliance: incident status, roles, sources, containment
 * actions, notification channels, and the stable reasons carried by this module's errors.
 * Values are stable strings: they are stored, ledgered and matched by integrators.
 */

/** Where an incident is in its life. */
export const IncidentStatus = {
  Open: 'open',
  Contained: 'contained',
  Notified: 'notified',
  Closed: 'closed',
} as const;
export type IncidentStatus = (typeof IncidentStatus)[keyof typeof IncidentStatus];

/** Severity, as the response plan grades it. */
export const Severity = {
  Low: 'low',
  Medium: 'medium',
  High: 'high',
  Critical: 'critical',
} as const;
export type Severity = (typeof Severity)[keyof typeof Severity];

/** Roles on an incident's response team (PIPL Art. 52 DPO among them). */
export const IncidentRole = {
  Lead: 'incident-lead',
  Dpo: 'dpo',
  It: 'it',
  Legal: 'legal',
} as const;
export type IncidentRole = (typeof IncidentRole)[keyof typeof IncidentRole];

/** How the incident came to be opened. */
export const IncidentSource = {
  /** A privacy-monitor case. */
  Case: 'case',
  /** A leak-trace result (watermark token decoded from a leaked copy). */
  Trace: 'trace',
  /** By hand (a report, a complaint, a regulator's letter). */
  Manual: 'manual',
} as const;
export type IncidentSource = (typeof IncidentSource)[keyof typeof IncidentSource];

/** One-step containment actions. */
export const ContainmentKind = {
  SuspendAccount: 'suspend-account',
  RevokeSessions: 'revoke-sessions',
  RevokeClient: 'revoke-client',
  ExpireExports: 'expire-exports',
  RotateKeys: 'rotate-keys',
} as const;
export type ContainmentKind = (typeof ContainmentKind)[keyof typeof ContainmentKind];

/** State of a containment action: `pending` when the capability is not available here yet. */
export const ActionStatus = { Done: 'done', Pending: 'pending' } as const;
export type ActionStatus = (typeof ActionStatus)[keyof typeof ActionStatus];

/** Forms in which a notice is generated or delivered. */
export const NoticeChannel = {
  Sms: 'sms',
  Letter: 'letter',
  Pdf: 'pdf',
  Portal: 'portal',
  Email: 'email',
  Phone: 'phone',
  Report: 'report',
} as const;
export type NoticeChannel = (typeof NoticeChannel)[keyof typeof NoticeChannel];

/** Languages of notices. */
export type NoticeLanguage = 'zh' | 'en';

/**
 * Stable reasons of this module's errors, sent as `reason` in the problem body next to the
 * CustosError code (which stays one of the shared codes).
 */
export const IncidentReason = {
  UnknownStaff: 'incident.unknown-staff',
  UnknownClient: 'incident.unknown-client',
  UnknownIncident: 'incident.unknown-incident',
  UnknownPatient: 'incident.unknown-patient',
  BadCidr: 'incident.bad-cidr',
  BadWindow: 'incident.bad-window',
  InvertedWindow: 'incident.inverted-window',
  WindowTooLong: 'incident.window-too-long',
  NoScopeTarget: 'incident.no-scope-target',
  TooManyTargets: 'incident.too-many-targets',
  BadRole: 'incident.bad-role',
  BadText: 'incident.bad-text',
  Closed: 'incident.closed',
  NoScope: 'incident.no-scope',
  BadRetention: 'incident.bad-retention',
  LegalHold: 'incident.legal-hold',
  RetentionNotDue: 'incident.retention-not-due',
  BadMedia: 'incident.bad-media',
  BadTraining: 'incident.bad-training',
  BadReview: 'incident.bad-review',
  ReviewerNotHead: 'incident.reviewer-not-head',
  KeptThreeYears: 'incident.kept-three-years',
} as const;
export type IncidentReason = (typeof IncidentReason)[keyof typeof IncidentReason];

/** Who acts on an incident: a staff member's id (and address, for the ledger). */
export interface IncidentActor {
  id: string;
  address?: string | null;
}
