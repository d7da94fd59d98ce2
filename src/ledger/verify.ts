/**
 * The verifier: walks a tenant's chain in pages (never the whole table in memory) and checks every
 * entry hash, every link of the chain, the stored Merkle subtrees, every signed tree head (root and
 * signature) and any exported heads a witness kept. It stops at the first damage and names the
 * entry.
 */
import { sql, type Kysely } from 'kysely';
import { CustosError, ErrorCode } from '../errors/index.ts';
import { BINARY_ROW_COLUMNS, BinaryRowHasher, checkTenant, GENESIS_HASH } from './canonical.ts';
import { verifyTreeHeadSignature, type TreeHead } from './heads.ts';
import { NODE_LEVEL } from './ledger.ts';
import { CompactRange, equal } from './merkle.ts';
import type { LedgerTables } from './migrations.ts';
import { ENTRY_COLUMNS } from './rows.ts';
import { createVerifier, rawKeyIdOf, type Signer } from './signer.ts';
import { compactRangeAt } from './tree.ts';

/** What to verify. */
export interface VerifyOptions {
  tenant: string;
  /** First sequence number to check (default: the first kept entry). */
  from?: number;
  /** Last sequence number to check (default: the end of the chain). */
  to?: number;
  /**
   * Keys to check head signatures with. Pin them (from the key store or a witness) for an
   * independent check; by default the public keys recorded in the database are used.
   */
  signers?: readonly Signer[];
  /** Heads kept by outside witnesses: detects a database rolled back or rewritten behind them. */
  exportedHeads?: readonly TreeHead[];
  /** Called after every page with entries checked so far and the total to check. */
  onProgress?: (checked: number, total: number) => void;
  /** Entries per page (default 5000). */
  pageSize?: number;
}

/** The first damage found: the entry and what is wrong with it. */
export interface VerifyProblem {
  seq: number;
  reason: string;
}

/** Outcome of a verification. */
export interface VerifyReport {
  ok: boolean;
  tenant: string;
  /** Chain size recorded in the database. */
  size: number;
  from: number;
  to: number;
  checkedEntries: number;
  checkedHeads: number;
  checkedExportedHeads: number;
  checkedNodes: number;
  firstBad: VerifyProblem | null;
  keySource: 'pinned' | 'database';
  warnings: string[];
}

type HeadRow = LedgerTables['ledger_tree_head'];

/**
 * One page of entries as the database's binary row encoding (`record_send` of the columns in
 * BINARY_ROW_COLUMNS order), rows back to back, with the number of rows and the last seq.
 */
export interface Page {
  buf: Buffer;
  rows: number;
  last: number;
}

const PAGE_ROW = sql.raw(`record_send(row(${BINARY_ROW_COLUMNS.join(', ')}))`);

/**
 * Reads one page of entries as one binary value built by the database: text columns arrive as
 * length + UTF-8, as the canonical encoding writes them, so the verifier copies most of an entry
 * instead of decoding 23 typed values per row and encoding them again. Exported for the benchmark.
 */
export async function readPage(
  db: Kysely<LedgerTables>,
  tenant: string,
  start: number,
  to: number,
  limit: number,
): Promise<Page> {
  const r = await sql<{
    page: Uint8Array | null;
    n: number | string;
    last: number | string | null;
  }>`
    select string_agg(${PAGE_ROW}, ''::bytea order by seq, recorded_at) as page,
      count(*)::int4 as n, max(seq) as last
    from (
      select * from ledger_entry
      where tenant_id = ${tenant} and seq >= ${start} and seq <= ${to}
      order by seq, recorded_at
      limit ${limit}
    ) p`.execute(db);
  const row = r.rows[0];
  const page = row?.page;
  if (!row || !page) return { buf: Buffer.alloc(0), rows: 0, last: start - 1 };
  return {
    buf: Buffer.isBuffer(page) ? page : Buffer.from(page.buffer, page.byteOffset, page.byteLength),
    rows: Number(row.n),
    last: Number(row.last),
  };
}

