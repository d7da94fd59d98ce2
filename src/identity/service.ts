import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { CustosError, ErrorCode } from '../errors/index.ts';
import {
  EmploymentStatus,
  MFA_MANDATORY_ROLES,
  ROLES,
  type Department,
  type Role,
  type Staff,
  type StaffHrData,
  type StaffSession,
  type Workstation,
} from './model.ts';
import type { AuditSink, FieldSealer, IdentityAuditEvent } from './ports.ts';
import {
  checkPasswordStrength,
  dummyPasswordHash,
  equalDigest,
  hashBearer,
  hashPassword,
  matchTotp,
  newBearerSecret,
  newTotpSecret,
  verifyPassword,
} from './secrets.ts';

/** Timing and lockout rules of staff sign-in. */
export interface IdentitySettings {
  maxFailedLogins: number;
  lockoutMinutes: number;
  sessionIdleMinutes: number;
  sessionAbsoluteHours: number;
  setupTokenHours: number;
  issuer: string;
}

export const DEFAULT_IDENTITY_SETTINGS: IdentitySettings = {
  maxFailedLogins: 5,
  lockoutMinutes: 15,
  sessionIdleMinutes: 30,
  sessionAbsoluteHours: 12,
  setupTokenHours: 24,
  issuer: 'Custos',
};

/** What a new staff member is created with. */
export interface NewStaff {
  id?: string;
  username: string;
  staffNumber: string;
  name: string;
  roles: Role[];
  departmentId?: string | null;
  status?: EmploymentStatus;
  password?: string;
  hr?: StaffHrData;
  trainingCompletedAt?: Date | null;
}

/** The result of a password sign-in. */
export interface LoginResult {
  /** Bearer token of the new session; shown once, stored only as a hash. */
  token: string;
  session: StaffSession;
  staff: Staff;
  /** Present when the role requires MFA and none is enrolled yet: finish enrolment first. */
  enrolment?: { secret: string; uri: string };
}

/** Who performs an administrative action, for the audit entry. */
export interface Actor {
  id: string | null;
  address?: string | null;
}

interface StaffRow {
  tenant_id: string;
  id: string;
  username: string;
  staff_number: string;
  name_sealed: Buffer;
  roles: Role[];
  department_id: string | null;
  status: EmploymentStatus;
  status_changed_at: Date;
  hr_sealed: Buffer | null;
  national_id_index: Buffer | null;
  phone_index: Buffer | null;
  password_hash: string | null;
  totp_sealed: Buffer | null;
  totp_last_step: number | null;
  mfa_required: boolean;
  failed_logins: number;
  locked_until: Date | null;
  training_completed_at: Date | null;
  created_at: Date;
}

interface SessionRow {
  tenant_id: string;
  id: string;
  token_hash: Buffer;
  staff_id: string;
  created_at: Date;
  expires_at: Date;
  last_seen_at: Date;
  revoked_at: Date | null;
  mfa_verified: boolean;
  enrolment_pending: boolean;
  workstation_id: string | null;
  address: string | null;
}

/** Tables owned by identity. */
export interface IdentityTables {
  tenant: { tenant_id: string; name: string; crypto_suite: string; created_at: Date };
  department: { tenant_id: string; id: string; kind: string; name_zh: string; name_en: string };
  staff: StaffRow;
  workstation: {
    tenant_id: string;
    id: string;
    label: string;
    location: string;
    department_id: string | null;
    network: string;
    active: boolean;
  };
  staff_session: SessionRow;
  setup_token: {
    tenant_id: string;
    token_hash: Buffer;
    created_at: Date;
    expires_at: Date;
    used_at: Date | null;
  };
}

const PENDING_TOTP = 'pending:';

/**
 * Staff identity: tenants, departments, staff, workstations, password + TOTP sign-in with
 * lockout, sessions with idle and absolute expiry, and the one-time setup of the first
 * administrator. Personal data of staff is sealed; every sign-in and admin action is audited
 * before it takes effect (an audit failure fails the operation).
 */
export class IdentityService {
  readonly settings: IdentitySettings;

  constructor(
    private readonly db: Kysely<IdentityTables>,
    private readonly sealer: FieldSealer,
    private readonly audit: AuditSink,
    private readonly now: () => Date = () => new Date(),
    settings: Partial<IdentitySettings> = {},
  ) {
    this.settings = { ...DEFAULT_IDENTITY_SETTINGS, ...settings };
  }

  // ---- tenants and departments -------------------------------------------------------------

