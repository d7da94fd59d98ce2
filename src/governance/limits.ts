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
 * Count one call against the client's daily quota; throws 429 DAILY_QUOTA_EXCEEDED once the
 * contract's daily limit is used up (the refused call is not counted as used).
 */
export async function takeDailyQuota(
  db: Kysely<GovernanceTables>,
  tenant: string,
  clientId: string,
  limit: number,
  now: Date,
): Promise<number> {
  const day = dayOf(now);
  const row = await db
    .insertInto('gov_usage')
    .values({ tenant_id: tenant, client_id: clientId, day, calls: 1 })
    .onConflict((oc) =>
      oc
        .columns(['tenant_id', 'client_id', 'day'])
        .doUpdateSet({ calls: sql<number>`gov_usage.calls + 1` })
        .where('gov_usage.calls', '<', limit),
    )
    .returning('calls')
    .executeTakeFirst();
  if (!row)
    throw limited(
      GovernanceReason.DailyQuotaExceeded,
      'the daily call quota of this contract is used up',
      secondsToMidnight(now),
    );
  return Number(row.calls);
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
