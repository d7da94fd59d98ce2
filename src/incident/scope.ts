/**
 * Breach scoping from the ledger: which patients, records and fields an account, API client,
 * workstation, network range, watermark token or export touched in a time window, with GB/T
 * 39725 categories and grades. The scan reads the ledger in keyset pages over its indexes
 * ((tenant, actor_id, occurred_at) for accounts and clients, (tenant, watermark_token) for
 * tokens, (tenant, occurred_at) otherwise) and keeps only one aggregate per patient, so memory
 * is bounded by the number of patients touched, never by the number of entries.
 */
import { sql, type Kysely } from 'kysely';
import type { LedgerTables } from '../ledger/index.ts';
import type { DataCategory, Grade } from '../vault/index.ts';
import {
  addressInBlock,
  checkId,
  checkWindow,
  invalid,
  likePrefixes,
  parseCidrBlock,
  type CidrBlock,
} from './checks.ts';
import { classifyAccess, DATA_KINDS } from './classify.ts';
import { IncidentReason } from './types.ts';

/** What to scope: at least one target; all given targets must match (AND). */
export interface ScopeQuery {
  /** A staff account (actor id of staff entries). */
  staffId?: string;
  /** A third-party API client. */
  clientId?: string;
  /** A workstation id. */
  workstation?: string;
  /** A network range, IPv4 or IPv6 CIDR. */
  cidr?: string;
  /** A watermark token decoded from a leaked copy (16-character text form). */
  watermarkToken?: string;
  /** An export package id (export entries carry it in their details). */
  exportId?: string;
  /** Window [from, to) of access times. */
  from: Date | string;
  to: Date | string;
  /** Only entries that touched one of these ledger categories (e.g. `contact`). */
  categories?: readonly string[];
  /** Only entries that touched one of these ledger fields. */
  fields?: readonly string[];
  /** Count refused requests too (default: only what was disclosed). */
  includeDenied?: boolean;
}

/** One patient in a scope. */
export interface ScopedPatient {
  patientId: string;
  accesses: number;
  first: Date;
  last: Date;
  /** Ledger field names touched. */
  fields: string[];
  /** Ledger category names touched. */
  ledgerCategories: string[];
  /** Data kinds touched (notice vocabulary). */
  kinds: string[];
  /** GB/T 39725 categories touched. */
  categories: DataCategory[];
  /** Sensitive clinical categories touched. */
  sensitive: string[];
  /** Highest sensitivity grade touched. */
  grade: Grade;
  contact: boolean;
  /** Entry kinds (disclosure.read, disclosure.print, …). */
  actions: string[];
  /** Ledger sequence numbers of the first accesses (at most 20), for evidence. */
  seqs: number[];
}

/** Progress of a scan. */
export interface ScopeProgress {
  scanned: number;
  matched: number;
  /** Share of the window covered so far, 0..1. */
  fraction: number;
}

/** The result of a scope. */
export interface ScopeResult {
  query: {
    staffId?: string;
    clientId?: string;
    workstation?: string;
    cidr?: string;
    watermarkToken?: string;
    exportId?: string;
    from: string;
    to: string;
    categories?: string[];
    fields?: string[];
    includeDenied: boolean;
  };
  /** Which index the scan used. */
  plan: 'actor' | 'watermark' | 'time';
  scanned: number;
  matched: number;
  patients: ScopedPatient[];
  /** Entries that matched but name no single patient (searches, bulk exports). */
  unattributed: {
    entries: number;
    exports: { seq: number; exportId: string | null; patients: number | null }[];
  };
  actors: { type: string; id: string; accesses: number }[];
  workstations: string[];
  networkAddresses: string[];
  /** Totals over the patients. */
  totals: {
    patients: number;
    byGrade: Record<string, number>;
    byCategory: Record<string, number>;
    bySensitive: Record<string, number>;
    contact: number;
    kinds: string[];
  };
  tookMs: number;
}

const KINDS = [
  'disclosure.read',
  'disclosure.search',
  'disclosure.print',
  'disclosure.export',
  'disclosure.api',
  'break-glass',
  'imported',
];

const PAGE = 5000;
const MAX_LISTED = 200;
const MAX_FILTER = 50;

interface Agg {
  accesses: number;
  first: number;
  last: number;
  fields: Set<string>;
  categories: Set<string>;
  actions: Set<string>;
  seqs: number[];
}

interface Row {
  seq: number | string;
  occurred_at: Date;
  kind: string;
  actor_type: string;
  actor_id: string;
  patient_id: string | null;
  fields: unknown;
  categories: unknown;
  decision: string | null;
  workstation: string | null;
  network_address: string | null;
  details: string | null;
}

const list = (v: unknown): string[] =>
  typeof v === 'string' ? (JSON.parse(v) as string[]) : Array.isArray(v) ? (v as string[]) : [];

