/**
 * Stable reason codes of third-party refusals. They ride in problem+json bodies as `reasonCode`
 * next to the module-wide `code` (CUSTOS_UNAUTHENTICATED, CUSTOS_ACCESS_DENIED,
 * CUSTOS_RATE_LIMITED …) and in ledger denial entries; integrators and the monitor match on them.
 */
import { CustosError, ErrorCode } from '../errors/index.ts';

/** Why a client, token, vendor or export request was refused. Never rename one. */
export const GovernanceReason = {
  TokenMissing: 'TOKEN_MISSING',
  TokenMalformed: 'TOKEN_MALFORMED',
  TokenSignatureInvalid: 'TOKEN_SIGNATURE_INVALID',
  TokenExpired: 'TOKEN_EXPIRED',
  TokenAudienceMismatch: 'TOKEN_AUDIENCE_MISMATCH',
  TokenRevoked: 'TOKEN_REVOKED',
  TokenUnknown: 'TOKEN_UNKNOWN',
  TokenBindingMismatch: 'TOKEN_BINDING_MISMATCH',
  ClientInvalid: 'CLIENT_INVALID',
  ClientRevoked: 'CLIENT_REVOKED',
  AssertionInvalid: 'ASSERTION_INVALID',
  AssertionReplayed: 'ASSERTION_REPLAYED',
  CertificateRequired: 'CERTIFICATE_REQUIRED',
  ScopeInvalid: 'SCOPE_INVALID',
  ScopeInsufficient: 'SCOPE_INSUFFICIENT',
  ContractExpired: 'CONTRACT_EXPIRED',
  ContractNotYetValid: 'CONTRACT_NOT_YET_VALID',
  ContractTerminated: 'CONTRACT_TERMINATED',
  NetworkOutsideContract: 'NETWORK_OUTSIDE_CONTRACT',
  FieldsOutsideContract: 'FIELDS_OUTSIDE_CONTRACT',
  PatientOutsideContract: 'PATIENT_OUTSIDE_CONTRACT',
  DailyQuotaExceeded: 'DAILY_QUOTA_EXCEEDED',
  RateLimited: 'CLIENT_RATE_LIMITED',
  OutsideMaintenanceWindow: 'OUTSIDE_MAINTENANCE_WINDOW',
  DualApprovalRequired: 'DUAL_APPROVAL_REQUIRED',
  SelfApproval: 'SELF_APPROVAL',
  ApproverNotOfficer: 'APPROVER_NOT_OFFICER',
  BulkExportByVendor: 'BULK_EXPORT_BY_VENDOR',
  ExportExpired: 'EXPORT_EXPIRED',
} as const;
/** One reason code. */
export type GovernanceReason = (typeof GovernanceReason)[keyof typeof GovernanceReason];

/** OAuth 2.0 error codes (RFC 6749 §5.2, RFC 6750 §3.1) carried as `error` in the problem body. */
export type OAuthError =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_token'
  | 'insufficient_scope';

/** A 401 for a client or token problem, with the reason and the OAuth error. */
export function unauthenticated(
  reason: GovernanceReason,
  message: string,
  error: OAuthError = 'invalid_token',
): CustosError {
  return new CustosError(ErrorCode.Unauthenticated, message, { reasonCode: reason, error });
}

/** A 403 for something the contract or the rules do not allow. */
export function refused(
  reason: GovernanceReason,
  message: string,
  extra: Record<string, unknown> = {},
): CustosError {
  return new CustosError(ErrorCode.AccessDenied, message, { reasonCode: reason, ...extra });
}

/** A 429 for a client over its rate or daily quota. */
export function limited(
  reason: GovernanceReason,
  message: string,
  retryAfter: number,
): CustosError {
  return new CustosError(ErrorCode.RateLimited, message, { reasonCode: reason, retryAfter });
}
