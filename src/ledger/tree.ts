/**
 * Merkle subtree hashes read from the database: stored perfect subtrees (2^8 leaves and more) when
 * present, otherwise computed from the entry hashes. Used for proofs and to start a verification
 * in the middle of a chain.
 */
import type { Kysely } from 'kysely';
import { CustosError, ErrorCode } from '../errors/index.ts';
import {
  CompactRange,
  hashChildren,
  isPowerOfTwo,
  perfectSubtreeLevels,
  rangeHashOf,
  splitPoint,
} from './merkle.ts';
import type { LedgerTables } from './migrations.ts';
import { NODE_LEVEL } from './ledger.ts';

const LEAF_BLOCK = 2 ** NODE_LEVEL;

/** Entry hashes of leaves [a, b) (entries a+1..b), in order; throws if any is missing. */
export async function readLeafHashes(
  db: Kysely<LedgerTables>,
  tenant: string,
  a: number,
  b: number,
): Promise<Buffer[]> {
  const rows = await db
    .selectFrom('ledger_entry')
    .select(['seq', 'entry_hash'])
    .where('tenant_id', '=', tenant)
    .where('seq', '>', a)
    .where('seq', '<=', b)
    .orderBy('seq')
    .execute();
  if (rows.length !== b - a || rows.some((r, i) => Number(r.seq) !== a + 1 + i)) {
    throw new CustosError(
      ErrorCode.LedgerInvalid,
      `ledger entries ${a + 1}..${b} are not all present; run audit verify`,
    );
  }
  return rows.map((r) => r.entry_hash);
}

async function storedNode(
  db: Kysely<LedgerTables>,
  tenant: string,
  a: number,
  size: number,
): Promise<Buffer | null> {
  if (!isPowerOfTwo(size) || a % size !== 0) return null;
  const node = await db
    .selectFrom('ledger_tree_node')
    .select('hash')
    .where('tenant_id', '=', tenant)
    .where('level', '=', Math.round(Math.log2(size)))
    .where('idx', '=', a / size)
    .executeTakeFirst();
  return node ? node.hash : null;
}

/**
 * MTH(D[a:b]) for a range that arises in RFC 9162 proofs (a aligned to the split). Large perfect
 * subtrees come from stored nodes; small ranges from entry hashes; where retention removed the
 * entries, from the small nodes it stored at the boundary.
 */
export async function rangeHashFromDb(
  db: Kysely<LedgerTables>,
  tenant: string,
  a: number,
  b: number,
): Promise<Buffer> {
  const size = b - a;
  if (size <= 0) throw new CustosError(ErrorCode.Internal, 'empty Merkle range');
  if (size >= LEAF_BLOCK) {
    const node = await storedNode(db, tenant, a, size);
    if (node) return node;
  } else {
    try {
      const leaves = await readLeafHashes(db, tenant, a, b);
      return rangeHashOf(leaves, 0, leaves.length);
    } catch (e) {
      const node = await storedNode(db, tenant, a, size);
      if (node) return node;
      if (size === 1) throw e;
    }
  }
  const k = splitPoint(size);
  return hashChildren(
    await rangeHashFromDb(db, tenant, a, a + k),
    await rangeHashFromDb(db, tenant, a + k, b),
  );
}

/** The compact range over leaves [0, size), from stored subtrees and entry hashes. */
export async function compactRangeAt(
  db: Kysely<LedgerTables>,
  tenant: string,
  size: number,
): Promise<CompactRange> {
  const parts: Buffer[] = [];
  let start = 0;
  for (const level of perfectSubtreeLevels(size)) {
    const w = 2 ** level;
    parts.push(await rangeHashFromDb(db, tenant, start, start + w));
    start += w;
  }
  return CompactRange.from(size, Buffer.concat(parts));
}
