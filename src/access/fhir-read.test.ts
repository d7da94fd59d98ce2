import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../api/index.ts';
// eslint-disable-next-line no-restricted-imports -- the API's own sign-in helper for tests
import { signInAs } from '../api/testing.ts';
import { currentTotp } from '../identity/index.ts';
import { createTestRuntime, type Runtime } from '../runtime/index.ts';
import { writeResources } from '../vault/index.ts';
import { NOW, seedFixture, WORKSTATIONS } from './test-fixture.ts';

const PASSWORD = 'a long enough passphrase for tests 2025';
const ref = (t: string, id: string) => ({ reference: `${t}/${id}` });

let rt: Runtime & { logLines: string[] };
let app: FastifyInstance;
const tokens = new Map<string, string>();
let vendorHeaders: { authorization: string };

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Reply = Awaited<ReturnType<FastifyInstance['inject']>>;

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

function as(id: string, ws: keyof typeof WORKSTATIONS, opts: InjectOptions): Promise<Reply> {
  return app.inject({
    ...opts,
    remoteAddress: WORKSTATIONS[ws].ip,
    headers: {
      authorization: `Bearer ${tokens.get(id)}`,
      'x-custos-workstation': ws,
      ...(opts.headers ?? {}),
    },
  }) as Promise<Reply>;
}

const types = (b: Json): string[] => b.entry.map((e: Json) => e.resource.resourceType);

beforeAll(async () => {
  rt = await createTestRuntime({ clock: () => NOW });
  await seedFixture(rt);
  // A second patient under the internist's care, with medication and a lab report.
  await writeResources(rt.vault, rt.config.tenant, [
    {
      resourceType: 'Patient',
      id: 'p-fhir',
      identifier: [{ system: 'urn:oid:2.16.156.10011.1.1', value: '110105198503070012' }],
      name: [{ text: '李四光' }],
      gender: 'female',
      birthDate: '1985-03-07',
      telecom: [{ system: 'phone', value: '13522223333' }],
    },
    {
      resourceType: 'Encounter',
      id: 'enc-f',
      status: 'in-progress',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
      subject: ref('Patient', 'p-fhir'),
      serviceProvider: ref('Organization', 'dept-int'),
      period: { start: new Date(NOW.getTime() - 3_600_000).toISOString() },
      participant: [{ individual: ref('Practitioner', 'doc-int') }],
    },
    {
      resourceType: 'MedicationRequest',
      id: 'med-f',
      status: 'active',
      intent: 'order',
      subject: ref('Patient', 'p-fhir'),
      medicationCodeableConcept: { text: '氨氯地平 5mg' },
      dosageInstruction: [{ text: 'qd' }],
      authoredOn: new Date(NOW.getTime() - 1_800_000).toISOString(),
    },
    {
      resourceType: 'DiagnosticReport',
      id: 'dr-f',
      status: 'final',
      category: [
        { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'LAB' }] },
      ],
      code: { text: '血常规' },
      subject: ref('Patient', 'p-fhir'),
      issued: new Date(NOW.getTime() - 1_000_000).toISOString(),
      conclusion: '未见异常',
    },
  ]);
  app = await buildApp(rt);
  for (const [id, ws] of [
    ['doc-int', 'ws-int'],
    ['doc-emd', 'ws-emd'],
    ['clerk-reg', 'ws-reg'],
  ] as const)
    tokens.set(id, await signIn(id, ws));
  vendorHeaders = (await signInAs(rt, ['vendor-engineer'])).headers;
}, 60_000);
afterAll(async () => {
  await app?.close();
  await rt?.close();
});