function checkList(v: readonly string[] | undefined, field: string): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length > MAX_FILTER)
    throw invalid(
      IncidentReason.TooManyTargets,
      field,
      `${field} may list at most ${MAX_FILTER} names`,
    );
  return v.map((x) => checkId(x, field));
}

/** Validates a scope query (throws CUSTOS_INPUT_INVALID with a stable reason). */
export function normaliseScopeQuery(q: ScopeQuery): {
  query: ScopeResult['query'];
  window: { from: Date; to: Date };
  block: CidrBlock | null;
} {
  const window = checkWindow(q.from, q.to);
  const block = q.cidr !== undefined ? parseCidrBlock(q.cidr) : null;
  const query: ScopeResult['query'] = {
    from: window.from.toISOString(),
    to: window.to.toISOString(),
    includeDenied: q.includeDenied === true,
  };
  if (q.staffId !== undefined) query.staffId = checkId(q.staffId, 'staffId');
  if (q.clientId !== undefined) query.clientId = checkId(q.clientId, 'clientId');
  if (q.workstation !== undefined) query.workstation = checkId(q.workstation, 'workstation');
  if (q.watermarkToken !== undefined)
    query.watermarkToken = checkId(q.watermarkToken, 'watermarkToken');
  if (q.exportId !== undefined) query.exportId = checkId(q.exportId, 'exportId');
  if (block) query.cidr = block.text;
  const cats = checkList(q.categories, 'categories');
  if (cats) query.categories = cats;
  const fields = checkList(q.fields, 'fields');
  if (fields) query.fields = fields;
  if (query.staffId && query.clientId)
    throw invalid(
      IncidentReason.TooManyTargets,
      'clientId',
      'scope one account or one client, not both',
    );
  if (
    !query.staffId &&
    !query.clientId &&
    !query.workstation &&
    !block &&
    !query.watermarkToken &&
    !query.exportId
  )
    throw invalid(
      IncidentReason.NoScopeTarget,
      'staffId',
      'give an account, client, workstation, network range, watermark token or export',
    );
  return { query, window, block };
}

/**
 * Scopes accesses from the ledger. Pages through the best index for the query, filters in SQL
 * where an index or a cheap predicate helps (window, actor, workstation, token, address prefix)
 * and exactly in code (CIDR membership, export id), and aggregates per patient.
 */
