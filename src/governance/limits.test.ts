import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCustosError } from '../errors/index.ts';
import { createTestStore, type Store } from '../store/index.ts';
import {
  DailyQuota,
  RateLimiter,
  governanceMigrations,
  usageOf,
  type GovernanceTables,
} from './index.ts';
import type { Kysely } from 'kysely';

describe('per-client limits', () => {
  let store: Store;
  beforeAll(async () => {
    store = await createTestStore([...governanceMigrations]);
  });
  afterAll(async () => {
    await store.close();
  });

  const takeAll = async (q: DailyQuota, client: string, limit: number, n: number, day: Date) => {
    let ok = 0;
    let refused = 0;
    for (let i = 0; i < n; i++) {
      try {
        await q.take('t1', client, limit, day);
        ok++;
      } catch (e) {
        if (!isCustosError(e) || e.extra.reasonCode !== 'DAILY_QUOTA_EXCEEDED') throw e;
        refused++;
      }
    }
    return { ok, refused };
  };

  it('counts the daily quota exactly for small limits and resets the next UTC day', async () => {
    const q = new DailyQuota(store.db as Kysely<GovernanceTables>);
    const day = new Date('2025-03-03T10:00:00Z');
    expect(await takeAll(q, 'c-small', 5, 8, day)).toEqual({ ok: 5, refused: 3 });
    expect(await usageOf(store.db as Kysely<GovernanceTables>, 't1', 'c-small', '2025-03-03')).toBe(
      5,
    );
    expect((await takeAll(q, 'c-small', 5, 1, new Date('2025-03-04T00:00:01Z'))).ok).toBe(1);
  });

  it('never exceeds the limit when two nodes lease calls in blocks', async () => {
    const db = store.db as Kysely<GovernanceTables>;
    const a = new DailyQuota(db, () => 3);
    const b = new DailyQuota(db, () => 3);
    const day = new Date('2025-03-03T10:00:00Z');
    let ok = 0;
    for (let i = 0; i < 20; i++) ok += (await takeAll(i % 2 ? a : b, 'c-big', 10, 1, day)).ok;
    expect(ok).toBeLessThanOrEqual(10);
    expect(ok).toBeGreaterThanOrEqual(10 - 2 * 2);
    expect(await usageOf(db, 't1', 'c-big', '2025-03-03')).toBeLessThanOrEqual(10);
  });

  it('refills the per-client rate bucket over time', () => {
    let t = new Date('2025-03-03T10:00:00Z');
    const r = new RateLimiter(() => t);
    for (let i = 0; i < 3; i++) r.take('c', 3);
    expect(() => r.take('c', 3)).toThrow(expect.objectContaining({ code: 'CUSTOS_RATE_LIMITED' }));
    t = new Date(t.getTime() + 20_000);
    expect(() => r.take('c', 3)).not.toThrow();
    expect(() => r.take('other', 3)).not.toThrow();
  });
});
