import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCustosError } from '../errors/index.ts';
import { createTestStore, type Store } from '../store/index.ts';
import {
  addressInCidr,
  currentTotp,
  identityMigrations,
  IdentityService,
  type AuditSink,
  type FieldSealer,
  type IdentityAuditEvent,
} from './index.ts';

/** AES-256-GCM sealer with a throwaway key: real encryption, so tests see real ciphertexts. */
function testSealer(): FieldSealer {
  const key = randomBytes(32);
  return {
    async seal(tenant, plaintext, context) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(`${tenant}|${context}`));
      const body = Buffer.concat([c.update(plaintext), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]);
    },
    async open(tenant, ct, context) {
      const d = createDecipheriv('aes-256-gcm', key, ct.subarray(0, 12)).setAAD(
        Buffer.from(`${tenant}|${context}`),
      );
      d.setAuthTag(ct.subarray(12, 28));
      return Buffer.concat([d.update(ct.subarray(28)), d.final()]);
    },
    async blindIndex(tenant, kind, value) {
      return createHmac('sha256', key).update(`${tenant}|${kind}|${value}`).digest();
    },
  };
}

class Clock {
  t = new Date('2026-03-01T08:00:00Z');
  now = () => new Date(this.t);
  advance(ms: number) {
    this.t = new Date(this.t.getTime() + ms);
  }
}

const T = 'h1';
const PASSWORD = 'correct horse battery staple';

