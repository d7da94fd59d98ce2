/**
 * `npm run bench -- seed [--patients N] [--staff N] [--days N] [--seed S]`
 *
 * Seeding the demo hospital through the real modules (identity, encrypted vault, ledger) on the
 * embedded database (PostgreSQL with CUSTOS_TEST_BACKEND=postgres): records/s into the vault and
 * events/s into the ledger. Baselines measured in the same run: the generator with the FHIR
 * mapping alone (no storage), and plaintext bulk inserts of the same FHIR resources as JSON
 * (one row per resource, same batch size, no encryption, no indexes). Wall and CPU time are both
 * shown because the reference machine is shared.
 */
import { sql } from 'kysely';
import { generateDemoHospital } from '../src/demo/index.ts';
import { createTestRuntime } from '../src/runtime/testing.ts';
import { demoToFhir, seedDemoHospital, type SeedProgress } from '../src/seed/index.ts';
import { createTestStore } from '../src/store/index.ts';

function arg(name: string, fallback: number | string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : String(fallback);
}

const params = {
  patients: Number(arg('patients', 50_000)),
  staff: Number(arg('staff', 2_000)),
  days: Number(arg('days', 30)),
  seed: arg('seed', 'bench'),
};

interface Timing {
  wallMs: number;
  cpuMs: number;
}

async function time<T>(f: () => Promise<T> | T): Promise<[T, Timing]> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await f();
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return [r, { wallMs, cpuMs: (c.user + c.system) / 1000 }];
}

const rate = (n: number, t: Timing) =>
  `${Math.round(n / (t.wallMs / 1000)).toLocaleString('en')}/s wall, ` +
  `${Math.round(n / (t.cpuMs / 1000)).toLocaleString('en')}/s CPU ` +
  `(${(t.wallMs / 1000).toFixed(1)} s wall, ${(t.cpuMs / 1000).toFixed(1)} s CPU)`;

async function main(): Promise<void> {
  console.log(
    `seed: ${params.patients} patients, ${params.staff} staff, ${params.days} days (seed ${params.seed}), ` +
      `backend ${process.env.CUSTOS_TEST_BACKEND ?? 'pglite'}`,
  );

  // Baseline 1: generator + FHIR mapping, nothing stored.
  const [mapped, gen] = await time(() => {
    const h = generateDemoHospital({ ...params, tenant: 'bench' });
    let n = 0;
    for (const batch of demoToFhir(h)) n += batch.length;
    return n;
  });
  console.log(`generator + FHIR mapping: ${mapped} resources, ${rate(mapped, gen)}`);

  // Baseline 2: plaintext bulk inserts of the same resources (JSON text, batches of 500).
  const store = await createTestStore([]);
  await sql`create table bench_plain (tenant_id text not null, resource_type text not null,
    id text not null, body text not null, primary key (tenant_id, resource_type, id))`.execute(
    store.db,
  );
  const h2 = generateDemoHospital({ ...params, tenant: 'bench' });
  const batches = [...demoToFhir(h2)];
  const [plain, plainT] = await time(async () => {
    let n = 0;
    for (const batch of batches) {
      await store.db.transaction().execute(async (tx) => {
        await sql`insert into bench_plain (tenant_id, resource_type, id, body)
          select 'bench', t, i, b from unnest(${batch.map((r) => r.resourceType)}::text[],
            ${batch.map((r) => String(r.id))}::text[],
            ${batch.map((r) => JSON.stringify(r))}::text[]) as u(t, i, b)`.execute(tx);
      });
      n += batch.length;
    }
    return n;
  });
  await store.close();
  console.log(`plaintext bulk insert: ${plain} resources, ${rate(plain, plainT)}`);

  // The real thing.
  const rt = await createTestRuntime();
  const phases = new Map<string, { t0: number; c0: NodeJS.CpuUsage; t?: Timing; n: number }>();
  const mark = (phase: string, done: number) => {
    const now = performance.now();
    for (const [name, ph] of phases)
      if (name !== phase && !ph.t) {
        const c = process.cpuUsage(ph.c0);
        ph.t = { wallMs: now - ph.t0, cpuMs: (c.user + c.system) / 1000 };
      }
    const ph = phases.get(phase) ?? { t0: now, c0: process.cpuUsage(), n: 0 };
    ph.n = done;
    phases.set(phase, ph);
  };
  const onProgress = (p: SeedProgress) => mark(p.phase, p.done);
  const [report, total] = await time(() => seedDemoHospital(rt, params, onProgress));
  mark('done', 0);
  await rt.close();
  const rec = phases.get('records')!;
  const act = phases.get('activity')!;
  console.log(`vault (encrypted, indexed): ${report.resources} records, ${rate(rec.n, rec.t!)}`);
  console.log(`ledger: ${report.accessEvents} events, ${rate(act.n, act.t!)}`);
  console.log(`whole seed: ${rate(report.resources, total)}`);
  console.log(
    `vault vs plaintext insert (CPU): ${((100 * plainT.cpuMs) / rec.t!.cpuMs).toFixed(0)} % ` +
      `of plaintext speed`,
  );
}

await main();
