/**
 * The appender. `appendEntry` resolves only once the entry is committed (fail closed: on any
 * write failure it throws CUSTOS_LEDGER_UNAVAILABLE and the caller must not disclose). Concurrent
 * appends to one tenant are grouped into one transaction (group commit) in arrival order; the
 * chain row is locked with SELECT … FOR UPDATE so appenders in other processes cannot fork it.
 */
import { CompiledQuery, sql, type Kysely, type Transaction } from 'kysely';
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
import { ensurePartition, partitionName } from './partitions.ts';
import { ENTRY_COLUMNS } from './rows.ts';
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

  // The chain state each tenant's last commit left, so the next append can be one statement.
  const known = new Map<string, ChainState>();

  const commit = async (tenant: string, entries: NormalisedEntry[]): Promise<AppendedEntry[]> => {
    const recordedAt = new Date(clock().getTime());
    await ensurePartition(db, recordedAt);
    const signer = await signerOf(tenant);
    const chain = known.get(tenant);
    known.delete(tenant); // until this commit is known to have landed
    const fast = chain
      ? await appendOnKnownHead(db, tenant, entries, chain, recordedAt, !!signer, headEvery)
      : null;
    const plan = fast ?? (await appendLocked(db, tenant, entries, recordedAt, signer, headEvery));
    known.set(tenant, plan.state);
    return plan.results;
  };

  const run = async (tenant: string, q: Queue): Promise<void> => {
    // Let appends issued in the same tick join the first batch.
    await Promise.resolve();
    while (q.items.length > 0) {
      const batch = q.items.splice(0, maxBatch);
      try {
        const results = await commit(
          tenant,
          batch.map((p) => p.entry),
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
        return writeHead(
          trx,
          tenant,
          signer,
          chain.size,
          range.root(),
          later(later(clock(), chain.last_recorded_at), chain.head_at),
        );
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
      last_recorded_at: null,
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

/** The later of two times (entries are recorded in non-decreasing time along the chain). */
const later = (a: Date, b: Date | string | null | undefined): Date => {
  const t = b == null ? NaN : new Date(b).getTime();
  return t > a.getTime() ? new Date(t) : a;
};

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

/** The tenant's chain as this process last wrote or read it. */
interface ChainState {
  size: number;
  lastHash: Buffer;
  frontier: Buffer;
  headSize: number;
  /** recorded_at of the last entry (null for an empty chain). */
  lastRecordedAt: Date | null;
}

/** A batch chained onto a known chain state, ready to write. */
interface PlannedBatch {
  results: AppendedEntry[];
  rows: EncodableEntry[];
  hashes: Buffer[];
  nodes: Array<{ level: number; idx: number; hash: Buffer }>;
  importKeys: Array<{ system: string; key: string; seq: number }>;
  state: ChainState;
}

/** Chains `batch` onto `chain`: sequence numbers, previous hashes, entry hashes, Merkle nodes. */
function planBatch(
  tenant: string,
  batch: readonly NormalisedEntry[],
  chain: ChainState,
  recordedAt: Date,
  existing: Map<string, number>,
): PlannedBatch {
  const range = CompactRange.from(chain.size, chain.frontier);
  let prev = chain.lastHash;
  let size = chain.size;
  const plan: PlannedBatch = {
    results: [],
    rows: [],
    hashes: [],
    nodes: [],
    importKeys: [],
    state: chain,
  };
  for (const e of batch) {
    if (e.sourceKey !== null) {
      const k = `${e.sourceSystem}\u0000${e.sourceKey}`;
      const seen = existing.get(k);
      if (seen !== undefined) {
        plan.results.push({
          tenant,
          seq: seen,
          recordedAt,
          entryHash: Buffer.alloc(0),
          duplicate: true,
        });
        continue;
      }
      existing.set(k, size + 1);
      plan.importKeys.push({ system: e.sourceSystem as string, key: e.sourceKey, seq: size + 1 });
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
      if (level >= NODE_LEVEL) plan.nodes.push({ level, idx, hash });
    });
    plan.rows.push(full);
    plan.hashes.push(h);
    plan.results.push({ tenant, seq: size, recordedAt, entryHash: h, duplicate: false });
    prev = h;
  }
  plan.state = {
    size,
    lastHash: prev,
    frontier: range.toBuffer(),
    headSize: chain.headSize,
    lastRecordedAt: size > chain.size ? recordedAt : chain.lastRecordedAt,
  };
  return plan;
}

/**
 * `select` of ledger_entry rows (recorded_at and the tenant are the same for the whole batch), as
 * one array parameter per column (… from unnest), so that a statement's size stays constant
 * however many rows it carries, where a long values list costs the database most of a bulk write
 * in parsing and parameter handling.
 */
function entryRows(
  tenant: string,
  recordedAt: Date,
  rows: readonly EncodableEntry[],
  hashes: readonly Buffer[],
) {
  const col = <T>(f: (r: EncodableEntry, j: number) => T): T[] => rows.map(f);
  return sql`select ${tenant}::text, u.seq, ${recordedAt.toISOString()}::timestamptz, u.occurred_at,
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
      watermark_token, source_system, source_key, details, prev_hash, entry_hash)`;
}

/**
 * A few entries as one JSON parameter for `json_populate_recordset(null::ledger_entry, …)`: the
 * embedded database's cost is per bound parameter far more than per byte (a values list takes 22
 * parameters per entry).
 */
function entriesJson(rows: readonly EncodableEntry[], hashes: readonly Buffer[]): string {
  return JSON.stringify(
    rows.map((r, j) => ({
      seq: r.seq,
      occurred_at: r.occurredAt.toISOString(),
      kind: r.kind,
      actor_type: r.actorType,
      actor_id: r.actorId,
      department: r.department,
      patient_id: r.patientId,
      fields: r.fields,
      categories: r.categories,
      purpose: r.purpose,
      decision: r.decision,
      reasons: r.reasons,
      action: r.action,
      workstation: r.workstation,
      network_address: r.networkAddress,
      channel: r.channel,
      watermark_token: r.watermarkToken,
      source_system: r.sourceSystem,
      source_key: r.sourceKey,
      details: r.details,
      prev_hash: `\\x${r.prevHash.toString('hex')}`,
      entry_hash: `\\x${(hashes[j] as Buffer).toString('hex')}`,
    })),
  );
}

/**
 * The guarded append of a few entries as one statement of constant text (prepared once): the
 * chain row moves from the state this process last saw ($6, $7) to the new one, and the entries
 * ($8, JSON) are inserted only if it did. One row comes back per entry inserted; none when the
 * guard matched nothing.
 */
const KNOWN_HEAD_SQL = `with moved as (
    update ledger_chain set size = $2::int8, last_hash = $3, frontier = $4,
      last_recorded_at = $5::timestamptz
    where tenant_id = $1 and size = $6::int8 and last_hash = $7
    returning 1
  )
  insert into ledger_entry (${ENTRY_COLUMNS.join(', ')})
  select ${ENTRY_COLUMNS.map((c) =>
    c === 'tenant_id' ? '$1::text' : c === 'recorded_at' ? '$5::timestamptz' : `u.${c}`,
  ).join(', ')}
  from json_populate_recordset(null::ledger_entry, $8::json) as u
  where exists (select 1 from moved)
  returning 1`;

/** The insert's column list: every column, in `ENTRY_COLUMNS` order. */
const INSERT_COLUMNS = sql.raw(`(${ENTRY_COLUMNS.join(', ')})`);

/**
 * The common append in ONE autocommit statement, from the chain state this process last saw: the
 * chain row moves from exactly that state to the new one, and the entries are inserted only if
 * it did. Another appender (another process, another appender object) that extended the chain
 * meanwhile makes the guarded update match nothing — PostgreSQL re-checks the guard on the row
 * version a concurrent writer committed — so nothing is written and null sends the batch down
 * the locking path with a fresh read. Batches that import keyed entries, complete a stored Merkle
 * subtree or are due a signed head take the locking path too. Returns null when it wrote nothing.
 */
async function appendOnKnownHead(
  db: Kysely<LedgerTables>,
  tenant: string,
  batch: readonly NormalisedEntry[],
  chain: ChainState,
  pickedAt: Date,
  signing: boolean,
  headEvery: number,
): Promise<PlannedBatch | null> {
  if (batch.some((e) => e.sourceKey !== null)) return null;
  const recordedAt = later(pickedAt, chain.lastRecordedAt);
  if (partitionName(recordedAt) !== partitionName(pickedAt)) return null;
  const plan = planBatch(tenant, batch, chain, recordedAt, new Map());
  if (plan.rows.length === 0 || plan.rows.length > 5000 || plan.nodes.length > 0) return null;
  if (signing && plan.state.size - chain.headSize >= headEvery) return null;
  if (plan.rows.length <= 8) {
    const r = await db.executeQuery(
      CompiledQuery.raw(KNOWN_HEAD_SQL, [
        tenant,
        String(plan.state.size),
        plan.state.lastHash,
        plan.state.frontier,
        recordedAt.toISOString(),
        String(chain.size),
        chain.lastHash,
        entriesJson(plan.rows, plan.hashes),
      ]),
    );
    if (r.rows.length === 0) return null;
    if (r.rows.length !== plan.rows.length)
      throw new CustosError(ErrorCode.LedgerUnavailable, 'the access ledger wrote a partial batch');
    return plan;
  }
  const r = await sql<{ moved: number; inserted: number }>`with moved as (
      update ledger_chain set size = ${String(plan.state.size)}::int8,
        last_hash = ${plan.state.lastHash}, frontier = ${plan.state.frontier},
        last_recorded_at = ${recordedAt.toISOString()}::timestamptz
      where tenant_id = ${tenant} and size = ${String(chain.size)}::int8
        and last_hash = ${chain.lastHash}
      returning 1
    ), inserted as (
      insert into ledger_entry ${INSERT_COLUMNS}
      ${entryRows(tenant, recordedAt, plan.rows, plan.hashes)}
      where exists (select 1 from moved)
      returning 1
    )
    select (select count(*) from moved)::int as moved,
      (select count(*) from inserted)::int as inserted`.execute(db);
  const row = r.rows[0];
  if (!row || Number(row.moved) !== 1) return null;
  if (Number(row.inserted) !== plan.rows.length)
    throw new CustosError(ErrorCode.LedgerUnavailable, 'the access ledger wrote a partial batch');
  return plan;
}

/** The locking append: reads and locks the chain row, then writes entries, nodes and heads. */
async function appendLocked(
  db: Kysely<LedgerTables>,
  tenant: string,
  batch: NormalisedEntry[],
  pickedAt: Date,
  signer: Signer | undefined,
  headEvery: number,
): Promise<PlannedBatch> {
  return db.transaction().execute(async (trx) => {
    const chain = await lockChain(trx, tenant);
    // Times never decrease along the chain, so every head is signed at or after the entries it
    // covers even when another appender took its time before this one and committed after it.
    const recordedAt = later(later(pickedAt, chain.last_recorded_at), chain.head_at);
    if (partitionName(recordedAt) !== partitionName(pickedAt))
      await ensurePartition(trx, recordedAt);

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

    const start: ChainState = {
      size: Number(chain.size),
      lastHash: chain.last_hash,
      frontier: chain.frontier,
      headSize: Number(chain.head_size),
      lastRecordedAt: chain.last_recorded_at === null ? null : new Date(chain.last_recorded_at),
    };
    const plan = planBatch(tenant, batch, start, recordedAt, existing);
    if (plan.rows.length === 0) return plan;
    const { rows, hashes, importKeys, nodes } = plan;
    for (let i = 0; i < rows.length; i += 5000) {
      await sql`insert into ledger_entry ${INSERT_COLUMNS} ${entryRows(
        tenant,
        recordedAt,
        rows.slice(i, i + 5000),
        hashes.slice(i, i + 5000),
      )}`.execute(trx);
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
    const { size, lastHash, frontier } = plan.state;
    await trx
      .updateTable('ledger_chain')
      .set({ size, last_hash: lastHash, frontier, last_recorded_at: recordedAt })
      .where('tenant_id', '=', tenant)
      .execute();
    if (signer && size - start.headSize >= headEvery) {
      const range = CompactRange.from(size, frontier);
      await writeHead(trx, tenant, signer, size, range.root(), recordedAt);
      plan.state = { ...plan.state, headSize: size };
    }
    return plan;
  });
}
