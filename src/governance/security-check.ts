/**
 * `custos security check`: what an attacker would try first (incidents 4 and 7: initial
 * passwords, forgotten accounts, contracts without end). Lists default or weak passwords,
 * accounts without MFA where it is required, never-used accounts that have a password, dormant
 * accounts, clients without expiry or with over-broad contracts, and keys due for rotation.
 * Findings name ids and codes, never personal data. Any `critical` finding fails the check.
 *
 * Reads the identity tables directly (read-only): password hashes and last sign-ins are not
 * part of the identity module's service surface.
 */
import { verify } from '@node-rs/argon2';
import type { Kysely } from 'kysely';
import type { Keyring } from '../crypto/index.ts';
import type { IdentityTables } from '../identity/index.ts';
import { CATEGORY_GROUPS } from '../policy/index.ts';
import type { ClientStore } from './clients.ts';
import { contractStateAt, type ContractStore } from './contracts.ts';
import type { TokenAuthority } from './tokens.ts';
import { PatientScope, type SecurityFinding, type Severity } from './types.ts';

/**
 * Initial and default passwords seen in breaches and on vendor systems (incident 4: cloud image
 * storage on its initial password). Accounts are also tried with their user name and staff
 * number, and variants of them.
 */
export const DEFAULT_PASSWORDS: readonly string[] = [
  '123456',
  'password',
  'admin',
  'admin123',
  '12345678',
  'Password@123',
  'Admin@123456',
  'P@ssw0rd1234',
  'Changeme@123',
  'Welcome@2024',
  'Welcome@2025',
  'Hospital@123',
  'qwertyuiop12',
  '123456789012',
  'Custos@12345',
];

/** Settings of the check. */
export interface SecurityCheckOptions {
  /** Accounts without a sign-in for this many days are dormant (default 90). */
  dormantDays: number;
  /** Never-used accounts older than this many days are reported (default 14). */
  unusedGraceDays: number;
  /** A key-encryption key older than this is due for rotation (default 365). */
  kekMaxAgeDays: number;
  /** A token signing key older than this is due for rotation (default 90). */
  tokenKeyMaxAgeDays: number;
  /** A client secret older than this is due for rotation (default 365). */
  clientSecretMaxAgeDays: number;
  /** Contracts valid for longer than this are reported (default 3 years). */
  maxContractDays: number;
  /** Try default passwords: `all` candidates, `quick` (user-name based and the first six), or `off`. */
  passwordProbe: 'all' | 'quick' | 'off';
}

/** Default thresholds. */
export const DEFAULT_SECURITY_CHECK: Readonly<SecurityCheckOptions> = Object.freeze({
  dormantDays: 90,
  unusedGraceDays: 14,
  kekMaxAgeDays: 365,
  tokenKeyMaxAgeDays: 90,
  clientSecretMaxAgeDays: 365,
  maxContractDays: 3 * 365,
  passwordProbe: 'quick',
});

/** Roles whose accounts are critical when weak: they see or change everything about access. */
const PRIVILEGED = new Set(['privacy-officer', 'administrator', 'vendor-engineer']);
const DAY = 86_400_000;

/** The result of the check. */
export interface SecurityReport {
  checkedAt: string;
  findings: SecurityFinding[];
  counts: Record<Severity, number>;
  /** True when there is no critical finding. */
  passed: boolean;
}

/** What the check reads. */
export interface SecurityCheckDeps {
  identityDb: Kysely<IdentityTables>;
  keyring: Keyring;
  contracts: ContractStore;
  clients: ClientStore;
  tokens: TokenAuthority;
  now: () => Date;
}

async function isDefaultPassword(hash: string, candidates: readonly string[]): Promise<boolean> {
  for (const c of candidates) {
    if (await verify(hash, c).catch(() => false)) return true;
  }
  return false;
}

