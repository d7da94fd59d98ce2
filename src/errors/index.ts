/**
 * Typed errors with stable codes. The HTTP layer maps every CustosError to an RFC 9457
 * problem+json body; the CLI prints `code: message` and exits non-zero. Messages must never
 * contain personal data (names, ID numbers, phones, addresses, diagnoses).
 */

/** Stable error codes, grouped by module. Never rename one: integrators match on them. */
export const ErrorCode = {
  ConfigInvalid: 'CUSTOS_CONFIG_INVALID',
  StoreUnavailable: 'CUSTOS_STORE_UNAVAILABLE',
  StoreVersionTooNew: 'CUSTOS_STORE_VERSION_TOO_NEW',
  StoreDamaged: 'CUSTOS_STORE_DAMAGED',
  BadRequest: 'CUSTOS_BAD_REQUEST',
  NotFound: 'CUSTOS_NOT_FOUND',
  Conflict: 'CUSTOS_CONFLICT',
  Unauthenticated: 'CUSTOS_UNAUTHENTICATED',
  MfaRequired: 'CUSTOS_MFA_REQUIRED',
  AccountLocked: 'CUSTOS_ACCOUNT_LOCKED',
  Forbidden: 'CUSTOS_FORBIDDEN',
  AccessDenied: 'CUSTOS_ACCESS_DENIED',
  LedgerUnavailable: 'CUSTOS_LEDGER_UNAVAILABLE',
  LedgerInvalid: 'CUSTOS_LEDGER_INVALID',
  CryptoFailure: 'CUSTOS_CRYPTO_FAILURE',
  KeyUnavailable: 'CUSTOS_KEY_UNAVAILABLE',
  RateLimited: 'CUSTOS_RATE_LIMITED',
  SetupClosed: 'CUSTOS_SETUP_CLOSED',
  InputInvalid: 'CUSTOS_INPUT_INVALID',
  MessageGatewayUnavailable: 'CUSTOS_MESSAGE_GATEWAY_UNAVAILABLE',
  Internal: 'CUSTOS_INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const statusOf: Record<ErrorCode, number> = {
  CUSTOS_CONFIG_INVALID: 500,
  CUSTOS_STORE_UNAVAILABLE: 503,
  CUSTOS_STORE_VERSION_TOO_NEW: 500,
  CUSTOS_STORE_DAMAGED: 500,
  CUSTOS_BAD_REQUEST: 400,
  CUSTOS_NOT_FOUND: 404,
  CUSTOS_CONFLICT: 409,
  CUSTOS_UNAUTHENTICATED: 401,
  CUSTOS_MFA_REQUIRED: 401,
  CUSTOS_ACCOUNT_LOCKED: 423,
  CUSTOS_FORBIDDEN: 403,
  CUSTOS_ACCESS_DENIED: 403,
  CUSTOS_LEDGER_UNAVAILABLE: 503,
  CUSTOS_LEDGER_INVALID: 500,
  CUSTOS_CRYPTO_FAILURE: 500,
  CUSTOS_KEY_UNAVAILABLE: 503,
  CUSTOS_RATE_LIMITED: 429,
  CUSTOS_SETUP_CLOSED: 410,
  CUSTOS_INPUT_INVALID: 422,
  CUSTOS_MESSAGE_GATEWAY_UNAVAILABLE: 503,
  CUSTOS_INTERNAL: 500,
};

/** An expected failure with a stable code; `detail` is safe to show to the caller. */
export class CustosError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Extra machine-readable members for the problem body (never personal data). */
  readonly extra: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.name = 'CustosError';
    this.code = code;
    this.status = statusOf[code];
    this.extra = extra;
  }
}

/** True when `e` is a CustosError carrying `code` (or any code when omitted). */
export function isCustosError(e: unknown, code?: ErrorCode): e is CustosError {
  return e instanceof CustosError && (code === undefined || e.code === code);
}
