import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import type { Store } from '../store/index.ts';
import { createLedger } from './ledger.ts';
import type { LedgerTables } from './migrations.ts';
import { listPartitions } from './partitions.ts';
import { applyRetention, getRetention, setRetention } from './retention.ts';
import { createTestSigner } from './signer.ts';
import { createLedgerTestStore, sampleEntry } from './testing.ts';
import { verifyLedger } from './verify.ts';
import { getInclusionProof } from './proofs.ts';
import { verifyInclusion } from './merkle.ts';

let store: Store & { ledgerDb: Kysely<LedgerTables> };
beforeAll(async () => {
  store = await createLedgerTestStore();
});
afterAll(async () => store.close());

it('refuses retention under 6 months', async () => {
  const db = store.ledgerDb;
  for (const bad of [0, 5, 5.5, -1, Number.NaN])
    await expect(setRetention(db, 'r', bad)).rejects.toMatchObject({
      code: 'CUSTOS_INPUT_INVALID',
    });
  await setRetention(db, 'r', 6);
  await setRetention(db, 'r', 24);
  expect(await getRetention(db, 'r')).toBe(24);
  expect(await getRetention(db, 'other')).toBeNull();
});

it('drops expired months whole, keeping the rest verifiable and provable', async () => {
  const db = store.ledgerDb;
  const signer = createTestSigner();
  // Three months of entries: Jan, Feb and Sep 2024.
  const months = [Date.UTC(2024, 0, 10), Date.UTC(2024, 1, 10), Date.UTC(2024, 8, 10)];
  let month = 0;
  const ledger = createLedger(db, {
    signer,
    headEvery: 10,
    headIntervalMs: 0,
    maxBatch: 10,
    clock: () => new Date(months[month]!),
  });
  for (month = 0; month < 3; month++)
    await ledger.appendEntries(
      'ret',
      Array.from({ length: 300 }, (_, i) => sampleEntry(i)),
    );
  await ledger.close();
  expect(await listPartitions(db)).toEqual(
    expect.arrayContaining([
      'ledger_entry_p202401',
      'ledger_entry_p202402',
      'ledger_entry_p202409',
    ]),
  );
  await setRetention(db, 'ret', 6);
  // 2024-09-01 + 6 months: January and February are expired, September is not.
  expect(await applyRetention(db, new Date(Date.UTC(2024, 8, 1)))).toEqual([
    'ledger_entry_p202401',
    'ledger_entry_p202402',
  ]);
  const r = await verifyLedger(db, { tenant: 'ret' });
  expect(r).toMatchObject({ ok: true, from: 601, to: 900, checkedEntries: 300 });
  for (const seq of [601, 602, 640, 700, 900]) {
    const p = await getInclusionProof(db, { tenant: 'ret', seq });
    expect(
      verifyInclusion(seq - 1, p.treeSize, p.entryHash, p.path, p.head!.rootHash).ok,
      `seq ${seq}`,
    ).toBe(true);
  }
  await expect(getInclusionProof(db, { tenant: 'ret', seq: 10 })).rejects.toMatchObject({
    code: 'CUSTOS_NOT_FOUND',
  });
});
