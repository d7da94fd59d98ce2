import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, isCustosError } from '../errors/index.ts';
import { createLedger } from './ledger.ts';
import { createTestSigner } from './signer.ts';
import { createLedgerTestStore, createTickingClock, sampleEntry } from './testing.ts';
import { verifyLedger } from './verify.ts';
import type { Store } from '../store/index.ts';
import type { Kysely } from 'kysely';
import type { LedgerTables } from './migrations.ts';

let store: Store & { ledgerDb: Kysely<LedgerTables> };

beforeAll(async () => {
  store = await createLedgerTestStore();
});
afterAll(async () => {
  await store.close();
});

async function chainOf(tenant: string) {
  return store.ledgerDb
    .selectFrom('ledger_entry')
    .select(['seq', 'prev_hash', 'entry_hash'])
    .where('tenant_id', '=', tenant)
    .orderBy('seq')
    .execute();
}

describe('appending from several appenders', () => {
  it('an appender whose known head is stale re-reads it and extends the chain, never forks it', async () => {
    const tenant = 'stale-head';
    const clock = createTickingClock();
    const a = createLedger(store.ledgerDb, { clock });
    const b = createLedger(store.ledgerDb, { clock });
    const first = await a.appendEntry(tenant, sampleEntry(1)); // a now knows the head
    const second = await b.appendEntry(tenant, sampleEntry(2)); // …which b moves on
    const third = await a.appendEntry(tenant, sampleEntry(3)); // a's known head is stale
    const fourth = await a.appendEntry(tenant, sampleEntry(4)); // and known again
    expect([first.seq, second.seq, third.seq, fourth.seq]).toEqual([1, 2, 3, 4]);
    const rows = await chainOf(tenant);
    expect(rows.map((r) => Number(r.seq))).toEqual([1, 2, 3, 4]);
    expect(Buffer.compare(rows[2]!.prev_hash, second.entryHash)).toBe(0);
    expect(Buffer.compare(rows[3]!.prev_hash, third.entryHash)).toBe(0);
    await a.close();
    await b.close();
    expect((await verifyLedger(store.ledgerDb, { tenant })).ok).toBe(true);
  });

  it('two appenders writing at once keep one valid signed chain', async () => {
    const tenant = 'two-appenders';
    const signer = createTestSigner();
    const opts = { signer, headEvery: 50, headIntervalMs: 0, maxBatch: 7 };
    const a = createLedger(store.ledgerDb, opts);
    const b = createLedger(store.ledgerDb, opts);
    const work = (l: typeof a, base: number) =>
      Promise.all(
        Array.from({ length: 300 }, (_, i) => l.appendEntry(tenant, sampleEntry(base + i))),
      );
    const [ra, rb] = await Promise.all([work(a, 0), work(b, 1000)]);
    await a.close();
    await b.close();
    const seqs = [...ra, ...rb].map((r) => r.seq).sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));
    const rows = await chainOf(tenant);
    expect(rows).toHaveLength(600);
    for (let i = 1; i < rows.length; i++)
      expect(Buffer.compare(rows[i]!.prev_hash, rows[i - 1]!.entry_hash)).toBe(0);
    const report = await verifyLedger(store.ledgerDb, { tenant });
    expect(report.firstBad).toBeNull();
    expect(report.ok).toBe(true);
    expect(report.checkedEntries).toBe(600);
    expect(report.checkedHeads).toBeGreaterThan(0);
  });

  it('fails closed when the one-statement append cannot write, and recovers from a fresh read', async () => {
    const tenant = 'fails-closed';
    const l = createLedger(store.ledgerDb, { clock: createTickingClock() });
    await l.appendEntry(tenant, sampleEntry(1)); // the head is now known
    await sql`alter table ledger_chain rename to ledger_chain_away`.execute(store.db);
    const err = await l.appendEntry(tenant, sampleEntry(2)).then(
      () => null,
      (e: unknown) => e,
    );
    await sql`alter table ledger_chain_away rename to ledger_chain`.execute(store.db);
    expect(isCustosError(err) && err.code).toBe(ErrorCode.LedgerUnavailable);
    const next = await l.appendEntry(tenant, sampleEntry(3));
    expect(next.seq).toBe(2); // nothing of the failed append was written
    await l.close();
    expect((await chainOf(tenant)).map((r) => Number(r.seq))).toEqual([1, 2]);
    expect((await verifyLedger(store.ledgerDb, { tenant })).ok).toBe(true);
  });
});
