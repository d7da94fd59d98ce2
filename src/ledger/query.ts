/**
 * Reading the ledger: filtered, newest-first pages with an opaque cursor; the patient's own access
 * history; and an in-order stream by sequence for exports and monitors.
 */
import { sql, type Kysely } from 'kysely';
import { CustosError, ErrorCode } from '../errors/index.ts';
import { checkTenant } from './canonical.ts';
import type { LedgerTables } from './migrations.ts';
import { ENTRY_COLUMNS, rowToEntry } from './rows.ts';
import type { ActorType, EntryKind, LedgerEntry } from './types.ts';

/** Filters of a ledger query; all are optional and combine with AND. */
export interface LedgerQuery {
  tenant: string;
  patientId?: string;
  /** Staff id, client id or patient id of whoever acted. */
  actorId?: string;
  actorType?: ActorType;
  department?: string;
  /** Shorthand for actorType 'client' + actorId. */
  clientId?: string;
  kinds?: readonly EntryKind[];
  /** Only entries imported from this system. */
  sourceSystem?: string;
  watermarkToken?: string;
  /** Access time window [from, to). */
  from?: Date;
  to?: Date;
  /** Page size, 1..1000 (default 100). */
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
}

/** One page, newest first. */
export interface LedgerPage {
  entries: LedgerEntry[];
  /** Pass back as `cursor` for the next page; null at the end. */
  nextCursor: string | null;
}

function encodeCursor(e: LedgerEntry): string {
  return Buffer.from(JSON.stringify([e.occurredAt.getTime(), e.seq])).toString('base64url');
}

function decodeCursor(c: string): [number, number] {
  // The cursor comes back from a client: accept only the exact shape we issue.
  try {
    const v: unknown = JSON.parse(Buffer.from(c, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && v.every((x) => Number.isSafeInteger(x)))
      return v as [number, number];
  } catch {
    /* fall through */
  }
  throw new CustosError(ErrorCode.BadRequest, 'the paging cursor is malformed');
}

/** Queries entries by patient, actor, department, client, kind and time; newest first, paged. */
export async function queryEntries(db: Kysely<LedgerTables>, q: LedgerQuery): Promise<LedgerPage> {
  const tenant = checkTenant(q.tenant);
  const limit = q.limit ?? 100;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000)
    throw new CustosError(ErrorCode.BadRequest, 'limit must be 1..1000');
  let s = db.selectFrom('ledger_entry').select(ENTRY_COLUMNS).where('tenant_id', '=', tenant);
  if (q.patientId !== undefined) s = s.where('patient_id', '=', q.patientId);
  if (q.clientId !== undefined)
    s = s.where('actor_type', '=', 'client').where('actor_id', '=', q.clientId);
  if (q.actorId !== undefined) s = s.where('actor_id', '=', q.actorId);
  if (q.actorType !== undefined) s = s.where('actor_type', '=', q.actorType);
  if (q.department !== undefined) s = s.where('department', '=', q.department);
  if (q.kinds !== undefined && q.kinds.length > 0) s = s.where('kind', 'in', [...q.kinds]);
  if (q.sourceSystem !== undefined) s = s.where('source_system', '=', q.sourceSystem);
  if (q.watermarkToken !== undefined) s = s.where('watermark_token', '=', q.watermarkToken);
  if (q.from !== undefined) s = s.where('occurred_at', '>=', q.from);
  if (q.to !== undefined) s = s.where('occurred_at', '<', q.to);
  if (q.cursor !== undefined) {
    const [t, seq] = decodeCursor(q.cursor);
    s = s.where(sql<boolean>`(occurred_at, seq) < (${new Date(t)}::timestamptz, ${seq}::bigint)`);
  }
  const rows = await s
    .orderBy('occurred_at', 'desc')
    .orderBy('seq', 'desc')
    .limit(limit + 1)
    .execute();
  const entries = rows.slice(0, limit).map(rowToEntry);
  const last = entries[entries.length - 1];
  return { entries, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}

/** One line of a patient's own access history (what the portal shows: no hashes, no addresses). */
export interface PatientAccess {
  seq: number;
  at: Date;
  kind: EntryKind;
  actorType: ActorType;
  actorId: string;
  department: string | null;
  purpose: string | null;
  decision: string | null;
  fields: string[];
  categories: string[];
  breakGlass: boolean;
  sourceSystem: string | null;
}

/** Who accessed this patient's record, newest first, paged like queryEntries. */
export async function getPatientAccessHistory(
  db: Kysely<LedgerTables>,
  q: { tenant: string; patientId: string; from?: Date; to?: Date; limit?: number; cursor?: string },
): Promise<{ accesses: PatientAccess[]; nextCursor: string | null }> {
  if (!q.patientId) throw new CustosError(ErrorCode.BadRequest, 'patient id is required');
  const page = await queryEntries(db, { ...q });
  return {
    accesses: page.entries.map((e) => ({
      seq: e.seq,
      at: e.occurredAt,
      kind: e.kind,
      actorType: e.actorType,
      actorId: e.actorId,
      department: e.department,
      purpose: e.purpose,
      decision: e.decision,
      fields: e.fields,
      categories: e.categories,
      breakGlass: e.kind === 'break-glass',
      sourceSystem: e.sourceSystem,
    })),
    nextCursor: page.nextCursor,
  };
}

/** Streams entries in chain order (seq from..to), a page at a time; memory stays bounded. */
export async function* streamEntries(
  db: Kysely<LedgerTables>,
  opts: { tenant: string; fromSeq?: number; toSeq?: number; pageSize?: number },
): AsyncGenerator<LedgerEntry> {
  const tenant = checkTenant(opts.tenant);
  let next = opts.fromSeq ?? 1;
  const page = opts.pageSize ?? 1000;
  for (;;) {
    let s = db
      .selectFrom('ledger_entry')
      .select(ENTRY_COLUMNS)
      .where('tenant_id', '=', tenant)
      .where('seq', '>=', next);
    if (opts.toSeq !== undefined) s = s.where('seq', '<=', opts.toSeq);
    const rows = await s.orderBy('seq').limit(page).execute();
    for (const r of rows) yield rowToEntry(r);
    if (rows.length < page) return;
    next = Number(rows[rows.length - 1]?.seq) + 1;
  }
}
