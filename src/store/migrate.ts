import { sql, type Kysely } from 'kysely';
import { CustosError, ErrorCode } from '../errors/index.ts';
import type { Store } from './open.ts';

/** One schema step. Names sort in the order they run: `<module range>-<what>`, e.g. `100-vault-core`. */
export interface Migration {
  name: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  up(db: Kysely<any>): Promise<void>;
}

/**
 * Applies every migration not yet applied, in name order, in one transaction under an advisory
 * lock of the current schema (two processes starting at once cannot both migrate). Refuses a
 * database that holds migrations this version does not know (written by a newer Custos) instead of
 * touching it. Reads no catalogue of other schemas, so stores in neighbouring schemas that appear
 * and disappear meanwhile cannot disturb it.
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
  const ordered = [...migrations].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  // Same columns as earlier data folders used, so they keep working.
  await sql`create table if not exists custos_migrations (name varchar(255) primary key, timestamp varchar(255) not null)`.execute(
    store.db,
  );
  let current = '';
  try {
    return await store.db.transaction().execute(async (tx) => {
      await sql`select pg_advisory_xact_lock(hashtext('custos_migrations:' || current_schema()))`.execute(
        tx,
      );
      const applied = new Set(
        (await sql<{ name: string }>`select name from custos_migrations`.execute(tx)).rows.map(
          (r) => r.name,
        ),
      );
      const foreign = [...applied].filter((n) => !seen.has(n));
      if (foreign.length > 0) {
        throw new CustosError(
          ErrorCode.StoreVersionTooNew,
          `the database holds schema steps this version does not know (${foreign.slice(0, 3).join(', ')}); it was written by a newer Custos`,
        );
      }
      const done: string[] = [];
      for (const m of ordered) {
        if (applied.has(m.name)) continue;
        current = m.name;
        await m.up(tx);
        await sql`insert into custos_migrations (name, timestamp) values (${m.name}, ${new Date().toISOString()})`.execute(
          tx,
        );
        done.push(m.name);
      }
      return done;
    });
  } catch (e) {
    if (e instanceof CustosError) throw e;
    throw new CustosError(
      ErrorCode.StoreDamaged,
      `schema step ${current || 'set-up'} failed: ${(e as Error).message ?? e}`,
    );
  }
}
