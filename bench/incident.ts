/**
 * Incident benchmark: time to scope one account's accesses over 12 months of ledger for a
 * 2,000-staff hospital, against a plain `select count(*)` over the same rows in the same run;
 * then scopes by workstation and by a /24 network range over one week (no index on either: the
 * time index and an address prefix narrow the scan) against a count over that week.
 *
 *   npm run bench -- incident [--staff 2000] [--per-day 6] [--runs 5]
 *
 * Runs on PostgreSQL when DATABASE_URL or CUSTOS_TEST_DATABASE_URL is set (in a throwaway schema
 * dropped at the end), else on the embedded PGlite in memory (then with 1 access per staff per
 * day unless --per-day says otherwise). The year of entries is written with bulk
 * `insert … select generate_series` statements, not one append at a time; their hash-chain
 * columns are placeholders (scoping never reads them).
 */
import { sql, type Kysely } from 'kysely';
import {
  createLedger,
  createTestSigner,
  ledgerMigrations,
  type LedgerTables,
} from '../src/ledger/index.ts';
import { createTestStore, testBackend } from '../src/store/index.ts';
import { scopeAccesses } from '../src/incident/index.ts';

if (process.env.DATABASE_URL || process.env.CUSTOS_TEST_DATABASE_URL) {
  process.env.CUSTOS_TEST_BACKEND = 'postgres';
  process.env.CUSTOS_TEST_DATABASE_URL ??= process.env.DATABASE_URL;
}

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return def;
  const n = Number(process.argv[i + 1]);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} needs a positive whole number`);
  return n;
}

const backend = testBackend();
const STAFF = arg('staff', 2000);
const PER_DAY = arg('per-day', backend === 'postgres' ? 6 : 1);
const RUNS = arg('runs', 5);
const DAYS = 365;
const ROWS = STAFF * PER_DAY * DAYS;
const CHUNK = 250_000;
const tenant = 'bench-hospital';
const TO = new Date('2025-07-01T00:00:00+08:00');
const FROM = new Date(TO.getTime() - DAYS * 86_400_000);
const TARGET = 'stf-00042';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
async function time(fn: () => Promise<unknown>): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  return median(ms);
}

const store = await createTestStore(ledgerMigrations);
const db = store.db as Kysely<LedgerTables>;
try {
  // One real append creates the tenant's chain and the current month's partition.
  const ledger = createLedger(db, { signer: createTestSigner(), headIntervalMs: 0 });
  await ledger.appendEntry(tenant, {
    kind: 'admin',
    actor: { type: 'system', id: 'bench' },
    action: 'bench.start',
  });
  await ledger.close();
  const recorded = (
    await db.selectFrom('ledger_entry').select('recorded_at').executeTakeFirstOrThrow()
  ).recorded_at;
  console.log(
    `backend ${backend}; ${STAFF} staff x ${PER_DAY} accesses/day x ${DAYS} days = ${ROWS.toLocaleString('en-US')} entries`,
  );
  const loadStart = performance.now();
  const span = TO.getTime() - FROM.getTime();
  for (let start = 0; start < ROWS; start += CHUNK) {
    const n = Math.min(CHUNK, ROWS - start);
    // Staff ids scrambled over the rows; every 25th access reads contact details of a mother.
    await sql`
      insert into ledger_entry (tenant_id, seq, recorded_at, occurred_at, kind, actor_type, actor_id,
        department, patient_id, fields, categories, purpose, decision, reasons, action, workstation,
        network_address, channel, watermark_token, source_system, source_key, details, prev_hash, entry_hash)
      select ${tenant}, i + 2, ${recorded}::timestamptz,
        ${FROM}::timestamptz + make_interval(secs => (i::float8 * ${span / 1000}::float8 / ${ROWS}::float8)),
        'disclosure.read', 'staff', 'stf-' || lpad(((i * 7919) % ${STAFF})::text, 5, '0'),
        'dep-' || ((i * 7919) % ${STAFF} % 40), 'pat-' || lpad(((i * 104729) % 200000)::text, 6, '0'),
        case when i % 25 = 0 then '["name","phone","address","deliveryDate"]'::jsonb
             else '["name","mrn","encounters","notes"]'::jsonb end,
        case when i % 25 = 0 then '["demographic","contact","maternity"]'::jsonb
             else '["demographic","clinical"]'::jsonb end,
        'treatment', 'permit', '[]'::jsonb, null, 'ws-' || ((i * 7919) % ${STAFF} % 600),
        '10.' || ((i * 7919) % ${STAFF} % 40) || '.' || ((i * 7919) % ${STAFF} % 250) || '.' || (i % 200),
        'emr', null, 'bench', i::text, '{"action":"read"}', '\\x00'::bytea, '\\x00'::bytea
      from generate_series(${start}::bigint, ${start + n - 1}::bigint) as i`.execute(db);
    process.stderr.write(
      `\rloading ${Math.min(start + n, ROWS).toLocaleString('en-US')} / ${ROWS.toLocaleString('en-US')}`,
    );
  }
  await sql`update ledger_chain set size = ${ROWS + 1} where tenant_id = ${tenant}`.execute(db);
  await sql`analyze ledger_entry`.execute(db);
  const loadS = (performance.now() - loadStart) / 1000;
  process.stderr.write('\n');
  console.log(
    `loaded in ${loadS.toFixed(1)} s (${Math.round(ROWS / loadS).toLocaleString('en-US')} rows/s)`,
  );

  const count = async (extra: 'actor' | 'ws' | 'week') => {
    const weekFrom = new Date(TO.getTime() - 7 * 86_400_000);
    const r =
      extra === 'actor'
        ? await sql<{
            n: number;
          }>`select count(*)::int as n from ledger_entry where tenant_id = ${tenant}
            and actor_id = ${TARGET} and occurred_at >= ${FROM} and occurred_at < ${TO}`.execute(db)
        : await sql<{
            n: number;
          }>`select count(*)::int as n from ledger_entry where tenant_id = ${tenant}
            and occurred_at >= ${weekFrom} and occurred_at < ${TO}`.execute(db);
    return r.rows[0]!.n;
  };
  const rows = await count('actor');
  const base = await time(() => count('actor'));
  let result = await scopeAccesses(db, tenant, { staffId: TARGET, from: FROM, to: TO });
  const scope = await time(async () => {
    result = await scopeAccesses(db, tenant, { staffId: TARGET, from: FROM, to: TO });
  });
  console.log(
    `account over 12 months: ${rows.toLocaleString('en-US')} entries, ${result.patients.length.toLocaleString('en-US')} patients`,
  );
  console.log(`  baseline select count(*)   ${base.toFixed(1)} ms`);
  console.log(
    `  scopeAccesses (staff)      ${scope.toFixed(1)} ms  (${(scope / base).toFixed(1)}x baseline; median of ${RUNS})`,
  );

  const weekFrom = new Date(TO.getTime() - 7 * 86_400_000);
  const weekRows = await count('week');
  const weekBase = await time(() => count('week'));
  let ws = await scopeAccesses(db, tenant, { workstation: 'ws-42', from: weekFrom, to: TO });
  const wsMs = await time(async () => {
    ws = await scopeAccesses(db, tenant, { workstation: 'ws-42', from: weekFrom, to: TO });
  });
  let net = await scopeAccesses(db, tenant, { cidr: '10.2.0.0/16', from: weekFrom, to: TO });
  const netMs = await time(async () => {
    net = await scopeAccesses(db, tenant, { cidr: '10.2.0.0/16', from: weekFrom, to: TO });
  });
  console.log(`one week, whole hospital: ${weekRows.toLocaleString('en-US')} entries`);
  console.log(`  baseline select count(*)   ${weekBase.toFixed(1)} ms`);
  console.log(
    `  scope workstation          ${wsMs.toFixed(1)} ms  (${(wsMs / weekBase).toFixed(1)}x; ${ws.matched} entries, ${ws.patients.length} patients)`,
  );
  console.log(
    `  scope CIDR /16             ${netMs.toFixed(1)} ms  (${(netMs / weekBase).toFixed(1)}x; ${net.matched} entries, ${net.patients.length} patients)`,
  );
} finally {
  await store.close();
}
