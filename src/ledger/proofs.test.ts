import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../store/index.ts';
import { isCustosError } from '../errors/index.ts';
import { createLedger } from './ledger.ts';
import { hashLeaf, merkleRoot, verifyConsistency, verifyInclusion } from './merkle.ts';
import type { LedgerTables } from './migrations.ts';
import { getConsistencyProof, getInclusionProof, getTreeHead, listTreeHeads } from './proofs.ts';
import { getPatientAccessHistory, queryEntries, streamEntries } from './query.ts';
import { createTestSigner } from './signer.ts';
import { createLedgerTestStore, createTickingClock, sampleEntry } from './testing.ts';
import { verifyTreeHeadSignature } from './heads.ts';

const T = 'hosp-p';
const signer = createTestSigner();
let store: Store & { ledgerDb: Kysely<LedgerTables> };
let db: Kysely<LedgerTables>;
let hashes: Buffer[] = [];
const N = 700; // crosses two stored 256-leaf subtrees

beforeAll(async () => {
  store = await createLedgerTestStore();
  db = store.ledgerDb;
  const ledger = createLedger(db, {
    signer,
    headEvery: 100,
    headIntervalMs: 0,
    maxBatch: 100,
    clock: createTickingClock(),
  });
  const out = [];
  for (let i = 0; i < N; i += 100)
    out.push(
      ...(await ledger.appendEntries(
        T,
        Array.from({ length: 100 }, (_, j) => sampleEntry(i + j)),
      )),
    );
  hashes = out.map((r) => r.entryHash);
  await ledger.close();
});
afterAll(async () => store.close());

describe('proofs from the database', () => {
  it('inclusion proofs verify against the signed head, for many entries and sizes', async () => {
    const head = await getTreeHead(db, T);
    expect(head?.treeSize).toBe(N);
    expect(verifyTreeHeadSignature(head!, [signer]).ok).toBe(true);
    expect(head?.rootHash.equals(merkleRoot(hashes))).toBe(true);
    for (const seq of [1, 2, 255, 256, 257, 512, 513, 699, 700]) {
      const p = await getInclusionProof(db, { tenant: T, seq });
      expect(p.head?.treeSize).toBe(N);
      expect(verifyInclusion(p.leafIndex, p.treeSize, p.entryHash, p.path, head!.rootHash)).toEqual(
        { ok: true },
      );
    }
    for (const [seq, size] of [
      [1, 1],
      [5, 300],
      [300, 300],
      [257, 600],
    ] as const) {
      const p = await getInclusionProof(db, { tenant: T, seq, treeSize: size });
      expect(
        verifyInclusion(seq - 1, size, hashes[seq - 1]!, p.path, merkleRoot(hashes.slice(0, size)))
          .ok,
      ).toBe(true);
    }
  });

  it('consistency proofs verify between any two sizes', async () => {
    for (const [a, b] of [
      [1, 700],
      [100, 200],
      [256, 700],
      [300, 700],
      [513, 600],
      [700, 700],
      [0, 5],
    ] as const) {
      const p = await getConsistencyProof(db, { tenant: T, first: a, second: b });
      expect(p.secondRoot.equals(merkleRoot(hashes.slice(0, b)))).toBe(true);
      expect(verifyConsistency(a, b, p.firstRoot, p.secondRoot, p.path), `${a}->${b}`).toEqual({
        ok: true,
      });
    }
  });

  it('refuses out-of-range requests with a reason', async () => {
    const codes = async (f: () => Promise<unknown>) =>
      f().then(
        () => 'none',
        (e: unknown) => (isCustosError(e) ? e.code : 'crash'),
      );
    expect(await codes(() => getInclusionProof(db, { tenant: T, seq: 0 }))).toBe(
      'CUSTOS_NOT_FOUND',
    );
    expect(await codes(() => getInclusionProof(db, { tenant: T, seq: 5, treeSize: 9999 }))).toBe(
      'CUSTOS_NOT_FOUND',
    );
    expect(await codes(() => getInclusionProof(db, { tenant: T, seq: 1.5 }))).toBe(
      'CUSTOS_BAD_REQUEST',
    );
    expect(await codes(() => getConsistencyProof(db, { tenant: T, first: 10, second: 5 }))).toBe(
      'CUSTOS_BAD_REQUEST',
    );
    expect(
      await codes(() => getConsistencyProof(db, { tenant: 'bad tenant!', first: 1, second: 5 })),
    ).toBe('CUSTOS_INPUT_INVALID');
  });

  it('lists heads in pages', async () => {
    const first = await listTreeHeads(db, T, { limit: 3 });
    expect(first.map((h) => h.treeSize)).toEqual([100, 200, 300]);
    const next = await listTreeHeads(db, T, { after: 300, limit: 10 });
    expect(next.map((h) => h.treeSize)).toEqual([400, 500, 600, 700]);
  });
});

