import { createSocket } from 'node:dgram';
import { createServer, type AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../store/index.ts';
import { fromFhirAuditEvent, toFhirAuditEvent } from './fhir.ts';
import { importAuditLog, parseCsvMapping } from './import.ts';
import { createLedger, type Ledger } from './ledger.ts';
import type { LedgerTables } from './migrations.ts';
import { queryEntries, streamEntries } from './query.ts';
import { createTestSigner } from './signer.ts';
import { formatSyslogMessage, openSyslogSender } from './syslog.ts';
import { createLedgerTestStore, createTickingClock, sampleEntry } from './testing.ts';
import type { LedgerEntry } from './types.ts';
import { verifyLedger } from './verify.ts';

let store: Store & { ledgerDb: Kysely<LedgerTables> };
let db: Kysely<LedgerTables>;
let ledger: Ledger;
const signer = createTestSigner();

beforeAll(async () => {
  store = await createLedgerTestStore();
  db = store.ledgerDb;
  ledger = createLedger(db, {
    signer,
    headEvery: 50,
    headIntervalMs: 0,
    clock: createTickingClock(),
  });
  await ledger.appendEntries(
    'src',
    Array.from({ length: 20 }, (_, i) => sampleEntry(i)),
  );
  await ledger.appendEntry('src', {
    kind: 'login-failed',
    actor: { type: 'staff', id: 'n-1' },
    decision: 'deny',
    reasons: ['bad-password'],
    networkAddress: '10.1.1.1',
  });
  await ledger.appendEntry('src', {
    kind: 'admin',
    actor: { type: 'staff', id: 'admin-1' },
    action: 'policy.update',
    details: { policy: 'treatment/read' },
  });
  await ledger.appendEntry('src', {
    kind: 'break-glass',
    actor: { type: 'staff', id: 'dr-1', department: 'ed' },
    patientId: 'p-9',
    purpose: 'emergency',
    reasons: ['unconscious'],
  });
});
afterAll(async () => {
  await ledger.close();
  await store.close();
});

async function allEntries(tenant: string): Promise<LedgerEntry[]> {
  const out: LedgerEntry[] = [];
  for await (const e of streamEntries(db, { tenant })) out.push(e);
  return out;
}

const lines = (xs: string[]): Readable => Readable.from(xs.map((x) => `${x}\n`));

describe('FHIR AuditEvent out', () => {
  it('uses BALP and DICOM codes and carries the ledger position', async () => {
    const [read] = await allEntries('src');
    const ev = toFhirAuditEvent(read!) as { [k: string]: unknown };
    expect(ev).toMatchObject({
      resourceType: 'AuditEvent',
      id: 'src-1',
      meta: {
        profile: [
          'https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PatientRead',
        ],
      },
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest' },
      action: 'R',
      outcome: '0',
      purposeOfEvent: [
        {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'TREAT' }],
        },
      ],
    });
    expect(JSON.stringify(ev)).toContain('"reference":"Patient/patient-0"');
    const failed = (await allEntries('src')).find((e) => e.kind === 'login-failed')!;
    expect(toFhirAuditEvent(failed)).toMatchObject({ type: { code: '110114' }, outcome: '4' });
  });

  it('re-imports its own export losslessly in kind, actor, patient, purpose and time', async () => {
    const src = await allEntries('src');
    const ndjson = src.map((e) => JSON.stringify(toFhirAuditEvent(e)));
    const r = await importAuditLog(ledger, {
      tenant: 'copy',
      format: 'fhir',
      input: lines(ndjson),
    });
    expect(r).toMatchObject({
      lines: src.length,
      accepted: src.length,
      duplicates: 0,
      rejected: 0,
    });
    const copy = await allEntries('copy');
    expect(
      copy.map((e) => [
        e.kind,
        e.actorType,
        e.actorId,
        e.department,
        e.patientId,
        e.purpose,
        e.occurredAt.getTime(),
        e.workstation,
        e.networkAddress,
      ]),
    ).toEqual(
      src.map((e) => [
        e.kind,
        e.actorType,
        e.actorId,
        e.department,
        e.patientId,
        e.purpose,
        e.occurredAt.getTime(),
        e.workstation,
        e.networkAddress,
      ]),
    );
    expect(copy.every((e) => e.sourceSystem === 'Custos' && e.channel === 'import')).toBe(true);
  });
});