export async function scopeAccesses(
  db: Kysely<LedgerTables>,
  tenant: string,
  q: ScopeQuery,
  onProgress?: (p: ScopeProgress) => void,
): Promise<ScopeResult> {
  const started = performance.now();
  const { query, window, block } = normaliseScopeQuery(q);
  const plan: ScopeResult['plan'] = query.watermarkToken
    ? 'watermark'
    : query.staffId || query.clientId
      ? 'actor'
      : 'time';
  const fromMs = window.from.getTime();
  const span = window.to.getTime() - fromMs;
  const cats = query.categories ? new Set(query.categories) : null;
  const fieldSet = query.fields ? new Set(query.fields) : null;
  const exportNeedle = query.exportId ? `"exportId":${JSON.stringify(query.exportId)}` : null;
  const prefixes = block ? likePrefixes(block) : null;

  const patients = new Map<string, Agg>();
  const actors = new Map<string, number>();
  const workstations = new Set<string>();
  const addresses = new Set<string>();
  const unattributed: ScopeResult['unattributed'] = { entries: 0, exports: [] };
  let scanned = 0;
  let matched = 0;
  let after: { at: Date; seq: number } | null = null;

  for (;;) {
    let s = db
      .selectFrom('ledger_entry')
      .select([
        'seq',
        'occurred_at',
        'kind',
        'actor_type',
        'actor_id',
        'patient_id',
        'fields',
        'categories',
        'decision',
        'workstation',
        'network_address',
        'details',
      ])
      .where('tenant_id', '=', tenant)
      .where('occurred_at', '>=', window.from)
      .where('occurred_at', '<', window.to)
      .where('kind', 'in', KINDS);
    if (query.staffId)
      s = s.where('actor_id', '=', query.staffId).where('actor_type', '=', 'staff');
    if (query.clientId)
      s = s.where('actor_id', '=', query.clientId).where('actor_type', '=', 'client');
    if (query.watermarkToken) s = s.where('watermark_token', '=', query.watermarkToken);
    if (query.workstation) s = s.where('workstation', '=', query.workstation);
    if (!query.includeDenied)
      s = s.where((eb) => eb.or([eb('decision', 'is', null), eb('decision', '!=', 'deny')]));
    if (block) {
      s = s.where('network_address', 'is not', null);
      if (prefixes)
        s = s.where((eb) => eb.or(prefixes.map((p) => eb('network_address', 'like', p))));
    }
    if (exportNeedle)
      s = s.where('details', 'like', `%${exportNeedle.replace(/[%_\\]/g, '\\$&')}%`);
    if (after) {
      const a: { at: Date; seq: number } = after;
      s = s.where(sql<boolean>`(occurred_at, seq) > (${a.at}::timestamptz, ${a.seq}::bigint)`);
    }
    const rows = (await s.orderBy('occurred_at').orderBy('seq').limit(PAGE).execute()) as Row[];
    for (const r of rows) {
      scanned++;
      if (block && !addressInBlock(r.network_address, block)) continue;
      const fields = list(r.fields);
      const categories = list(r.categories);
      if (cats && !categories.some((c) => cats.has(c))) continue;
      if (fieldSet && !fields.some((f) => fieldSet.has(f))) continue;
      matched++;
      const actorKey = `${r.actor_type}\u0000${r.actor_id}`;
      actors.set(actorKey, (actors.get(actorKey) ?? 0) + 1);
      if (r.workstation && workstations.size < MAX_LISTED) workstations.add(r.workstation);
      if (r.network_address && addresses.size < MAX_LISTED) addresses.add(r.network_address);
      const at = (
        r.occurred_at instanceof Date ? r.occurred_at : new Date(r.occurred_at)
      ).getTime();
      const seq = Number(r.seq);
      if (!r.patient_id) {
        unattributed.entries++;
        if (r.kind === 'disclosure.export' && unattributed.exports.length < MAX_LISTED)
          unattributed.exports.push({ seq, ...exportDetails(r.details) });
        continue;
      }
      let a = patients.get(r.patient_id);
      if (!a) {
        a = {
          accesses: 0,
          first: at,
          last: at,
          fields: new Set(),
          categories: new Set(),
          actions: new Set(),
          seqs: [],
        };
        patients.set(r.patient_id, a);
      }
      a.accesses++;
      if (at < a.first) a.first = at;
      if (at > a.last) a.last = at;
      for (const f of fields) a.fields.add(f);
      for (const c of categories) a.categories.add(c);
      a.actions.add(r.kind);
      if (a.seqs.length < 20) a.seqs.push(seq);
    }
    const last = rows[rows.length - 1];
    if (last) {
      after = {
        at: last.occurred_at instanceof Date ? last.occurred_at : new Date(last.occurred_at),
        seq: Number(last.seq),
      };
    }
    onProgress?.({
      scanned,
      matched,
      fraction:
        rows.length < PAGE ? 1 : Math.min(1, Math.max(0, (after!.at.getTime() - fromMs) / span)),
    });
    if (rows.length < PAGE) break;
  }

  const out: ScopedPatient[] = [];
  const byGrade: Record<string, number> = {};
  const byCategory: Record<string, number> = {};
  const bySensitive: Record<string, number> = {};
  const allKinds = new Set<string>();
  let contact = 0;
  for (const [patientId, a] of patients) {
    const c = classifyAccess(a.fields, a.categories);
    out.push({
      patientId,
      accesses: a.accesses,
      first: new Date(a.first),
      last: new Date(a.last),
      fields: [...a.fields].sort(),
      ledgerCategories: [...a.categories].sort(),
      kinds: c.kinds,
      categories: c.categories,
      sensitive: c.sensitive,
      grade: c.grade,
      contact: c.contact,
      actions: [...a.actions].sort(),
      seqs: a.seqs,
    });
    byGrade[c.grade] = (byGrade[c.grade] ?? 0) + 1;
    for (const x of c.categories) byCategory[x] = (byCategory[x] ?? 0) + 1;
    for (const x of c.sensitive) bySensitive[x] = (bySensitive[x] ?? 0) + 1;
    for (const k of c.kinds) allKinds.add(k);
    if (c.contact) contact++;
  }
  out.sort((x, y) => x.first.getTime() - y.first.getTime() || (x.patientId < y.patientId ? -1 : 1));
  return {
    query,
    plan,
    scanned,
    matched,
    patients: out,
    unattributed,
    actors: [...actors]
      .map(([k, n]) => {
        const [type, id] = k.split('\u0000') as [string, string];
        return { type, id, accesses: n };
      })
      .sort((x, y) => y.accesses - x.accesses),
    workstations: [...workstations].sort(),
    networkAddresses: [...addresses].sort(),
    totals: {
      patients: out.length,
      byGrade,
      byCategory,
      bySensitive,
      contact,
      kinds: orderKinds(allKinds),
    },
    tookMs: performance.now() - started,
  };
}

function orderKinds(kinds: Set<string>): string[] {
  return DATA_KINDS.filter((k) => kinds.has(k.id)).map((k) => k.id);
}

function exportDetails(details: string | null): {
  exportId: string | null;
  patients: number | null;
} {
  if (!details) return { exportId: null, patients: null };
  try {
    const d = JSON.parse(details) as Record<string, unknown>;
    return {
      exportId: typeof d.exportId === 'string' ? d.exportId : null,
      patients:
        typeof d.patients === 'number'
          ? d.patients
          : typeof d.results === 'number'
            ? d.results
            : null,
    };
  } catch {
    return { exportId: null, patients: null };
  }
}