describe('identity', () => {
  let store: Store;
  let events: IdentityAuditEvent[];
  let clock: Clock;
  let svc: IdentityService;
  let failAudit = false;

  beforeAll(async () => {
    store = await createTestStore(identityMigrations);
  });
  afterAll(async () => store.close());

  async function fresh() {
    await store.db.deleteFrom('staff_session').execute();
    await store.db.deleteFrom('staff').execute();
    await store.db.deleteFrom('setup_token').execute();
    events = [];
    clock = new Clock();
    failAudit = false;
    const audit: AuditSink = {
      async record(e) {
        if (failAudit) throw new Error('ledger down');
        events.push(e);
      },
    };
    svc = new IdentityService(store.db, testSealer(), audit, clock.now);
    await svc.ensureTenant(T, 'Test Hospital');
  }

  it('hashes passwords with argon2id and seals names and HR data', async () => {
    await fresh();
    const [id] = await svc.createStaff(
      T,
      [
        {
          username: 'nurse.li',
          staffNumber: 'N001',
          name: '李小红',
          roles: ['nurse'],
          password: PASSWORD,
          hr: {
            phone: '13812345678',
            homeAddress: '北京市朝阳区建国路88号',
            nationalId: '110105199001011234',
          },
        },
      ],
      { id: null },
    );
    const raw = await store.db
      .selectFrom('staff')
      .selectAll()
      .where('id', '=', id!)
      .executeTakeFirstOrThrow();
    expect(raw.password_hash).toMatch(/^\$argon2id\$/);
    const dump =
      JSON.stringify(raw) +
      Buffer.from(raw.name_sealed).toString('utf8') +
      Buffer.from(raw.hr_sealed).toString('utf8');
    for (const secret of ['李小红', '13812345678', '建国路', '110105199001011234'])
      expect(dump).not.toContain(secret);
    expect((await svc.getStaff(T, id!))!.name).toBe('李小红');
    expect((await svc.getStaffHr(T, id!))!.phone).toBe('13812345678');
    expect((await svc.findStaffByNationalId(T, '110105199001011234')).map((s) => s.id)).toEqual([
      id,
    ]);
  });

  it('rejects weak passwords and unknown roles with the field named', async () => {
    await fresh();
    for (const [p, field] of [
      [
        { username: 'a.b', staffNumber: '1', name: 'X', roles: ['nurse'], password: 'short' },
        'password',
      ],
      [
        {
          username: 'a.b',
          staffNumber: '1',
          name: 'X',
          roles: ['nurse'],
          password: 'a.b-a.b-a.b-a.b',
        },
        'password',
      ],
      [{ username: 'a.b', staffNumber: '1', name: 'X', roles: ['wizard'] }, 'roles'],
      [{ username: 'bad user!', staffNumber: '1', name: 'X', roles: ['nurse'] }, 'username'],
    ] as const) {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const err = await svc.createStaff(T, [p as any], { id: null }).catch((e: unknown) => e);
      expect(isCustosError(err, 'CUSTOS_INPUT_INVALID')).toBe(true);
      expect((err as { extra: { field: string } }).extra.field).toBe(field);
    }
  });

  it('signs in, audits, and locks the account after 5 failures for 15 minutes', async () => {
    await fresh();
    await svc.createStaff(
      T,
      [
        {
          username: 'doc.wang',
          staffNumber: 'D1',
          name: '王医生',
          roles: ['physician'],
          password: PASSWORD,
        },
      ],
      { id: null },
    );
    const ok = await svc.login({
      tenantId: T,
      username: 'doc.wang',
      password: PASSWORD,
      address: '10.0.0.5',
    });
    expect(ok.session.mfaVerified).toBe(true);
    expect((await svc.authenticate(ok.token)).staff.username).toBe('doc.wang');
    for (let i = 0; i < 5; i++) {
      const e = await svc
        .login({ tenantId: T, username: 'doc.wang', password: 'wrong password 123' })
        .catch((x: unknown) => x);
      expect(isCustosError(e, 'CUSTOS_UNAUTHENTICATED')).toBe(true);
    }
    const locked = await svc
      .login({ tenantId: T, username: 'doc.wang', password: PASSWORD })
      .catch((x: unknown) => x);
    expect(isCustosError(locked, 'CUSTOS_ACCOUNT_LOCKED')).toBe(true);
    clock.advance(16 * 60_000);
    expect(
      (await svc.login({ tenantId: T, username: 'doc.wang', password: PASSWORD })).token,
    ).toBeTruthy();
    expect(events.filter((e) => e.kind === 'login-failed').map((e) => e.reason)).toEqual([
      ...Array(5).fill('bad-password'),
      'locked',
    ]);
    const unknown = await svc
      .login({ tenantId: T, username: 'nobody', password: PASSWORD })
      .catch((x: unknown) => x);
    expect((unknown as Error).message).toBe('user name or password is wrong');
  });

  it('makes officers enrol TOTP, then requires a fresh code and refuses replay', async () => {
    await fresh();
    await svc.createStaff(
      T,
      [
        {
          username: 'po.zhao',
          staffNumber: 'P1',
          name: '赵',
          roles: ['privacy-officer'],
          password: PASSWORD,
        },
      ],
      { id: null },
    );
    const first = await svc.login({ tenantId: T, username: 'po.zhao', password: PASSWORD });
    expect(first.enrolment?.uri).toMatch(/^otpauth:\/\/totp\//);
    expect(
      isCustosError(
        await svc.authenticate(first.token).catch((e: unknown) => e),
        'CUSTOS_MFA_REQUIRED',
      ),
    ).toBe(true);
    const bad = await svc.confirmTotpEnrolment(first.token, '000000').catch((e: unknown) => e);
    expect(isCustosError(bad, 'CUSTOS_UNAUTHENTICATED')).toBe(true);
    await svc.confirmTotpEnrolment(first.token, currentTotp(first.enrolment!.secret, clock.now()));
    expect((await svc.authenticate(first.token)).staff.mfaEnrolled).toBe(true);

    clock.advance(60_000);
    const noCode = await svc
      .login({ tenantId: T, username: 'po.zhao', password: PASSWORD })
      .catch((e: unknown) => e);
    expect(isCustosError(noCode, 'CUSTOS_MFA_REQUIRED')).toBe(true);
    const code = currentTotp(first.enrolment!.secret, clock.now());
    const second = await svc.login({
      tenantId: T,
      username: 'po.zhao',
      password: PASSWORD,
      totp: code,
    });
    expect(second.session.mfaVerified).toBe(true);
    const replay = await svc
      .login({ tenantId: T, username: 'po.zhao', password: PASSWORD, totp: code })
      .catch((e: unknown) => e);
    expect(isCustosError(replay, 'CUSTOS_UNAUTHENTICATED')).toBe(true);
    expect(events.some((e) => e.kind === 'mfa-change' && e.outcome === 'success')).toBe(true);
  });

  it('expires idle sessions, revokes on suspension, and refuses departed staff', async () => {
    await fresh();
    const [id] = await svc.createStaff(
      T,
      [
        {
          username: 'hn.chen',
          staffNumber: 'H1',
          name: '陈',
          roles: ['head-nurse'],
          password: PASSWORD,
        },
      ],
      { id: null },
    );
    const a = await svc.login({ tenantId: T, username: 'hn.chen', password: PASSWORD });
    clock.advance(31 * 60_000);
    expect(
      isCustosError(
        await svc.authenticate(a.token).catch((e: unknown) => e),
        'CUSTOS_UNAUTHENTICATED',
      ),
    ).toBe(true);
    const b = await svc.login({ tenantId: T, username: 'hn.chen', password: PASSWORD });
    await svc.setStaffStatus(T, id!, 'suspended', { id: 'officer-1' }, 'case 42');
    expect(
      isCustosError(
        await svc.authenticate(b.token).catch((e: unknown) => e),
        'CUSTOS_UNAUTHENTICATED',
      ),
    ).toBe(true);
    await svc.setStaffStatus(T, id!, 'departed', { id: 'officer-1' }, 'left');
    const c = await svc
      .login({ tenantId: T, username: 'hn.chen', password: PASSWORD })
      .catch((e: unknown) => e);
    expect((c as Error).message).toBe('this account is not active');
    expect(events.filter((e) => e.kind === 'admin').map((e) => e.action)).toContain(
      'staff.status.suspended',
    );
  });

  it('fails closed: an admin action does not happen when the audit cannot be written', async () => {
    await fresh();
    const [id] = await svc.createStaff(
      T,
      [{ username: 'x.y', staffNumber: 'X1', name: 'X', roles: ['nurse'] }],
      { id: null },
    );
    failAudit = true;
    await expect(svc.setStaffStatus(T, id!, 'suspended', { id: 'a' }, 'r')).rejects.toThrow(
      'ledger down',
    );
    failAudit = false;
    expect((await svc.getStaff(T, id!))!.status).toBe('active');
    failAudit = true;
    await expect(svc.login({ tenantId: T, username: 'x.y', password: PASSWORD })).rejects.toThrow();
  });

  it('opens setup once with a one-time token, then closes it', async () => {
    await fresh();
    expect(await svc.needsSetup(T)).toBe(true);
    const token = await svc.issueSetupToken(T);
    const bad = await svc
      .completeSetup(T, 'x'.repeat(43), { username: 'admin', name: 'Admin', password: PASSWORD })
      .catch((e: unknown) => e);
    expect(isCustosError(bad, 'CUSTOS_SETUP_CLOSED')).toBe(true);
    const admin = await svc.completeSetup(T, token, {
      username: 'admin',
      name: 'Admin',
      password: PASSWORD,
    });
    expect(admin.roles).toEqual(['administrator']);
    expect(admin.mfaRequired).toBe(true);
    expect(await svc.needsSetup(T)).toBe(false);
    const again = await svc
      .completeSetup(T, token, { username: 'admin2', name: 'A', password: PASSWORD })
      .catch((e: unknown) => e);
    expect(isCustosError(again, 'CUSTOS_SETUP_CLOSED')).toBe(true);
    expect(
      isCustosError(await svc.issueSetupToken(T).catch((e: unknown) => e), 'CUSTOS_SETUP_CLOSED'),
    ).toBe(true);
  });

  it('resolves workstations only from inside their registered network', async () => {
    await fresh();
    await svc.saveWorkstations(
      T,
      [
        {
          id: 'ws-ob-1',
          label: 'OB nurse station 1',
          location: 'Ward 5',
          departmentId: 'obstetrics',
          network: '10.5.1.0/24',
          active: true,
        },
      ],
      { id: 'admin' },
    );
    expect((await svc.resolveWorkstation(T, 'ws-ob-1', '10.5.1.77'))?.id).toBe('ws-ob-1');
    expect(await svc.resolveWorkstation(T, 'ws-ob-1', '10.5.2.77')).toBeNull();
    expect(await svc.resolveWorkstation(T, 'ws-unknown', '10.5.1.77')).toBeNull();
    expect(addressInCidr('::ffff:192.168.1.9', '192.168.1.0/24')).toBe(true);
    const bad = await svc
      .saveWorkstations(
        T,
        [
          {
            id: 'w',
            label: 'w',
            location: 'l',
            departmentId: null,
            network: '10.0.0.0/40',
            active: true,
          },
        ],
        { id: 'a' },
      )
      .catch((e: unknown) => e);
    expect(isCustosError(bad, 'CUSTOS_INPUT_INVALID')).toBe(true);
  });
});