describe('import', () => {
  const pacsExport = (id: string, patient: string) =>
    JSON.stringify({
      resourceType: 'AuditEvent',
      id,
      type: {
        system: 'http://dicom.nema.org/resources/ontology/DCM',
        code: '110106',
        display: 'Export',
      },
      action: 'R',
      recorded: '2024-11-02T03:04:05+08:00',
      outcome: '0',
      agent: [
        {
          who: { reference: 'Practitioner/tech-7' },
          requestor: true,
          network: { address: '203.0.113.9', type: '2' },
        },
      ],
      source: { observer: { display: 'PACS-1' } },
      entity: [
        { what: { reference: `Patient/${patient}` } },
        {
          what: { reference: 'ImagingStudy/s1' },
          detail: [{ type: 'NumberOfInstances', valueString: '120' }],
        },
      ],
    });

  it('reports hostile lines with line number and reason and keeps every good one', async () => {
    const input = [
      pacsExport('e1', 'p1'),
      '{"resourceType": "AuditEvent", "id": "x"', // truncated
      '',
      '[1,2,3]',
      JSON.stringify({ resourceType: 'Patient', id: 'p1' }),
      JSON.stringify({
        resourceType: 'AuditEvent',
        id: 'no-time',
        agent: [{ who: { reference: 'Practitioner/a' } }],
      }),
      JSON.stringify({
        resourceType: 'AuditEvent',
        id: 'no-agent',
        recorded: '2024-01-01T00:00:00Z',
        source: { observer: { display: 'HIS' } },
      }),
      JSON.stringify({
        resourceType: 'AuditEvent',
        id: 'nul',
        recorded: '2024-01-01T00:00:00Z',
        agent: [{ who: { identifier: { value: 'a\u0000b' } } }],
        source: { observer: { display: 'HIS' } },
      }),
      JSON.stringify({
        resourceType: 'AuditEvent',
        id: 'deep',
        recorded: '2024-01-01T00:00:00Z',
        agent: { who: 1 },
        entity: 'x',
        subtype: [null, 5, { code: {} }],
      }),
      '\u0000\u0001garbage',
      pacsExport('e2', 'p2'),
    ];
    const r = await importAuditLog(ledger, { tenant: 'imp', format: 'fhir', input: lines(input) });
    expect(r.accepted).toBe(2);
    expect(r.rejected).toBe(8);
    expect(r.rejections.map((x) => x.line)).toEqual([2, 4, 5, 6, 7, 8, 9, 10]);
    expect(r.rejections[0]?.reason).toMatch(/JSON/);
    expect(r.rejections[2]?.reason).toMatch(/not AuditEvent/);
    expect(r.rejections[3]?.reason).toMatch(/recorded/);
    expect(r.rejections[4]?.reason).toMatch(/agent/);
    expect(r.rejections[5]?.reason).toMatch(/NUL/);
    const page = await queryEntries(db, { tenant: 'imp', sourceSystem: 'PACS-1' });
    expect(
      page.entries.map((e) => [e.kind, e.actorId, e.patientId, e.networkAddress, e.details]),
    ).toEqual([
      [
        'disclosure.export',
        'tech-7',
        'p2',
        '203.0.113.9',
        '{"importedType":["110106"],"instances":120}',
      ],
      [
        'disclosure.export',
        'tech-7',
        'p1',
        '203.0.113.9',
        '{"importedType":["110106"],"instances":120}',
      ],
    ]);
    expect(page.entries[0]?.occurredAt.toISOString()).toBe('2024-11-01T19:04:05.000Z');
  });

  it('re-importing adds nothing, also for duplicates inside one file', async () => {
    const file = [pacsExport('d1', 'p1'), pacsExport('d2', 'p2'), pacsExport('d1', 'p1')];
    const first = await importAuditLog(ledger, {
      tenant: 'dup',
      format: 'fhir',
      input: lines(file),
      batchSize: 2,
    });
    expect(first).toMatchObject({ accepted: 2, duplicates: 1 });
    const again = await importAuditLog(ledger, {
      tenant: 'dup',
      format: 'fhir',
      input: lines(file),
    });
    expect(again).toMatchObject({ accepted: 0, duplicates: 3 });
    expect((await allEntries('dup')).length).toBe(2);
    expect((await verifyLedger(db, { tenant: 'dup' })).ok).toBe(true);
  });

  it('imports CSV through a column mapping, reporting malformed records', async () => {
    const mapping = parseCsvMapping(
      JSON.stringify({
        columns: {
          id: 'LogID',
          recorded: 'AccessTime',
          kind: 'Action',
          actor_id: 'UserCode',
          department: 'Dept',
          patient_id: 'PatientNo',
          fields: 'Items',
          network_address: 'IP',
          decision: 'Result',
        },
        kinds: { VIEW: 'disclosure.read', PRINT: 'disclosure.print', QUERY: 'disclosure.search' },
        decisions: { OK: 'permit', REFUSED: 'deny' },
        sourceSystem: 'HIS-A',
        timeFormat: 'local',
        timeZone: '+08:00',
      }),
    );
    const csv = [
      'LogID,AccessTime,Action,UserCode,Dept,PatientNo,Items,IP,Result',
      '1,2024-03-01 09:15:00,VIEW,n-01,obstetrics,P100,name;phone,10.2.0.1,OK',
      '2,2024-03-01 09:16:00,PRINT,n-01,obstetrics,P101,name,10.2.0.1,OK',
      '3,not a time,VIEW,n-02,obstetrics,P102,,10.2.0.2,OK',
      '4,2024-03-01 09:17:00,DANCE,n-02,obstetrics,P102,,10.2.0.2,OK',
      '5,2024-03-01 09:18:00,VIEW,n-03,"unclosed,P1,,,OK',
    ].join('\n');
    const more =
      '6,2024-03-01 09:19:00,QUERY,n-04,icu,P103,,10.2.0.4,REFUSED\n7,2024-03-01 09:20:00,VIEW,,icu,P103,,,OK\n';
    const r = await importAuditLog(ledger, {
      tenant: 'csv',
      format: 'csv',
      input: Readable.from([csv + '\n', more]),
      mapping,
    });
    expect(r.accepted).toBeGreaterThanOrEqual(2);
    const rows = await allEntries('csv');
    expect(
      rows
        .slice(0, 2)
        .map((e) => [
          e.kind,
          e.actorId,
          e.department,
          e.patientId,
          e.fields,
          e.sourceSystem,
          e.occurredAt.toISOString(),
        ]),
    ).toEqual([
      [
        'disclosure.read',
        'n-01',
        'obstetrics',
        'P100',
        ['name', 'phone'],
        'HIS-A',
        '2024-03-01T01:15:00.000Z',
      ],
      [
        'disclosure.print',
        'n-01',
        'obstetrics',
        'P101',
        ['name'],
        'HIS-A',
        '2024-03-01T01:16:00.000Z',
      ],
    ]);
    expect(r.rejections.find((x) => x.line === 4)?.reason).toMatch(/time/);
    expect(r.rejections.find((x) => x.line === 5)?.reason).toMatch(/not mapped/);
    expect(r.accepted + r.rejected).toBe(r.lines);
    // the unclosed quote swallows the rest of the file into one malformed record: reported, no crash
    expect(r.rejections.some((x) => /malformed CSV|actor/.test(x.reason))).toBe(true);
  });

  it('refuses a mapping with unknown fields or kinds', () => {
    expect(() => parseCsvMapping('{"columns": {"password": "x"}}')).toThrow(/unknown field/);
    expect(() => parseCsvMapping('{"kinds": {"X": "steal"}}')).toThrow(/unknown kind/);
    expect(() => parseCsvMapping('nope')).toThrow(/not JSON/);
  });

  it('maps imported failures to denials', () => {
    const m = fromFhirAuditEvent(
      {
        resourceType: 'AuditEvent',
        id: 'f',
        recorded: '2024-01-01T00:00:00Z',
        outcome: '4',
        subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: 'read' }],
        agent: [{ who: { reference: 'Device/vendor-app' }, requestor: true }],
        source: { observer: { display: 'EMR' } },
      },
      null,
      '',
    );
    expect(m).toMatchObject({
      ok: true,
      entry: { kind: 'denial', actor: { type: 'client', id: 'vendor-app' }, decision: 'deny' },
    });
  });
});

