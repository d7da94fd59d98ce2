import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentTotp } from '../identity/index.ts';
import { createTestRuntime, type Runtime } from '../runtime/index.ts';
import { buildApp } from './index.ts';

const PASSWORD = 'a long officer passphrase 2026';

describe('HTTP service', () => {
  let rt: Runtime & { logLines: string[] };
  let app: FastifyInstance;

  beforeAll(async () => {
    rt = await createTestRuntime();
    app = await buildApp(rt);
  });
  afterAll(async () => {
    await app.close();
    await rt.close();
  });

  it('answers /health and /ready (database and ledger writable)', async () => {
    const h = await app.inject({ url: '/health' });
    expect(h.statusCode).toBe(200);
    expect(h.json()).toMatchObject({ status: 'ok' });
    const r = await app.inject({ url: '/ready' });
    expect(r.json()).toMatchObject({ status: 'ready', database: true, ledger: true });
  });

  it('serves the OpenAPI document at /docs', async () => {
    const r = await app.inject({ url: '/docs/json' });
    expect(r.statusCode).toBe(200);
    expect(Object.keys(r.json().paths)).toEqual(
      expect.arrayContaining(['/api/auth/login', '/api/setup', '/health']),
    );
  });

  it('returns problem+json with a stable code and the field for malformed bodies', async () => {
    const r = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'x' },
    });
    expect(r.statusCode).toBe(400);
    expect(r.headers['content-type']).toContain('application/problem+json');
    expect(r.json()).toMatchObject({ code: 'CUSTOS_BAD_REQUEST', field: 'password' });
    const junk = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"username":',
    });
    expect(junk.statusCode).toBe(400);
    expect(junk.json().code).toBe('CUSTOS_BAD_REQUEST');
    const missing = await app.inject({ url: '/api/nothing-here' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('CUSTOS_NOT_FOUND');
  });

  it('refuses protected routes without a session', async () => {
    const r = await app.inject({ url: '/api/admin/staff' });
    expect(r.statusCode).toBe(401);
    expect(r.json().code).toBe('CUSTOS_UNAUTHENTICATED');
  });

  it('runs first-admin setup, TOTP enrolment, sign-in and administration end to end, all ledgered', async () => {
    expect((await app.inject({ url: '/api/setup/status' })).json()).toEqual({ open: true });
    const token = await rt.identity.issueSetupToken(rt.config.tenant);
    const setup = await app.inject({
      method: 'POST',
      url: '/api/setup',
      payload: { token, username: 'admin', name: 'Ada Admin', password: PASSWORD },
    });
    expect(setup.statusCode).toBe(201);
    const again = await app.inject({
      method: 'POST',
      url: '/api/setup',
      payload: { token, username: 'admin2', name: 'Eve', password: PASSWORD },
    });
    expect(again.statusCode).toBe(410);

    const login = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'admin', password: PASSWORD },
    });
    expect(login.statusCode).toBe(200);
    const body = login.json();
    expect(body.enrolmentPending).toBe(true);
    expect(login.headers['set-cookie']).toMatch(/HttpOnly; SameSite=Strict/);
    const auth = { authorization: `Bearer ${body.token}` };
    expect((await app.inject({ url: '/api/admin/staff', headers: auth })).json().code).toBe(
      'CUSTOS_MFA_REQUIRED',
    );
    const enrol = await app.inject({
      method: 'POST',
      url: '/api/auth/enrol',
      headers: auth,
      payload: { code: currentTotp(body.enrolment.secret, new Date()) },
    });
    expect(enrol.statusCode).toBe(200);

    const created = await app.inject({
      method: 'POST',
      url: '/api/admin/staff',
      headers: auth,
      payload: {
        username: 'nurse.zhou',
        staffNumber: 'N-77',
        name: '周护士',
        roles: ['nurse'],
        departmentId: 'obstetrics',
        password: 'nurse passphrase 2026',
      },
    });
    expect(created.statusCode).toBe(201);
    const nurse = created.json();
    const weak = await app.inject({
      method: 'POST',
      url: '/api/admin/staff',
      headers: auth,
      payload: {
        username: 'n2',
        staffNumber: 'N-78',
        name: 'X',
        roles: ['nurse'],
        password: 'short',
      },
    });
    expect(weak.statusCode).toBe(422);
    expect(weak.json()).toMatchObject({ code: 'CUSTOS_INPUT_INVALID', field: 'password' });

    const nurseLogin = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'nurse.zhou', password: 'nurse passphrase 2026' },
    });
    const nurseAuth = { authorization: `Bearer ${nurseLogin.json().token}` };
    expect((await app.inject({ url: '/api/admin/staff', headers: nurseAuth })).statusCode).toBe(
      403,
    );

    const suspend = await app.inject({
      method: 'POST',
      url: `/api/admin/staff/${nurse.id}/status`,
      headers: auth,
      payload: { status: 'suspended', reason: 'case 12' },
    });
    expect(suspend.json().status).toBe('suspended');
    expect((await app.inject({ url: '/api/auth/me', headers: nurseAuth })).statusCode).toBe(401);

    const kinds = await rt.store.db
      .selectFrom('ledger_entry')
      .select(['kind', 'action'])
      .orderBy('seq')
      .execute();
    expect(kinds.map((k: { action: string | null }) => k.action)).toEqual(
      expect.arrayContaining(['staff.create', 'login', 'totp.enrol', 'staff.status.suspended']),
    );
  });

  it('writes no personal data to the logs', () => {
    const all = rt.logLines.join('\n');
    expect(all.length).toBeGreaterThan(0);
    for (const secret of ['周护士', 'Ada Admin', PASSWORD, 'nurse passphrase 2026'])
      expect(all).not.toContain(secret);
  });
});
