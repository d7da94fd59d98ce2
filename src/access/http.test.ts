import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../api/index.ts';
import { currentTotp } from '../identity/index.ts';
import { createTestRuntime, type Runtime } from '../runtime/index.ts';
import { NOW, seedFixture, WORKSTATIONS } from './test-fixture.ts';

const PASSWORD = 'a long enough passphrase for tests 2025';

let rt: Runtime & { logLines: string[] };
let app: FastifyInstance;
const tokens = new Map<string, string>();

async function signIn(id: string, ws: keyof typeof WORKSTATIONS): Promise<string> {
  await rt.identity.setPassword(rt.config.tenant, id, PASSWORD, { id: null });
  const r = await rt.identity.login({
    tenantId: rt.config.tenant,
    username: id,
    password: PASSWORD,
    workstationId: ws,
    address: WORKSTATIONS[ws].ip,
  });
  if (r.enrolment)
    await rt.identity.confirmTotpEnrolment(r.token, currentTotp(r.enrolment.secret, NOW));
  return r.token;
}

function as(
  id: string,
  ws: keyof typeof WORKSTATIONS,
  opts: InjectOptions,
): Promise<ReturnType<FastifyInstance['inject']> extends Promise<infer R> ? R : never> {
  return app.inject({
    ...opts,
    remoteAddress: WORKSTATIONS[ws].ip,
    headers: {
      authorization: `Bearer ${tokens.get(id)}`,
      'x-custos-workstation': ws,
      ...(opts.headers ?? {}),
    },
  }) as never;
}

beforeAll(async () => {
  rt = await createTestRuntime({ clock: () => NOW });
  await seedFixture(rt);
  app = await buildApp(rt);
  for (const [id, ws] of [
    ['doc-int', 'ws-int'],
    ['doc-emd', 'ws-emd'],
    ['clerk-reg', 'ws-reg'],
    ['po-1', 'ws-po'],
  ] as const)
    tokens.set(id, await signIn(id, ws));
}, 60_000);
afterAll(async () => {
  await app?.close();
  await rt?.close();
});

