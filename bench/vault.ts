/**
 * `npm run bench -- vault [--patients N] [--reads N] [--rounds N] [--no-aead]`: records/s of encrypted writes and reads
 * through the vault against the same operations on plaintext columns in the same database and run,
 * and raw AEAD throughput of both cipher suites. Goal: encrypted read >= 50% of plaintext read.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompiledQuery, sql } from 'kysely';
import { generateDataKey, initKeyring, open, seal, type CipherSuite } from '../src/crypto/index.ts';
import { createTestStore } from '../src/store/index.ts';
import { compareRecordOrder, metaOfTuple, type MetaTuple } from '../src/vault/records.ts';
import {
  openVault,
  readPatientRecord,
  readResource,
  vaultMigrations,
  writeResources,
  type FhirResource,
} from '../src/vault/index.ts';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

const PATIENTS = arg('patients', 2000);
const READS = arg('reads', 3000);
const ROUNDS = arg('rounds', 3);
const BATCH = 500;

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周'];
const GIVEN = ['伟', '芳', '娜', '秀英', '敏', '静', '丽', '强', '磊', '军'];

/** One patient's resources, about the size of a demo-hospital record. */
function patientResources(i: number): FhirResource[] {
  const id = `p${i}`;
  const name = `${SURNAMES[i % 10]}${GIVEN[(i * 7) % 10]}${GIVEN[(i * 3) % 10]}`;
  const day = `2024-0${1 + (i % 9)}-1${i % 10}`;
  return [
    {
      resourceType: 'Patient',
      id,
      identifier: [
        {
          system: 'urn:oid:2.16.156.10011.1.1',
          value: `11010119${String(800101 + i).padStart(6, '0')}123X`,
        },
        { type: { coding: [{ code: 'MR' }] }, system: 'urn:mrn', value: `MRN${i}` },
      ],
      name: [{ text: name, family: name[0], given: [name.slice(1)] }],
      telecom: [{ system: 'phone', value: `138${String(i).padStart(8, '0')}` }],
      gender: i % 2 ? 'female' : 'male',
      birthDate: '1980-01-01',
      address: [{ text: `北京市朝阳区建国路${i}号` }],
    },
    {
      resourceType: 'Encounter',
      id: `${id}-e`,
      status: 'finished',
      class: { code: 'AMB' },
      subject: { reference: `Patient/${id}` },
      participant: [{ individual: { reference: 'Practitioner/dr1' } }],
      period: { start: `${day}T08:00:00+08:00`, end: `${day}T09:00:00+08:00` },
      serviceProvider: { reference: 'Organization/dept1' },
    },
    {
      resourceType: 'Condition',
      id: `${id}-c`,
      code: {
        coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: 'J18.9', display: '肺炎' }],
        text: '社区获得性肺炎',
      },
      subject: { reference: `Patient/${id}` },
      encounter: { reference: `Encounter/${id}-e` },
      recordedDate: day,
    },
    {
      resourceType: 'Observation',
      id: `${id}-o`,
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] },
      subject: { reference: `Patient/${id}` },
      effectiveDateTime: `${day}T08:30:00+08:00`,
      valueQuantity: { value: 120, unit: 'mmHg' },
    },
    {
      resourceType: 'DocumentReference',
      id: `${id}-d`,
      status: 'current',
      subject: { reference: `Patient/${id}` },
      content: [
        {
          attachment: {
            contentType: 'text/plain',
            data: Buffer.from(
              `患者${name}，主诉咳嗽三天，发热。查体：双肺呼吸音粗。诊断：社区获得性肺炎。`.repeat(
                4,
              ),
            ).toString('base64'),
          },
        },
      ],
    },
  ];
}

