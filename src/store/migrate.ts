import { Migrator, sql, type Kysely, type MigrationProvider } from 'kysely';
import { CustosError, ErrorCode } from '../errors/index.ts';
import type { Store } from './open.ts';

/** One schema step. Names sort in the order they run: `<module range>-<what>`, e.g. `100-vault-core`. */
export interface Migration {
  name: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  up(db: Kysely<any>): Promise<void>;
}

/**
 * Applies every migration not yet applied, in name order. Refuses a database that holds
 * migrations this version does not know (written by a newer Custos) instead of touching it.
 */
export async function applyMigrations(
  store: Store,
  migrations: readonly Migration[],
): Promise<string[]> {
  const seen = new Set<string>();
  for (const m of migrations) {
    if (seen.has(m.name))
      throw new CustosError(ErrorCode.Internal, `duplicate migration name ${m.name}`);
    seen.add(m.name);
  }
  const provider: MigrationProvider = {
    async getMigrations() {
      return Object.fromEntries(migrations.map((m) => [m.name, { up: m.up }]));
    },
  };
  // Tests run each store in its own schema (search_path); the migrator must look there too.
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(
    store.db,
  );
  const migrator = new Migrator({
    db: store.db,
    migrationTableSchema: rows[0]?.schema ?? 'public',
    provider,
    migrationTableName: 'custos_migrations',
    migrationLockTableName: 'custos_migrations_lock',
    allowUnorderedMigrations: true,
  });
  const applied = await store.db
    .selectFrom('custos_migrations')
    .select('name')
    .execute()
    .catch(() => [] as { name: string }[]);
  const foreign = applied.map((r: { name: string }) => r.name).filter((n: string) => !seen.has(n));
  if (foreign.length > 0) {
    throw new CustosError(
      ErrorCode.StoreVersionTooNew,
      `the database holds schema steps this version does not know (${foreign.slice(0, 3).join(', ')}); it was written by a newer Custos`,
    );
  }
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new CustosError(
      ErrorCode.StoreDamaged,
      `schema step ${failed} failed: ${(error as Error).message ?? error}`,
    );
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
