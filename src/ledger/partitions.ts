/**
 * Monthly partitions of ledger_entry, named ledger_entry_pYYYYMM and bounded in UTC. Created on
 * demand before an append needs them; safe when two processes race to create the same one.
 */
import { sql, type Kysely } from 'kysely';
import type { LedgerTables } from './migrations.ts';

/** Partition name for the UTC month of `t`. */
export function partitionName(t: Date): string {
  return `ledger_entry_p${t.getUTCFullYear()}${String(t.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** [start, end) of the UTC month holding `t`. */
export function monthBounds(t: Date): [Date, Date] {
  const start = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), 1));
  const end = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + 1, 1));
  return [start, end];
}

const known = new WeakMap<object, Set<string>>();

/** Makes sure the partition for the month of `t` exists (cached per database handle). */
export async function ensurePartition(db: Kysely<LedgerTables>, t: Date): Promise<void> {
  const name = partitionName(t);
  let set = known.get(db);
  if (!set) known.set(db, (set = new Set()));
  if (set.has(name)) return;
  const [start, end] = monthBounds(t);
  const create = sql`create table if not exists ${sql.table(name)} partition of ledger_entry
    for values from (${sql.lit(start.toISOString())}) to (${sql.lit(end.toISOString())})`;
  for (let attempt = 0; ; attempt++) {
    try {
      await create.execute(db);
      break;
    } catch (e) {
      // Another process created it between our check and our create: that is success.
      const exists = await sql<{ r: string | null }>`select to_regclass(${name}) as r`.execute(db);
      if (exists.rows[0]?.r) break;
      if (attempt >= 2) throw e;
    }
  }
  set.add(name);
}

/** Names of the existing ledger partitions, oldest first. */
export async function listPartitions(db: Kysely<LedgerTables>): Promise<string[]> {
  const r = await sql<{ name: string }>`select c.relname as name from pg_inherits i
    join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
    where p.relname = 'ledger_entry' and p.relnamespace = (select oid from pg_namespace where nspname = current_schema())
    order by c.relname`.execute(db);
  return r.rows.map((x) => x.name);
}
