import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../store/index.ts';
import { BINARY_ROW_COLUMNS, BinaryRowHasher, encodeEntry, hashEntry } from './canonical.ts';
import { exportTreeHead, parseExportedHead, type TreeHead } from './heads.ts';
import { createLedger } from './ledger.ts';
import type { LedgerTables } from './migrations.ts';
import { rowToEntry } from './rows.ts';
import { createTestSigner } from './signer.ts';
import { createLedgerTestStore, createTickingClock, sampleEntry } from './testing.ts';
import { verifyLedger, type VerifyReport } from './verify.ts';

const T = 'hosp-a';
const signer = createTestSigner();
let store: Store & { ledgerDb: Kysely<LedgerTables> };
let db: Kysely<LedgerTables>;

class Rollback extends Error {}

/** Tampers inside a transaction, verifies inside it, then rolls the tampering back. */
async function tamper(
  change: (trx: Kysely<LedgerTables>) => Promise<void>,
  heads: TreeHead[] = [],
): Promise<VerifyReport> {
  let report: VerifyReport | undefined;
  await db
    .transaction()
    .execute(async (trx) => {
      await change(trx);
      report = await verifyLedger(trx, { tenant: T, exportedHeads: heads, pageSize: 64 });
      throw new Rollback();
    })
    .catch((e: unknown) => {
      if (!(e instanceof Rollback)) throw e;
    });
  return report as VerifyReport;
}

beforeAll(async () => {
  store = await createLedgerTestStore();
  db = store.ledgerDb;
  const ledger = createLedger(db, {
    signer,
    headEvery: 50,
    maxBatch: 25,
    headIntervalMs: 0,
    clock: createTickingClock(),
  });
  for (let i = 0; i < 300; i += 25)
    await ledger.appendEntries(
      T,
      Array.from({ length: 25 }, (_, j) => sampleEntry(i + j)),
    );
  // another tenant's chain must not disturb this one
  await ledger.appendEntries('hosp-b', [sampleEntry(1), sampleEntry(2)]);
  await ledger.close();
});
afterAll(async () => store.close());

