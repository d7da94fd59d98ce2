/**
 * Must show: after importing a hospital, nothing in the raw database — neither any column read
 * back with SQL nor any byte of the data folder's files (embedded database) or of a pg_dump
 * (PostgreSQL) —
 * contains a sampled name, ID number, phone, address or diagnosis text.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { initKeyring } from '../crypto/index.ts';
import {
  applyMigrations,
  createTestStore,
  openStore,
  testBackend,
  testDatabaseUrl,
  type Store,
} from '../store/index.ts';
import { makePatients, makeStaff } from './test-fixtures.ts';
import { importFhirBundle, openVault, readResource, vaultMigrations } from './index.ts';

/** Finds any of many needles in a buffer in one pass (3-byte prefix filter, then verify). */
function makeScanner(needles: readonly string[]) {
  const bufs = [...new Set(needles)]
    .map((n) => Buffer.from(n, 'utf8'))
    .filter((b) => b.length >= 3);
  const prefix = new Uint8Array(1 << 24);
  const byPrefix = new Map<number, Buffer[]>();
  for (const b of bufs) {
    const p = (b[0]! << 16) | (b[1]! << 8) | b[2]!;
    prefix[p] = 1;
    byPrefix.set(p, [...(byPrefix.get(p) ?? []), b]);
  }
  return (hay: Buffer): string[] => {
    const found: string[] = [];
    for (let i = 0; i + 2 < hay.length; i++) {
      const p = (hay[i]! << 16) | (hay[i + 1]! << 8) | hay[i + 2]!;
      if (prefix[p] === 0) continue;
      for (const b of byPrefix.get(p)!) {
        if (hay.length - i >= b.length && hay.compare(b, 0, b.length, i, i + b.length) === 0)
          found.push(b.toString('utf8'));
      }
    }
    return found;
  };
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) out.push(...filesUnder(p));
    else if (st.isFile()) out.push(p);
  }
  return out;
}

const cleanup: string[] = [];
afterAll(() => cleanup.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('raw database contents', () => {
  it('hold none of 100 sampled names, ID numbers, phones, addresses or diagnosis texts', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'custos-rawscan-'));
    cleanup.push(dataDir);
    const onDisk = testBackend() === 'pglite';
    let store: Store;
    if (onDisk) {
      store = await openStore({ dataDir });
      await applyMigrations(store, vaultMigrations);
    } else {
      store = await createTestStore(vaultMigrations);
    }
    const keyring = await initKeyring(dataDir, 'scan test', { kdf: { N: 1024 } });
    const vault = await openVault(store.db, keyring);
    const tenant = 'scan-hospital';
    const { resources, patients } = makePatients(110, 99);
    const bundle = (list: typeof resources) => ({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: list.map((resource) => ({
        resource,
        request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` },
      })),
    });
    expect((await importFhirBundle(vault, tenant, bundle(makeStaff()))).ok).toBe(true);
    const rep = await importFhirBundle(vault, tenant, bundle(resources));
    expect(rep).toMatchObject({ ok: true, total: resources.length });

    const sample = patients.slice(0, 100);
    expect(sample).toHaveLength(100);
    const needles = sample.flatMap((p) => [
      p.name,
      p.nationalId,
      p.phone,
      p.address,
      p.diagnosisText,
    ]);
    const scan = makeScanner(needles);
    // The data is there and readable through the vault.
    expect((await readResource(vault, tenant, 'Patient', sample[0]!.id)).resource.name).toEqual([
      expect.objectContaining({ text: sample[0]!.name }),
    ]);

    // 1. Every text, bytea and json column of every table, read back with SQL.
    const columns = await sql<{ table_name: string; column_name: string; data_type: string }>`
      select table_name, column_name, data_type from information_schema.columns
      where table_schema = current_schema() and data_type in ('text', 'bytea', 'character varying', 'json', 'jsonb', 'ARRAY')`.execute(
      store.db,
    );
    const tables = new Set(columns.rows.map((c) => c.table_name));
    expect(tables).toContain('vault_resource');
    let scanned = 0;
    for (const table of tables) {
      const rows = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(
        store.db,
      );
      for (const row of rows.rows) {
        for (const c of columns.rows.filter((x) => x.table_name === table)) {
          const v = row[c.column_name];
          if (v === null || v === undefined) continue;
          const buf = Buffer.isBuffer(v)
            ? v
            : Buffer.from(typeof v === 'string' ? v : JSON.stringify(v), 'utf8');
          scanned += buf.length;
          expect(scan(buf), `${table}.${c.column_name}`).toEqual([]);
        }
      }
    }
    expect(scanned).toBeGreaterThan(500_000);

    if (onDisk) {
      // Control: a plaintext value (the ID number of a patient outside the sample) written to a
      // plain table must be found by the same scan, or the scan proves nothing.
      const canary = patients[105]!.nationalId;
      expect(needles).not.toContain(canary);
      await sql`create table scan_canary (tenant_id text primary key, v text)`.execute(store.db);
      await sql`insert into scan_canary values ('x', ${canary})`.execute(store.db);
      await store.close();
      const files = filesUnder(dataDir);
      const scanCanary = makeScanner([canary]);
      let canaryFound = false;
      let bytes = 0;
      const leaks: string[] = [];
      for (const f of files) {
        const buf = readFileSync(f);
        bytes += buf.length;
        if (scanCanary(buf).length > 0) canaryFound = true;
        for (const hit of scan(buf))
          leaks.push(`${f.slice(dataDir.length)}: a value of ${hit.length} characters`);
      }
      expect(canaryFound).toBe(true);
      expect(bytes).toBeGreaterThan(1_000_000);
      expect(leaks).toEqual([]);
    } else {
      // PostgreSQL: a pg_dump of the test schema, with the same plaintext control.
      const canary = patients[105]!.nationalId;
      await sql`create table scan_canary (tenant_id text primary key, v text)`.execute(store.db);
      await sql`insert into scan_canary values ('x', ${canary})`.execute(store.db);
      const schema = (await sql<{ s: string }>`select current_schema() as s`.execute(store.db))
        .rows[0]!.s;
      const dump = execFileSync('pg_dump', ['--schema', schema, '--data-only', testDatabaseUrl()], {
        maxBuffer: 1 << 30,
      });
      await store.close();
      expect(dump.length).toBeGreaterThan(500_000);
      expect(makeScanner([canary])(dump)).toEqual([canary]);
      expect(scan(dump)).toEqual([]);
    }
  });
});