function rowToHead(r: HeadRow): TreeHead {
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

async function loadSigners(
  db: Kysely<LedgerTables>,
  tenant: string,
  warnings: string[],
): Promise<Signer[]> {
  const keys = await db
    .selectFrom('ledger_key')
    .selectAll()
    .where('tenant_id', '=', tenant)
    .execute();
  const out: Signer[] = [];
  for (const k of keys) {
    if (k.algorithm !== 'ed25519' && k.algorithm !== 'sm2') {
      warnings.push(`key ${k.key_id} (${k.algorithm}) cannot be checked here; pin it with signers`);
      continue;
    }
    try {
      const v = createVerifier(k.public_key, k.algorithm);
      // Keys are named by a hash of their SPKI, or (keyring signing keys) of the raw public key.
      if (v.keyId !== k.key_id && rawKeyIdOf(k.public_key, k.algorithm) !== k.key_id) {
        warnings.push(`recorded key ${k.key_id} does not match its public key; ignored`);
        continue;
      }
      out.push({ ...v, keyId: k.key_id });
    } catch {
      warnings.push(`recorded key ${k.key_id} is unreadable; ignored`);
    }
  }
  return out;
}

/** Verifies a tenant's ledger (or a range of it). Never throws for damage: it reports it. */
export async function verifyLedger(
  db: Kysely<LedgerTables>,
  opts: VerifyOptions,
): Promise<VerifyReport> {
  const tenant = checkTenant(opts.tenant);
  const pageSize = Math.max(1, opts.pageSize ?? 5000);
  const warnings: string[] = [];
  const problems: VerifyProblem[] = [];
  const problem = (seq: number, reason: string): void => {
    problems.push({ seq, reason });
  };
  const signers = opts.signers ? [...opts.signers] : await loadSigners(db, tenant, warnings);
  const chain = await db
    .selectFrom('ledger_chain')
    .selectAll()
    .where('tenant_id', '=', tenant)
    .executeTakeFirst();
  const size = chain ? Number(chain.size) : 0;
  const base = chain ? Number(chain.base_seq) : 0;
  const from = Math.max(opts.from ?? base + 1, base + 1, 1);
  const to = Math.min(opts.to ?? size, size);
  if (opts.from !== undefined && opts.from <= base)
    warnings.push(`entries up to ${base} were removed by retention; checking from ${base + 1}`);
  const report = (
    checkedEntries: number,
    checkedHeads: number,
    checkedExported: number,
    checkedNodes: number,
  ): VerifyReport => {
    problems.sort((a, b) => a.seq - b.seq);
    return {
      ok: problems.length === 0,
      tenant,
      size,
      from,
      to,
      checkedEntries,
      checkedHeads,
      checkedExportedHeads: checkedExported,
      checkedNodes,
      firstBad: problems[0] ?? null,
      keySource: opts.signers ? 'pinned' : 'database',
      warnings,
    };
  };

  // Rows past the recorded end of the chain were inserted behind the appender's back.
  const beyond = await db
    .selectFrom('ledger_entry')
    .select((eb) => eb.fn.min('seq').as('seq'))
    .where('tenant_id', '=', tenant)
    .where('seq', '>', size)
    .executeTakeFirst();
  if (beyond?.seq !== null && beyond?.seq !== undefined) {
    problem(
      Number(beyond.seq),
      `entry ${beyond.seq} lies beyond the end of the chain (size ${size}): it was inserted outside the ledger`,
    );
  }

  // Signed heads beyond the chain: entries were removed from the end, or the database rolled back.
  const lateHead = await db
    .selectFrom('ledger_tree_head')
    .select((eb) => eb.fn.max('tree_size').as('size'))
    .where('tenant_id', '=', tenant)
    .where('tree_size', '>', size)
    .executeTakeFirst();
  if (lateHead?.size !== null && lateHead?.size !== undefined) {
    problem(
      size + 1,
      `a signed tree head covers ${lateHead.size} entries but the chain holds ${size}: entries from ${size + 1} were removed`,
    );
  }

  // Exported heads: check the signature first (a forged head proves nothing), then the size.
  const exportedAt = new Map<number, TreeHead[]>();
  let checkedExported = 0;
  for (const h of opts.exportedHeads ?? []) {
    if (h.tenant !== tenant)
      throw new CustosError(
        ErrorCode.InputInvalid,
        `exported head belongs to tenant ${h.tenant}, not ${tenant}`,
      );
    const sig = verifyTreeHeadSignature(h, signers);
    if (!sig.ok)
      throw new CustosError(ErrorCode.InputInvalid, `exported tree head rejected: ${sig.reason}`);
    if (h.treeSize > size) {
      problem(
        size + 1,
        `the database was rolled back behind an exported tree head: the head signed at ${h.signedAt.toISOString()} covers ${h.treeSize} entries, the database holds ${size}; entry ${size + 1} is gone`,
      );
      checkedExported++;
    } else if (h.treeSize >= from && h.treeSize <= to) {
      exportedAt.set(h.treeSize, [...(exportedAt.get(h.treeSize) ?? []), h]);
    } else if (h.treeSize > 0) {
      warnings.push(
        `exported head of size ${h.treeSize} lies outside the checked range ${from}..${to}`,
      );
    }
  }

  if (from > to) return report(0, 0, checkedExported, 0);

  // Heads to check in this range (one per N entries: a small list).
  const headRows = await db
    .selectFrom('ledger_tree_head')
    .selectAll()
    .where('tenant_id', '=', tenant)
    .where('tree_size', '>=', from)
    .where('tree_size', '<=', to)
    .orderBy('tree_size')
    .execute();
  const heads = headRows.map(rowToHead);
  // Every head, stored or exported, vouches that the entries it covers were recorded before it was
  // signed. For an entry, the first head at or after it is the tightest bound.
  const covers = [
    ...heads.map((h) => ({
      treeSize: h.treeSize,
      signedAt: h.signedAt.getTime(),
      what: 'signed tree head',
    })),
    ...(opts.exportedHeads ?? []).map((h) => ({
      treeSize: h.treeSize,
      signedAt: h.signedAt.getTime(),
      what: 'exported tree head',
    })),
  ].sort((a, b) => a.treeSize - b.treeSize || a.signedAt - b.signedAt);
  let nextCover = 0;
  let nextHeadIdx = 0;

  // Starting state: the chain link and compact range just before `from`.
  let prev: Buffer;
  let range: CompactRange;
  if (from === base + 1) {
    prev = chain ? chain.base_hash : GENESIS_HASH;
    range =
      base === 0
        ? new CompactRange()
        : CompactRange.from(base, chain?.base_frontier ?? Buffer.alloc(0));
  } else {
    const before = await db
      .selectFrom('ledger_entry')
      .select(ENTRY_COLUMNS)
      .where('tenant_id', '=', tenant)
      .where('seq', '=', from - 1)
      .executeTakeFirst();
    if (!before) {
      problem(from - 1, `entry ${from - 1} is missing`);
      return report(0, 0, checkedExported, 0);
    }
    prev = before.entry_hash;
    try {
      range = await compactRangeAt(db, tenant, from - 1);
    } catch (e) {
      problem(
        from - 1,
        `the Merkle tree before entry ${from} cannot be rebuilt: ${(e as Error).message}`,
      );
      return report(0, 0, checkedExported, 0);
    }
  }

  let expected = from;
  let checked = 0;
  let checkedHeads = 0;
  let checkedNodes = 0;
  let lastHeadSize = from - 1;
  const total = to - from + 1;
  let stop = false;

  const hasher = new BinaryRowHasher(tenant);
  const peek = new BinaryRowHasher(tenant);
  // Keyset pages by (seq, recorded_at) on the primary key. After the first page, each page starts
  // at the last seq already checked (inclusive) and skips that one row, so a second row with the
  // same seq is never lost at a page boundary. The next page is read while this one is hashed.
  interface Fetched {
    buf: Buffer;
    /** Offset of the first row to check, their number, and the first and last seq. */
    start: number;
    rows: number;
    first: number;
    last: number;
  }
  const fetchPage = (startSeq: number, skipFirst: boolean): Promise<Fetched> =>
    readPage(db, tenant, startSeq, to, pageSize + (skipFirst ? 1 : 0)).then((p) => {
      let start = 0;
      let rows = p.rows;
      if (skipFirst && rows > 0) {
        start = peek.readRow(p.buf, 0);
        rows--;
      }
      const first =
        rows > 0 && start >= 0 && peek.readRow(p.buf, start) >= 0 ? peek.seq(p.buf) : NaN;
      return { buf: p.buf, start, rows, first, last: p.last };
    });
  let nodes = new Map<string, Buffer>();
  let nodeBad: VerifyProblem | null = null;
  const onNode = (level: number, idx: number, hash: Buffer): void => {
    if (level < NODE_LEVEL || nodeBad) return;
    const stored = nodes.get(`${level}:${idx}`);
    if (!stored) return;
    checkedNodes++;
    if (!equal(stored, hash)) {
      const a = idx * 2 ** level + 1;
      nodeBad = {
        seq: a,
        reason: `the stored Merkle subtree over entries ${a}..${(idx + 1) * 2 ** level} does not match them: an entry in that range was rewritten (and the chain re-hashed) or the subtree was altered`,
      };
    }
  };
  let pending: Promise<Fetched> | null = fetchPage(expected, false);
  while (!stop && expected <= to && pending) {
    const page: Fetched = await pending;
    pending = null;
    if (page.rows === 0) break;
    const { buf, first, last } = page;
    if (page.rows >= pageSize && last < to) {
      pending = fetchPage(last, true);
      pending.catch(() => undefined);
    }
    // Stored subtrees completed within this page, to compare with the recomputed ones.
    const nodeRows = Number.isNaN(first)
      ? []
      : await db
          .selectFrom('ledger_tree_node')
          .select(['level', 'idx', 'hash'])
          .where('tenant_id', '=', tenant)
          .where('level', '>=', NODE_LEVEL)
          .where(sql<boolean>`((idx + 1) * (1::bigint << level::int)) between ${first} and ${last}`)
          .execute();
    nodes = new Map(nodeRows.map((n) => [`${n.level}:${n.idx}`, n.hash]));

    let at = page.start;
    for (let r = 0; r < page.rows; r++) {
      const rowStart = at;
      at = at < 0 ? -1 : hasher.readRow(buf, at);
      const seq = at < 0 ? NaN : hasher.seq(buf);
      if (Number.isNaN(seq)) {
        problem(
          expected,
          `entry ${expected} cannot be read: its row holds values no entry can have`,
        );
        stop = true;
        break;
      }
      if (seq < expected) {
        problem(seq, `entry ${seq} appears twice: a row was inserted`);
        stop = true;
        break;
      }
      if (seq > expected) {
        problem(expected, `entry ${expected} is missing: it was deleted`);
        stop = true;
        break;
      }
      const h = hasher.hash(buf, rowStart, at);
      const entryAt = hasher.hashAt(22);
      if (!h || entryAt < 0 || buf.compare(h, 0, 32, entryAt, entryAt + 32) !== 0) {
        problem(seq, `entry ${seq} does not match its hash: its content or position was changed`);
        stop = true;
        break;
      }
      const prevAt = hasher.hashAt(2);
      if (buf.compare(prev, 0, 32, prevAt, prevAt + 32) !== 0) {
        if (seq === 1)
          problem(
            seq,
            `entry 1 does not start the chain: its previous hash is not the genesis value`,
          );
        else
          problem(
            seq - 1,
            `entry ${seq - 1} was rewritten: entry ${seq} chained to a different hash`,
          );
        stop = true;
        break;
      }
      while (nextHeadIdx < heads.length && (heads[nextHeadIdx] as TreeHead).treeSize < seq)
        nextHeadIdx++;
      while (
        nextCover < covers.length &&
        (covers[nextCover] as (typeof covers)[number]).treeSize < seq
      )
        nextCover++;
      const bound = covers[nextCover];
      if (bound && hasher.recordedAtMs(buf) > bound.signedAt) {
        problem(
          seq,
          `entry ${seq} was recorded after the ${bound.what} of size ${bound.treeSize} that covers it was signed: it was written in later (rolled back and rewritten)`,
        );
        stop = true;
        break;
      }
      const cover = heads[nextHeadIdx];
      range.append(h, onNode);
      if (nodeBad) {
        problems.push(nodeBad);
        stop = true;
        break;
      }
      prev = h;
      expected++;
      checked++;

      const head = cover && cover.treeSize === seq ? cover : undefined;
      if (head) {
        checkedHeads++;
        if (!equal(range.root(), head.rootHash)) {
          problem(
            lastHeadSize + 1,
            `the signed tree head of size ${seq} does not match entries ${lastHeadSize + 1}..${seq}: an entry in that range was rewritten and the chain re-hashed`,
          );
          stop = true;
          break;
        }
        const sig = verifyTreeHeadSignature(head, signers);
        if (!sig.ok) {
          problem(seq, sig.reason);
          stop = true;
          break;
        }
        lastHeadSize = seq;
      }
      for (const x of exportedAt.get(seq) ?? []) {
        checkedExported++;
        if (!equal(range.root(), x.rootHash)) {
          problem(
            from,
            `the entries up to ${seq} do not match the exported tree head signed at ${x.signedAt.toISOString()}: the database was rolled back and rewritten`,
          );
          stop = true;
        }
      }
      if (stop) break;
    }
    opts.onProgress?.(checked, total);
  }
  if (pending) await pending.catch(() => undefined);

  if (!stop && expected <= to) {
    problem(expected, `entry ${expected} is missing: the chain says it holds ${size} entries`);
  } else if (!stop && to === size && size > 0 && chain) {
    if (!equal(prev, chain.last_hash))
      problem(size, `the recorded end of the chain does not match entry ${size}`);
    else if (!equal(range.toBuffer(), chain.frontier))
      problem(size, `the recorded Merkle state does not match the entries up to ${size}`);
  }
  return report(checked, checkedHeads, checkedExported, checkedNodes);
}
