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

  constructor(status: number, code: string, detail: string, field?: string) {
    super(detail);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.field = field;
  }
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
