import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRuntime, type Runtime } from '../runtime/index.ts';
import { buildApp } from './index.ts';
import { signInAs } from './testing.ts';

const auditEvent = (id: string, who: string, patient: string) =>
  JSON.stringify({
    resourceType: 'AuditEvent',
    id,
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest' },
    subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: 'read' }],
    recorded: '2026-03-01T08:00:00Z',
    agent: [
      {
        who: { reference: `Practitioner/${who}` },
        requestor: true,
        network: { address: '10.1.2.3', type: '2' },
      },
    ],
    source: { observer: { display: 'HIS' } },
    entity: [{ what: { reference: `Patient/${patient}` } }],
  });

describe('ledger over HTTP', () => {
  let rt: Runtime;
  let app: FastifyInstance;
  let officer: { authorization: string };
  let admin: { authorization: string };

  beforeAll(async () => {
    rt = await createTestRuntime();
    app = await buildApp(rt);
    officer = (await signInAs(rt, ['privacy-officer'])).headers;
    admin = (await signInAs(rt, ['administrator'])).headers;
  });
  afterAll(async () => {
    await app.close();
    await rt.close();
  });

  it('imports other systems’ audit logs once, reporting bad lines, and finds them by patient', async () => {
    const body = [
      auditEvent('a1', 'doc-1', 'pat-9'),
      '{not json',
      auditEvent('a2', 'doc-2', 'pat-9'),
    ].join('\n');
    const r = await app.inject({
      method: 'POST',
      url: '/api/ledger/import?source=his',
      headers: { ...admin, 'content-type': 'application/fhir+ndjson' },
      payload: body,
    });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ accepted: 2, rejected: 1 });
    expect(r.json().rejections[0].line).toBe(2);
    const again = await app.inject({
      method: 'POST',
      url: '/api/ledger/import?source=his',
      headers: { ...admin, 'content-type': 'application/fhir+ndjson' },
      payload: body,
    });
    expect(again.json()).toMatchObject({ accepted: 0, duplicates: 2 });
    const q = await app.inject({ url: '/api/ledger/entries?patientId=pat-9', headers: officer });
    expect(q.statusCode).toBe(200);
    expect(
      q
        .json()
        .items.map((e: { actorId: string }) => e.actorId)
        .sort(),
    ).toEqual(['doc-1', 'doc-2']);
  });

  it('only lets officers search, and refuses bad queries with the field named', async () => {
    const nurse = (await signInAs(rt, ['nurse'])).headers;
    expect((await app.inject({ url: '/api/ledger/entries', headers: nurse })).statusCode).toBe(403);
    const bad = await app.inject({ url: '/api/ledger/entries?kind=teleport', headers: officer });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('CUSTOS_BAD_REQUEST');
  });

  it('serves signed heads and inclusion and consistency proofs that verify', async () => {
    await rt.ledger.signTreeHead(rt.config.tenant);
    const head = await app.inject({ url: '/api/ledger/head', headers: officer });
    expect(head.statusCode).toBe(200);
    const size = head.json().head.treeSize as number;
    expect(size).toBeGreaterThan(2);
    const inc = await app.inject({
      url: `/api/ledger/proof/inclusion?seq=1&treeSize=${size}`,
      headers: officer,
    });
    expect(inc.statusCode).toBe(200);
    expect(inc.json().rootHash).toBe(head.json().head.rootHash);
    const cons = await app.inject({
      url: `/api/ledger/proof/consistency?first=1&second=${size}`,
      headers: officer,
    });
    expect(cons.json().secondRoot).toBe(head.json().head.rootHash);
    const beyond = await app.inject({
      url: `/api/ledger/proof/inclusion?seq=${size + 50}`,
      headers: officer,
    });
    expect(beyond.statusCode).toBe(404);
    const garbage = await app.inject({
      url: '/api/ledger/proof/inclusion?seq=abc',
      headers: officer,
    });
    expect(garbage.statusCode).toBe(400);
  });
});

describe('FHIR R4 import over HTTP', () => {
  it('imports a transaction bundle into the vault, refuses a broken one naming the entry, and ledgers both', async () => {
    const rt = await createTestRuntime();
    const app = await buildApp(rt);
    try {
      const admin = (await signInAs(rt, ['administrator'])).headers;
      const nurse = (await signInAs(rt, ['nurse'])).headers;
      const bundle = {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          {
            fullUrl: 'urn:uuid:p1',
            resource: { resourceType: 'Patient', name: [{ text: '欧阳娜娜' }], gender: 'female' },
            request: { method: 'POST', url: 'Patient' },
          },
          {
            resource: {
              resourceType: 'Condition',
              subject: { reference: 'urn:uuid:p1' },
              code: { text: 'x' },
            },
            request: { method: 'POST', url: 'Condition' },
          },
        ],
      };
      const post = (headers: Record<string, string>, payload: unknown) =>
        app.inject({
          method: 'POST',
          url: '/fhir/R4',
          headers: { ...headers, 'content-type': 'application/fhir+json' },
          payload: JSON.stringify(payload),
        });
      expect((await post(nurse, bundle)).statusCode).toBe(403);
      const ok = await post(admin, bundle);
      expect(ok.statusCode).toBe(200);
      expect(ok.json().resourceType).toBe('Bundle');
      const broken = {
        ...bundle,
        entry: [
          ...bundle.entry,
          {
            resource: { resourceType: 'Encounter' },
            request: { method: 'POST', url: 'Encounter' },
          },
        ],
      };
      const bad = await post(admin, broken);
      expect(bad.statusCode).toBeGreaterThanOrEqual(400);
      expect(bad.json().resourceType).toBe('OperationOutcome');
      expect(JSON.stringify(bad.json())).toContain('entry[2]');
      const garbage = await app.inject({
        method: 'POST',
        url: '/fhir/R4',
        headers: { ...admin, 'content-type': 'application/fhir+json' },
        payload: '{oops',
      });
      expect(garbage.statusCode).toBe(400);
      const imports = await rt.store.db
        .selectFrom('ledger_entry')
        .select('action')
        .where('action', '=', 'fhir.import')
        .execute();
      expect(imports.length).toBe(2);
    } finally {
      await app.close();
      await rt.close();
    }
  });
});