describe('verifyLedger', () => {
  it('passes a clean ledger and checks every head and subtree', async () => {
    const progress: number[] = [];
    const r = await verifyLedger(db, {
      tenant: T,
      pageSize: 100,
      onProgress: (n) => progress.push(n),
    });
    expect(r.firstBad).toBeNull();
    expect(r.ok).toBe(true);
    expect(r.checkedEntries).toBe(300);
    expect(r.checkedHeads).toBe(6);
    expect(r.checkedNodes).toBe(1);
    expect(progress).toEqual([100, 200, 300]);
    expect((await verifyLedger(db, { tenant: 'hosp-b' })).ok).toBe(true);
    expect((await verifyLedger(db, { tenant: 'nobody' })).ok).toBe(true);
  });

  it('verifies a middle range starting from the stored tree', async () => {
    const r = await verifyLedger(db, { tenant: T, from: 120, to: 270 });
    expect(r).toMatchObject({ ok: true, checkedEntries: 151, checkedHeads: 3 });
  });

  it('names an edited entry', async () => {
    const r = await tamper(async (trx) => {
      await trx
        .updateTable('ledger_entry')
        .set({ purpose: 'marketing' })
        .where('tenant_id', '=', T)
        .where('seq', '=', 137)
        .execute();
    });
    expect(r.firstBad).toEqual({
      seq: 137,
      reason: expect.stringMatching(/does not match its hash/) as string,
    });
  });

  it('names an entry whose hash was recomputed but whose successor was not', async () => {
    const r = await tamper(async (trx) => {
      const row = await trx
        .selectFrom('ledger_entry')
        .selectAll()
        .where('tenant_id', '=', T)
        .where('seq', '=', 77)
        .executeTakeFirstOrThrow();
      const e = { ...rowToEntry(row), patientId: 'patient-other' };
      await trx
        .updateTable('ledger_entry')
        .set({ patient_id: e.patientId, entry_hash: hashEntry(e) })
        .where('tenant_id', '=', T)
        .where('seq', '=', 77)
        .execute();
    });
    expect(r.firstBad?.seq).toBe(77);
    expect(r.firstBad?.reason).toMatch(/entry 77 was rewritten/);
  });

  it('names a deleted entry', async () => {
    const r = await tamper(async (trx) => {
      await trx
        .deleteFrom('ledger_entry')
        .where('tenant_id', '=', T)
        .where('seq', '=', 42)
        .execute();
    });
    expect(r.firstBad).toMatchObject({
      seq: 42,
      reason: expect.stringMatching(/missing/) as string,
    });
  });

  it('names entries deleted from the end', async () => {
    const r = await tamper(async (trx) => {
      await trx
        .deleteFrom('ledger_entry')
        .where('tenant_id', '=', T)
        .where('seq', '>', 280)
        .execute();
    });
    expect(r.firstBad?.seq).toBe(281);
  });

  it('names an inserted duplicate row', async () => {
    const r = await tamper(async (trx) => {
      await sql`insert into ledger_entry select tenant_id, seq, recorded_at + interval '1 second', occurred_at, kind, actor_type, 'staff-99', department,
        patient_id, fields, categories, purpose, decision, reasons, action, workstation, network_address, channel, watermark_token,
        source_system, source_key, details, prev_hash, entry_hash from ledger_entry where tenant_id = ${T} and seq = 100`.execute(
        trx,
      );
    });
    expect(r.firstBad?.seq).toBe(100);
  });

  it('names a duplicate row that falls just past a page boundary', async () => {
    // pageSize 64: entry 64 ends the first page, its copy would be the first row after it.
    const r = await tamper(async (trx) => {
      await sql`insert into ledger_entry select tenant_id, seq, recorded_at + interval '1 second', occurred_at, kind, actor_type, actor_id, department,
        patient_id, fields, categories, purpose, decision, reasons, action, workstation, network_address, channel, watermark_token,
        source_system, source_key, details, prev_hash, entry_hash from ledger_entry where tenant_id = ${T} and seq = 64`.execute(
        trx,
      );
    });
    expect(r.firstBad).toMatchObject({ seq: 64, reason: expect.stringMatching(/twice/) as string });
  });

  it('names an entry whose list column was replaced by a value no entry can hold', async () => {
    const r = await tamper(async (trx) => {
      await sql`update ledger_entry set fields = '{"0":"name"}'::jsonb where tenant_id = ${T} and seq = 77`.execute(
        trx,
      );
    });
    expect(r.firstBad).toMatchObject({ seq: 77, reason: expect.stringMatching(/hash/) as string });
  });

  it('names an entry whose list holds a number where a string was', async () => {
    const r = await tamper(async (trx) => {
      await sql`update ledger_entry set categories = '[1]'::jsonb, fields = '["1"]'::jsonb where tenant_id = ${T} and seq = 81`.execute(
        trx,
      );
    });
    expect(r.firstBad).toMatchObject({ seq: 81, reason: expect.stringMatching(/hash/) as string });
  });

  it('names an entry whose time was moved by less than a millisecond', async () => {
    const r = await tamper(async (trx) => {
      await sql`update ledger_entry set occurred_at = occurred_at + interval '1 microsecond' where tenant_id = ${T} and seq = 93`.execute(
        trx,
      );
    });
    expect(r.firstBad).toMatchObject({ seq: 93, reason: expect.stringMatching(/hash/) as string });
  });

  it('hashes the database binary rows exactly as the canonical encoding does', async () => {
    const tenant = 'hosp-raw';
    const ledger = createLedger(db, { signer, headIntervalMs: 0, clock: createTickingClock() });
    await ledger.appendEntries(tenant, [
      sampleEntry(1),
      sampleEntry(2, {
        actor: { type: 'staff', id: 's-2' },
        patientId: '患者-𝔘nicode "quoted" \\ \n\t\u0001',
        fields: [],
        categories: ['é', '', 'a"b', 'back\\slash', 'tab\tnew\nline', '\u001f', 'x'.repeat(100)],
        purpose: null,
        decision: null,
        reasons: [],
        details: { a: [1, 2, { b: 'ü"\\' }] },
        occurredAt: new Date(Date.UTC(1969, 11, 31, 23, 59, 59, 999)),
      }),
      sampleEntry(3, { details: { long: 'y'.repeat(9000) }, fields: ['z'.repeat(400), '🩺'] }),
      sampleEntry(4, { workstation: '🩺', source: { system: 'HIS', key: 'k-4' } }),
    ]);
    await ledger.close();
    const r = await verifyLedger(db, { tenant, pageSize: 3 });
    expect(r).toMatchObject({ ok: true, checkedEntries: 4 });
    // row by row: the binary row's hash is the canonical encoding's hash of the same row
    const bin = await sql<{ p: Uint8Array }>`select record_send(row(${sql.raw(
      BINARY_ROW_COLUMNS.join(', '),
    )})) as p from ledger_entry where tenant_id = ${tenant} order by seq`.execute(db);
    const full = await db
      .selectFrom('ledger_entry')
      .selectAll()
      .where('tenant_id', '=', tenant)
      .orderBy('seq')
      .execute();
    expect(bin.rows.length).toBe(4);
    const hasher = new BinaryRowHasher(tenant);
    bin.rows.forEach((row, i) => {
      const b = Buffer.from(row.p);
      const end = hasher.readRow(b, 0);
      expect(end).toBe(b.length);
      const e = rowToEntry(full[i] as never);
      expect(hasher.hash(b, 0, end)?.toString('hex')).toBe(hashEntry(e).toString('hex'));
      expect(hasher.seq(b)).toBe(e.seq);
      expect(hasher.recordedAtMs(b)).toBe(e.recordedAt.getTime());
    });
    // a truncated row is refused, not read past its end
    const b0 = Buffer.from((bin.rows[0] as { p: Uint8Array }).p);
    expect(hasher.readRow(b0.subarray(0, b0.length - 5), 0)).toBe(-1);
  });

  it('names a row inserted in the middle with the rest renumbered', async () => {
    const r = await tamper(async (trx) => {
      await sql`update ledger_entry set seq = seq + 100000 where tenant_id = ${T} and seq >= 150`.execute(
        trx,
      );
      await sql`update ledger_entry set seq = seq - 99999 where tenant_id = ${T} and seq >= 100000`.execute(
        trx,
      );
      await sql`update ledger_chain set size = size + 1 where tenant_id = ${T}`.execute(trx);
      await sql`insert into ledger_entry select tenant_id, 150, recorded_at, occurred_at, kind, actor_type, actor_id, department,
        'patient-9', fields, categories, purpose, decision, reasons, action, workstation, network_address, channel, watermark_token,
        source_system, source_key, details, prev_hash, entry_hash from ledger_entry where tenant_id = ${T} and seq = 149`.execute(
        trx,
      );
    });
    expect(r.firstBad?.seq).toBe(150);
  });

  it('names an inserted row past the end', async () => {
    const r = await tamper(async (trx) => {
      await sql`insert into ledger_entry select tenant_id, 301, recorded_at, occurred_at, kind, actor_type, actor_id, department,
        patient_id, fields, categories, purpose, decision, reasons, action, workstation, network_address, channel, watermark_token,
        source_system, source_key, details, entry_hash, entry_hash from ledger_entry where tenant_id = ${T} and seq = 300`.execute(
        trx,
      );
    });
    expect(r.firstBad?.seq).toBe(301);
  });

  it('names reordered entries', async () => {
    const r = await tamper(async (trx) => {
      await sql`update ledger_entry set seq = -1 where tenant_id = ${T} and seq = 10`.execute(trx);
      await sql`update ledger_entry set seq = 10 where tenant_id = ${T} and seq = 11`.execute(trx);
      await sql`update ledger_entry set seq = 11 where tenant_id = ${T} and seq = -1`.execute(trx);
    });
    expect(r.firstBad?.seq).toBe(10);
  });

  it('brackets a rewrite whose whole chain was re-hashed between two signed heads', async () => {
    const r = await tamper(async (trx) => {
      const rows = await trx
        .selectFrom('ledger_entry')
        .selectAll()
        .where('tenant_id', '=', T)
        .where('seq', '>=', 120)
        .orderBy('seq')
        .execute();
      let prev: Buffer | null = null;
      for (const row of rows) {
        const e = rowToEntry(row);
        if (e.seq === 120) e.purpose = 'marketing';
        if (prev) e.prevHash = prev;
        const h = hashEntry(e);
        await trx
          .updateTable('ledger_entry')
          .set({ purpose: e.purpose, prev_hash: e.prevHash, entry_hash: h })
          .where('tenant_id', '=', T)
          .where('seq', '=', e.seq)
          .execute();
        prev = h;
      }
    });
    expect(r.firstBad?.seq).toBe(101);
    expect(r.firstBad?.reason).toMatch(/101\.\.150/);
  });

  it('rejects a forged head signature', async () => {
    const r = await tamper(async (trx) => {
      await sql`update ledger_tree_head set signature = decode(repeat('00', 64), 'hex') where tenant_id = ${T} and tree_size = 200`.execute(
        trx,
      );
    });
    expect(r.firstBad).toMatchObject({
      seq: 200,
      reason: expect.stringMatching(/signature/) as string,
    });
  });

  it('rejects a signature by a key it was not told to trust', async () => {
    const r = await verifyLedger(db, { tenant: T, signers: [createTestSigner()] });
    expect(r.firstBad).toMatchObject({
      seq: 50,
      reason: expect.stringMatching(/unknown key/) as string,
    });
  });

  it('encodes deterministically', () => {
    const e = { ...rowToEntry({} as never), tenant: 't' };
    expect(() => encodeEntry(e)).toThrow();
  });
});

