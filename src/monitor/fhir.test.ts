import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isCustosError } from '../errors/index.ts';
import { runMonitor } from './engine.ts';
import {
  auditEventToAccess,
  readAuditEvents,
  readFhirFolder,
  type AuditReadReport,
} from './fhir.ts';
import { resolveMonitorConfig } from './config.ts';
import { IncidentKind, type AccessEvent } from './types.ts';

const dir = mkdtempSync(join(tmpdir(), 'custos-monitor-fhir-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NID = 'urn:oid:2.16.156.10011.1.1';
const conf = (code: string) => ({
  system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality',
  code,
});
const hospital = { resourceType: 'Organization', id: 'h', name: 'City Hospital' };
const dept = (id: string, name: string) => ({
  resourceType: 'Organization',
  id,
  name,
  partOf: { reference: 'Organization/h' },
});
const practitioner = (id: string, extra: object = {}) => ({
  resourceType: 'Practitioner',
  id,
  identifier: [{ system: 'staff', value: `S-${id}` }],
  ...extra,
});
const role = (id: string, who: string, org: string, code: string, period?: object) => ({
  resourceType: 'PractitionerRole',
  id,
  practitioner: { reference: `Practitioner/${who}` },
  organization: { reference: `Organization/${org}` },
  code: [{ coding: [{ code }] }],
  ...(period ? { period } : {}),
});
const resources = [
  hospital,
  dept('obs', 'Obstetrics 产科'),
  dept('ed', 'Emergency'),
  { resourceType: 'Organization', id: 'lab-co', name: 'Outside Lab' },
  { resourceType: 'Device', id: 'lab-app', owner: { reference: 'Organization/lab-co' } },
  practitioner('doc', { name: [{ family: '李' }] }),
  practitioner('nurse', {
    name: [{ family: '王' }],
    address: [{ text: '北京市海淀区学院路 1号 2-301' }],
    telecom: [{ system: 'phone', value: '+86 138 0013 8000' }],
    identifier: [{ system: NID, value: '11010519491231002X' }],
  }),
  practitioner('gone', { active: false }),
  role('r-doc', 'doc', 'ed', 'physician'),
  role('r-nurse', 'nurse', 'obs', 'nurse'),
  role('r-gone', 'gone', 'ed', 'nurse', { start: '2020-01-01', end: '2025-01-01' }),
  {
    resourceType: 'Patient',
    id: 'p1',
    identifier: [{ type: { coding: [{ code: 'MR' }] }, value: 'MR000101' }],
    name: [{ family: '张' }],
  },
  {
    resourceType: 'Patient',
    id: 'star',
    meta: { security: [conf('V')] },
    name: [{ family: '刘' }],
  },
  {
    resourceType: 'Patient',
    id: 'mother',
    name: [{ family: '王' }],
    address: [{ text: '北京市海淀区学院路1号2-301' }],
  },
  {
    resourceType: 'Patient',
    id: 'self',
    identifier: [{ system: NID, value: '11010519491231002x' }],
  },
  {
    resourceType: 'Encounter',
    id: 'e1',
    class: { code: 'AMB' },
    subject: { reference: 'Patient/p1' },
    serviceProvider: { reference: 'Organization/ed' },
    participant: [{ individual: { reference: 'PractitionerRole/r-doc' } }],
    period: { start: '2025-03-03T09:00:00+08:00', end: '2025-03-03T10:00:00+08:00' },
  },
  {
    resourceType: 'Encounter',
    id: 'e2',
    class: { code: 'IMP' },
    subject: { reference: 'Patient/mother' },
    serviceProvider: { reference: 'Organization/obs' },
    participant: [],
    period: { start: '2025-02-20T09:00:00+08:00', end: '2025-02-22T10:00:00+08:00' },
  },
  {
    resourceType: 'ServiceRequest',
    id: 'sr1',
    subject: { reference: 'Patient/p1' },
    requester: { reference: 'Practitioner/doc' },
    performer: [{ reference: 'Organization/lab-co' }],
    authoredOn: '2025-03-03T09:30:00+08:00',
  },
];

const audit = (
  id: string,
  who: string,
  patient: string,
  recorded: string,
  extra: Record<string, unknown> = {},
) => ({
  resourceType: 'AuditEvent',
  id,
  type: { code: 'rest' },
  subtype: [{ code: 'read' }],
  recorded,
  agent: [{ who: { reference: who }, requestor: true, network: { address: '10.0.0.5' } }],
  source: { observer: { display: 'emr' }, site: 'ws-1' },
  entity: [{ what: { reference: `Patient/${patient}` } }],
  ...extra,
});

describe('FHIR import', () => {
  it('maps staff, patients and the care graph, and finds snooping in AuditEvents', async () => {
    const fhir = join(dir, 'fhir');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(fhir);
    const byType = new Map<string, object[]>();
    for (const r of resources) {
      const l = byType.get(r.resourceType) ?? [];
      l.push(r);
      byType.set(r.resourceType, l);
    }
    for (const [t, list] of byType)
      writeFileSync(
        join(fhir, `${t}.ndjson`),
        list.map((r) => JSON.stringify(r)).join('\n') + '\n{oops\n',
      );
    writeFileSync(join(fhir, 'notes.txt'), 'ignored');
    const { facts, report, builder } = await readFhirFolder(fhir, {
      now: Date.parse('2025-03-10T00:00:00Z'),
    });
    expect(report.malformedLines).toBe(byType.size);
    const staff = new Map(facts.staff.map((s) => [s.id, s]));
    expect(staff.get('doc')).toMatchObject({
      role: 'physician',
      department: 'ed',
      status: 'active',
    });
    expect(staff.get('gone')?.status).toBe('departed');
    const patients = new Map(facts.patients.map((p) => [p.id, p]));
    expect(patients.get('star')?.vip).toBe(true);
    expect(patients.get('p1')?.mrnNumber).toBe(101);
    expect(patients.get('mother')?.maternity).toBe(true);
    // Address keys match despite spacing; national ID keys match despite case.
    expect(patients.get('mother')?.addressKey).toBe(staff.get('nurse')?.addressKey);
    expect(patients.get('self')?.nationalIdKey).toBe(staff.get('nurse')?.nationalIdKey);
    // No clear personal data survives the import.
    expect(JSON.stringify(facts)).not.toMatch(/学院路|138|11010519|王|刘/);
    expect(facts.care.encounters.find((e) => e.id === 'e1')?.participants).toEqual(['doc']);
    expect(facts.care.orders?.some((o) => o.performerClient === 'lab-app')).toBe(true);

    const auditFile = join(dir, 'audit.ndjson');
    const lines = [
      audit('a1', 'Practitioner/doc', 'p1', '2025-03-03T09:40:00+08:00'),
      audit('a2', 'Practitioner/nurse', 'star', '2025-03-03T11:00:00+08:00'),
      audit('a3', 'PractitionerRole/r-nurse', 'mother', '2025-03-03T11:05:00+08:00'),
      audit('a4', 'Practitioner/nurse', 'self', '2025-03-03T11:06:00+08:00'),
      audit('a5', 'Practitioner/gone', 'p1', '2025-03-04T11:00:00+08:00'),
      audit('a6', 'Device/lab-app', 'p1', '2025-03-03T12:00:00+08:00'),
      audit('a7', 'Practitioner/doc', 'p1', '2025-03-03T12:00:00+08:00', {
        agent: [{ who: { reference: 'Practitioner/doc' }, network: { address: '203.0.113.9' } }],
      }),
      { resourceType: 'AuditEvent', id: 'no-agent', recorded: '2025-03-03T12:00:00+08:00' },
    ];
    writeFileSync(auditFile, lines.map((l) => JSON.stringify(l)).join('\n') + '\nnot json\n');
    const rr: AuditReadReport = { lines: 0, malformedLines: 0, skipped: 0 };
    const events: AccessEvent[] = [];
    for await (const e of readAuditEvents(auditFile, rr, builder)) events.push(e);
    expect(rr).toMatchObject({ lines: 8, malformedLines: 1, skipped: 1 });
    expect(events.find((e) => e.id === 'a3')?.actorId).toBe('nurse');
    expect(events.find((e) => e.id === 'a6')?.actorKind).toBe('client');
    const config = resolveMonitorConfig({
      geoNetworks: [{ cidr: '203.0.113.0/24', country: 'US' }],
    });
    const r = runMonitor(events, { facts: builder.build(), config });
    const kinds = (actor: string) =>
      r.alerts.filter((a) => a.actorId === actor).flatMap((a) => a.kinds);
    expect(kinds('nurse')).toEqual(
      expect.arrayContaining([
        IncidentKind.VipSnooping,
        IncidentKind.FamilyLookup,
        IncidentKind.SelfLookup,
      ]),
    );
    expect(kinds('gone')).toContain(IncidentKind.AccountMisuse);
    expect(kinds('doc')).toEqual([IncidentKind.UnusualNetwork]);
    expect(kinds('lab-app')).toEqual([]);
    expect(r.stats.explained).toBeGreaterThanOrEqual(2);
  });

  it('maps subtypes, purposes and instance counts', () => {
    const e = auditEventToAccess({
      resourceType: 'AuditEvent',
      id: 'x',
      recorded: '2025-03-03T12:00:00Z',
      subtype: [{ code: '110106' }],
      purposeOfEvent: [{ coding: [{ code: 'BTG' }] }],
      agent: [{ who: { reference: 'Practitioner/v1' } }],
      entity: [
        { what: { reference: 'Patient/a' } },
        { what: { reference: 'Patient/b' } },
        {
          what: { reference: 'ImagingStudy/s' },
          detail: [{ type: 'NumberOfInstances', valueString: '250' }],
        },
      ],
    });
    expect(e).toMatchObject({
      action: 'export',
      patientIds: ['a', 'b'],
      instances: 250,
      breakGlass: true,
      purpose: 'emergency',
      categories: expect.arrayContaining(['demographics', 'imaging']),
    });
    expect(auditEventToAccess({ resourceType: 'Patient', id: 'p' })).toBeUndefined();
    expect(auditEventToAccess(null)).toBeUndefined();
    expect(
      auditEventToAccess({ resourceType: 'AuditEvent', recorded: 'yesterday', agent: [] }),
    ).toBeUndefined();
  });

  it('refuses missing inputs with a stable code', async () => {
    await expect(readFhirFolder(join(dir, 'nope'))).rejects.toSatisfy((e) =>
      isCustosError(e, 'CUSTOS_INPUT_INVALID'),
    );
    const gen = readAuditEvents(join(dir, 'nope.ndjson'), {
      lines: 0,
      malformedLines: 0,
      skipped: 0,
    });
    await expect(gen.next()).rejects.toSatisfy((e) => isCustosError(e, 'CUSTOS_INPUT_INVALID'));
  });
});
