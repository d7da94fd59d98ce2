/**
 * Per-client limits: a token bucket per client for the rate per minute (per node, in memory) and
 * a daily quota counted in the database (shared by every node; one atomic upsert per call).
 */
import { sql, type Kysely } from 'kysely';
import { GovernanceReason, limited } from './errors.ts';
import type { GovernanceTables } from './migrations.ts';

/** The UTC day of a moment, `YYYY-MM-DD`. */
export function dayOf(t: Date): string {
  return t.toISOString().slice(0, 10);
}

/** Seconds from `t` to the next UTC midnight. */
function secondsToMidnight(t: Date): number {
  const next = Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate() + 1);
  return Math.max(1, Math.ceil((next - t.getTime()) / 1000));
}

/** A token bucket per client: `perMinute` calls, refilled continuously. */
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #now: () => Date;

  constructor(now: () => Date) {
    this.#now = now;
  }

  /** Take one call for `clientId`; throws 429 CLIENT_RATE_LIMITED when the bucket is empty. */
  take(clientId: string, perMinute: number): void {
    const t = this.#now().getTime();
    let b = this.#buckets.get(clientId);
    if (!b) {
      if (this.#buckets.size > 100_000) this.#buckets.clear();
      this.#buckets.set(clientId, (b = { tokens: perMinute, at: t }));
    }
    const elapsed = Math.max(0, t - b.at);
    b.tokens = Math.min(perMinute, b.tokens + (elapsed * perMinute) / 60_000);
    b.at = t;
    if (b.tokens < 1) {
      const wait = Math.ceil(((1 - b.tokens) * 60) / perMinute);
      throw limited(
        GovernanceReason.RateLimited,
        'too many calls for this client; slow down',
        wait,
      );
    }
    b.tokens -= 1;
  }
}

/**
 * Lease `n` calls of a client's daily quota from the database in one atomic upsert; returns how
 * many were granted (n, or 0 when fewer than n are left).
 */
async function leaseCalls(
  db: Kysely<GovernanceTables>,
  tenant: string,
  clientId: string,
  day: string,
  n: number,
  limit: number,
): Promise<number> {
  if (n > limit) return 0;
  const row = await db
    .insertInto('gov_usage')
    .values({ tenant_id: tenant, client_id: clientId, day, calls: n })
    .onConflict((oc) =>
      oc
        .columns(['tenant_id', 'client_id', 'day'])
        .doUpdateSet({ calls: sql<number>`gov_usage.calls + ${n}` })
        .where(sql<boolean>`gov_usage.calls + ${n} <= ${limit}`),
    )
    .returning('calls')
    .executeTakeFirst();
  return row ? n : 0;
}

/**
 * The daily quota of each client, counted in the database (shared by every node). Calls are
 * leased in blocks (1 for limits under 2,000 a day, up to 100 for large limits) so that a busy
 * client does not turn its counter row into a lock every call waits on; a leased call counts as
 * used, so the limit is never exceeded (a node may leave at most one block unused per day).
 */
export class DailyQuota {
  readonly #db: Kysely<GovernanceTables>;
  readonly #leased = new Map<string, { day: string; left: number }>();
  readonly #blockOf: (limit: number) => number;

  /** `blockOf` chooses the lease size for a limit (default: limit / 2000, from 1 to 100). */
  constructor(
    db: Kysely<GovernanceTables>,
    blockOf: (limit: number) => number = (limit) =>
      Math.max(1, Math.min(100, Math.floor(limit / 2000))),
  ) {
    this.#db = db;
    this.#blockOf = blockOf;
  }

  /** Take one call; throws 429 DAILY_QUOTA_EXCEEDED once the day's limit is used up. */
  async take(tenant: string, clientId: string, limit: number, now: Date): Promise<void> {
    const day = dayOf(now);
    const key = `${tenant}|${clientId}`;
    const have = this.#leased.get(key);
    if (have && have.day === day && have.left > 0) {
      have.left--;
      return;
    }
    const block = Math.max(1, Math.floor(this.#blockOf(limit)));
    let got = await leaseCalls(this.#db, tenant, clientId, day, block, limit);
    if (got === 0 && block > 1) got = await leaseCalls(this.#db, tenant, clientId, day, 1, limit);
    if (got === 0)
      throw limited(
        GovernanceReason.DailyQuotaExceeded,
        'the daily call quota of this contract is used up',
        secondsToMidnight(now),
      );
    if (this.#leased.size > 100_000) this.#leased.clear();
    const cur = this.#leased.get(key);
    if (cur && cur.day === day) cur.left += got - 1;
    else this.#leased.set(key, { day, left: got - 1 });
  }
}

/**
 * Count one call against the client's daily quota without leasing; throws 429
 * DAILY_QUOTA_EXCEEDED once the contract's daily limit is used up.
 */
export async function takeDailyQuota(
  db: Kysely<GovernanceTables>,
  tenant: string,
  clientId: string,
  limit: number,
  now: Date,
): Promise<void> {
  if ((await leaseCalls(db, tenant, clientId, dayOf(now), 1, limit)) === 0)
    throw limited(
      GovernanceReason.DailyQuotaExceeded,
      'the daily call quota of this contract is used up',
      secondsToMidnight(now),
    );
}

/** Calls a client made on a day. */
export async function usageOf(
  db: Kysely<GovernanceTables>,
  tenant: string,
  clientId: string,
  day: string,
): Promise<number> {
  const r = await db
    .selectFrom('gov_usage')
    .select('calls')
    .where('tenant_id', '=', tenant)
    .where('client_id', '=', clientId)
    .where('day', '=', day)
    .executeTakeFirst();
  return r ? Number(r.calls) : 0;
}