  /** Creates the tenant if missing. */
  async ensureTenant(tenantId: string, name: string, cryptoSuite = 'aes-256-gcm'): Promise<void> {
    await this.db
      .insertInto('tenant')
      .values({ tenant_id: tenantId, name, crypto_suite: cryptoSuite, created_at: this.now() })
      .onConflict((oc) => oc.column('tenant_id').doNothing())
      .execute();
  }

  /** Lists tenants (a regional platform hosts many). */
  async listTenants(): Promise<{ tenantId: string; name: string; cryptoSuite: string }[]> {
    const rows = await this.db.selectFrom('tenant').selectAll().orderBy('tenant_id').execute();
    return rows.map((r) => ({ tenantId: r.tenant_id, name: r.name, cryptoSuite: r.crypto_suite }));
  }

  /** Creates or updates departments. */
  async saveDepartments(departments: Department[], actor?: Actor): Promise<void> {
    if (departments.length === 0) return;
    if (actor) {
      await this.record({
        tenantId: departments[0]!.tenantId,
        kind: 'admin',
        action: 'department.save',
        actorId: actor.id,
        outcome: 'success',
        address: actor.address ?? null,
        details: { count: departments.length },
      });
    }
    for (const chunk of chunks(departments, 500)) {
      await this.db
        .insertInto('department')
        .values(
          chunk.map((d) => ({
            tenant_id: d.tenantId,
            id: d.id,
            kind: d.kind,
            name_zh: d.nameZh,
            name_en: d.nameEn,
          })),
        )
        .onConflict((oc) =>
          oc.columns(['tenant_id', 'id']).doUpdateSet((eb) => ({
            kind: eb.ref('excluded.kind'),
            name_zh: eb.ref('excluded.name_zh'),
            name_en: eb.ref('excluded.name_en'),
          })),
        )
        .execute();
    }
  }