describe('queries', () => {
  it('pages by patient with a cursor, newest first, without gaps or repeats', async () => {
    const seen: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await queryEntries(db, {
        tenant: T,
        patientId: 'patient-3',
        limit: 7,
        ...(cursor ? { cursor } : {}),
      });
      seen.push(...page.entries.map((e) => e.seq));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const expected = Array.from({ length: N }, (_, i) => i + 1)
      .filter((s) => (s - 1) % 17 === 3)
      .reverse();
    expect(seen).toEqual(expected);
  });

  it('filters by actor, department, client, kind and time', async () => {
    const byActor = await queryEntries(db, { tenant: T, actorId: 'staff-2', limit: 1000 });
    expect(byActor.entries.every((e) => e.actorId === 'staff-2')).toBe(true);
    expect(byActor.entries.length).toBe(
      Array.from({ length: N }, (_, i) => i).filter((i) => i % 13 === 2).length,
    );
    const dept = await queryEntries(db, {
      tenant: T,
      department: 'dept-1',
      kinds: ['disclosure.export'],
      limit: 1000,
    });
    expect(dept.entries.length).toBeGreaterThan(0);
    expect(
      dept.entries.every((e) => e.department === 'dept-1' && e.kind === 'disclosure.export'),
    ).toBe(true);
    const client = await queryEntries(db, { tenant: T, clientId: 'staff-0', limit: 1000 });
    expect(client.entries.every((e) => e.actorType === 'client')).toBe(true);
    const start = new Date(Date.UTC(2025, 0, 15, 8, 0, 0));
    const window = await queryEntries(db, {
      tenant: T,
      from: start,
      to: new Date(start.getTime() + 3000),
      limit: 1000,
    });
    // one batch of 100 per clock tick of 1 s: three ticks in [start, start + 3 s)
    expect(window.entries.length).toBe(300);
  });

  it('gives the patient their own access history', async () => {
    const h = await getPatientAccessHistory(db, { tenant: T, patientId: 'patient-0', limit: 5 });
    expect(h.accesses).toHaveLength(5);
    expect(h.accesses[0]).toMatchObject({ kind: expect.any(String) as string, breakGlass: false });
    expect(Object.keys(h.accesses[0]!)).not.toContain('networkAddress');
  });

  it('rejects a forged cursor', async () => {
    await expect(queryEntries(db, { tenant: T, cursor: 'garbage!' })).rejects.toMatchObject({
      code: 'CUSTOS_BAD_REQUEST',
    });
    await expect(queryEntries(db, { tenant: T, limit: 5000 })).rejects.toMatchObject({
      code: 'CUSTOS_BAD_REQUEST',
    });
  });

  it('streams in chain order', async () => {
    let n = 0;
    for await (const e of streamEntries(db, { tenant: T, fromSeq: 650, pageSize: 16 })) {
      expect(e.seq).toBe(650 + n);
      expect(hashLeaf(Buffer.alloc(0)).length).toBe(32);
      n++;
    }
    expect(n).toBe(51);
  });
});
