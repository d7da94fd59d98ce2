/**
 * Shapes of the disclosure path: what a caller hands in (who, where, why), what comes back (the
 * masked record with its watermark), and the tenant settings of the path.
 */
import type { Staff } from '../identity/index.ts';
import type { MaskableRecord, MaskingConfig, MaskingLocale } from '../masking/index.ts';
import type {
  BreakGlassReasonCode,
  Category,
  Channel,
  Field,
  Purpose,
  SensitiveCategory,
} from '../policy/index.ts';
import type { ScreenMarkSpec, VisibleWatermarkSpec } from '../watermark/index.ts';

/**
 * One request on the disclosure path, as the caller knows it: the signed-in staff member, the
 * declared workstation and the network address, the declared purpose of use. Everything else
 * (roles, training, workstation facts, network zone, break-the-glass grant) is looked up.
 */
export interface AccessRequest {
  tenant: string;
  /** The signed-in staff member (from the session, never from the request body). */
  staff: Staff;
  /** Declared workstation id (header `x-custos-workstation` or the session's). */
  workstationId?: string | null;
  /** Network address the request came from. */
  address?: string | null;
  /** Declared purpose of use; validated (unknown → CUSTOS_BAD_REQUEST). */
  purpose: string | undefined;
  /** Approval, court order or request number some purposes require. */
  reference?: string;
}

/** What the console needs to draw the visible watermark and what every export embeds. */
export interface DisclosureMark {
  /** The watermark token of the ledger entry, `XXXX-XXXX-XXXX-XXXX`. */
  token: string;
  /** Visible watermark (staff name, staff number, time, short code) for the console to tile. */
  visible: VisibleWatermarkSpec;
  /**
   * Screen watermark: the keyed tile the console draws faintly under the visible one, so that a
   * phone photo of the monitor names the disclosure (docs/watermark.md, Screen watermark).
   */
  screen: ScreenMarkSpec;
}

/** The decision as it is shown with a disclosure (no patient data). */
export interface DisclosedDecision {
  policyVersion: string;
  /** Policy ids that permitted or restricted the access. */
  policies: string[];
  /** Relationship kinds that were used. */
  relationships: string[];
  breakGlassUsed: boolean;
  deidentify: boolean;
}

/** A disclosed, masked record. */
export interface DisclosedRecord {
  patientId: string;
  /** The record in the field vocabulary (`demographics`, `contact`, `diagnosis` …), masked. */
  record: MaskableRecord;
  /** Fields the decision allowed (and that were read). */
  fields: Field[];
  /** Sensitive categories shown. */
  sensitiveCategories: SensitiveCategory[];
  /** Fields or categories withheld by a restriction. */
  withheld: Category[];
  /** Resources left out because they carry a sensitive category that was not allowed. */
  resourcesWithheld: number;
  purpose: Purpose;
  channel: Channel;
  maskingProfile: string;
  decision: DisclosedDecision;
  /** Sequence number of the ledger entry committed before the data was read. */
  ledgerSeq: number;
  mark: DisclosureMark;
  /** The active break-the-glass grant that opened the record, if any. */
  breakGlass?: { grantId: string; expiresAt: string };
}

/** Search criteria (each exact, through blind indexes). */
export interface PatientSearchQuery {
  name?: string;
  phone?: string;
  idNumber?: string;
  mrn?: string;
}

/** A masked search candidate: only what is needed to pick the right patient. */
export interface SearchCandidate {
  patientId: string;
  /** Masked name (张*丰). */
  name?: string;
  sex?: string;
  birthYear?: string;
  /** Last characters of the ID number only (************1234). */
  idNumberTail?: string;
  mrn?: string;
}

/** The answer of a search. */
export interface PatientSearchResult {
  candidates: SearchCandidate[];
  /** More patients matched than are shown: narrow the search. */
  truncated: boolean;
  ledgerSeq: number;
  mark: DisclosureMark;
}

/** A declaration of break-the-glass (紧急访问（破窗）). */
export interface BreakGlassDeclaration {
  reasonCode: BreakGlassReasonCode;
  /** 10–1000 characters, shown to the reviewer. */
  reasonText: string;
}

/** Review state of a break-the-glass grant. */
export const GrantReview = {
  Pending: 'pending',
  Approved: 'approved',
  Flagged: 'flagged',
} as const;
/** One review state. */
export type GrantReview = (typeof GrantReview)[keyof typeof GrantReview];

/** A stored break-the-glass grant with its review and notification state. */
export interface StoredGrant {
  grantId: string;
  staffId: string;
  patientId: string;
  reasonCode: BreakGlassReasonCode;
  reasonText: string;
  grantedAt: string;
  expiresAt: string;
  workstationId: string | null;
  ledgerSeq: number | null;
  review: GrantReview;
  reviewedBy: string | null;
  reviewedAt: string | null;
  reviewNote: string | null;
  patientNotifiedAt: string | null;
}

/** Tenant settings of the disclosure path. */
export interface AccessSettings {
  /** Privacy training counts as current for this many days after completion. */
  trainingValidityDays: number;
  /** Networks inside the hospital (IPv4 CIDR). */
  internalNetworks: string[];
  /** Remote-access VPN networks (checked before the internal ones). */
  vpnNetworks: string[];
  /** Most candidates a search returns. */
  searchLimit: number;
  /** Time zone of the visible watermark's time. */
  timeZone: string;
  /** Masking configuration (tenant overrides) and locale. */
  masking: MaskingConfig;
  locale: MaskingLocale;
}

/** Default settings: RFC 1918 and loopback are internal, no VPN range, 20 candidates. */
export const DEFAULT_ACCESS_SETTINGS: Readonly<AccessSettings> = Object.freeze({
  trainingValidityDays: 365,
  internalNetworks: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '127.0.0.0/8'],
  vpnNetworks: [],
  searchLimit: 20,
  timeZone: 'Asia/Shanghai',
  masking: {},
  locale: 'zh',
});
