/**
 * The console's only way to the service: same-origin fetch with the HttpOnly session cookie
 * (the console never holds the bearer token in script-readable storage). Errors arrive as
 * problem+json and become ApiError with the stable `code`, the `detail` to show and, for input
 * errors, the `field` to show it next to.
 */

/** A problem+json answer of the service. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly field: string | undefined;
  /** The whole problem body (extension members such as `reasonCode`, `breakGlassAvailable`). */
  readonly problem: Record<string, unknown>;

  constructor(
    status: number,
    code: string,
    detail: string,
    field?: string,
    problem: Record<string, unknown> = {},
  ) {
    super(detail);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.field = field;
    this.problem = problem;
  }
}

/** A query string of the defined, non-empty values (with "?"), or "" when there are none. */
export function qs(params: Record<string, string | number | undefined | null>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}

/** Calls the service; resolves to the parsed JSON body (undefined for 204). */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers:
        body === undefined
          ? { accept: 'application/json' }
          : { 'content-type': 'application/json', accept: 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiError(0, 'CUSTOS_NETWORK', 'the service cannot be reached');
  }
  return readAnswer<T>(res);
}

/**
 * Sends a file as the raw request body (the trace upload), with the given content type;
 * resolves to the parsed JSON answer.
 */
export async function apiUpload<T>(path: string, body: Blob, contentType: string): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': contentType, accept: 'application/json' },
      body,
    });
  } catch {
    throw new ApiError(0, 'CUSTOS_NETWORK', 'the service cannot be reached');
  }
  return readAnswer<T>(res);
}

/** The JSON body of an answer, or ApiError for a problem+json one. */
async function readAnswer<T>(res: Response): Promise<T> {
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!res.ok) {
    const p = (parsed ?? {}) as { code?: unknown; detail?: unknown; field?: unknown };
    throw new ApiError(
      res.status,
      typeof p.code === 'string' ? p.code : `HTTP_${res.status}`,
      typeof p.detail === 'string' ? p.detail : res.statusText || `HTTP ${res.status}`,
      typeof p.field === 'string' ? p.field : undefined,
      parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {},
    );
  }
  return parsed as T;
}

/** The error's field when it belongs to one of `fields` (so the form can show it there). */
export function fieldOf(err: unknown, fields: readonly string[]): string | undefined {
  if (!(err instanceof ApiError) || !err.field) return undefined;
  const top = err.field.split('.')[0]!;
  return fields.includes(top) ? top : undefined;
}

/** Staff roles as the service names them (policies key on these values). */
export const ROLES = [
  'physician',
  'nurse',
  'head-nurse',
  'radiology-technician',
  'pharmacist',
  'registration-clerk',
  'billing-clerk',
  'privacy-officer',
  'administrator',
  'vendor-engineer',
  'researcher',
] as const;
export type Role = (typeof ROLES)[number];

/** Employment statuses. */
export const STATUSES = ['active', 'suspended', 'departed'] as const;
export type EmploymentStatus = (typeof STATUSES)[number];

/** A staff member as the API shows it. */
export interface Staff {
  id: string;
  username: string;
  staffNumber: string;
  name: string;
  roles: Role[];
  departmentId: string | null;
  status: EmploymentStatus;
  mfaEnrolled: boolean;
  mfaRequired: boolean;
  trainingCompletedAt: string | null;
}

/** GET /api/auth/me */
export interface Me {
  staff: Staff;
  enrolmentPending: boolean;
}

/** POST /api/auth/login */
export interface LoginResult {
  token: string;
  expiresAt: string;
  mfaVerified: boolean;
  enrolmentPending: boolean;
  enrolment?: { secret: string; uri: string };
  staff: Staff;
}

/** A department of the tenant. */
export interface Department {
  id: string;
  kind: string;
  nameZh: string;
  nameEn: string;
}

/** A registered workstation. */
export interface Workstation {
  id: string;
  label: string;
  location: string;
  departmentId: string | null;
  network: string;
  active: boolean;
}

