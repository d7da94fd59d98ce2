/**
 * The appender. `appendEntry` resolves only once the entry is committed (fail closed: on any
 * write failure it throws CUSTOS_LEDGER_UNAVAILABLE and the caller must not disclose). Concurrent
 * appends to one tenant are grouped into one transaction (group commit) in arrival order; the
 * chain row is locked with SELECT … FOR UPDATE so appenders in other processes cannot fork it.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import { CustosError, ErrorCode, isCustosError } from '../errors/index.ts';
import {
  checkTenant,
  GENESIS_HASH,
  hashEntry,
  normaliseEntry,
  type EncodableEntry,
  type NormalisedEntry,
} from './canonical.ts';
import { signTreeHeadWith, type TreeHead } from './heads.ts';
import { CompactRange } from './merkle.ts';
import type { LedgerTables } from './migrations.ts';
import { ensurePartition } from './partitions.ts';
import type { Signer } from './signer.ts';
import type { AppendedEntry, LedgerEntryInput } from './types.ts';

/** Perfect subtrees of 2^NODE_LEVEL leaves and more are stored for fast proofs. */
export const NODE_LEVEL = 8;

/** How the appender behaves. */
export interface LedgerOptions {
  /** Signs tree heads; without one no heads are made (verification then covers the chain only). */
  signer?: Signer;
  /**
   * Chooses the signer per tenant (e.g. SM2 for tenants on the SM suite, Ed25519 otherwise); asked
   * before every commit and head, so a change of suite takes effect at the next head. Takes
   * precedence over `signer`; returning undefined falls back to it.
   */
  signerFor?: (tenant: string) => Signer | undefined | Promise<Signer | undefined>;
  /** Sign a head when this many entries were added since the last head (N). Default 1000. */
  headEvery?: number;
  /** …or when this many ms passed with unsigned entries (T). Default 60 000; 0 disables the timer. */
  headIntervalMs?: number;
  /** Largest number of queued appends committed in one transaction. Default 512. */
  maxBatch?: number;
  /** false: one transaction per entry (for comparison); default true. */
  groupCommit?: boolean;
  /** Injected clock. */
  clock?: () => Date;
}

/** An open appender over one database. */
export interface Ledger {
  /** Appends one entry to the tenant's chain; resolves after commit. */
  appendEntry(tenant: string, entry: LedgerEntryInput): Promise<AppendedEntry>;
  /** Appends many entries in order (chunks of maxBatch per transaction); resolves after all commit. */
  appendEntries(tenant: string, entries: readonly LedgerEntryInput[]): Promise<AppendedEntry[]>;
  /** Signs a head over the current size now if entries were added since the last head. */
  signTreeHead(tenant: string): Promise<TreeHead | null>;
  /** Waits for queued appends, signs final heads, stops the timer. */
  close(): Promise<void>;
}

interface Pending {
  entry: NormalisedEntry;
  resolve: (r: AppendedEntry) => void;
  reject: (e: unknown) => void;
}

interface Queue {
  items: Pending[];
  running: Promise<void> | null;
}

