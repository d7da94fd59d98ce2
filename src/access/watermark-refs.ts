/**
 * Watermark entry references. A token must be known before its ledger entry is written (the
 * entry records it), so references come from per-tenant blocks reserved atomically in the
 * database: unique across processes and nodes, one round trip per block.
 */
import { sql, type Kysely } from 'kysely';
import { CustosError, ErrorCode } from '../errors/index.ts';
import { MAX_ENTRY_REF } from '../watermark/index.ts';
import type { AccessTables } from './migrations.ts';

/** References handed out per reserved block. */
export const REF_BLOCK_SIZE = 256;

/** Hands out unique 48-bit entry references per tenant. */
export class WatermarkRefs {
  readonly #db: Kysely<AccessTables>;
  readonly #blocks = new Map<string, { next: number; end: number }>();
  readonly #pending = new Map<string, Promise<void>>();

  constructor(db: Kysely<AccessTables>) {
    this.#db = db;
  }

  /** The next unused reference of `tenant`. */
  async next(tenant: string): Promise<number> {
    for (;;) {
      const b = this.#blocks.get(tenant);
      if (b && b.next < b.end) return b.next++;
      let p = this.#pending.get(tenant);
      if (!p) {
        p = this.#reserve(tenant).finally(() => this.#pending.delete(tenant));
        this.#pending.set(tenant, p);
      }
      await p;
    }
  }

  async #reserve(tenant: string): Promise<void> {
    const r = await sql<{ next_block: string | number }>`
      insert into access_token_block (tenant_id, next_block) values (${tenant}, 1)
      on conflict (tenant_id) do update set next_block = access_token_block.next_block + 1
      returning next_block`.execute(this.#db);
    const block = Number(r.rows[0]?.next_block);
    // Block 0 is never used: reference 0 stays free as an "unknown" marker.
    const start = block * REF_BLOCK_SIZE;
    if (!Number.isSafeInteger(start) || start + REF_BLOCK_SIZE - 1 > MAX_ENTRY_REF) {
      throw new CustosError(ErrorCode.Internal, 'watermark references are exhausted');
    }
    this.#blocks.set(tenant, { next: start, end: start + REF_BLOCK_SIZE });
  }
}
