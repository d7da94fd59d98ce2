import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appContractTerms,
  createGovernanceFixture,
  FIXTURE_NOW,
  labContractTerms,
  type GovernanceFixture,
} from './test-fixture.ts';
import { buildApp } from '../api/index.ts';

const LAB = '203.0.113.7';
const APP = '198.51.100.9';
const VENDOR_PASSWORD = 'pacs maintenance passphrase 2025';

describe('governance HTTP routes', () => {
  let f: GovernanceFixture;
  let app: FastifyInstance;
  let lab: { id: string; secret: string };
  let checkin: { id: string; secret: string };

  beforeAll(async () => {
    f = await createGovernanceFixture();
    app = await buildApp(f.rt);
    const gov = f.rt.governance;
    const c = await gov.createContract(f.tenant, f.officer, labContractTerms());
    const r = await gov.registerClient(f.tenant, f.officer, { contractId: c.id, name: 'ACME LIS' });
    lab = { id: r.client.id, secret: r.secret! };
    const a = await gov.createContract(f.tenant, f.officer, appContractTerms({ dailyLimit: 2 }));
    const r2 = await gov.registerClient(f.tenant, f.officer, {
      contractId: a.id,
      name: 'Check-in',
    });
    checkin = { id: r2.client.id, secret: r2.secret! };
    await gov.recordConsent(f.tenant, f.officer, a.id, 'pt-obs');
    await f.rt.identity.setPassword(f.tenant, f.vendor.id, VENDOR_PASSWORD, { id: null });
  });
  afterAll(async () => {
    await app.close();
    await f.rt.close();
  });

  const token = async (c: { id: string; secret: string }, address: string) => {
    const r = await app.inject({
      method: 'POST',
      url: '/oauth/token',
      remoteAddress: address,
      headers: {
        authorization: `Basic ${Buffer.from(`${c.id}:${c.secret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: 'grant_type=client_credentials',
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.headers['cache-control']).toBe('no-store');
    return r.json().access_token as string;
  };

  it('issues tokens at /oauth/token (form-encoded, Basic) and refuses bad clients with problem+json', async () => {
    expect((await token(lab, LAB)).split('.')).toHaveLength(3);
    const bad = await app.inject({
      method: 'POST',
      url: '/oauth/token',
      remoteAddress: LAB,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `grant_type=client_credentials&client_id=${lab.id}&client_secret=wrong`,
    });
    expect(bad.statusCode).toBe(401);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    expect(bad.json()).toMatchObject({
      code: 'CUSTOS_UNAUTHENTICATED',
      reasonCode: 'CLIENT_INVALID',
      error: 'invalid_client',
    });
    const grant = await app.inject({
      method: 'POST',
      url: '/oauth/token',
      remoteAddress: LAB,
      payload: { grant_type: 'password', client_id: lab.id, client_secret: lab.secret },
    });
    expect(grant.statusCode).toBe(400);
    expect(grant.json().error).toBe('unsupported_grant_type');
  });

  it('serves the FHIR-style client read through the contract: 200, 401 with a challenge, 403', async () => {
    const t = await token(lab, LAB);
    const ok = await app.inject({
      url: '/api/clients/patients/pt-lab',
      remoteAddress: LAB,
      headers: { authorization: `Bearer ${t}` },
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ resourceType: 'Patient', id: 'pt-lab' });
    expect(ok.body).not.toContain('13800138000');
    const none = await app.inject({ url: '/api/clients/patients/pt-lab', remoteAddress: LAB });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toContain('Bearer');
    expect(none.json()).toMatchObject({
      code: 'CUSTOS_UNAUTHENTICATED',
      reasonCode: 'TOKEN_MISSING',
    });
    const forged = await app.inject({
      url: '/api/clients/patients/pt-lab',
      remoteAddress: LAB,
      headers: { authorization: `Bearer ${t.slice(0, -4)}AAAA` },
    });
    expect(forged.statusCode).toBe(401);
    const outside = await app.inject({
      url: '/api/clients/patients/pt-obs',
      remoteAddress: LAB,
      headers: { authorization: `Bearer ${t}` },
    });
    expect(outside.statusCode).toBe(403);
    expect(outside.json()).toMatchObject({
      code: 'CUSTOS_ACCESS_DENIED',
      reasonCode: 'PATIENT_OUTSIDE_CONTRACT',
    });
    const elsewhere = await app.inject({
      url: '/api/clients/patients/pt-lab',
      remoteAddress: '192.0.2.50',
      headers: { authorization: `Bearer ${t}` },
    });
    expect(elsewhere.json().reasonCode).toBe('NETWORK_OUTSIDE_CONTRACT');
  });

  it('withholds fields outside the contract and answers 429 when the daily quota is used up', async () => {
    const t = await token(checkin, APP);
    const call = () =>
      app.inject({
        url: '/api/clients/patients/pt-obs?fields=appointment,gestational-age',
        remoteAddress: APP,
        headers: { authorization: `Bearer ${t}` },
      });
    const r = await call();
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().withheld).toEqual(
      expect.arrayContaining(['observation.vitals', 'reproductive']),
    );
    expect((await call()).statusCode).toBe(200);
    const over = await call();
    expect(over.statusCode).toBe(429);
    expect(over.json()).toMatchObject({
      code: 'CUSTOS_RATE_LIMITED',
      reasonCode: 'DAILY_QUOTA_EXCEEDED',
    });
  });

  it('lets a vendor engineer act only inside an approved maintenance window', async () => {
    const login = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'vendor', password: VENDOR_PASSWORD },
    });
    expect(login.statusCode, login.body).toBe(200);
    const auth = { authorization: `Bearer ${login.json().token}` };
    const blocked = await app.inject({ url: '/api/governance/windows', headers: auth });
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().reasonCode).toBe('OUTSIDE_MAINTENANCE_WINDOW');
    const ask = await app.inject({
      method: 'POST',
      url: '/api/governance/windows',
      headers: auth,
      payload: {
        staffId: f.vendor.id,
        startsAt: FIXTURE_NOW.toISOString(),
        endsAt: new Date(FIXTURE_NOW.getTime() + 3_600_000).toISOString(),
        systems: ['console'],
        reason: 'replace the PACS archive disk',
      },
    });
    expect(ask.statusCode, ask.body).toBe(201);
    await f.rt.governance.windows.decide(f.tenant, f.officer, ask.json().id, 'approved');
    const inside = await app.inject({ url: '/api/governance/windows', headers: auth });
    expect(inside.statusCode, inside.body).toBe(200);
    expect(inside.json().items).toHaveLength(1);
  });
});