/** Opens an appender on `db` (the ledger migrations must be applied). */
export function createLedger(db: Kysely<LedgerTables>, opts: LedgerOptions = {}): Ledger {
  const clock = opts.clock ?? (() => new Date());
  const headEvery = opts.headEvery ?? 1000;
  const maxBatch = opts.groupCommit === false ? 1 : Math.max(1, opts.maxBatch ?? 512);
  const queues = new Map<string, Queue>();
  const touched = new Set<string>();
  let closed = false;
  const signing = Boolean(opts.signer || opts.signerFor);
  const signerOf = async (tenant: string): Promise<Signer | undefined> =>
    (opts.signerFor ? await opts.signerFor(tenant) : undefined) ?? opts.signer;

  const run = async (tenant: string, q: Queue): Promise<void> => {
    // Let appends issued in the same tick join the first batch.
    await Promise.resolve();
    while (q.items.length > 0) {
      const batch = q.items.splice(0, maxBatch);
      try {
        const results = await commitBatch(
          db,
          tenant,
          batch.map((p) => p.entry),
          clock,
          await signerOf(tenant),
          headEvery,
        );
        batch.forEach((p, i) => p.resolve(results[i] as AppendedEntry));
      } catch (e) {
        const err = isCustosError(e)
          ? e
          : new CustosError(
              ErrorCode.LedgerUnavailable,
              'the access ledger could not record the entry; nothing may be disclosed',
            );
        batch.forEach((p) => p.reject(err));
      }
    }
    q.running = null;
  };

  const enqueue = (tenant: string, entries: NormalisedEntry[]): Promise<AppendedEntry>[] => {
    if (closed) throw new CustosError(ErrorCode.LedgerUnavailable, 'the ledger is closed');
    let q = queues.get(tenant);
    if (!q) queues.set(tenant, (q = { items: [], running: null }));
    const promises = entries.map(
      (entry) =>
        new Promise<AppendedEntry>((resolve, reject) =>
          (q as Queue).items.push({ entry, resolve, reject }),
        ),
    );
    touched.add(tenant);
    if (!q.running) q.running = run(tenant, q);
    return promises;
  };

  const timer =
    signing && (opts.headIntervalMs ?? 60_000) > 0
      ? setInterval(() => {
          for (const t of touched) void signHead(t).catch(() => {});
        }, opts.headIntervalMs ?? 60_000)
      : null;
  timer?.unref();

  const signHead = async (tenant: string): Promise<TreeHead | null> => {
    if (!signing) return null;
    // Wait for this process's queued appends so the head covers them.
    await queues.get(tenant)?.running;
    try {
      const signer = await signerOf(tenant);
      if (!signer) return null;
      return await db.transaction().execute(async (trx) => {
        const chain = await lockChain(trx, tenant);
        if (chain.size <= chain.head_size) return null;
        const range = CompactRange.from(chain.size, chain.frontier);
        return writeHead(trx, tenant, signer, chain.size, range.root(), clock());
      });
    } catch (e) {
      if (isCustosError(e)) throw e;
      throw new CustosError(
        ErrorCode.LedgerUnavailable,
        'the access ledger could not sign a tree head',
      );
    }
  };

  return {
    async appendEntry(tenant, entry) {
      checkTenant(tenant);
      const [p] = enqueue(tenant, [normaliseEntry(entry)]);
      return p as Promise<AppendedEntry>;
    },
    async appendEntries(tenant, entries) {
      checkTenant(tenant);
      const norm = entries.map((e) => normaliseEntry(e));
      return Promise.all(enqueue(tenant, norm));
    },
    signTreeHead: (tenant) => signHead(checkTenant(tenant)),
    async close() {
      if (closed) return;
      closed = true;
      if (timer) clearInterval(timer);
      await Promise.all([...queues.values()].map((q) => q.running));
      if (signing) for (const t of touched) await signHead(t).catch(() => null);
    },
  };
}

type ChainRow = LedgerTables['ledger_chain'];

/** Creates the tenant's chain row if missing and locks it for the rest of the transaction. */
async function lockChain(trx: Transaction<LedgerTables>, tenant: string): Promise<ChainRow> {
  await trx
    .insertInto('ledger_chain')
    .values({
      tenant_id: tenant,
      size: 0,
      last_hash: GENESIS_HASH,
      frontier: Buffer.alloc(0),
      head_size: 0,
      head_at: null,
      base_seq: 0,
      base_hash: GENESIS_HASH,
      base_frontier: Buffer.alloc(0),
    })
    .onConflict((oc) => oc.column('tenant_id').doNothing())
    .execute();
  return trx
    .selectFrom('ledger_chain')
    .selectAll()
    .where('tenant_id', '=', tenant)
    .forUpdate()
    .executeTakeFirstOrThrow();
}