describe('FHIR R4 read over the disclosure path', () => {
  it('reads a Patient, masked, carrying the watermark token of its ledger entry', async () => {
    const r = await as('doc-int', 'ws-int', {
      url: '/fhir/R4/Patient/p-1',
      headers: { 'x-custos-purpose': 'treatment' },
    });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toContain('application/fhir+json');
    expect(r.headers['cache-control']).toBe('no-store');
    const p = r.json();
    expect(p).toMatchObject({ resourceType: 'Patient', id: 'p-1', gender: 'male' });
    expect(p.name).toEqual([{ text: '张三丰' }]);
    expect(p.telecom).toContainEqual({ system: 'phone', value: '138****5678' });
    expect(r.body).not.toContain('13812345678');
    const token = r.headers['x-custos-watermark'] as string;
    expect(p.meta.tag[0].code).toBe(token);
    const entry = await rt.access.resolveWatermarkToken(rt.config.tenant, token);
    expect(entry).toMatchObject({ kind: 'disclosure.api', patientId: 'p-1', actorId: 'doc-int' });
    // Only the Patient's fields were asked for and ledgered (minimum necessary).
    expect(entry!.fields.every((f) => /^(demographics|contact)\./.test(f))).toBe(true);
    // _purpose works as well; without any purpose the answer is 400.
    const viaParam = await as('doc-int', 'ws-int', {
      url: '/fhir/R4/Patient/p-1?_purpose=treatment',
    });
    expect(viaParam.statusCode).toBe(200);
    const none = await as('doc-int', 'ws-int', { url: '/fhir/R4/Patient/p-1' });
    expect(none.statusCode).toBe(400);
    expect(none.json()).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [
        {
          code: 'invalid',
          details: { coding: [{ code: 'CUSTOS_BAD_REQUEST' }] },
          expression: ['purpose'],
        },
      ],
    });
  });

  it('$everything returns what the decision allowed, masked, and matches the console view', async () => {
    const r = await as('doc-int', 'ws-int', {
      url: '/fhir/R4/Patient/p-1/$everything?_purpose=treatment',
    });
    expect(r.statusCode).toBe(200);
    const b = r.json();
    expect(b).toMatchObject({ resourceType: 'Bundle', type: 'searchset' });
    expect(b.total).toBe(b.entry.length);
    expect(b.meta.tag[0].code).toBe(r.headers['x-custos-watermark']);
    const view = (
      await as('doc-int', 'ws-int', { url: '/api/patients/p-1/record?purpose=treatment' })
    ).json();
    const count = (t: string) => types(b).filter((x) => x === t).length;
    expect(types(b)[0]).toBe('Patient');
    expect(count('Condition')).toBe(view.record.diagnosis?.length ?? 0);
    expect(count('DocumentReference')).toBe(view.record.note?.length ?? 0);
    expect(count('Encounter')).toBe(view.record.encounter?.length ?? 0);
    expect(count('ImagingStudy')).toBe(view.record.imaging?.study?.length ?? 0);
    expect(count('Condition')).toBeGreaterThan(0);
    for (const e of b.entry) {
      expect(e.fullUrl).toMatch(/\/fhir\/R4\/\w+\/[\w-]+$/);
      if (e.resource.resourceType !== 'Patient')
        expect(e.resource.subject ?? e.resource.patient).toEqual(ref('Patient', 'p-1'));
    }
    // The note's text is masked as on screen (no phone number in clear).
    expect(Buffer.from(JSON.stringify(b)).toString()).not.toContain('13812345678');
    const note = b.entry.find((e: Json) => e.resource.resourceType === 'DocumentReference');
    if (note) {
      const text = Buffer.from(note.resource.content[0].attachment.data, 'base64').toString();
      expect(text).toBe(view.record.note[0].text);
    }

    const f = await as('doc-int', 'ws-int', {
      url: '/fhir/R4/Patient/p-fhir/$everything?_purpose=treatment',
    });
    expect(f.statusCode).toBe(200);
    const fb = f.json();
    expect(types(fb)).toEqual(
      expect.arrayContaining(['Patient', 'MedicationRequest', 'DiagnosticReport']),
    );
    const med = fb.entry.find((e: Json) => e.resource.resourceType === 'MedicationRequest');
    expect(med.resource).toMatchObject({
      id: 'med-f',
      intent: 'order',
      medicationCodeableConcept: { text: '氨氯地平 5mg' },
    });
  });

  it('compartment search by type asks only for that type and returns only it', async () => {
    for (const url of [
      '/fhir/R4/Condition?patient=p-1&_purpose=treatment',
      '/fhir/R4/Condition?patient=Patient/p-1&_purpose=treatment',
      '/fhir/R4/Patient/p-1/Condition?_purpose=treatment',
    ]) {
      const r = await as('doc-int', 'ws-int', { url });
      expect(r.statusCode, url).toBe(200);
      const b = r.json();
      expect(b.entry.length).toBeGreaterThan(0);
      expect(new Set(types(b))).toEqual(new Set(['Condition']));
      const entry = await rt.access.resolveWatermarkToken(
        rt.config.tenant,
        r.headers['x-custos-watermark'] as string,
      );
      expect(entry!.fields).toEqual(['diagnosis']);
    }
    const bad = await as('doc-int', 'ws-int', {
      url: '/fhir/R4/Secret?patient=p-1&_purpose=treatment',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().issue[0].expression).toEqual(['type']);
    const noPatient = await as('doc-int', 'ws-int', {
      url: '/fhir/R4/Condition?_purpose=treatment',
    });
    expect(noPatient.statusCode).toBe(400);
    expect(noPatient.json().issue[0].expression).toEqual(['patient']);
  });

  it('denies as a 403 OperationOutcome with the reason code and break-the-glass offer', async () => {
    const r = await as('doc-emd', 'ws-emd', {
      url: '/fhir/R4/Patient/p-1/$everything',
      headers: { 'x-custos-purpose': 'treatment' },
    });
    expect(r.statusCode).toBe(403);
    expect(r.headers['content-type']).toContain('application/fhir+json');
    const issue = r.json().issue[0];
    expect(issue.code).toBe('forbidden');
    expect(issue.details.coding.map((c: Json) => c.code)).toEqual([
      'CUSTOS_ACCESS_DENIED',
      'NO_TREATMENT_RELATIONSHIP',
    ]);
    expect(issue.extension).toEqual([
      {
        url: 'https://custos.dev/fhir/StructureDefinition/break-glass-available',
        valueBoolean: true,
      },
    ]);
    expect(r.body).not.toContain('张');
  });

  it('answers the same 404 for unknown, malformed and hidden patients', async () => {
    const bodies: string[] = [];
    for (const id of ['nobody', '%2E%2E%2Fsecret', 'p-r']) {
      const r = await as('clerk-reg', 'ws-reg', {
        url: `/fhir/R4/Patient/${id}?_purpose=operations`,
      });
      expect(r.statusCode, id).toBe(404);
      expect(r.json().issue[0]).toMatchObject({
        code: 'not-found',
        details: { coding: [{ code: 'CUSTOS_NOT_FOUND' }] },
      });
      bodies.push(r.body);
    }
    expect(new Set(bodies).size).toBe(1);
  });

  it('searches Patients by name, phone and identifier with masked candidates', async () => {
    const expectP1 = (r: Reply) => {
      expect(r.statusCode).toBe(200);
      const b = r.json();
      expect(b).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 1 });
      const p = b.entry[0].resource;
      expect(p).toMatchObject({ resourceType: 'Patient', id: 'p-1', birthDate: '1949' });
      expect(p.name).toEqual([{ text: '张*丰' }]);
      expect(p.telecom).toBeUndefined();
      expect(r.body).not.toContain('110105194912310021');
      expect(b.meta.tag[0].code).toBe(r.headers['x-custos-watermark']);
    };
    const q = (s: string) =>
      as('clerk-reg', 'ws-reg', {
        url: `/fhir/R4/Patient?${s}`,
        headers: { 'x-custos-purpose': 'operations' },
      });
    expectP1(await q(`name=${encodeURIComponent('张三丰')}`));
    expectP1(await q('phone=13812345678'));
    expectP1(await q('identifier=MRN0001'));
    expectP1(await q('identifier=110105194912310021'));
    expectP1(
      await q(`identifier=${encodeURIComponent('urn:oid:2.16.156.10011.1.1|110105194912310021')}`),
    );
    const empty = await q('name=nobody-here');
    expect(empty.json()).toMatchObject({ total: 0, entry: [] });
    const noCriteria = await q('');
    expect(noCriteria.statusCode).toBe(400);
    expect(noCriteria.json().resourceType).toBe('OperationOutcome');
  });

  it('refuses vendors and anonymous callers with an OperationOutcome', async () => {
    const vendor = await app.inject({
      url: '/fhir/R4/Patient?name=x&_purpose=operations',
      headers: vendorHeaders,
    });
    expect(vendor.statusCode).toBe(403);
    // Refused before any lookup (outside a maintenance window, or by the search decision).
    expect(vendor.json().issue[0].code).toBe('forbidden');
    expect(['CUSTOS_FORBIDDEN', 'CUSTOS_ACCESS_DENIED']).toContain(
      vendor.json().issue[0].details.coding[0].code,
    );
    const anon = await app.inject({ url: '/fhir/R4/Patient/p-1?_purpose=treatment' });
    expect(anon.statusCode).toBe(401);
    expect(anon.json()).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ code: 'login', details: { coding: [{ code: 'CUSTOS_UNAUTHENTICATED' }] } }],
    });
  });
});