  /** Departments of a tenant. */
  async listDepartments(tenantId: string): Promise<Department[]> {
    const rows = await this.db
      .selectFrom('department')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      tenantId: r.tenant_id,
      id: r.id,
      kind: r.kind as Department['kind'],
      nameZh: r.name_zh,
      nameEn: r.name_en,
    }));
  }

  // ---- staff --------------------------------------------------------------------------------

  /** Creates staff members in one transaction; returns their ids. Audited as one admin action. */
  async createStaff(tenantId: string, people: NewStaff[], actor: Actor): Promise<string[]> {
    const rows: StaffRow[] = [];
    for (const p of people) {
      validateNewStaff(p);
      if (p.password !== undefined) checkPasswordStrength(p.password, p.username);
      const id = p.id ?? randomUUID();
      const at = this.now();
      rows.push({
        tenant_id: tenantId,
        id,
        username: p.username,
        staff_number: p.staffNumber,
        name_sealed: await this.sealer.seal(
          tenantId,
          Buffer.from(p.name, 'utf8'),
          `staff|name|${id}`,
        ),
        roles: [...new Set(p.roles)],
        department_id: p.departmentId ?? null,
        status: p.status ?? EmploymentStatus.Active,
        status_changed_at: at,
        hr_sealed: p.hr
          ? await this.sealer.seal(
              tenantId,
              Buffer.from(JSON.stringify(p.hr), 'utf8'),
              `staff|hr|${id}`,
            )
          : null,
        national_id_index: p.hr?.nationalId
          ? ((await this.sealer.blindIndex(tenantId, 'national-id', p.hr.nationalId)) ?? null)
          : null,
        phone_index: p.hr?.phone
          ? ((await this.sealer.blindIndex(tenantId, 'phone', p.hr.phone)) ?? null)
          : null,
        password_hash: p.password === undefined ? null : await hashPassword(p.password),
        totp_sealed: null,
        totp_last_step: null,
        mfa_required: p.roles.some((r) => MFA_MANDATORY_ROLES.includes(r)),
        failed_logins: 0,
        locked_until: null,
        training_completed_at: p.trainingCompletedAt ?? null,
        created_at: at,
      });
    }
    await this.record({
      tenantId,
      kind: 'admin',
      action: 'staff.create',
      actorId: actor.id,
      outcome: 'success',
      address: actor.address ?? null,
      details: { count: rows.length },
    });
    try {
      await this.db.transaction().execute(async (tx) => {
        for (const chunk of chunks(rows, 300))
          await tx.insertInto('staff').values(chunk.map(toInsertable)).execute();
      });
    } catch (e) {
      if (/unique|duplicate/i.test((e as Error).message)) {
        throw new CustosError(
          ErrorCode.Conflict,
          'a staff member with this user name or staff number exists',
        );
      }
      throw e;
    }
    return rows.map((r) => r.id);
  }

  /** A staff member, or null. */
  async getStaff(tenantId: string, id: string): Promise<Staff | null> {
    const row = await this.db
      .selectFrom('staff')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? await this.toStaff(row) : null;
  }

  /** Staff of a tenant, filtered, in pages ordered by id (pass the last id as `after`). */
  async listStaff(
    tenantId: string,
    filter: {
      departmentId?: string;
      role?: Role;
      status?: EmploymentStatus;
      after?: string;
      limit?: number;
    } = {},
  ): Promise<Staff[]> {
    let q = this.db.selectFrom('staff').selectAll().where('tenant_id', '=', tenantId);
    if (filter.departmentId) q = q.where('department_id', '=', filter.departmentId);
    if (filter.status) q = q.where('status', '=', filter.status);
    if (filter.role) q = q.where(sql<boolean>`roles ? ${filter.role}`);
    if (filter.after) q = q.where('id', '>', filter.after);
    const rows = await q
      .orderBy('id')
      .limit(Math.min(filter.limit ?? 100, 1000))
      .execute();
    return Promise.all(rows.map((r) => this.toStaff(r)));
  }

  /** Decrypted HR data (home address, phone, emergency contacts, national ID) for the monitor. */
  async getStaffHr(tenantId: string, id: string): Promise<StaffHrData | null> {
    const row = await this.db
      .selectFrom('staff')
      .select(['hr_sealed'])
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row?.hr_sealed) return null;
    return JSON.parse(
      (await this.sealer.open(tenantId, row.hr_sealed, `staff|hr|${id}`)).toString('utf8'),
    ) as StaffHrData;
  }

  /** Staff members whose national ID equals `nationalId` (a staff member who is also a patient). */
  async findStaffByNationalId(tenantId: string, nationalId: string): Promise<Staff[]> {
    const ix = await this.sealer.blindIndex(tenantId, 'national-id', nationalId);
    if (!ix) return [];
    const rows = await this.db
      .selectFrom('staff')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('national_id_index', '=', ix)
      .execute();
    return Promise.all(rows.map((r) => this.toStaff(r)));
  }

  /**
   * Suspends, reinstates or marks a staff member departed. Leaving `active` revokes every
   * session at once.
   */
  async setStaffStatus(
    tenantId: string,
    id: string,
    status: EmploymentStatus,
    actor: Actor,
    reason: string,
  ): Promise<void> {
    if (!Object.values(EmploymentStatus).includes(status)) {
      throw new CustosError(ErrorCode.InputInvalid, `unknown employment status "${status}"`, {
        field: 'status',
      });
    }
    await this.requireStaffRow(tenantId, id);
    await this.record({
      tenantId,
      kind: 'admin',
      action: `staff.status.${status}`,
      actorId: actor.id,
      targetId: id,
      outcome: 'success',
      reason,
      address: actor.address ?? null,
    });
    await this.db.transaction().execute(async (tx) => {
      await tx
        .updateTable('staff')
        .set({ status, status_changed_at: this.now() })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .execute();
      if (status !== EmploymentStatus.Active) await revokeAll(tx, tenantId, id, this.now());
    });
  }

  /** Replaces the roles of a staff member (audited; MFA becomes mandatory for officer/admin roles). */
  async setStaffRoles(tenantId: string, id: string, roles: Role[], actor: Actor): Promise<void> {
    for (const r of roles)
      if (!ROLES.includes(r))
        throw new CustosError(ErrorCode.InputInvalid, `unknown role "${r}"`, { field: 'roles' });
    await this.requireStaffRow(tenantId, id);
    await this.record({
      tenantId,
      kind: 'admin',
      action: 'staff.roles',
      actorId: actor.id,
      targetId: id,
      outcome: 'success',
      details: { roles: roles.join(',') },
      address: actor.address ?? null,
    });
    await this.db
      .updateTable('staff')
      .set({
        roles: JSON.stringify([...new Set(roles)]) as unknown as Role[],
        mfa_required: roles.some((r) => MFA_MANDATORY_ROLES.includes(r)),
      })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .execute();
  }

  /** Sets a new password (audited); revokes the staff member's other sessions. */
  async setPassword(tenantId: string, id: string, password: string, actor: Actor): Promise<void> {
    const row = await this.requireStaffRow(tenantId, id);
    checkPasswordStrength(password, row.username);
    await this.record({
      tenantId,
      kind: 'admin',
      action: 'staff.password',
      actorId: actor.id,
      targetId: id,
      outcome: 'success',
      address: actor.address ?? null,
    });
    const passwordHash = await hashPassword(password);
    await this.db.transaction().execute(async (tx) => {
      await tx
        .updateTable('staff')
        .set({ password_hash: passwordHash, failed_logins: 0, locked_until: null })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .execute();
      await revokeAll(tx, tenantId, id, this.now());
    });
  }

  /** Records completion of privacy training (access may be gated on it). */
  async recordTraining(tenantId: string, id: string, at: Date, actor: Actor): Promise<void> {
    await this.requireStaffRow(tenantId, id);
    await this.record({
      tenantId,
      kind: 'admin',
      action: 'staff.training',
      actorId: actor.id,
      targetId: id,
      outcome: 'success',
      address: actor.address ?? null,
    });
    await this.db
      .updateTable('staff')
      .set({ training_completed_at: at })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .execute();
  }

  // ---- workstations -------------------------------------------------------------------------

  /** Registers or updates workstations (audited). */
  async saveWorkstations(
    tenantId: string,
    list: Omit<Workstation, 'tenantId'>[],
    actor: Actor,
  ): Promise<void> {
    if (list.length === 0) return;
    for (const w of list) parseCidr(w.network);
    await this.record({
      tenantId,
      kind: 'admin',
      action: 'workstation.save',
      actorId: actor.id,
      outcome: 'success',
      details: { count: list.length },
      address: actor.address ?? null,
    });
    for (const chunk of chunks(list, 500)) {
      await this.db
        .insertInto('workstation')
        .values(
          chunk.map((w) => ({
            tenant_id: tenantId,
            id: w.id,
            label: w.label,
            location: w.location,
            department_id: w.departmentId,
            network: w.network,
            active: w.active,
          })),
        )
        .onConflict((oc) =>
          oc.columns(['tenant_id', 'id']).doUpdateSet((eb) => ({
            label: eb.ref('excluded.label'),
            location: eb.ref('excluded.location'),
            department_id: eb.ref('excluded.department_id'),
            network: eb.ref('excluded.network'),
            active: eb.ref('excluded.active'),
          })),
        )
        .execute();
    }
  }

  /** Registered workstations of a tenant. */
  async listWorkstations(tenantId: string): Promise<Workstation[]> {
    const rows = await this.db
      .selectFrom('workstation')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      tenantId: r.tenant_id,
      id: r.id,
      label: r.label,
      location: r.location,
      departmentId: r.department_id,
      network: r.network,
      active: r.active,
    }));
  }

  /**
   * The registered, active workstation a request comes from: the declared workstation id must
   * exist and the address must fall inside its network. Null when unregistered.
   */
  async resolveWorkstation(
    tenantId: string,
    workstationId: string | null,
    address: string | null,
  ): Promise<Workstation | null> {
    if (!workstationId || !address) return null;
    const all = await this.listWorkstations(tenantId);
    const w = all.find((x) => x.id === workstationId && x.active);
    return w && addressInCidr(address, w.network) ? w : null;
  }

  // ---- sign-in ------------------------------------------------------------------------------

  /**
   * Password (+ TOTP when enrolled) sign-in. Failures count toward a lockout; every outcome is
   * audited. Staff who must use MFA and have not enrolled get a session that can only enrol.
   */
  async login(input: {
    tenantId: string;
    username: string;
    password: string;
    totp?: string;
    address?: string | null;
    workstationId?: string | null;
  }): Promise<LoginResult> {
    const { tenantId } = input;
    const now = this.now();
    const row = await this.db
      .selectFrom('staff')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('username', '=', input.username)
      .executeTakeFirst();
    const base = {
      tenantId,
      address: input.address ?? null,
      workstationId: input.workstationId ?? null,
    };
    if (!row || !row.password_hash) {
      await verifyPassword(await dummyPasswordHash(), input.password);
      await this.record({
        ...base,
        kind: 'login-failed',
        action: 'login',
        actorId: null,
        outcome: 'failure',
        reason: 'unknown-user',
      });
      throw new CustosError(ErrorCode.Unauthenticated, 'user name or password is wrong');
    }
    if (row.locked_until && row.locked_until > now) {
      await this.record({
        ...base,
        kind: 'login-failed',
        action: 'login',
        actorId: row.id,
        outcome: 'failure',
        reason: 'locked',
      });
      throw new CustosError(
        ErrorCode.AccountLocked,
        `account locked after repeated failures; try again after ${row.locked_until.toISOString()}`,
        {
          lockedUntil: row.locked_until.toISOString(),
        },
      );
    }
    const passwordOk = await verifyPassword(row.password_hash, input.password);
    if (!passwordOk) {
      await this.registerFailure(row, base, 'bad-password');
      throw new CustosError(ErrorCode.Unauthenticated, 'user name or password is wrong');
    }
    if (row.status !== EmploymentStatus.Active) {
      await this.record({
        ...base,
        kind: 'login-failed',
        action: 'login',
        actorId: row.id,
        outcome: 'failure',
        reason: `status-${row.status}`,
      });
      throw new CustosError(ErrorCode.Unauthenticated, 'this account is not active');
    }
    const enrolled =
      row.totp_sealed !== null && !(await this.openTotp(row)).startsWith(PENDING_TOTP);
    let mfaVerified = false;
    if (enrolled) {
      if (!input.totp) {
        await this.record({
          ...base,
          kind: 'login-failed',
          action: 'login',
          actorId: row.id,
          outcome: 'failure',
          reason: 'mfa-missing',
        });
        throw new CustosError(
          ErrorCode.MfaRequired,
          'a one-time code from the authenticator app is required',
        );
      }
      const step = matchTotp(await this.openTotp(row), input.totp, now);
      if (step === null || (row.totp_last_step !== null && step <= row.totp_last_step)) {
        await this.registerFailure(row, base, step === null ? 'bad-totp' : 'replayed-totp');
        throw new CustosError(
          ErrorCode.Unauthenticated,
          'the one-time code is wrong or was already used',
        );
      }
      await this.db
        .updateTable('staff')
        .set({ totp_last_step: step })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', row.id)
        .execute();
      mfaVerified = true;
    }
    const enrolmentPending = !enrolled && row.mfa_required;
    let enrolment: LoginResult['enrolment'];
    if (enrolmentPending) {
      const t = newTotpSecret(`${row.username}@${tenantId}`, this.settings.issuer);
      enrolment = t;
      await this.db
        .updateTable('staff')
        .set({ totp_sealed: await this.sealTotp(row, PENDING_TOTP + t.secret) })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', row.id)
        .execute();
    }
    await this.record({
      ...base,
      kind: 'login',
      action: 'login',
      actorId: row.id,
      outcome: 'success',
      details: { mfa: mfaVerified, enrolmentPending },
    });
    const { secret, hash } = newBearerSecret();
    const session: SessionRow = {
      tenant_id: tenantId,
      id: randomUUID(),
      token_hash: hash,
      staff_id: row.id,
      created_at: now,
      expires_at: new Date(now.getTime() + this.settings.sessionAbsoluteHours * 3600_000),
      last_seen_at: now,
      revoked_at: null,
      mfa_verified: mfaVerified || !row.mfa_required,
      enrolment_pending: enrolmentPending,
      workstation_id: input.workstationId ?? null,
      address: input.address ?? null,
    };
    await this.db.transaction().execute(async (tx) => {
      await tx
        .updateTable('staff')
        .set({ failed_logins: 0, locked_until: null })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', row.id)
        .execute();
      await tx.insertInto('staff_session').values(session).execute();
    });
    return {
      token: secret,
      session: toSession(session),
      staff: await this.toStaff(row),
      ...(enrolment ? { enrolment } : {}),
    };
  }

  /** Finishes TOTP enrolment of a session that has one pending; the session becomes full. */
  async confirmTotpEnrolment(token: string, code: string): Promise<StaffSession> {
    const { session, row } = await this.sessionRow(token, true);
    if (!session.enrolment_pending || !row.totp_sealed)
      throw new CustosError(ErrorCode.Conflict, 'no enrolment is pending for this session');
    const pending = await this.openTotp(row);
    if (!pending.startsWith(PENDING_TOTP))
      throw new CustosError(ErrorCode.Conflict, 'no enrolment is pending for this session');
    const secret = pending.slice(PENDING_TOTP.length);
    const step = matchTotp(secret, code, this.now());
    const base = {
      tenantId: row.tenant_id,
      address: session.address,
      workstationId: session.workstation_id,
    };
    if (step === null) {
      await this.record({
        ...base,
        kind: 'mfa-change',
        action: 'totp.enrol',
        actorId: row.id,
        outcome: 'failure',
        reason: 'bad-code',
      });
      throw new CustosError(
        ErrorCode.Unauthenticated,
        'the one-time code does not match; check the authenticator app',
      );
    }
    await this.record({
      ...base,
      kind: 'mfa-change',
      action: 'totp.enrol',
      actorId: row.id,
      outcome: 'success',
    });
    await this.db.transaction().execute(async (tx) => {
      await tx
        .updateTable('staff')
        .set({ totp_sealed: await this.sealTotp(row, secret), totp_last_step: step })
        .where('tenant_id', '=', row.tenant_id)
        .where('id', '=', row.id)
        .execute();
      await tx
        .updateTable('staff_session')
        .set({ enrolment_pending: false, mfa_verified: true })
        .where('tenant_id', '=', row.tenant_id)
        .where('id', '=', session.id)
        .execute();
    });
    return toSession({ ...session, enrolment_pending: false, mfa_verified: true });
  }

  /** Removes a staff member's TOTP (administrator action, audited); they enrol again at next sign-in. */
  async resetTotp(tenantId: string, id: string, actor: Actor): Promise<void> {
    await this.requireStaffRow(tenantId, id);
    await this.record({
      tenantId,
      kind: 'mfa-change',
      action: 'totp.reset',
      actorId: actor.id,
      targetId: id,
      outcome: 'success',
      address: actor.address ?? null,
    });
    await this.db.transaction().execute(async (tx) => {
      await tx
        .updateTable('staff')
        .set({ totp_sealed: null, totp_last_step: null })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .execute();
      await revokeAll(tx, tenantId, id, this.now());
    });
  }

  /**
   * The session and staff member behind a bearer token. Throws CUSTOS_UNAUTHENTICATED when the
   * token is unknown, revoked, expired, idle too long, or the staff member is no longer active;
   * CUSTOS_MFA_REQUIRED when enrolment is pending (unless `allowPendingEnrolment`).
   */
  async authenticate(
    token: string,
    opts: { allowPendingEnrolment?: boolean } = {},
  ): Promise<{ session: StaffSession; staff: Staff }> {
    const { session, row } = await this.sessionRow(token, opts.allowPendingEnrolment ?? false);
    const now = this.now();
    await this.db
      .updateTable('staff_session')
      .set({ last_seen_at: now })
      .where('tenant_id', '=', session.tenant_id)
      .where('id', '=', session.id)
      .execute();
    return {
      session: toSession({ ...session, last_seen_at: now }),
      staff: await this.toStaff(row),
    };
  }

  /** Ends one session (audited). */
  async logout(token: string): Promise<void> {
    const hash = hashBearer(token);
    const s = await this.db
      .selectFrom('staff_session')
      .selectAll()
      .where('token_hash', '=', hash)
      .executeTakeFirst();
    if (!s || s.revoked_at) return;
    await this.record({
      tenantId: s.tenant_id,
      kind: 'logout',
      action: 'logout',
      actorId: s.staff_id,
      outcome: 'success',
      address: s.address,
    });
    await this.db
      .updateTable('staff_session')
      .set({ revoked_at: this.now() })
      .where('tenant_id', '=', s.tenant_id)
      .where('id', '=', s.id)
      .execute();
  }

  /** Revokes every session of a staff member at once (containment). Returns how many. */
  async revokeSessions(
    tenantId: string,
    staffId: string,
    actor: Actor,
    reason: string,
  ): Promise<number> {
    await this.record({
      tenantId,
      kind: 'admin',
      action: 'session.revoke-all',
      actorId: actor.id,
      targetId: staffId,
      outcome: 'success',
      reason,
      address: actor.address ?? null,
    });
    return revokeAll(this.db, tenantId, staffId, this.now());
  }

  // ---- first administrator ------------------------------------------------------------------

  /** True while the tenant has no administrator: the one-time setup is open. */
  async needsSetup(tenantId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('staff')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where(sql<boolean>`roles ? 'administrator'`)
      .where('password_hash', 'is not', null)
      .executeTakeFirst();
    return row === undefined;
  }

  /**
   * Issues a one-time setup token for the first administrator (only while none exists). Older
   * unused tokens are invalidated. Returns the secret to print as a URL; it is stored hashed.
   */
  async issueSetupToken(tenantId: string): Promise<string> {
    if (!(await this.needsSetup(tenantId)))
      throw new CustosError(ErrorCode.SetupClosed, 'setup is closed: an administrator exists');
    const { secret, hash } = newBearerSecret();
    const now = this.now();
    await this.db.transaction().execute(async (tx) => {
      await tx
        .updateTable('setup_token')
        .set({ used_at: now })
        .where('tenant_id', '=', tenantId)
        .where('used_at', 'is', null)
        .execute();
      await tx
        .insertInto('setup_token')
        .values({
          tenant_id: tenantId,
          token_hash: hash,
          created_at: now,
          expires_at: new Date(now.getTime() + this.settings.setupTokenHours * 3600_000),
          used_at: null,
        })
        .execute();
    });
    return secret;
  }

  /** Creates the first administrator with a one-time setup token; MFA enrolment follows at first sign-in. */
  async completeSetup(
    tenantId: string,
    token: string,
    admin: { username: string; name: string; password: string },
    address?: string | null,
  ): Promise<Staff> {
    const hash = hashBearer(token);
    const now = this.now();
    const t = await this.db
      .selectFrom('setup_token')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('token_hash', '=', hash)
      .executeTakeFirst();
    if (!t || t.used_at || t.expires_at <= now || !equalDigest(t.token_hash, hash)) {
      await this.record({
        tenantId,
        kind: 'admin',
        action: 'setup',
        actorId: null,
        outcome: 'failure',
        reason: 'bad-token',
        address: address ?? null,
      });
      throw new CustosError(
        ErrorCode.SetupClosed,
        'this setup link is invalid, used or expired; restart the service for a new one',
      );
    }
    if (!(await this.needsSetup(tenantId)))
      throw new CustosError(ErrorCode.SetupClosed, 'setup is closed: an administrator exists');
    const [id] = await this.createStaff(
      tenantId,
      [
        {
          username: admin.username,
          staffNumber: `ADMIN-${admin.username}`,
          name: admin.name,
          roles: ['administrator'],
          password: admin.password,
          departmentId: null,
        },
      ],
      { id: null, address: address ?? null },
    );
    await this.db
      .updateTable('setup_token')
      .set({ used_at: now })
      .where('tenant_id', '=', tenantId)
      .where('token_hash', '=', hash)
      .execute();
    return (await this.getStaff(tenantId, id!))!;
  }

  // ---- internals ----------------------------------------------------------------------------

  private async sessionRow(
    token: string,
    allowPending: boolean,
  ): Promise<{ session: SessionRow; row: StaffRow }> {
    if (typeof token !== 'string' || token.length < 20 || token.length > 200) {
      throw new CustosError(ErrorCode.Unauthenticated, 'sign in first');
    }
    const hash = hashBearer(token);
    const session = await this.db
      .selectFrom('staff_session')
      .selectAll()
      .where('token_hash', '=', hash)
      .executeTakeFirst();
    const now = this.now();
    if (!session || session.revoked_at || session.expires_at <= now)
      throw new CustosError(ErrorCode.Unauthenticated, 'the session has ended; sign in again');
    if (
      now.getTime() - session.last_seen_at.getTime() >
      this.settings.sessionIdleMinutes * 60_000
    ) {
      await this.db
        .updateTable('staff_session')
        .set({ revoked_at: now })
        .where('tenant_id', '=', session.tenant_id)
        .where('id', '=', session.id)
        .execute();
      throw new CustosError(ErrorCode.Unauthenticated, 'the session timed out; sign in again');
    }
    const row = await this.requireStaffRow(session.tenant_id, session.staff_id);
    if (row.status !== EmploymentStatus.Active)
      throw new CustosError(ErrorCode.Unauthenticated, 'this account is not active');
    if (session.enrolment_pending && !allowPending)
      throw new CustosError(ErrorCode.MfaRequired, 'finish setting up the authenticator app first');
    return { session, row };
  }

  private async registerFailure(
    row: StaffRow,
    base: Pick<IdentityAuditEvent, 'tenantId' | 'address' | 'workstationId'>,
    reason: string,
  ): Promise<void> {
    const failed = row.failed_logins + 1;
    const lock = failed >= this.settings.maxFailedLogins;
    await this.record({
      ...base,
      kind: 'login-failed',
      action: 'login',
      actorId: row.id,
      outcome: 'failure',
      reason,
      details: { failures: failed, locked: lock },
    });
    await this.db
      .updateTable('staff')
      .set({
        failed_logins: lock ? 0 : failed,
        locked_until: lock
          ? new Date(this.now().getTime() + this.settings.lockoutMinutes * 60_000)
          : row.locked_until,
      })
      .where('tenant_id', '=', row.tenant_id)
      .where('id', '=', row.id)
      .execute();
  }

  private async requireStaffRow(tenantId: string, id: string): Promise<StaffRow> {
    const row = await this.db
      .selectFrom('staff')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new CustosError(ErrorCode.NotFound, 'no such staff member');
    return row;
  }

  private async openTotp(row: StaffRow): Promise<string> {
    const plain = await this.sealer.open(row.tenant_id, row.totp_sealed!, `staff|totp|${row.id}`);
    return plain.toString('utf8');
  }

  private sealTotp(row: StaffRow, value: string): Promise<Buffer> {
    return this.sealer.seal(row.tenant_id, Buffer.from(value, 'utf8'), `staff|totp|${row.id}`);
  }

  private async toStaff(r: StaffRow): Promise<Staff> {
    return {
      tenantId: r.tenant_id,
      id: r.id,
      username: r.username,
      staffNumber: r.staff_number,
      name: (await this.sealer.open(r.tenant_id, r.name_sealed, `staff|name|${r.id}`)).toString(
        'utf8',
      ),
      roles: r.roles,
      departmentId: r.department_id,
      status: r.status,
      statusChangedAt: r.status_changed_at,
      mfaEnrolled: r.totp_sealed !== null && !(await this.openTotp(r)).startsWith(PENDING_TOTP),
      mfaRequired: r.mfa_required,
      trainingCompletedAt: r.training_completed_at,
      createdAt: r.created_at,
    };
  }

  private record(e: IdentityAuditEvent): Promise<void> {
    return this.audit.record(e);
  }
}

