import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { applyMigrations, type Migration } from './migrate.ts';
import { openStore, type Store } from './open.ts';

/** The backend the test suite runs on: `CUSTOS_TEST_BACKEND=postgres` selects the real server. */
export function testBackend(): 'pglite' | 'postgres' {
  return process.env.CUSTOS_TEST_BACKEND === 'postgres' ? 'postgres' : 'pglite';
}

/** PostgreSQL URL the tests use; CI points it at a fresh database per run. */
export function testDatabaseUrl(): string {
  return process.env.CUSTOS_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
}

function pgliteVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.resolve('@electric-sql/pglite')));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string })
    .version;
}

async function pgliteTemplate(): Promise<Blob> {
  // initdb costs seconds; keep one empty cluster per PGlite version and copy it per test store.
  const version = pgliteVersion();
  const file = join(tmpdir(), `custos-pglite-template-${version}.tar`);
  if (!existsSync(file)) {
    const pglite = new PGlite();
    await pglite.waitReady;
    const dump = await pglite.dumpDataDir('none');
    await pglite.close();
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
    renameSync(tmp, file);
  }
  return new Blob([readFileSync(file)]);
}

/**
 * A fresh, isolated database with the given migrations applied: an in-memory PGlite, or with
 * CUSTOS_TEST_BACKEND=postgres a new schema in the test database that is dropped on close.
 */
export async function createTestStore(migrations: readonly Migration[] = []): Promise<Store> {
  if (testBackend() === 'pglite') {
    const store = await openStore({ pgliteTemplate: await pgliteTemplate() });
    await applyMigrations(store, migrations);
    return store;
  }
  return createPostgresTestStore(migrations);
}

async function createPostgresTestStore(migrations: readonly Migration[]): Promise<Store> {
  const url = testDatabaseUrl();
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const dropSchema = async () => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(`drop schema if exists ${schema} cascade`);
    await c.end();
  };
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const store = await openStore({
    databaseUrl: url,
    pgOptions: `-c search_path=${schema}`,
    poolSize: 4,
  });
  try {
    await applyMigrations(store, migrations);
  } catch (e) {
    await store.close().catch(() => {});
    await dropSchema().catch(() => {});
    throw e;
  }
  const close = store.close.bind(store);
  return {
    ...store,
    async close() {
      await close();
      await dropSchema();
    },
  };
}
