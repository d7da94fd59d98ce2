/**
 * What identity needs from the layers beside it, as interfaces: field encryption for personal
 * data of staff (names, HR data, TOTP secrets) and an audit sink for logins and admin actions.
 */

/** Encrypts staff personal data at rest; `context` is bound as associated data. */
export interface FieldSealer {
  seal(tenantId: string, plaintext: Buffer, context: string): Promise<Buffer>;
  open(tenantId: string, ciphertext: Buffer, context: string): Promise<Buffer>;
  /** Keyed, per-tenant exact-match index of a normalised value (e.g. national ID, phone). */
  blindIndex(tenantId: string, kind: string, value: string): Promise<Buffer | undefined>;
}

/** An audit event about identity: logins, failures, MFA changes, account administration. */
export interface IdentityAuditEvent {
  tenantId: string;
  kind: 'login' | 'login-failed' | 'logout' | 'mfa-change' | 'admin';
  action: string;
  actorId: string | null;
  targetId?: string | null;
  outcome: 'success' | 'failure';
  reason?: string;
  address?: string | null;
  workstationId?: string | null;
  details?: Record<string, string | number | boolean | null>;
}

/** Writes identity events to the ledger; must throw when the write fails (fail closed). */
export interface AuditSink {
  record(event: IdentityAuditEvent): Promise<void>;
}
