/**
 * Ledger benchmark: appends/s with one transaction per entry vs group commit, verify rate against
 * raw SHA-256 over the same canonical bytes (same run), and FHIR AuditEvent import rate.
 *
 *   npm run bench -- ledger [--appends N] [--verify N] [--import N]
 *
 * Defaults: 2,000 appends per mode, 100,000 entries verified, 1,000,000 AuditEvents imported.
 * Runs on the embedded database in memory, or PostgreSQL with CUSTOS_TEST_BACKEND=postgres.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import { createTestStore, testBackend } from '../src/store/index.ts';
import {
  createLedger,
  createTestSigner,
  CompactRange,
  encodeEntry,
  equal,
  GENESIS_HASH,
  hashEntry,
  importAuditLog,
  ledgerMigrations,
  streamEntries,
  verifyLedger,
  type LedgerEntry,
  type LedgerEntryInput,
  type LedgerTables,
} from '../src/ledger/index.ts';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return def;
  const n = Number(process.argv[i + 1]);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} needs a positive whole number`);
  return n;
}

const APPENDS = arg('appends', 2000);
const VERIFY = arg('verify', 100_000);
const IMPORT = arg('import', 1_000_000);
const signer = createTestSigner();

const entry = (i: number): LedgerEntryInput => ({
  kind: 'disclosure.read',
  actor: { type: 'staff', id: `staff-${i % 500}`, department: `dept-${i % 40}` },
  patientId: `patient-${i % 20000}`,
  fields: ['name', 'phone', 'address', 'diagnosis'],
  categories: ['demographics', 'clinical'],
  purpose: 'treatment',
  decision: 'permit',
  reasons: ['care-team', 'department'],
  workstation: `ws-${i % 300}`,
  networkAddress: `10.${i % 250}.${i % 200}.${i % 100}`,
  channel: 'console',
  watermarkToken: `wm${i.toString(36).padStart(10, '0')}`,
});

const rate = (n: number, ms: number): string =>
  `${Math.round((n * 1000) / ms).toLocaleString('en-US')}/s`;

async function main(): Promise<void> {
  console.log(`ledger benchmark on ${testBackend()} (node ${process.version})`);

  // 1. Appends: 64 concurrent callers, one transaction per entry vs group commit.
  for (const groupCommit of [false, true]) {
    const store = await createTestStore(ledgerMigrations);
    const ledger = createLedger(store.db as Kysely<LedgerTables>, {
      signer,
      groupCommit,
      headEvery: 1000,
      headIntervalMs: 0,
    });
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < APPENDS) await ledger.appendEntry('bench', entry(next++));
      }),
    );
    const ms = performance.now() - t0;
    await ledger.close();
    await store.close();
    console.log(
      `appends, ${groupCommit ? 'group commit    ' : 'one tx per entry'}: ${APPENDS} in ${ms.toFixed(0)} ms = ${rate(APPENDS, ms)}`,
    );
  }

  // 2. Verify vs raw SHA-256 over the same bytes.
  {
    const store = await createTestStore(ledgerMigrations);
    const db = store.db as Kysely<LedgerTables>;
    const ledger = createLedger(db, { signer, headEvery: 1000, headIntervalMs: 0, maxBatch: 1000 });
    for (let i = 0; i < VERIFY; i += 5000) {
      await ledger.appendEntries(
        'bench',
        Array.from({ length: Math.min(5000, VERIFY - i) }, (_, j) => entry(i + j)),
      );
    }
    await ledger.close();
    const bytes: Buffer[] = [];
    const entries: LedgerEntry[] = [];
    const r0 = performance.now();
    for await (const e of streamEntries(db, { tenant: 'bench', pageSize: 5000 })) entries.push(e);
    const readMs = performance.now() - r0;
    for (const e of entries) bytes.push(encodeEntry(e));
    const totalBytes = bytes.reduce((s, b) => s + b.length, 0);
    const zero = Buffer.from([0]);
    const h0 = performance.now();
    for (const b of bytes) createHash('sha256').update(zero).update(b).digest();
    const hashMs = performance.now() - h0;
    // The verifier's own work on rows already in memory: re-encode, hash, compare, chain, tree.
    const c0 = performance.now();
    const range = new CompactRange();
    let prev = GENESIS_HASH;
    for (const e of entries) {
      const h = hashEntry(e);
      if (!equal(h, e.entryHash) || !equal(e.prevHash, prev)) throw new Error('chain broken');
      range.append(h);
      prev = h;
    }
    const computeMs = performance.now() - c0;
    const v0 = performance.now();
    const r = await verifyLedger(db, { tenant: 'bench', pageSize: 5000 });
    const verifyMs = performance.now() - v0;
    if (!r.ok) throw new Error(`verify failed: ${JSON.stringify(r.firstBad)}`);
    console.log(
      `raw SHA-256 over the same bytes: ${VERIFY} entries (${(totalBytes / VERIFY).toFixed(0)} B each) in ${hashMs.toFixed(0)} ms = ${rate(VERIFY, hashMs)}`,
    );
    console.log(
      `verify (read + re-encode + hash + chain + ${r.checkedHeads} heads + ${r.checkedNodes} subtrees): ${verifyMs.toFixed(0)} ms = ${rate(VERIFY, verifyMs)}`,
    );
    console.log(
      `reading the same rows from the database alone: ${readMs.toFixed(0)} ms = ${rate(VERIFY, readMs)}`,
    );
    console.log(
      `verifier work on rows in memory (encode + hash + chain + Merkle): ${computeMs.toFixed(0)} ms = ${rate(VERIFY, computeMs)}`,
    );
    console.log(
      `verify end-to-end / raw SHA-256 = ${((hashMs / verifyMs) * 100).toFixed(1)}%; verifier work / raw SHA-256 = ${((hashMs / computeMs) * 100).toFixed(1)}%  (goal >= 50%)`,
    );
    await store.close();
  }

  // 3. Import of FHIR AuditEvents (generated as a stream, never held in memory).
  {
    const store = await createTestStore(ledgerMigrations);
    const ledger = createLedger(store.db as Kysely<LedgerTables>, {
      signer,
      headEvery: 10_000,
      headIntervalMs: 0,
      maxBatch: 2000,
    });
    const base = Date.UTC(2024, 5, 1);
    function* lines(): Generator<string> {
      for (let i = 0; i < IMPORT; i++) {
        yield (
          JSON.stringify({
            resourceType: 'AuditEvent',
            id: `his-${i}`,
            type: {
              system: 'http://terminology.hl7.org/CodeSystem/audit-event-type',
              code: 'rest',
            },
            subtype: [
              {
                system: 'http://hl7.org/fhir/restful-interaction',
                code: i % 4 === 0 ? 'search-type' : 'read',
              },
            ],
            action: i % 4 === 0 ? 'E' : 'R',
            recorded: new Date(base + i * 1000).toISOString(),
            outcome: '0',
            agent: [
              {
                who: { reference: `Practitioner/staff-${i % 700}` },
                requestor: true,
                network: { address: `10.1.${i % 250}.${i % 100}`, type: '2' },
              },
            ],
            source: { observer: { display: 'HIS-1' } },
            entity: [
              { what: { reference: `Patient/p${i % 50000}` } },
              { what: { reference: `Observation/o${i}` } },
            ],
          }) + '\n'
        );
      }
    }
    const t0 = performance.now();
    let lastLog = t0;
    const report = await importAuditLog(ledger, {
      tenant: 'bench',
      format: 'fhir',
      input: Readable.from(lines()),
      batchSize: 2000,
      onProgress: (r) => {
        if (performance.now() - lastLog > 10_000) {
          lastLog = performance.now();
          console.log(`  … ${r.accepted} imported`);
        }
      },
    });
    const ms = performance.now() - t0;
    await ledger.close();
    console.log(
      `import FHIR AuditEvent NDJSON: ${report.accepted} accepted, ${report.rejected} rejected in ${(ms / 1000).toFixed(1)} s = ${rate(report.accepted, ms)}`,
    );
    await store.close();
  }
}

await main();
