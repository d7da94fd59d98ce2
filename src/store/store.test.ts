import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { isCustosError } from '../errors/index.ts';
import {
  applyMigrations,
  createTestStore,
  openStore,
  type Migration,
  type Store,
} from './index.ts';

const m1: Migration = {
  name: '001-test-notes',
  async up(db) {
    await db.schema
      .createTable('note')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('id', 'int8', (c) => c.notNull())
      .addColumn('body', 'bytea')
      .addColumn('at', 'timestamptz')
      .addPrimaryKeyConstraint('note_pk', ['tenant_id', 'id'])
      .execute();
  },
};

describe('test store (both backends)', () => {
  const stores: Store[] = [];
  afterAll(async () => {
    for (const s of stores) await s.close();
  });

  it('applies migrations once and maps int8, bytea and timestamptz the same on both backends', async () => {
    const s = await createTestStore([m1]);
    stores.push(s);
    expect(await applyMigrations(s, [m1])).toEqual([]);
    await s.db
      .insertInto('note')
      .values({
        tenant_id: 't1',
        id: 9007199254740991,
        body: Buffer.from([1, 2, 255]),
        at: new Date(0),
      })
      .execute();
    const row = await s.db.selectFrom('note').selectAll().executeTakeFirstOrThrow();
    expect(row.id).toBe(9007199254740991);
    expect(Buffer.isBuffer(row.body)).toBe(true);
    expect([...row.body]).toEqual([1, 2, 255]);
    expect(row.at).toEqual(new Date(0));
  });

  it('keeps transactions atomic: a failed transaction leaves nothing behind', async () => {
    const s = await createTestStore([m1]);
    stores.push(s);
    await expect(
      s.db.transaction().execute(async (tx) => {
        await tx.insertInto('note').values({ tenant_id: 't1', id: 1 }).execute();
        await tx.insertInto('note').values({ tenant_id: 't1', id: 1 }).execute();
      }),
    ).rejects.toThrow();
    const { n } = await s.db
      .selectFrom('note')
      .select(sql<number>`count(*)::int`.as('n'))
      .executeTakeFirstOrThrow();
    expect(n).toBe(0);
  });

  it('serialises concurrent transactions without interleaving', async () => {
    const s = await createTestStore([m1]);
    stores.push(s);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        s.db.transaction().execute(async (tx) => {
          const { max } = await tx
            .selectFrom('note')
            .select(sql<number>`coalesce(max(id), 0)::int8`.as('max'))
            .executeTakeFirstOrThrow();
          await tx
            .insertInto('note')
            .values({ tenant_id: 't1', id: Number(max) + 1, body: Buffer.from([i]) })
            .execute();
        }),
      ).map((p) => p.catch(() => 'conflict')),
    );
    const rows = await s.db.selectFrom('note').select('id').orderBy('id').execute();
    // On the embedded database transactions are serial; on PostgreSQL some may conflict, never duplicate.
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
    if (s.backend === 'pglite') expect(rows.length).toBe(20);
  });

  it('refuses a database written by a newer version', async () => {
    const s = await createTestStore([m1, { name: '999-from-the-future', up: async () => {} }]);
    stores.push(s);
    const err = await applyMigrations(s, [m1]).catch((e: unknown) => e);
    expect(isCustosError(err, 'CUSTOS_STORE_VERSION_TOO_NEW')).toBe(true);
  });
});

describe('embedded data folder', () => {
  it('persists, refuses a newer format and a damaged marker, never overwriting', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'custos-store-'));
    const s = await openStore({ dataDir: dir });
    await applyMigrations(s, [m1]);
    await s.db.insertInto('note').values({ tenant_id: 't', id: 7 }).execute();
    await s.close();
    const again = await openStore({ dataDir: dir });
    expect((await again.db.selectFrom('note').select('id').execute()).map((r) => r.id)).toEqual([
      7,
    ]);
    await again.close();

    writeFileSync(join(dir, 'custos-data.json'), JSON.stringify({ format: 99 }));
    const newer = await openStore({ dataDir: dir }).catch((e: unknown) => e);
    expect(isCustosError(newer, 'CUSTOS_STORE_VERSION_TOO_NEW')).toBe(true);

    writeFileSync(join(dir, 'custos-data.json'), '{garbage');
    const damaged = await openStore({ dataDir: dir }).catch((e: unknown) => e);
    expect(isCustosError(damaged, 'CUSTOS_STORE_DAMAGED')).toBe(true);
  });

  it('reports an unreachable PostgreSQL server as unavailable', async () => {
    const err = await openStore({ databaseUrl: 'postgres://nobody@127.0.0.1:1/none' }).catch(
      (e: unknown) => e,
    );
    expect(isCustosError(err, 'CUSTOS_STORE_UNAVAILABLE')).toBe(true);
    expect(String((err as Error).message)).not.toContain('nobody');
  });
});
