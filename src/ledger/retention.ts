/**
 * Retention of ledger entries. The setting refuses anything under 6 months. Expired months are
 * removed a whole partition at a time; before that, each tenant's chain records where it now starts
 * (the last removed entry's hash and the Merkle state there), so verification and proofs of the
 * kept entries continue to work.
 */
import { sql, type Kysely } from 'kysely';
import { CustosError, ErrorCode } from '../errors/index.ts';
import { checkTenant } from './canonical.ts';
import type { LedgerTables } from './migrations.ts';
import { listPartitions, monthBounds } from './partitions.ts';
import { compactRangeAt } from './tree.ts';
import { NODE_LEVEL } from './ledger.ts';

/** The shortest retention the ledger accepts, in months. */
export const MIN_RETENTION_MONTHS = 6;

/** Sets a tenant's retention in months (≥ 6; refused otherwise with CUSTOS_INPUT_INVALID). */
export async function setRetention(
  db: Kysely<LedgerTables>,
  tenant: string,
  months: number,
): Promise<void> {
  checkTenant(tenant);
  if (!Number.isSafeInteger(months) || months < MIN_RETENTION_MONTHS || months > 1200) {
    throw new CustosError(
      ErrorCode.InputInvalid,
      `ledger retention must be a whole number of months from ${MIN_RETENTION_MONTHS} to 1200`,
    );
  }
  await db
    .insertInto('ledger_setting')
    .values({ tenant_id: tenant, retention_months: months })
    .onConflict((oc) => oc.column('tenant_id').doUpdateSet({ retention_months: months }))
    .execute();
}

/** A tenant's retention in months, or null when entries are kept forever (the default). */
export async function getRetention(
  db: Kysely<LedgerTables>,
  tenant: string,
): Promise<number | null> {
  const r = await db
    .selectFrom('ledger_setting')
    .select('retention_months')
    .where('tenant_id', '=', checkTenant(tenant))
    .executeTakeFirst();
  return r ? r.retention_months : null;
}

/**
 * Drops monthly partitions that every tenant's retention has expired (a tenant without a setting
 * keeps everything, so nothing is dropped while one exists with entries there). Returns the names
 * of the dropped partitions. Record the admin action in the ledger before calling this.
 */
export async function applyRetention(db: Kysely<LedgerTables>, now: Date): Promise<string[]> {
  const dropped: string[] = [];
  for (const name of await listPartitions(db)) {
    const m = /^ledger_entry_p(\d{4})(\d{2})$/.exec(name);
    if (!m) continue;
    const [, end] = monthBounds(new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1)));
    // Tenants with entries in this partition, with the last seq they hold there.
    const tenants = await sql<{
      tenant_id: string;
      last: number;
    }>`select tenant_id, max(seq) as last from ${sql.table(name)} group by tenant_id`.execute(db);
    let expired = true;
    for (const t of tenants.rows) {
      const months = await getRetention(db, t.tenant_id);
      const limit =
        months === null
          ? null
          : new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - months, now.getUTCDate()));
      if (limit === null || end.getTime() > limit.getTime()) expired = false;
    }
    if (!expired) break; // partitions are dropped oldest first, never leaving a hole in a chain
    await db.transaction().execute(async (trx) => {
      for (const t of tenants.rows) {
        const last = Number(t.last);
        const chain = await trx
          .selectFrom('ledger_chain')
          .selectAll()
          .where('tenant_id', '=', t.tenant_id)
          .forUpdate()
          .executeTakeFirstOrThrow();
        if (last <= Number(chain.base_seq)) continue;
        const lastRow = await trx
          .selectFrom('ledger_entry')
          .select('entry_hash')
          .where('tenant_id', '=', t.tenant_id)
          .where('seq', '=', last)
          .executeTakeFirstOrThrow();
        const range = await compactRangeAt(trx, t.tenant_id, last);
        // Keep the small subtrees of the removed prefix of the last 256-entry block, so proofs for
        // the kept entries next to the boundary can still be built.
        let start = 0;
        for (let i = 0; i < range.levels.length; i++) {
          const level = range.levels[i] as number;
          if (level < NODE_LEVEL) {
            await trx
              .insertInto('ledger_tree_node')
              .values({
                tenant_id: t.tenant_id,
                level,
                idx: start / 2 ** level,
                hash: range.hashes[i] as Buffer,
              })
              .onConflict((oc) => oc.columns(['tenant_id', 'level', 'idx']).doNothing())
              .execute();
          }
          start += 2 ** level;
        }
        await trx
          .updateTable('ledger_chain')
          .set({ base_seq: last, base_hash: lastRow.entry_hash, base_frontier: range.toBuffer() })
          .where('tenant_id', '=', t.tenant_id)
          .execute();
      }
      await sql`drop table ${sql.table(name)}`.execute(trx);
    });
    dropped.push(name);
  }
  return dropped;
}
