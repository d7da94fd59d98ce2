import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initKeyring } from '../crypto/index.ts';
import { createTestStore, type Store } from '../store/index.ts';
import { makePatients, makeStaff } from './test-fixtures.ts';
import {
  findPatients,
  getCareRelationships,
  importFhirBundle,
  importFhirNdjson,
  importFhirPath,
  openVault,
  readResource,
  vaultMigrations,
  type FhirResource,
  type Vault,
} from './index.ts';

let store: Store;
let dir: string;
let vault: Vault;
let seq = 0;
const tenant = () => `imp${++seq}`;

beforeAll(async () => {
  store = await createTestStore(vaultMigrations);
  dir = mkdtempSync(join(tmpdir(), 'custos-import-'));
  vault = await openVault(store.db, await initKeyring(dir, 'pw', { kdf: { N: 1024 } }));
});

afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function count(t: string): Promise<number> {
  const r = await store.db
    .selectFrom('vault_resource')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('tenant_id', '=', t)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

function transaction(
  entries: {
    resource: FhirResource;
    fullUrl?: string;
    method?: string;
    url?: string;
    ifNoneExist?: string;
  }[],
) {
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: entries.map((e) => ({
      ...(e.fullUrl ? { fullUrl: e.fullUrl } : {}),
      resource: e.resource,
      request: {
        method: e.method ?? 'POST',
        url: e.url ?? e.resource.resourceType,
        ...(e.ifNoneExist ? { ifNoneExist: e.ifNoneExist } : {}),
      },
    })),
  };
}