/** Run every check for a tenant. */
export async function runSecurityCheck(
  deps: SecurityCheckDeps,
  tenant: string,
  options: Partial<SecurityCheckOptions> = {},
): Promise<SecurityReport> {
  const o = { ...DEFAULT_SECURITY_CHECK, ...options };
  const now = deps.now();
  const findings: SecurityFinding[] = [];
  const add = (severity: Severity, code: string, subject: string, message: string): void => {
    findings.push({ severity, code, subject, message });
  };

  // ---- staff accounts -------------------------------------------------------------------
  const staff = await deps.identityDb
    .selectFrom('staff')
    .select([
      'id',
      'username',
      'staff_number',
      'roles',
      'status',
      'password_hash',
      'totp_sealed',
      'mfa_required',
      'created_at',
    ])
    .where('tenant_id', '=', tenant)
    .execute();
  const lastSeen = new Map<string, Date>();
  const sessions = await deps.identityDb
    .selectFrom('staff_session')
    .select(['staff_id', (eb) => eb.fn.max('last_seen_at').as('last')])
    .where('tenant_id', '=', tenant)
    .groupBy('staff_id')
    .execute();
  for (const s of sessions) if (s.last) lastSeen.set(s.staff_id, new Date(s.last as Date));
  for (const s of staff) {
    if (s.status !== 'active') {
      if (s.password_hash)
        add(
          'warning',
          'INACTIVE_ACCOUNT_HAS_PASSWORD',
          `staff:${s.id}`,
          `a ${s.status} account still has a password`,
        );
      continue;
    }
    const roles = (Array.isArray(s.roles) ? s.roles : JSON.parse(String(s.roles))) as string[];
    const privileged = roles.some((r) => PRIVILEGED.has(r));
    const subject = `staff:${s.id}`;
    if (s.mfa_required && !s.totp_sealed)
      add(
        privileged ? 'critical' : 'warning',
        'MFA_NOT_ENROLLED',
        subject,
        'multi-factor sign-in is required for this role and not enrolled',
      );
    if (!s.password_hash) continue;
    const seen = lastSeen.get(s.id);
    const created = new Date(s.created_at);
    if (!seen && now.getTime() - created.getTime() > o.unusedGraceDays * DAY)
      add(
        privileged ? 'critical' : 'warning',
        'NEVER_USED_ACCOUNT',
        subject,
        `an account with a password that never signed in (created ${Math.floor((now.getTime() - created.getTime()) / DAY)} days ago)`,
      );
    if (seen && now.getTime() - seen.getTime() > o.dormantDays * DAY)
      add(
        privileged ? 'critical' : 'warning',
        'DORMANT_ACCOUNT',
        subject,
        `no sign-in for ${Math.floor((now.getTime() - seen.getTime()) / DAY)} days (limit ${o.dormantDays})`,
      );
    if (o.passwordProbe !== 'off') {
      const own = [
        s.username,
        `${s.username}123`,
        `${s.username}@123`,
        s.staff_number,
        `${s.username}@123456`,
      ];
      const list =
        o.passwordProbe === 'all'
          ? [...own, ...DEFAULT_PASSWORDS]
          : [...own, ...DEFAULT_PASSWORDS.slice(0, 6)];
      if (await isDefaultPassword(s.password_hash, list))
        add(
          'critical',
          'DEFAULT_PASSWORD',
          subject,
          'the password is a default or derived from the user name',
        );
    }
  }

  // ---- contracts and clients ------------------------------------------------------------
  const contracts = await deps.contracts.list(tenant);
  const byId = new Map(contracts.map((c) => [c.id, c]));
  const broad = new Set<string>([
    ...CATEGORY_GROUPS['@clinical']!,
    ...CATEGORY_GROUPS['@sensitive']!,
  ]);
  for (const c of contracts) {
    const state = contractStateAt(c, now);
    if (state === 'terminated' || state === 'expired') continue;
    const subject = `contract:${c.id}`;
    if (c.validUntil === null)
      add('critical', 'CONTRACT_WITHOUT_EXPIRY', subject, 'the contract has no end date');
    else if (Date.parse(c.validUntil) - Date.parse(c.validFrom) > o.maxContractDays * DAY)
      add(
        'warning',
        'CONTRACT_TOO_LONG',
        subject,
        `the contract runs longer than ${o.maxContractDays} days`,
      );
    if (c.networks.some((n) => n.endsWith('/0')))
      add(
        'critical',
        'CONTRACT_ANY_NETWORK',
        subject,
        'the contract allows calls from any network',
      );
    const sensitive = c.fields.filter((f) => broad.has(f));
    if (c.patientScope === PatientScope.All && sensitive.length > 0)
      add(
        'critical',
        'CONTRACT_OVER_BROAD',
        subject,
        `clinical or sensitive fields (${sensitive.length}) for every patient, not only ordered or consented ones`,
      );
    else if (c.patientScope === PatientScope.All)
      add('warning', 'CONTRACT_ALL_PATIENTS', subject, 'the contract covers every patient');
    if (sensitive.length >= broad.size / 2)
      add(
        'warning',
        'CONTRACT_MANY_FIELDS',
        subject,
        `the contract allows ${sensitive.length} clinical or sensitive fields`,
      );
  }
  for (const cl of await deps.clients.list(tenant)) {
    if (cl.status === 'revoked') continue;
    const subject = `client:${cl.id}`;
    const c = byId.get(cl.contractId);
    if (!c) {
      add('critical', 'CLIENT_WITHOUT_CONTRACT', subject, 'an active client has no contract');
      continue;
    }
    const state = contractStateAt(c, now);
    if (state === 'expired' || state === 'terminated')
      add(
        'warning',
        'CLIENT_CONTRACT_ENDED',
        subject,
        `the client is active but its contract is ${state}: revoke it`,
      );
    else if (c.validUntil === null)
      add('critical', 'CLIENT_WITHOUT_EXPIRY', subject, 'the client works without an end date');
    if (
      cl.authMethod === 'client_secret_basic' &&
      now.getTime() - Date.parse(cl.secretRotatedAt) > o.clientSecretMaxAgeDays * DAY
    )
      add(
        'warning',
        'CLIENT_SECRET_OLD',
        subject,
        `the client secret is older than ${o.clientSecretMaxAgeDays} days`,
      );
  }

  // ---- keys ------------------------------------------------------------------------------
  const kek = deps.keyring.activeKek();
  const kekAge = (now.getTime() - Date.parse(kek.createdAt)) / DAY;
  if (kekAge > 2 * o.kekMaxAgeDays)
    add(
      'critical',
      'KEK_ROTATION_OVERDUE',
      `key:${kek.id}`,
      `the key-encryption key is ${Math.floor(kekAge)} days old`,
    );
  else if (kekAge > o.kekMaxAgeDays)
    add(
      'warning',
      'KEK_ROTATION_DUE',
      `key:${kek.id}`,
      `the key-encryption key is ${Math.floor(kekAge)} days old`,
    );
  for (const k of await deps.tokens.listKeys(tenant)) {
    if (!k.active) continue;
    const age = (now.getTime() - k.createdAt.getTime()) / DAY;
    if (age > o.tokenKeyMaxAgeDays)
      add(
        'warning',
        'TOKEN_KEY_ROTATION_DUE',
        `key:${k.kid}`,
        `the token signing key is ${Math.floor(age)} days old`,
      );
  }

  const order: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };
  findings.sort(
    (a, b) =>
      order[a.severity] - order[b.severity] ||
      a.code.localeCompare(b.code) ||
      a.subject.localeCompare(b.subject),
  );
  const counts: Record<Severity, number> = { critical: 0, warning: 0, info: 0 };
  for (const f of findings) counts[f.severity]++;
  return { checkedAt: now.toISOString(), findings, counts, passed: counts.critical === 0 };
}