function toInsertable(r: StaffRow) {
  return { ...r, roles: JSON.stringify(r.roles) as unknown as Role[] };
}

function toSession(s: SessionRow): StaffSession {
  return {
    tenantId: s.tenant_id,
    id: s.id,
    staffId: s.staff_id,
    createdAt: s.created_at,
    expiresAt: s.expires_at,
    lastSeenAt: s.last_seen_at,
    mfaVerified: s.mfa_verified,
    enrolmentPending: s.enrolment_pending,
    workstationId: s.workstation_id,
    address: s.address,
  };
}

async function revokeAll(
  db: Kysely<IdentityTables>,
  tenantId: string,
  staffId: string,
  now: Date,
): Promise<number> {
  const r = await db
    .updateTable('staff_session')
    .set({ revoked_at: now })
    .where('tenant_id', '=', tenantId)
    .where('staff_id', '=', staffId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows ?? 0);
}

function validateNewStaff(p: NewStaff): void {
  if (!/^[A-Za-z0-9._-]{2,64}$/.test(p.username ?? '')) {
    throw new CustosError(
      ErrorCode.InputInvalid,
      'user name: 2-64 letters, digits, dot, dash or underscore',
      { field: 'username' },
    );
  }
  if (!p.staffNumber || p.staffNumber.length > 64)
    throw new CustosError(ErrorCode.InputInvalid, 'staff number is required', {
      field: 'staffNumber',
    });
  if (!p.name || p.name.length > 200)
    throw new CustosError(ErrorCode.InputInvalid, 'name is required', { field: 'name' });
  if (!Array.isArray(p.roles) || p.roles.length === 0)
    throw new CustosError(ErrorCode.InputInvalid, 'at least one role is required', {
      field: 'roles',
    });
  for (const r of p.roles)
    if (!ROLES.includes(r))
      throw new CustosError(ErrorCode.InputInvalid, `unknown role "${r}"`, { field: 'roles' });
}