describe('rolled back behind an exported head', () => {
  it('names the first entry the witness has and the database lost, and the first re-written one', async () => {
    const s = await createLedgerTestStore();
    const ldb = s.ledgerDb;
    const clock = createTickingClock();
    const ledger = createLedger(ldb, { signer, headEvery: 1000, headIntervalMs: 0, clock });
    await ledger.appendEntries(
      T,
      Array.from({ length: 60 }, (_, i) => sampleEntry(i)),
    );
    // Snapshot the database at 60 entries the way a backup would.
    const snap = {
      chain: await ldb.selectFrom('ledger_chain').selectAll().execute(),
      heads: await ldb.selectFrom('ledger_tree_head').selectAll().execute(),
    };
    await ledger.appendEntries(
      T,
      Array.from({ length: 40 }, (_, i) => sampleEntry(60 + i)),
    );
    const head = (await ledger.signTreeHead(T)) as TreeHead;
    expect(head.treeSize).toBe(100);
    const exported = parseExportedHead(exportTreeHead(head, signer.publicKeyPem));
    await ledger.close();

    // Restore the snapshot: the database is consistent again, but behind the witness.
    await ldb.deleteFrom('ledger_entry').where('seq', '>', 60).execute();
    await ldb.deleteFrom('ledger_tree_head').execute();
    if (snap.heads.length > 0)
      await ldb.insertInto('ledger_tree_head').values(snap.heads).execute();
    await ldb.deleteFrom('ledger_chain').execute();
    await ldb.insertInto('ledger_chain').values(snap.chain).execute();
    expect((await verifyLedger(ldb, { tenant: T })).ok).toBe(true);
    const r1 = await verifyLedger(ldb, { tenant: T, exportedHeads: [exported] });
    expect(r1.firstBad).toMatchObject({
      seq: 61,
      reason: expect.stringMatching(/rolled back/) as string,
    });

    // Appending after the restore hides the gap from the chain but not from the witness.
    const later = createLedger(ldb, { signer, headEvery: 40, headIntervalMs: 0, clock });
    await later.appendEntries(
      T,
      Array.from({ length: 50 }, (_, i) => sampleEntry(500 + i)),
    );
    await later.close();
    expect((await verifyLedger(ldb, { tenant: T })).ok).toBe(true);
    const r2 = await verifyLedger(ldb, { tenant: T, exportedHeads: [exported] });
    expect(r2.firstBad).toMatchObject({
      seq: 61,
      reason: expect.stringMatching(/recorded after the exported tree head/) as string,
    });
    await s.close();
  });
});