describe('HTTP: the disclosure path', () => {
  it('opens a record with the watermark spec; purpose from the query or the header', async () => {
    const r = await as('doc-int', 'ws-int', { url: '/api/patients/p-1/record?purpose=treatment' });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.record.demographics.name).toBe('张三丰');
    expect(body.record.contact.phone).toBe('138****5678');
    expect(body.mark.token).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);
    expect(body.mark.visible.lines[0]).toContain('李医生');
    const viaHeader = await as('doc-int', 'ws-int', {
      url: '/api/patients/p-1/record',
      headers: { 'x-custos-purpose': 'treatment' },
    });
    expect(viaHeader.statusCode).toBe(200);
    const printed = await as('doc-int', 'ws-int', {
      url: '/api/patients/p-1/record?purpose=treatment&channel=print',
    });
    expect(printed.json().record.demographics.name).toBe('张*丰');
    expect(printed.json().channel).toBe('print');
  });

  it('answers 400 for a missing or unknown purpose, 401 without a session', async () => {
    for (const url of ['/api/patients/p-1/record', '/api/patients/p-1/record?purpose=gossip']) {
      const r = await as('doc-int', 'ws-int', { url });
      expect(r.statusCode).toBe(400);
      expect(r.headers['content-type']).toContain('application/problem+json');
      expect(r.json()).toMatchObject({ code: 'CUSTOS_BAD_REQUEST', field: 'purpose' });
    }
    const anon = await app.inject({ url: '/api/patients/p-1/record?purpose=treatment' });
    expect(anon.statusCode).toBe(401);
  });

  it('denies with an actionable code, then break-the-glass opens the record and the officer reviews it', async () => {
    const denied = await as('doc-emd', 'ws-emd', {
      url: '/api/patients/p-1/record?purpose=treatment',
    });
    expect(denied.statusCode).toBe(403);
    expect(denied.json()).toMatchObject({
      code: 'CUSTOS_ACCESS_DENIED',
      reasonCode: 'NO_TREATMENT_RELATIONSHIP',
      breakGlassAvailable: true,
    });
    expect(denied.json().reasonText['zh-CN']).toMatch(/[\u4e00-\u9fff]/);
    const bad = await as('doc-emd', 'ws-emd', {
      method: 'POST',
      url: '/api/patients/p-1/break-glass',
      payload: { reasonCode: 'BECAUSE', reasonText: 'Unconscious on arrival' },
    });
    expect(bad.statusCode).toBe(400);
    const bg = await as('doc-emd', 'ws-emd', {
      method: 'POST',
      url: '/api/patients/p-1/break-glass',
      payload: { reasonCode: 'EMERGENCY_UNCONSCIOUS', reasonText: 'Unconscious on arrival' },
    });
    expect(bg.statusCode).toBe(201);
    const grantId = bg.json().grantId as string;
    const open = await as('doc-emd', 'ws-emd', {
      url: '/api/patients/p-1/record?purpose=treatment',
    });
    expect(open.statusCode).toBe(200);
    expect(open.json().decision.breakGlassUsed).toBe(true);

    const notOfficer = await as('doc-int', 'ws-int', { url: '/api/access/break-glass/reviews' });
    expect(notOfficer.statusCode).toBe(403);
    const queue = await as('po-1', 'ws-po', { url: '/api/access/break-glass/reviews' });
    expect(queue.statusCode).toBe(200);
    expect(queue.json().items.map((g: { grantId: string }) => g.grantId)).toContain(grantId);
    const review = await as('po-1', 'ws-po', {
      method: 'POST',
      url: `/api/access/break-glass/${grantId}/review`,
      payload: { outcome: 'flagged', note: 'no admission followed' },
    });
    expect(review.statusCode).toBe(200);
    expect(review.json()).toMatchObject({ review: 'flagged', reviewedBy: 'po-1' });
    const missing = await as('po-1', 'ws-po', {
      method: 'POST',
      url: '/api/access/break-glass/no-such-grant/review',
      payload: { outcome: 'approved' },
    });
    expect(missing.statusCode).toBe(404);
  });

  it('gives the same 404 for unknown, malformed and hidden restricted patients', async () => {
    const bodies = [];
    for (const id of ['nobody', '%2E%2E%2Fsecret', 'p-r']) {
      const r = await as('clerk-reg', 'ws-reg', {
        url: `/api/patients/${id}/record?purpose=operations`,
      });
      expect(r.statusCode, id).toBe(404);
      const { instance: _i, ...rest } = r.json();
      bodies.push(rest);
    }
    expect(bodies[1]).toEqual(bodies[0]);
    expect(bodies[2]).toEqual(bodies[0]);
  });

  it('answers 503 and discloses nothing when the ledger cannot write', async () => {
    const original = rt.ledger.appendEntry;
    rt.ledger.appendEntry = () => Promise.reject(new Error('ledger disk gone'));
    try {
      const r = await as('doc-int', 'ws-int', {
        url: '/api/patients/p-1/record?purpose=treatment',
      });
      expect(r.statusCode).toBe(503);
      expect(r.json().code).toBe('CUSTOS_LEDGER_UNAVAILABLE');
      expect(r.body).not.toContain('张');
      expect(r.body).not.toContain('disk');
    } finally {
      rt.ledger.appendEntry = original;
    }
  });

  it('searches with masked candidates and explains decisions to the privacy officer', async () => {
    const s = await as('clerk-reg', 'ws-reg', {
      url: `/api/patients/search?name=${encodeURIComponent('张三丰')}&purpose=operations`,
    });
    expect(s.statusCode).toBe(200);
    expect(s.json().candidates).toEqual([
      expect.objectContaining({
        patientId: 'p-1',
        name: '张*丰',
        birthYear: '1949',
        mrn: 'MRN0001',
      }),
    ]);
    const none = await as('clerk-reg', 'ws-reg', {
      url: '/api/patients/search?purpose=operations',
    });
    expect(none.statusCode).toBe(400);
    const e = await as('po-1', 'ws-po', {
      url: '/api/access/explain?staffId=nurse-obs&patientId=p-1&purpose=treatment',
    });
    expect(e.statusCode).toBe(200);
    expect(e.json().decision).toMatchObject({
      decision: 'deny',
      reasonCode: 'NO_TREATMENT_RELATIONSHIP',
    });
    expect(e.json().summary['zh-CN']).toMatch(/[\u4e00-\u9fff]/);
    const forbidden = await as('clerk-reg', 'ws-reg', {
      url: '/api/access/explain?staffId=nurse-obs&patientId=p-1&purpose=treatment',
    });
    expect(forbidden.statusCode).toBe(403);
  });
});