describe('transaction bundles', () => {
  it('imports with urn:uuid references rewritten to the stored ids', async () => {
    const t = tenant();
    const bundle = transaction([
      {
        fullUrl: 'urn:uuid:11111111-1111-4111-8111-111111111111',
        resource: {
          resourceType: 'Patient',
          name: [{ text: '周芷若' }],
          telecom: [{ system: 'phone', value: '13711112222' }],
        },
      },
      {
        fullUrl: 'urn:uuid:22222222-2222-4222-8222-222222222222',
        resource: {
          resourceType: 'Encounter',
          status: 'finished',
          class: { code: 'AMB' },
          subject: { reference: 'urn:uuid:11111111-1111-4111-8111-111111111111' },
        },
      },
      {
        resource: { resourceType: 'Organization', id: 'dept-x', name: '精神科' },
        method: 'PUT',
        url: 'Organization/dept-x',
      },
    ]);
    const rep = await importFhirBundle(vault, t, bundle);
    expect(rep).toMatchObject({ ok: true, httpStatus: 200, total: 3, created: 3, rejected: 0 });
    const resp = rep.response as {
      type: string;
      entry: { response: { status: string; location: string } }[];
    };
    expect(resp.type).toBe('transaction-response');
    expect(resp.entry.map((e) => e.response.status)).toEqual([
      '201 Created',
      '201 Created',
      '201 Created',
    ]);
    const patientRef = resp.entry[0]!.response.location.split('/_history')[0]!;
    const [ids] = [await findPatients(vault, t, { phone: '13711112222' })];
    expect(`Patient/${ids[0]}`).toBe(patientRef);
    const encId = resp.entry[1]!.response.location.split('/')[1]!;
    const enc = await readResource(vault, t, 'Encounter', encId);
    expect(enc.resource.subject).toEqual({ reference: patientRef });
    expect(enc.meta.patientId).toBe(ids[0]);
    // PUT again: updated, version 2.
    const again = await importFhirBundle(
      vault,
      t,
      transaction([
        {
          resource: { resourceType: 'Organization', id: 'dept-x', name: '精神科' },
          method: 'PUT',
          url: 'Organization/dept-x',
        },
      ]),
    );
    expect(
      (again.response as { entry: { response: { status: string; location: string } }[] }).entry[0]!
        .response,
    ).toEqual({
      status: '200 OK',
      location: 'Organization/dept-x/_history/2',
    });
  });

  it('is all-or-nothing: one invalid entry rejects the bundle, naming the entry', async () => {
    const t = tenant();
    const { resources } = makePatients(2, 3);
    const entries = resources.map((r) => ({
      resource: r,
      method: 'PUT',
      url: `${r.resourceType}/${r.id}`,
    }));
    const bad = structuredClone(entries);
    delete (bad[3]!.resource as Record<string, unknown>).status; // DocumentReference.status
    const rep = await importFhirBundle(vault, t, transaction(bad));
    expect(rep.ok).toBe(false);
    expect(rep.httpStatus).toBe(400);
    expect(rep.outcome.resourceType).toBe('OperationOutcome');
    expect(rep.outcome.issue[0]).toMatchObject({
      severity: 'error',
      code: 'required',
      expression: ['Bundle.entry[3].resource.DocumentReference.status'],
    });
    expect(await count(t)).toBe(0);
    const ok = await importFhirBundle(vault, t, transaction(entries));
    expect(ok.ok).toBe(true);
    expect(await count(t)).toBe(resources.length);
  });

  it('rolls back when a write fails midway (shredded patient)', async () => {
    const t = tenant();
    const { resources } = makePatients(1, 4);
    await importFhirBundle(
      vault,
      t,
      transaction(
        resources.map((r) => ({ resource: r, method: 'PUT', url: `${r.resourceType}/${r.id}` })),
      ),
    );
    const { shredPatient } = await import('./index.ts');
    await shredPatient(vault, t, resources[0]!.id!, { actor: 'a', reason: 'test' });
    const before = await count(t);
    const rep = await importFhirBundle(
      vault,
      t,
      transaction([
        {
          resource: { resourceType: 'Patient', id: 'newcomer' },
          method: 'PUT',
          url: 'Patient/newcomer',
        },
        { resource: { ...resources[2]!, id: 'c2' }, method: 'PUT', url: 'Condition/c2' },
      ]),
    );
    expect(rep).toMatchObject({ ok: false, httpStatus: 409 });
    expect(await count(t)).toBe(before);
  });

  it('reports references to resources not imported as warnings, never fatal', async () => {
    const t = tenant();
    const rep = await importFhirBundle(
      vault,
      t,
      transaction([
        {
          resource: {
            resourceType: 'Encounter',
            id: 'e1',
            status: 'finished',
            class: { code: 'AMB' },
            subject: { reference: 'Patient/nobody' },
            participant: [{ individual: { reference: 'Practitioner?identifier=urn:x|42' } }],
          },
          method: 'PUT',
          url: 'Encounter/e1',
        },
      ]),
    );
    expect(rep.ok).toBe(true);
    expect(rep.unresolved.map((u) => u.reference).sort()).toEqual([
      'Patient/nobody',
      'Practitioner?identifier=urn:x|42',
    ]);
    const warnings = rep.outcome.issue.filter((i) => i.severity === 'warning');
    expect(warnings).toHaveLength(2);
    expect(warnings[0]!.expression).toEqual(['Bundle.entry[0].resource']);
    expect(JSON.stringify(warnings)).not.toContain('42');
    const enc = await readResource(vault, t, 'Encounter', 'e1');
    expect(enc.meta.patientId).toBe('nobody');
    expect(
      (enc.resource.participant as { individual: { reference: string } }[])[0]!.individual
        .reference,
    ).toBe('Practitioner?identifier=urn:x|42');
  });

  it('resolves conditional references and ifNoneExist by identifier', async () => {
    const t = tenant();
    await importFhirBundle(vault, t, {
      resourceType: 'Bundle',
      type: 'collection',
      entry: makeStaff().map((resource) => ({ resource })),
    });
    const rep = await importFhirBundle(
      vault,
      t,
      transaction([
        {
          resource: {
            resourceType: 'Organization',
            identifier: [{ system: 'urn:custos:org', value: 'dept-im' }],
            name: '内科',
          },
          ifNoneExist: 'identifier=urn:custos:org|dept-im',
        },
        { resource: { resourceType: 'Patient', id: 'pp' }, method: 'PUT', url: 'Patient/pp' },
        {
          resource: {
            resourceType: 'Encounter',
            id: 'ee',
            status: 'in-progress',
            class: { code: 'IMP' },
            subject: { reference: 'Patient/pp' },
            participant: [
              { individual: { reference: 'Practitioner?identifier=urn:custos:staff|DR-WANG' } },
            ],
            serviceProvider: { reference: 'Organization?identifier=urn:custos:org|dept-im' },
          },
          method: 'PUT',
          url: 'Encounter/ee',
        },
      ]),
    );
    expect(rep.ok).toBe(true);
    expect(rep.unresolved).toEqual([]);
    expect(
      (rep.response as { entry: { response: { status: string; location: string } }[] }).entry[0]!
        .response.location,
    ).toBe('Organization/dept-im/_history/1');
    const enc = await readResource(vault, t, 'Encounter', 'ee');
    expect(enc.resource.serviceProvider).toEqual({ reference: 'Organization/dept-im' });
    expect(enc.meta.organizationId).toBe('dept-im');
    const rels = await getCareRelationships(store.db, t, 'pp', 'dr-wang');
    expect(rels.map((r) => r.kind).sort()).toEqual([
      'admitted-in-department',
      'department-encounter',
      'encounter-participant',
    ]);
  });

  it.each([
    ['not an object', 'hello', 400, 'structure'],
    ['not a bundle', { resourceType: 'Patient' }, 400, 'structure'],
    ['unknown bundle type', { resourceType: 'Bundle', type: 'searchset' }, 400, 'not-supported'],
    [
      'entry not an array',
      { resourceType: 'Bundle', type: 'transaction', entry: {} },
      400,
      'structure',
    ],
    [
      'unsupported type',
      {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [{ resource: { resourceType: 'Basic' }, request: { method: 'POST', url: 'Basic' } }],
      },
      400,
      'not-supported',
    ],
    [
      'DELETE',
      {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          {
            resource: { resourceType: 'Patient' },
            request: { method: 'DELETE', url: 'Patient/1' },
          },
        ],
      },
      400,
      'not-supported',
    ],
    [
      'no request',
      {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [{ resource: { resourceType: 'Patient' } }],
      },
      400,
      'required',
    ],
    [
      'PUT url mismatch',
      {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          {
            resource: { resourceType: 'Patient', id: 'a' },
            request: { method: 'PUT', url: 'Patient/b' },
          },
        ],
      },
      400,
      'value',
    ],
    [
      'malformed reference',
      {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          {
            resource: { resourceType: 'Condition', subject: { reference: 'not a ref' } },
            request: { method: 'POST', url: 'Condition' },
          },
        ],
      },
      400,
      'value',
    ],
    [
      'bad date',
      {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          {
            resource: {
              resourceType: 'Encounter',
              status: 'finished',
              class: {},
              period: { start: '2024-13-45' },
            },
            request: { method: 'POST', url: 'Encounter' },
          },
        ],
      },
      400,
      'value',
    ],
  ])('answers malformed input (%s) with an OperationOutcome', async (_n, body, status, code) => {
    const t = tenant();
    const rep = await importFhirBundle(vault, t, body);
    expect(rep).toMatchObject({ ok: false, httpStatus: status });
    expect(rep.outcome.issue[0]!.code).toBe(code);
    expect(await count(t)).toBe(0);
  });
});

