/**
 * Proofs served to clients and witnesses, computed from the database: inclusion of an entry in a
 * signed tree, consistency between two tree sizes, and the signed heads themselves.
 */
import type { Kysely } from 'kysely';
import { CustosError, ErrorCode } from '../errors/index.ts';
import { checkTenant } from './canonical.ts';
import type { TreeHead } from './heads.ts';
import { consistencyProofRanges, EMPTY_ROOT, inclusionProofRanges } from './merkle.ts';
import type { LedgerTables } from './migrations.ts';
import { compactRangeAt, rangeHashFromDb } from './tree.ts';

/** Proof that entry `seq` is leaf `seq - 1` of the tree of `treeSize` entries. */
export interface InclusionProofResult {
  tenant: string;
  seq: number;
  leafIndex: number;
  treeSize: number;
  entryHash: Buffer;
  path: Buffer[];
  rootHash: Buffer;
  /** The signed head of that size, when one was signed (clients should check against a head). */
  head: TreeHead | null;
}

/** Proof that the tree of `first` entries is a prefix of the tree of `second` entries. */
export interface ConsistencyProofResult {
  tenant: string;
  first: number;
  second: number;
  firstRoot: Buffer;
  secondRoot: Buffer;
  path: Buffer[];
}

function toHead(r: LedgerTables['ledger_tree_head']): TreeHead {
  return {
    tenant: r.tenant_id,
    treeSize: Number(r.tree_size),
    rootHash: r.root_hash,
    signedAt: r.signed_at,
    keyId: r.key_id,
    algorithm: r.algorithm as TreeHead['algorithm'],
    signature: r.signature,
  };
}

const sizeArg = (v: unknown, what: string): number => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new CustosError(ErrorCode.BadRequest, `${what} must be a non-negative integer`);
  }
  return v;
};

async function chainSize(db: Kysely<LedgerTables>, tenant: string): Promise<number> {
  const c = await db
    .selectFrom('ledger_chain')
    .select('size')
    .where('tenant_id', '=', tenant)
    .executeTakeFirst();
  return c ? Number(c.size) : 0;
}

/** The signed head of exactly `treeSize` entries, or the latest one when omitted; null if none. */
export async function getTreeHead(
  db: Kysely<LedgerTables>,
  tenant: string,
  treeSize?: number,
): Promise<TreeHead | null> {
  checkTenant(tenant);
  let q = db.selectFrom('ledger_tree_head').selectAll().where('tenant_id', '=', tenant);
  q =
    treeSize === undefined
      ? q.orderBy('tree_size', 'desc').limit(1)
      : q.where('tree_size', '=', sizeArg(treeSize, 'tree size'));
  const r = await q.executeTakeFirst();
  return r ? toHead(r) : null;
}

/**
 * The public key (SPKI PEM) recorded for a key that signed the tenant's heads, for exporting a head
 * with the key that signed it (Ed25519 or SM2, current or rotated); undefined when not recorded.
 */
export async function getRecordedPublicKey(
  db: Kysely<LedgerTables>,
  tenant: string,
  keyId: string,
): Promise<string | undefined> {
  checkTenant(tenant);
  const r = await db
    .selectFrom('ledger_key')
    .select('public_key')
    .where('tenant_id', '=', tenant)
    .where('key_id', '=', keyId)
    .executeTakeFirst();
  return r?.public_key;
}

/** Signed heads in size order, paged: those with size > `after`, at most `limit` (≤ 1000). */
export async function listTreeHeads(
  db: Kysely<LedgerTables>,
  tenant: string,
  opts: { after?: number; limit?: number } = {},
): Promise<TreeHead[]> {
  checkTenant(tenant);
  const rows = await db
    .selectFrom('ledger_tree_head')
    .selectAll()
    .where('tenant_id', '=', tenant)
    .where('tree_size', '>', opts.after ?? 0)
    .orderBy('tree_size')
    .limit(Math.min(Math.max(opts.limit ?? 100, 1), 1000))
    .execute();
  return rows.map(toHead);
}

/**
 * Inclusion proof for entry `seq` in the tree of `treeSize` entries (default: the latest signed
 * head, else the current size). Refuses sizes beyond the chain and entries beyond the size.
 */
export async function getInclusionProof(
  db: Kysely<LedgerTables>,
  opts: { tenant: string; seq: number; treeSize?: number },
): Promise<InclusionProofResult> {
  const tenant = checkTenant(opts.tenant);
  const seq = sizeArg(opts.seq, 'seq');
  const size = await chainSize(db, tenant);
  const head =
    opts.treeSize === undefined
      ? await getTreeHead(db, tenant)
      : await getTreeHead(db, tenant, opts.treeSize);
  const treeSize =
    opts.treeSize === undefined ? (head?.treeSize ?? size) : sizeArg(opts.treeSize, 'tree size');
  if (treeSize > size)
    throw new CustosError(ErrorCode.NotFound, `the ledger holds ${size} entries, not ${treeSize}`);
  if (seq < 1 || seq > treeSize)
    throw new CustosError(
      ErrorCode.NotFound,
      `entry ${seq} is not in the tree of ${treeSize} entries`,
    );
  const leaf = await db
    .selectFrom('ledger_entry')
    .select('entry_hash')
    .where('tenant_id', '=', tenant)
    .where('seq', '=', seq)
    .executeTakeFirst();
  if (!leaf)
    throw new CustosError(ErrorCode.NotFound, `entry ${seq} is not stored (removed by retention?)`);
  const path: Buffer[] = [];
  for (const [a, b] of inclusionProofRanges(seq - 1, treeSize))
    path.push(await rangeHashFromDb(db, tenant, a, b));
  const rootHash = (await compactRangeAt(db, tenant, treeSize)).root();
  return {
    tenant,
    seq,
    leafIndex: seq - 1,
    treeSize,
    entryHash: leaf.entry_hash,
    path,
    rootHash,
    head: head && head.treeSize === treeSize ? head : null,
  };
}

/** Consistency proof between tree sizes `first` <= `second` (both within the chain). */
export async function getConsistencyProof(
  db: Kysely<LedgerTables>,
  opts: { tenant: string; first: number; second: number },
): Promise<ConsistencyProofResult> {
  const tenant = checkTenant(opts.tenant);
  const first = sizeArg(opts.first, 'first size');
  const second = sizeArg(opts.second, 'second size');
  if (first > second)
    throw new CustosError(ErrorCode.BadRequest, 'first size must not exceed second size');
  const size = await chainSize(db, tenant);
  if (second > size)
    throw new CustosError(ErrorCode.NotFound, `the ledger holds ${size} entries, not ${second}`);
  const rootAt = async (n: number): Promise<Buffer> =>
    n === 0 ? EMPTY_ROOT : (await compactRangeAt(db, tenant, n)).root();
  const path: Buffer[] = [];
  if (first > 0)
    for (const [a, b] of consistencyProofRanges(first, second))
      path.push(await rangeHashFromDb(db, tenant, a, b));
  return {
    tenant,
    first,
    second,
    firstRoot: await rootAt(first),
    secondRoot: await rootAt(second),
    path,
  };
}