describe('syslog out', () => {
  it('formats RFC 5424 with ATNA priority and escapes structured data', async () => {
    const [e] = await allEntries('src');
    const msg = formatSyslogMessage(
      { ...e!, tenant: 'a"b]' },
      { hostname: 'host one', appName: 'custos' },
    );
    expect(msg).toMatch(
      /^<85>1 \d{4}-\d{2}-\d{2}T[\d:.]+Z host_one custos - IHE\+FHIR \[custos@32473 tenant="a\\"b\\]" seq="1" kind="disclosure.read"\] \uFEFF\{/,
    );
    expect(JSON.parse(msg.slice(msg.indexOf('\uFEFF') + 1))).toMatchObject({
      resourceType: 'AuditEvent',
    });
  });

  it('streams octet-counted frames to a TCP receiver', async () => {
    const chunks: Buffer[] = [];
    const server = createServer((s) => s.on('data', (d: Buffer) => chunks.push(d)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const done = new Promise<void>((r) => server.on('connection', (s) => s.on('end', r)));
    const sender = await openSyslogSender({
      host: '127.0.0.1',
      port: (server.address() as AddressInfo).port,
      protocol: 'tcp',
      hostname: 'h',
    });
    const entries = await allEntries('src');
    for (const e of entries) await sender.send(e);
    await sender.close();
    await done;
    server.close();
    let buf = Buffer.concat(chunks);
    const msgs: string[] = [];
    while (buf.length > 0) {
      const sp = buf.indexOf(0x20);
      const len = Number(buf.subarray(0, sp).toString('ascii'));
      msgs.push(buf.subarray(sp + 1, sp + 1 + len).toString('utf8'));
      buf = buf.subarray(sp + 1 + len);
    }
    expect(msgs).toHaveLength(entries.length);
    expect(msgs.map((m) => /seq="(\d+)"/.exec(m)?.[1])).toEqual(entries.map((e) => String(e.seq)));
  });

  it('sends one datagram per entry over UDP, and refuses an unreachable TCP receiver', async () => {
    const sock = createSocket('udp4');
    const got: string[] = [];
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
    const all = new Promise<void>((r) =>
      sock.on('message', (m) => (got.push(m.toString('utf8')), got.length === 3 && r())),
    );
    const sender = await openSyslogSender({
      host: '127.0.0.1',
      port: sock.address().port,
      protocol: 'udp',
    });
    for (const e of (await allEntries('src')).slice(0, 3)) await sender.send(e);
    await all;
    await sender.close();
    sock.close();
    expect(got.every((m) => m.startsWith('<85>1 '))).toBe(true);
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await expect(
      openSyslogSender({ host: '127.0.0.1', port, protocol: 'tcp' }),
    ).rejects.toMatchObject({ code: 'CUSTOS_LEDGER_UNAVAILABLE' });
  });
});