describe('collection and batch bundles', () => {
  it('imports a collection all-or-nothing and a batch per entry', async () => {
    const t = tenant();
    const { resources } = makePatients(1, 5);
    const coll = await importFhirBundle(vault, t, {
      resourceType: 'Bundle',
      type: 'collection',
      entry: resources.map((resource) => ({ resource })),
    });
    expect(coll).toMatchObject({ ok: true, total: resources.length });
    expect(coll.response).toBeUndefined();
    const t2 = tenant();
    const batch = await importFhirBundle(vault, t2, {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        {
          resource: { resourceType: 'Patient', id: 'b1' },
          request: { method: 'PUT', url: 'Patient/b1' },
        },
        {
          resource: { resourceType: 'Observation', id: 'o1' },
          request: { method: 'PUT', url: 'Observation/o1' },
        },
      ],
    });
    expect(batch).toMatchObject({ ok: false, httpStatus: 200, total: 1, rejected: 1 });
    expect(
      (batch.response as { entry: { response: { status: string } }[] }).entry.map(
        (e) => e.response.status,
      ),
    ).toEqual(['201 Created', '400 Bad Request']);
    expect(await count(t2)).toBe(1);
  });
});

describe('bulk NDJSON', () => {
  it('imports valid lines, reports bad ones by line, and forward references are not reported', async () => {
    const t = tenant();
    const { resources } = makePatients(3, 6);
    const staff = makeStaff();
    // Clinical resources first, patients last: references resolve once the import is done.
    const ordered = [
      ...resources.filter((r) => r.resourceType !== 'Patient'),
      ...staff,
      ...resources.filter((r) => r.resourceType === 'Patient'),
    ];
    const lines = ordered.map((r) => JSON.stringify(r));
    lines.splice(2, 0, '{not json', '', JSON.stringify({ resourceType: 'Observation', id: 'x' }));
    const progress: number[] = [];
    const rep = await importFhirNdjson(vault, t, lines, {
      batchSize: 4,
      source: 'test.ndjson',
      onProgress: (p) => progress.push(p.done),
    });
    expect(rep.total).toBe(ordered.length);
    expect(rep.rejected).toBe(2);
    expect(rep.unresolved).toEqual([]);
    expect(
      rep.outcome.issue.filter((i) => i.severity === 'error').map((i) => i.expression?.[0]),
    ).toEqual([
      'test.ndjson:3',
      'test.ndjson:5.Observation.status',
      'test.ndjson:5.Observation.code',
    ]);
    expect(progress.length).toBeGreaterThan(3);
  });

  it('imports a folder in reference order and skips files that are not FHIR NDJSON', async () => {
    const t = tenant();
    const folder = mkdtempSync(join(dir, 'bulk-'));
    const { resources, patients } = makePatients(4, 8);
    const byType = new Map<string, FhirResource[]>();
    for (const r of [...makeStaff(), ...resources])
      byType.set(r.resourceType, [...(byType.get(r.resourceType) ?? []), r]);
    for (const [type, list] of byType)
      writeFileSync(
        join(folder, `${type}.000.ndjson`),
        list.map((r) => JSON.stringify(r)).join('\n') + '\n',
      );
    writeFileSync(join(folder, 'log.ndjson'), '{"eventId":"kickoff"}\n');
    writeFileSync(join(folder, 'Group.000.ndjson'), '{"resourceType":"Group"}\n');
    writeFileSync(join(folder, 'README.txt'), 'x');
    const progress: { done: number; total?: number }[] = [];
    const rep = await importFhirPath(vault, t, folder, { onProgress: (p) => progress.push(p) });
    expect(rep).toMatchObject({
      ok: true,
      rejected: 0,
      total: resources.length + makeStaff().length,
    });
    expect(rep.skippedFiles.sort()).toEqual(['Group.000.ndjson', 'README.txt', 'log.ndjson']);
    expect(rep.unresolved).toEqual([]);
    expect(progress.at(-1)!.done).toBe(progress.at(-1)!.total);
    expect(await findPatients(vault, t, { nationalId: patients[3]!.nationalId })).toEqual([
      patients[3]!.id,
    ]);
    const bundleFile = join(folder, 'bundle.json');
    writeFileSync(bundleFile, '{"resourceType":');
    const bad = await importFhirPath(vault, t, bundleFile);
    expect(bad).toMatchObject({ ok: false, rejected: 1 });
  });
});