function timed<T>(fn: () => Promise<T>): Promise<{ result: T; wall: number; cpu: number }> {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  return fn().then((result) => {
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const c = process.cpuUsage(c0);
    return { result, wall, cpu: (c.user + c.system) / 1e6 };
  });
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const keyDir = mkdtempSync(join(tmpdir(), 'custos-bench-vault-'));
  const store = await createTestStore(vaultMigrations);
  const keyring = await initKeyring(keyDir, 'bench', { kdf: { N: 1024 } });
  const vault = await openVault(store.db, keyring);
  await sql`create table bench_plain (
      tenant_id text not null, resource_type text not null, id text not null, patient_id text,
      status text, period_start timestamptz, meta text, body jsonb not null,
      primary key (tenant_id, resource_type, id))`.execute(store.db);
  await sql`create index bench_plain_patient on bench_plain (tenant_id, patient_id)`.execute(
    store.db,
  );
  await writeResources(vault, 'bench', [
    { resourceType: 'Organization', id: 'dept1', name: '内科' },
    { resourceType: 'Practitioner', id: 'dr1', name: [{ text: '王医生' }] },
  ]);

  const all: FhirResource[][] = [];
  for (let i = 0; i < PATIENTS; i++) all.push(patientResources(i));
  const flat = all.flat();
  const records = flat.length;
  console.log(
    `vault bench: ${PATIENTS} patients, ${records} resources, batches of ${BATCH}, PGlite in memory`,
  );

  // Writes: plaintext baseline (same multi-row batches, clear JSON) then the vault.
  const plainWrite = await timed(async () => {
    for (let i = 0; i < flat.length; i += BATCH) {
      const part = flat.slice(i, i + BATCH);
      await store.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('bench_plain')
          .values(
            part.map((r) => ({
              tenant_id: 'bench',
              resource_type: r.resourceType,
              id: r.id,
              patient_id:
                r.resourceType === 'Patient'
                  ? r.id
                  : ((r.subject as { reference: string }).reference.split('/')[1] ?? null),
              status: typeof r.status === 'string' ? r.status : null,
              period_start: null,
              body: JSON.stringify(r),
            })),
          )
          .execute();
      });
    }
  });
  const encWrite = await timed(async () => {
    for (let i = 0; i < flat.length; i += BATCH)
      await writeResources(vault, 'bench', structuredClone(flat.slice(i, i + BATCH)), {
        mutate: true,
      });
  });

  // The plaintext table gets the same packed clear columns the vault keeps (not timed: the
  // plaintext write above is the cheaper for it).
  await sql`update bench_plain p set meta = r.meta from vault_resource r
    where r.tenant_id = p.tenant_id and r.resource_type = p.resource_type and r.id = p.id`.execute(
    store.db,
  );

  // Two plaintext baselines, both sending constant statement text as the vault's reads do (no
  // query building): "same read" returns what the vault's read returns — the resource and its
  // clear metadata (types, ids, dates as Date objects), a record sorted the same way — from
  // plaintext columns, so that the ratio is the cost of encryption alone; "bodies only" returns
  // just the parsed clear bodies (the baseline of earlier figures).
  type PlainRow = { m: string; body: unknown };
  const stored = (row: PlainRow) => ({
    resource: typeof row.body === 'string' ? JSON.parse(row.body) : row.body,
    meta: metaOfTuple(JSON.parse(row.m) as MetaTuple),
  });

  // Reads by id (one record per query), random order, same ids for all.
  const picks = Array.from({ length: READS }, (_, k) => flat[(k * 7919) % flat.length]!);
  const plainByIdBodies = `select body from bench_plain where tenant_id = $1 and resource_type = $2 and id = $3`;
  const plainByIdSame = `select meta as m, body from bench_plain where tenant_id = $1 and resource_type = $2 and id = $3`;
  const plainReadBodies = async () => {
    for (const r of picks) {
      const res = await store.db.executeQuery<{ body: unknown }>(
        CompiledQuery.raw(plainByIdBodies, ['bench', r.resourceType, r.id!]),
      );
      const row = res.rows[0];
      if (!row) throw new Error('missing row');
      if (typeof row.body === 'string') JSON.parse(row.body);
    }
    return picks.length;
  };
  const plainReadSame = async () => {
    for (const r of picks) {
      const res = await store.db.executeQuery<PlainRow>(
        CompiledQuery.raw(plainByIdSame, ['bench', r.resourceType, r.id!]),
      );
      const row = res.rows[0];
      if (!row) throw new Error('missing row');
      stored(row);
    }
    return picks.length;
  };
  const encRead = async () => {
    for (const r of picks) await readResource(vault, 'bench', r.resourceType, r.id!);
    return picks.length;
  };

  // Whole patient records (one query per patient).
  const pats = Array.from(
    { length: Math.min(READS, PATIENTS) },
    (_, k) => `p${(k * 104729) % PATIENTS}`,
  );
  const plainByPatientBodies = `select body from bench_plain where tenant_id = $1 and patient_id = $2`;
  const plainByPatientSame = `select meta as m, body from bench_plain where tenant_id = $1 and patient_id = $2 limit $3`;
  const plainRecordBodies = async () => {
    let n = 0;
    for (const p of pats) {
      const res = await store.db.executeQuery<{ body: unknown }>(
        CompiledQuery.raw(plainByPatientBodies, ['bench', p]),
      );
      for (const row of res.rows) if (typeof row.body === 'string') JSON.parse(row.body);
      n += res.rows.length;
    }
    return n;
  };
  const plainRecordSame = async () => {
    let n = 0;
    for (const p of pats) {
      const res = await store.db.executeQuery<PlainRow>(
        CompiledQuery.raw(plainByPatientSame, ['bench', p, 10_000]),
      );
      n += res.rows.map(stored).sort(compareRecordOrder).length;
    }
    return n;
  };
  const encRecord = async () => {
    let n = 0;
    for (const p of pats) n += (await readPatientRecord(vault, 'bench', p)).length;
    return n;
  };

  // Each read is measured in ROUNDS rounds of: plaintext, encrypted with a cold key cache (caches
  // cleared), encrypted again with the keys cached. A round's ratios compare passes run back to
  // back under the same machine load; the table gives the median round of each figure.
  type Timing = { result: number; wall: number; cpu: number };
  const samples = new Map<string, { plain: Timing; enc: Timing }[]>();
  const add = (name: string, plain: Timing, enc: Timing) =>
    samples.set(name, [...(samples.get(name) ?? []), { plain, enc }]);
  for (let round = 0; round < ROUNDS; round++) {
    const p1 = await timed(plainReadSame);
    const p1b = await timed(plainReadBodies);
    vault.clearCaches();
    const cold1 = await timed(encRead);
    const warm1 = await timed(encRead);
    add('read one resource by id, data keys cached', p1, warm1);
    add('read one resource by id, cold key cache', p1, cold1);
    add('read one resource by id, data keys cached (bodies-only baseline)', p1b, warm1);
    const p2 = await timed(plainRecordSame);
    const p2b = await timed(plainRecordBodies);
    vault.clearCaches();
    const cold2 = await timed(encRecord);
    const warm2 = await timed(encRecord);
    add('read whole patient record, data keys cached', p2, warm2);
    add('read whole patient record, cold key cache', p2, cold2);
    add('read whole patient record, data keys cached (bodies-only baseline)', p2b, warm2);
  }

  const median = (xs: number[]) => {
    const v = [...xs].sort((x, y) => x - y);
    return v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
  };
  console.log(
    '\n| operation | plaintext rec/s | encrypted rec/s | ratio (wall) | plaintext rec/CPU-s | encrypted rec/CPU-s | ratio (CPU) |',
  );
  console.log('|---|---|---|---|---|---|---|');
  const line = (name: string, s: { plain: Timing; enc: Timing }[]) => {
    const rate = (t: Timing, k: 'wall' | 'cpu') => t.result / t[k];
    const pw = median(s.map((x) => rate(x.plain, 'wall')));
    const ew = median(s.map((x) => rate(x.enc, 'wall')));
    const rw = median(s.map((x) => x.plain.wall / x.enc.wall));
    const pc = median(s.map((x) => rate(x.plain, 'cpu')));
    const ec = median(s.map((x) => rate(x.enc, 'cpu')));
    const rc = median(s.map((x) => x.plain.cpu / x.enc.cpu));
    console.log(
      `| ${name} | ${fmt(pw)} | ${fmt(ew)} | ${(rw * 100).toFixed(0)}% | ${fmt(pc)} | ${fmt(ec)} | ${(rc * 100).toFixed(0)}% |`,
    );
    return { rw, rc };
  };
  line('write (batches of 500)', [
    { plain: { ...plainWrite, result: records }, enc: { ...encWrite, result: records } },
  ]);
  const ratios = new Map<string, { rw: number; rc: number }>();
  for (const [name, s] of samples) ratios.set(name, line(name, s));

  // Raw AEAD throughput of both suites: 1 MiB messages and 512-byte fields.
  console.log(
    '\n| suite | seal MB/s (1 MiB) | open MB/s (1 MiB) | seal fields/s (512 B) | open fields/s (512 B) |',
  );
  console.log('|---|---|---|---|---|');
  for (const suite of (process.argv.includes('--no-aead')
    ? []
    : ['aes-256-gcm', 'sm4-ctr-hmac-sm3']) as CipherSuite[]) {
    const dek = generateDataKey(suite);
    const aad = Buffer.from('bench|vault_resource|body.clinical|Patient/p1');
    const big = Buffer.alloc(1 << 20, 7);
    const small = Buffer.alloc(512, 7);
    const loops = suite === 'aes-256-gcm' ? 200 : 40;
    let ct = seal(suite, dek.key, dek.id, big, aad);
    let t = process.hrtime.bigint();
    for (let i = 0; i < loops; i++) ct = seal(suite, dek.key, dek.id, big, aad);
    const sealMb = loops / (Number(process.hrtime.bigint() - t) / 1e9);
    t = process.hrtime.bigint();
    for (let i = 0; i < loops; i++) open(dek.key, ct, aad);
    const openMb = loops / (Number(process.hrtime.bigint() - t) / 1e9);
    const n = 50_000;
    let sct = seal(suite, dek.key, dek.id, small, aad);
    t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) sct = seal(suite, dek.key, dek.id, small, aad);
    const sealF = n / (Number(process.hrtime.bigint() - t) / 1e9);
    t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) open(dek.key, sct, aad);
    const openF = n / (Number(process.hrtime.bigint() - t) / 1e9);
    console.log(`| ${suite} | ${fmt(sealMb)} | ${fmt(openMb)} | ${fmt(sealF)} | ${fmt(openF)} |`);
  }
  for (const [name, r] of ratios) {
    if (!name.includes('cached')) continue;
    console.log(
      `encrypted ${name.replace(', data keys cached', '')} (keys cached): ${(r.rw * 100).toFixed(0)}% of plaintext in wall time, ${(r.rc * 100).toFixed(0)}% in CPU time (goal >= 50%)`,
    );
  }
  await store.close();
  rmSync(keyDir, { recursive: true, force: true });
}

await main();