/** One page of staff. */
export interface StaffPage {
  items: Staff[];
  next: string | null;
}

/** The visible and screen watermarks served with every disclosure. */
export interface Mark {
  token: string;
  visible: import('./components/Watermark.tsx').VisibleWatermarkSpec;
  screen: import('./components/Watermark.tsx').ScreenMarkSpec;
}

/** GET /api/patients/search */
export interface SearchResult {
  candidates: {
    patientId: string;
    name?: string;
    sex?: string;
    birthYear?: string;
    idNumberTail?: string;
    mrn?: string;
  }[];
  truncated: boolean;
  ledgerSeq: number;
  mark: Mark;
}

/** GET /api/patients/:id/record */
export interface RecordResult {
  patientId: string;
  record: Record<string, unknown>;
  fields: string[];
  sensitiveCategories: string[];
  withheld: string[];
  resourcesWithheld: number;
  purpose: string;
  channel: string;
  maskingProfile: string;
  decision: {
    policyVersion: string;
    policies: string[];
    relationships: string[];
    breakGlassUsed: boolean;
    deidentify: boolean;
  };
  ledgerSeq: number;
  mark: Mark;
  breakGlass?: { grantId: string; expiresAt: string };
}

/** Reason codes a clinician may declare for break-the-glass. */
export const BREAK_GLASS_REASONS = [
  'EMERGENCY_UNCONSCIOUS',
  'EMERGENCY_LIFE_THREATENING',
  'URGENT_CARE_NO_RELATIONSHIP',
  'CONSULTATION',
  'OTHER',
] as const;

/** A break-the-glass grant (POST …/break-glass, review queue). */
export interface Grant {
  grantId: string;
  staffId: string;
  patientId: string;
  reasonCode: string;
  reasonText: string;
  grantedAt: string;
  expiresAt: string;
  workstationId: string | null;
  review: string;
  reviewedBy: string | null;
  reviewedAt: string | null;
  reviewNote: string | null;
  patientNotifiedAt: string | null;
}

/** GET /api/access/explain */
export interface Explanation {
  decision: {
    decision: string;
    fields: string[];
    sensitiveCategories: string[];
    withheld: string[];
    reasonCode?: string;
    reasonCodes: string[];
    breakGlassAvailable: boolean;
    breakGlassUsed: boolean;
    policyVersion: string;
    reasons: { policyId: string; effect: string; code?: string; category?: string }[];
    relationships: { kind: string; sourceId: string; at: string; endedAt?: string }[];
  };
  summary: { en: string; 'zh-CN': string };
  lines: { en: string[]; 'zh-CN': string[] };
}

/** One entry of the access ledger. */
export interface LedgerEntry {
  seq: number;
  recordedAt: string;
  occurredAt: string;
  kind: string;
  actorType: string;
  actorId: string;
  department: string | null;
  patientId: string | null;
  fields: string[];
  categories: string[];
  purpose: string | null;
  decision: string | null;
  reasons: string[];
  action: string | null;
  workstation: string | null;
  networkAddress: string | null;
  channel: string | null;
  watermarkToken: string | null;
  sourceSystem: string | null;
  entryHash: string;
}

/** Content type to send a file to POST /api/trace with (the service sniffs the kind too). */
export function traceContentType(file: { name: string; type: string }): string {
  const known = ['image/png', 'image/jpeg', 'application/dicom', 'text/plain'];
  if (known.includes(file.type)) return file.type;
  const ext = file.name.toLowerCase().split('.').pop() ?? '';
  if (ext === 'png') return 'image/png';
  if (ext === 'jpg' || ext === 'jpeg') return 'image/jpeg';
  if (ext === 'dcm' || ext === 'dicom') return 'application/dicom';
  if (ext === 'txt' || ext === 'text') return 'text/plain';
  return 'application/octet-stream';
}