async function writeHead(
  trx: Transaction<LedgerTables>,
  tenant: string,
  signer: Signer,
  size: number,
  root: Buffer,
  at: Date,
): Promise<TreeHead> {
  const head = signTreeHeadWith(signer, { tenant, treeSize: size, rootHash: root, signedAt: at });
  await trx
    .insertInto('ledger_tree_head')
    .values({
      tenant_id: tenant,
      tree_size: size,
      root_hash: root,
      signed_at: at,
      key_id: head.keyId,
      algorithm: head.algorithm,
      signature: head.signature,
    })
    .execute();
  if (signer.publicKeyPem) {
    await trx
      .insertInto('ledger_key')
      .values({
        tenant_id: tenant,
        key_id: signer.keyId,
        algorithm: signer.algorithm,
        public_key: signer.publicKeyPem,
        first_used: at,
      })
      .onConflict((oc) => oc.columns(['tenant_id', 'key_id']).doNothing())
      .execute();
  }
  await trx
    .updateTable('ledger_chain')
    .set({ head_size: size, head_at: at })
    .where('tenant_id', '=', tenant)
    .execute();
  return head;
}

async function commitBatch(
  db: Kysely<LedgerTables>,
  tenant: string,
  batch: NormalisedEntry[],
  clock: () => Date,
  signer: Signer | undefined,
  headEvery: number,
): Promise<AppendedEntry[]> {
  const recordedAt = new Date(clock().getTime());
  await ensurePartition(db, recordedAt);
  return db.transaction().execute(async (trx) => {
    const chain = await lockChain(trx, tenant);

    // Imported entries already present (or repeated within this batch) are not appended again.
    const existing = new Map<string, number>();
    const keyed = batch.filter((e) => e.sourceKey !== null);
    if (keyed.length > 0) {
      const systems = [...new Set(keyed.map((e) => e.sourceSystem as string))];
      for (const system of systems) {
        const keys = keyed
          .filter((e) => e.sourceSystem === system)
          .map((e) => e.sourceKey as string);
        for (let i = 0; i < keys.length; i += 1000) {
          const rows = await trx
            .selectFrom('ledger_import_key')
            .select(['source_key', 'seq'])
            .where('tenant_id', '=', tenant)
            .where('source_system', '=', system)
            .where('source_key', 'in', keys.slice(i, i + 1000))
            .execute();
          for (const r of rows) existing.set(`${system}\u0000${r.source_key}`, r.seq);
        }
      }
    }

    const range = CompactRange.from(chain.size, chain.frontier);
    let prev = chain.last_hash;
    let size = chain.size;
    const results: AppendedEntry[] = [];
    const rows: EncodableEntry[] = [];
    const hashes: Buffer[] = [];
    const nodes: Array<{ level: number; idx: number; hash: Buffer }> = [];
    const importKeys: Array<{ system: string; key: string; seq: number }> = [];
    for (const e of batch) {
      if (e.sourceKey !== null) {
        const k = `${e.sourceSystem}\u0000${e.sourceKey}`;
        const seen = existing.get(k);
        if (seen !== undefined) {
          results.push({
            tenant,
            seq: seen,
            recordedAt,
            entryHash: Buffer.alloc(0),
            duplicate: true,
          });
          continue;
        }
        existing.set(k, size + 1);
        importKeys.push({ system: e.sourceSystem as string, key: e.sourceKey, seq: size + 1 });
      }
      size++;
      const { occurredAt, ...rest } = e;
      const full: EncodableEntry = {
        ...rest,
        tenant,
        seq: size,
        recordedAt,
        occurredAt: occurredAt ?? recordedAt,
        prevHash: prev,
      };
      const h = hashEntry(full);
      range.append(h, (level, idx, hash) => {
        if (level >= NODE_LEVEL) nodes.push({ level, idx, hash });
      });
      rows.push(full);
      hashes.push(h);
      results.push({ tenant, seq: size, recordedAt, entryHash: h, duplicate: false });
      prev = h;
    }
    if (rows.length === 0) return results;

    // One array parameter per column (insert … select from unnest): a statement's size stays
    // constant however many rows it carries, where a multi-row values list costs the database most
    // of a bulk write in parsing and parameter handling. recorded_at and the tenant are the same
    // for the whole batch.
    for (let i = 0; i < rows.length; i += 5000) {
      const chunk = rows.slice(i, i + 5000);
      const col = <T>(f: (r: EncodableEntry, j: number) => T): T[] =>
        chunk.map((r, j) => f(r, i + j));
      await sql`insert into ledger_entry (tenant_id, seq, recorded_at, occurred_at, kind,
          actor_type, actor_id, department, patient_id, fields, categories, purpose, decision,
          reasons, action, workstation, network_address, channel, watermark_token, source_system,
          source_key, details, prev_hash, entry_hash)
        select ${tenant}::text, u.seq, ${recordedAt.toISOString()}::timestamptz, u.occurred_at,
          u.kind, u.actor_type, u.actor_id, u.department, u.patient_id, u.fields::jsonb,
          u.categories::jsonb, u.purpose, u.decision, u.reasons::jsonb, u.action, u.workstation,
          u.network_address, u.channel, u.watermark_token, u.source_system, u.source_key,
          u.details, decode(u.prev_hash, 'base64'), decode(u.entry_hash, 'base64')
        from unnest(
          ${col((r) => String(r.seq))}::int8[], ${col((r) => r.occurredAt.toISOString())}::timestamptz[],
          ${col((r) => r.kind)}::text[], ${col((r) => r.actorType)}::text[],
          ${col((r) => r.actorId)}::text[], ${col((r) => r.department)}::text[],
          ${col((r) => r.patientId)}::text[], ${col((r) => JSON.stringify(r.fields))}::text[],
          ${col((r) => JSON.stringify(r.categories))}::text[], ${col((r) => r.purpose)}::text[],
          ${col((r) => r.decision)}::text[], ${col((r) => JSON.stringify(r.reasons))}::text[],
          ${col((r) => r.action)}::text[], ${col((r) => r.workstation)}::text[],
          ${col((r) => r.networkAddress)}::text[], ${col((r) => r.channel)}::text[],
          ${col((r) => r.watermarkToken)}::text[], ${col((r) => r.sourceSystem)}::text[],
          ${col((r) => r.sourceKey)}::text[], ${col((r) => r.details)}::text[],
          ${col((r) => r.prevHash.toString('base64'))}::text[],
          ${col((_, j) => (hashes[j] as Buffer).toString('base64'))}::text[]
        ) as u(seq, occurred_at, kind, actor_type, actor_id, department, patient_id, fields,
          categories, purpose, decision, reasons, action, workstation, network_address, channel,
          watermark_token, source_system, source_key, details, prev_hash, entry_hash)`.execute(trx);
    }
    for (let i = 0; i < importKeys.length; i += 5000) {
      const chunk = importKeys.slice(i, i + 5000);
      await sql`insert into ledger_import_key (tenant_id, source_system, source_key, seq)
        select ${tenant}::text, u.system, u.key, u.seq
        from unnest(${chunk.map((k) => k.system)}::text[], ${chunk.map((k) => k.key)}::text[],
          ${chunk.map((k) => String(k.seq))}::int8[]) as u(system, key, seq)`.execute(trx);
    }
    if (nodes.length > 0) {
      await trx
        .insertInto('ledger_tree_node')
        .values(nodes.map((n) => ({ tenant_id: tenant, level: n.level, idx: n.idx, hash: n.hash })))
        .execute();
    }
    await trx
      .updateTable('ledger_chain')
      .set({ size, last_hash: prev, frontier: range.toBuffer() })
      .where('tenant_id', '=', tenant)
      .execute();
    if (signer && size - chain.head_size >= headEvery) {
      await writeHead(trx, tenant, signer, size, range.root(), recordedAt);
    }
    return results;
  });
}