function* chunks<T>(list: T[], size: number): Generator<T[]> {
  for (let i = 0; i < list.length; i += size) yield list.slice(i, i + size);
}

/** Parses an IPv4 CIDR such as 10.1.2.0/24; throws CUSTOS_INPUT_INVALID otherwise. */
export function parseCidr(cidr: string): { base: number; bits: number } {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr ?? '');
  const octets = m?.slice(1, 5).map(Number);
  const bits = m ? Number(m[5]) : NaN;
  if (!m || octets!.some((o) => o > 255) || bits > 32) {
    throw new CustosError(
      ErrorCode.InputInvalid,
      `network must be an IPv4 CIDR such as 10.1.2.0/24, got "${cidr}"`,
      { field: 'network' },
    );
  }
  return { base: octets!.reduce((a, o) => a * 256 + o, 0), bits };
}

/** True when an IPv4 address (also IPv4-mapped IPv6) lies in the CIDR. */
export function addressInCidr(address: string, cidr: string): boolean {
  const a = address.replace(/^::ffff:/, '');
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(a);
  if (!m) return false;
  const value = m
    .slice(1, 5)
    .map(Number)
    .reduce((acc, o) => acc * 256 + o, 0);
  const { base, bits } = parseCidr(cidr);
  const size = 2 ** (32 - bits);
  return Math.floor(value / size) === Math.floor(base / size);
}