/** One token found by POST /api/trace, with the disclosure it names (null: no ledger entry). */
export interface TraceFinding {
  token: string;
  channel: 'image-invisible' | 'dicom-invisible' | 'screen' | 'text-fingerprint';
  confidence: number;
  entry: {
    seq: number;
    occurredAt: string;
    kind: string;
    actorId: string;
    patientId: string | null;
    workstation: string | null;
    networkAddress: string | null;
    channel: string | null;
    purpose: string | null;
  } | null;
}

/** POST /api/trace */
export interface TraceResult {
  kind: 'image' | 'dicom' | 'text' | 'pdf' | 'unknown';
  tried: TraceFinding['channel'][];
  findings: TraceFinding[];
}

/** A share of staff accesses explained by a care relationship (monitor). */
export interface ShareFigure {
  total: number;
  explained: number;
  share: number;
}

/** GET /api/monitor/dashboard */
export interface MonitorDashboard {
  days: number;
  since: string;
  alerts: {
    total: number;
    byDetector: Record<string, number>;
    byKind: Record<string, number>;
    byDepartment: Record<string, number>;
    byDay: Record<string, number>;
  };
  cases: Record<string, number>;
  explained: {
    runs: number;
    overall: ShareFigure;
    byDepartment: Record<string, ShareFigure>;
    byRole: Record<string, ShareFigure>;
  };
  topUsers: {
    actorId: string;
    actorKind: string;
    department: string | null;
    role: string | null;
    alerts: number;
    maxScore: number;
  }[];
  breakGlassReviewsDue: number | null;
}

/** A sentence of evidence, in both languages. */
export interface Evidence {
  code: string;
  en: string;
  zh: string;
}

/** A monitor alert as stored. */
export interface MonitorAlert {
  id: string;
  actorId: string;
  actorKind: string;
  kind: string;
  kinds: string[];
  patientIds: string[];
  start: string;
  end: string;
  score: number;
  evidence: Evidence[];
  eventIds: string[];
  detectors: string[];
  status: string;
  caseId: string | null;
}

/** Case states. */
export const CASE_STATUSES = ['open', 'assigned', 'resolved'] as const;
/** How a case ends. */
export const DISPOSITIONS = ['false-positive', 'education', 'sanction'] as const;
/** Sanctions recorded on a staff privacy record. */
export const SANCTIONS = [
  'warning',
  'written-warning',
  'retraining',
  'access-suspension',
  'suspension',
  'dismissal',
  'referral-to-authorities',
] as const;

/** An investigation case (事件工单). */
export interface MonitorCase {
  id: string;
  actorId: string;
  actorKind: string;
  status: (typeof CASE_STATUSES)[number];
  score: number;
  kinds: string[];
  patientIds: string[];
  start: string;
  end: string;
  assignee: string | null;
  openedBy: string;
  openedAt: string;
  disposition: (typeof DISPOSITIONS)[number] | null;
  resolvedBy: string | null;
  resolvedAt: string | null;
}

/** GET /api/monitor/cases/:id */
export interface CaseDetail {
  case: MonitorCase;
  alerts: MonitorAlert[];
  timeline: {
    seq: number;
    at: string;
    by: string;
    type:
      | 'opened'
      | 'evidence'
      | 'assigned'
      | 'note'
      | 'resolved'
      | 'sanction'
      | 'escalated'
      | 'reopened';
    body: Record<string, unknown>;
  }[];
}

/** POST /api/monitor/run */
export interface MonitorRunStats {
  runId: string;
  from: string;
  to: string;
  events: number;
  accesses: number;
  explained: ShareFigure;
  alerts: number;
  suppressed: number;
  newAlerts: number;
  cases: number;
  caseIds: string[];
}

/** GET /api/monitor/staff/:id/privacy-record */
export interface PrivacyRecord {
  staffId: string;
  departmentId: string | null;
  roles: string[];
  status: string;
  entries: {
    id: string;
    staffId: string;
    caseId: string;
    kind: 'education' | 'sanction';
    sanction: string | null;
    note: string;
    escalatedTo: string | null;
    recordedBy: string;
    recordedAt: string;
  }[];
}
