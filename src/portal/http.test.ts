import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildApp } from '../api/index.ts';
import { isCustosError } from '../errors/index.ts';
import { listCases } from '../monitor/index.ts';
import { createLogSender } from './sender.ts';
import { createPortalFixture, PATIENTS, STAFF } from './test-fixture.ts';

type Fixture = Awaited<ReturnType<typeof createPortalFixture>>;

/** The demo code the log sender wrote for the newest sign-in (outside production only). */
function codeFromLogs(lines: readonly string[]): string {
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /"demoCode":"(\d{6})"/.exec(lines[i]!);
    if (m) return m[1]!;
  }
  throw new Error('no code in the logs');
}

describe('portal over HTTP and the disclosure path', () => {
  let f: Fixture;
  let app: FastifyInstance;
  beforeAll(async () => {
    f = await createPortalFixture();
    app = await buildApp(f.rt);
  });
  afterAll(async () => {
    await app?.close();
    await f?.close();
  });

  async function signInHttp(p: (typeof PATIENTS)[keyof typeof PATIENTS]): Promise<string> {
    const start = await app.inject({
      method: 'POST',
      url: '/api/portal/login/code',
      payload: { phone: p.phone },
    });
    expect(start.statusCode).toBe(202);
    const verify = await app.inject({
      method: 'POST',
      url: '/api/portal/login/verify',
      payload: {
        challengeId: start.json().challengeId,
        code: codeFromLogs(f.rt.logLines),
        idNumber: p.nationalId.slice(-6),
      },
    });
    expect(verify.statusCode).toBe(200);
    expect(String(verify.headers['set-cookie'])).toMatch(
      /^custos_portal=.*HttpOnly; SameSite=Strict/,
    );
    return verify.json().token as string;
  }

  it('serves the phone page and its script', async () => {
    const page = await app.inject({ method: 'GET', url: '/portal' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('/portal/portal.js');
    const js = await app.inject({ method: 'GET', url: '/portal/portal.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
  });

  it('answers sign-in for known and unknown phones with the same status and shape', async () => {
    const known = await app.inject({
      method: 'POST',
      url: '/api/portal/login/code',
      payload: { phone: PATIENTS.b.phone },
    });
    const unknown = await app.inject({
      method: 'POST',
      url: '/api/portal/login/code',
      payload: { phone: '13611112222' },
    });
    expect(known.statusCode).toBe(unknown.statusCode);
    expect(Object.keys(known.json()).sort()).toEqual(Object.keys(unknown.json()).sort());
    const bad = (id: string) =>
      app.inject({
        method: 'POST',
        url: '/api/portal/login/verify',
        payload: { challengeId: id, code: '000000', idNumber: '000000' },
      });
    const k = await bad(known.json().challengeId);
    const u = await bad(unknown.json().challengeId);
    expect(k.statusCode).toBe(401);
    expect({ ...k.json(), instance: null }).toEqual({ ...u.json(), instance: null });
    const malformed = await app.inject({
      method: 'POST',
      url: '/api/portal/login/code',
      payload: { phone: '' },
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.headers['content-type']).toMatch(/problem\+json/);
  });

  it('serves history, downloads, restrictions and reports to a signed-in patient only', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/portal/history' })).statusCode).toBe(401);
    const token = await signInHttp(PATIENTS.a);
    const auth = { authorization: `Bearer ${token}` };
    const h = await app.inject({
      method: 'GET',
      url: '/api/portal/history?lang=en',
      headers: auth,
    });
    expect(h.statusCode).toBe(200);
    expect(
      h
        .json()
        .accesses.map((x: { seq: number }) => x.seq)
        .sort((x: number, y: number) => x - y),
    ).toEqual(f.expected.a);
    expect(h.headers['cache-control']).toBe('no-store');
    const csv = await app.inject({
      method: 'GET',
      url: '/api/portal/history/download?format=csv&lang=zh-CN',
      headers: auth,
    });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-disposition']).toMatch(
      /attachment; filename="access-history-.*\.csv"/,
    );
    const pdf = await app.inject({
      method: 'GET',
      url: '/api/portal/history/download?format=pdf&lang=en',
      headers: auth,
    });
    expect(pdf.rawPayload.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const put = await app.inject({
      method: 'PUT',
      url: '/api/portal/restrictions',
      headers: auth,
      payload: { hiddenSections: ['hiv-sti'], researchOptOut: true },
    });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ hiddenSections: ['hiv-sti'], researchOptOut: true });
    const badPut = await app.inject({
      method: 'PUT',
      url: '/api/portal/restrictions',
      headers: auth,
      payload: { hiddenSections: ['x'] },
    });
    expect(badPut.statusCode).toBe(422);
    const rep = await app.inject({
      method: 'POST',
      url: '/api/portal/reports',
      headers: auth,
      payload: { seq: f.seqs[5], text: 'I never used this lab.' },
    });
    expect(rep.statusCode).toBe(201);
    const cases = await listCases(f.rt.store.db, f.tenant, {});
    expect(cases.some((c) => c.id === rep.json().caseId && c.actorId === 'lab-vendor-x')).toBe(
      true,
    );
    const mine = await app.inject({
      method: 'GET',
      url: '/api/portal/reports?lang=zh-CN',
      headers: auth,
    });
    expect(mine.json().reports[0]).toMatchObject({
      status: 'open',
      outcome: 'pending',
      text: 'I never used this lab.',
    });
    const out = await app.inject({ method: 'POST', url: '/api/portal/logout', headers: auth });
    expect(out.statusCode).toBe(204);
    expect(
      (await app.inject({ method: 'GET', url: '/api/portal/me', headers: auth })).statusCode,
    ).toBe(401);
  });

  it('denies a blocked staff member even with break-the-glass', async () => {
    const staff = (await f.rt.identity.getStaff(f.tenant, STAFF.doctor))!;
    const req = {
      tenant: f.tenant,
      staff,
      workstationId: 'ws-emd-1',
      address: '10.1.0.5',
      purpose: 'treatment',
    };
    // Before the block: no relationship, so break-the-glass opens the record.
    const first = await f.rt.access.readRecord(req, PATIENTS.c.id).then(
      () => 'permit',
      (e: unknown) =>
        isCustosError(e)
          ? e.extra.breakGlassAvailable
            ? 'break-glass-available'
            : e.code
          : 'error',
    );
    expect(first).toBe('break-glass-available');
    await f.rt.access.requestBreakGlass(req, PATIENTS.c.id, {
      reasonCode: 'EMERGENCY_UNCONSCIOUS',
      reasonText: 'brought in unconscious by ambulance, no known history',
    });
    const opened = await f.rt.access.readRecord(req, PATIENTS.c.id);
    expect(opened.decision.breakGlassUsed).toBe(true);
    // The patient blocks the doctor from the portal, naming the entry of her history.
    const c = (
      await f.portal.verifyCode(
        f.tenant,
        await (async () => {
          const ch = await f.portal.requestCode(f.tenant, { phone: PATIENTS.c.phone });
          return {
            challengeId: ch.challengeId,
            code: f.sender.lastCodeFor(PATIENTS.c.phone)!,
            idNumber: PATIENTS.c.nationalId,
          };
        })(),
      )
    ).session;
    const r = await f.portal.updateRestrictions(c, { blockEntrySeq: f.seqs[7]! });
    expect(r.blockedStaff.map((x) => x.ref)).toEqual([STAFF.doctor]);
    // Even with the grant still running, the record stays closed to him…
    const after = await f.rt.access.readRecord(req, PATIENTS.c.id).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isCustosError(after)).toBe(true);
    expect((after as { code: string }).code).toBe('CUSTOS_ACCESS_DENIED');
    expect((after as { extra: { reasonCode?: string } }).extra.reasonCode).toBe(
      'PATIENT_RESTRICTION',
    );
    // …and breaking the glass again is refused.
    const again = await f.rt.access
      .requestBreakGlass(req, PATIENTS.c.id, {
        reasonCode: 'EMERGENCY_LIFE_THREATENING',
        reasonText: 'trying again as an emergency',
      })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(isCustosError(again)).toBe(true);
  });

  it('never logs a sign-in code in production', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'debug' }, { write: (l: string) => void lines.push(l) });
    await createLogSender(log, { production: true }).send({
      channel: 'sms',
      to: '13800138000',
      purpose: 'login-code',
      text: 'code 123456',
      code: '123456',
    });
    await createLogSender(log, { production: false }).send({
      channel: 'sms',
      to: '13800138000',
      purpose: 'login-code',
      text: 'code 654321',
      code: '654321',
    });
    expect(lines[0]).not.toContain('123456');
    expect(lines[1]).toContain('654321');
    for (const l of lines) expect(l).not.toContain('13800138000');
  });
});
