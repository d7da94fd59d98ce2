import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { CustosError, ErrorCode } from '../errors/index.ts';
import type { Alert, CaseCandidate, Evidence, IncidentKind } from './types.ts';

/** Row types of the monitor's tables (see migrations.ts). */
export interface MonitorTables {
  monitor_alert: {
    tenant_id: string;
    id: string;
    actor_id: string;
    actor_kind: string;
    kind: string;
    kinds: string;
    score: number;
    patient_ids: string;
    event_ids: string;
    evidence: string;
    detectors: string;
    start_at: Date;
    end_at: Date;
    status: string;
    case_id: string | null;
    created_at?: Date;
  };
  monitor_case: {
    tenant_id: string;
    id: string;
    actor_id: string;
    actor_kind: string;
    status: string;
    score: number;
    kinds: string;
    patient_ids: string;
    start_at: Date;
    end_at: Date;
    assignee: string | null;
    opened_by: string;
    opened_at: Date;
    disposition: string | null;
    resolved_by: string | null;
    resolved_at: Date | null;
  };
  monitor_case_entry: {
    tenant_id: string;
    case_id: string;
    seq: number;
    at: Date;
    by: string;
    type: string;
    body: string;
  };
  monitor_privacy_record: {
    tenant_id: string;
    id: string;
    staff_id: string;
    case_id: string;
    kind: string;
    sanction: string | null;
    note: string;
    escalated_to: string | null;
    recorded_by: string;
    recorded_at: Date;
  };
  monitor_suppression: {
    tenant_id: string;
    id: string;
    owner: string;
    reason: string;
    actor_id: string | null;
    kind: string | null;
    patient_id: string | null;
    created_at: Date;
    expires_at: Date;
    revoked_at: Date | null;
    revoked_by: string | null;
  };
  monitor_audit: {
    tenant_id: string;
    id: string;
    at: Date;
    by: string;
    action: string;
    subject: string;
  };
}

type Db = Kysely<MonitorTables>;
type Tx = Transaction<MonitorTables>;

/** Case states: open (new), assigned (under investigation), resolved. */
export const CaseStatus = { Open: 'open', Assigned: 'assigned', Resolved: 'resolved' } as const;
export type CaseStatus = (typeof CaseStatus)[keyof typeof CaseStatus];

/** How a case ends. */
export const Disposition = {
  FalsePositive: 'false-positive',
  Education: 'education',
  Sanction: 'sanction',
} as const;
export type Disposition = (typeof Disposition)[keyof typeof Disposition];

/** Sanctions a hospital records on a staff privacy record. */
export const Sanction = {
  Warning: 'warning',
  WrittenWarning: 'written-warning',
  Retraining: 'retraining',
  AccessSuspension: 'access-suspension',
  Suspension: 'suspension',
  Dismissal: 'dismissal',
  Referral: 'referral-to-authorities',
} as const;
export type Sanction = (typeof Sanction)[keyof typeof Sanction];

/** Types of timeline entries of a case. */
export type CaseEntryType =
  'opened' | 'evidence' | 'assigned' | 'note' | 'resolved' | 'sanction' | 'escalated' | 'reopened';

/** A case as stored. */
export interface CaseRecord {
  id: string;
  actorId: string;
  actorKind: string;
  status: CaseStatus;
  score: number;
  kinds: IncidentKind[];
  patientIds: string[];
  start: Date;
  end: Date;
  assignee: string | null;
  openedBy: string;
  openedAt: Date;
  disposition: Disposition | null;
  resolvedBy: string | null;
  resolvedAt: Date | null;
}

/** One entry of a case's timeline. */
export interface CaseEntry {
  seq: number;
  at: Date;
  by: string;
  type: CaseEntryType;
  body: Record<string, unknown>;
}

/** An alert as stored. */
export interface StoredAlert extends Omit<Alert, 'start' | 'end'> {
  start: Date;
  end: Date;
  status: string;
  caseId: string | null;
}

/** A case with its alerts and timeline (notes, assignments, evidence in time order). */
export interface CaseDetail {
  case: CaseRecord;
  alerts: StoredAlert[];
  timeline: CaseEntry[];
}

/** An entry on a staff member's privacy record. */
export interface PrivacyRecordEntry {
  id: string;
  staffId: string;
  caseId: string;
  kind: 'education' | 'sanction';
  sanction: Sanction | null;
  note: string;
  escalatedTo: string | null;
  recordedBy: string;
  recordedAt: Date;
}

/** A suppression rule: alerts matching it are not raised until it expires. */
export interface Suppression {
  id: string;
  owner: string;
  reason: string;
  actorId: string | null;
  kind: string | null;
  patientId: string | null;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
}

const parse = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));
const json = (v: unknown): string => JSON.stringify(v);

function checkText(name: string, v: unknown, max = 4000): string {
  if (typeof v !== 'string' || v.trim().length === 0 || v.length > max)
    throw new CustosError(
      ErrorCode.InputInvalid,
      `${name} must be a non-empty text of at most ${max} characters`,
      {
        field: name,
      },
    );
  return v;
}

function toCase(r: MonitorTables['monitor_case']): CaseRecord {
  return {
    id: r.id,
    actorId: r.actor_id,
    actorKind: r.actor_kind,
    status: r.status as CaseStatus,
    score: Number(r.score),
    kinds: parse(r.kinds),
    patientIds: parse(r.patient_ids),
    start: new Date(r.start_at),
    end: new Date(r.end_at),
    assignee: r.assignee,
    openedBy: r.opened_by,
    openedAt: new Date(r.opened_at),
    disposition: r.disposition as Disposition | null,
    resolvedBy: r.resolved_by,
    resolvedAt: r.resolved_at ? new Date(r.resolved_at) : null,
  };
}

function toAlert(r: MonitorTables['monitor_alert']): StoredAlert {
  return {
    id: r.id,
    actorId: r.actor_id,
    actorKind: r.actor_kind as Alert['actorKind'],
    kind: r.kind as IncidentKind,
    kinds: parse(r.kinds),
    score: Number(r.score),
    patientIds: parse(r.patient_ids),
    eventIds: parse(r.event_ids),
    evidence: parse<Evidence[]>(r.evidence),
    detectors: parse(r.detectors),
    start: new Date(r.start_at),
    end: new Date(r.end_at),
    status: r.status,
    caseId: r.case_id,
  };
}

async function appendEntry(
  tx: Tx | Db,
  tenantId: string,
  caseId: string,
  by: string,
  type: CaseEntryType,
  body: Record<string, unknown>,
  at: Date,
): Promise<void> {
  const last = await tx
    .selectFrom('monitor_case_entry')
    .select(sql<number>`coalesce(max(seq), 0)`.as('seq'))
    .where('tenant_id', '=', tenantId)
    .where('case_id', '=', caseId)
    .executeTakeFirst();
  await tx
    .insertInto('monitor_case_entry')
    .values({
      tenant_id: tenantId,
      case_id: caseId,
      seq: Number(last?.seq ?? 0) + 1,
      at,
      by,
      type,
      body: json(body),
    })
    .execute();
}

async function loadCase(tx: Tx | Db, tenantId: string, caseId: string): Promise<CaseRecord> {
  const row = await tx
    .selectFrom('monitor_case')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', caseId)
    .executeTakeFirst();
  if (!row) throw new CustosError(ErrorCode.NotFound, 'no such case', { caseId });
  return toCase(row);
}

/**
 * Stores alerts; an alert already stored (same id: same actor, kinds, patients and window) is
 * left as it is, so re-scanning a range is idempotent. Returns how many were new.
 */
export async function saveAlerts(
  db: Db,
  tenantId: string,
  alerts: readonly Alert[],
): Promise<number> {
  let added = 0;
  for (let i = 0; i < alerts.length; i += 200) {
    const chunk = alerts.slice(i, i + 200);
    const res = await db
      .insertInto('monitor_alert')
      .values(
        chunk.map((a) => ({
          tenant_id: tenantId,
          id: a.id,
          actor_id: a.actorId,
          actor_kind: a.actorKind,
          kind: a.kind,
          kinds: json(a.kinds),
          score: a.score,
          patient_ids: json(a.patientIds),
          event_ids: json(a.eventIds),
          evidence: json(a.evidence),
          detectors: json(a.detectors),
          start_at: new Date(a.start),
          end_at: new Date(a.end),
          status: 'new',
          case_id: null,
        })),
      )
      .onConflict((oc) => oc.columns(['tenant_id', 'id']).doNothing())
      .executeTakeFirst();
    added += Number(res.numInsertedOrUpdatedRows ?? 0);
  }
  return added;
}

/** Alerts not yet in a case, highest score first. */
export async function listNewAlerts(db: Db, tenantId: string, limit = 100): Promise<StoredAlert[]> {
  const rows = await db
    .selectFrom('monitor_alert')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('status', '=', 'new')
    .orderBy('score', 'desc')
    .orderBy('start_at')
    .limit(Math.max(1, Math.min(limit, 1000)))
    .execute();
  return rows.map(toAlert);
}

/**
 * Opens a case from stored alerts of one actor: links them, and writes the opening and one
 * evidence entry per alert to the timeline. Alerts already in a case are refused (409).
 */
export async function openCase(
  db: Db,
  input: { tenantId: string; alertIds: readonly string[]; openedBy: string; now?: Date },
): Promise<CaseRecord> {
  const { tenantId } = input;
  checkText('openedBy', input.openedBy, 200);
  if (input.alertIds.length === 0)
    throw new CustosError(ErrorCode.InputInvalid, 'a case needs at least one alert', {
      field: 'alertIds',
    });
  const now = input.now ?? new Date();
  return db.transaction().execute(async (tx) => {
    const rows = await tx
      .selectFrom('monitor_alert')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', 'in', [...input.alertIds])
      .forUpdate()
      .execute();
    if (rows.length !== new Set(input.alertIds).size)
      throw new CustosError(ErrorCode.NotFound, 'an alert of the case does not exist', {
        field: 'alertIds',
      });
    const alerts = rows.map(toAlert).sort((a, b) => a.start.getTime() - b.start.getTime());
    if (alerts.some((a) => a.caseId !== null))
      throw new CustosError(ErrorCode.Conflict, 'an alert is already in a case');
    const actors = new Set(alerts.map((a) => a.actorId));
    if (actors.size !== 1)
      throw new CustosError(ErrorCode.InputInvalid, 'a case is about one staff member or client', {
        field: 'alertIds',
      });
    const id = `case_${randomUUID()}`;
    const kinds = [...new Set(alerts.flatMap((a) => a.kinds))];
    const patients = [...new Set(alerts.flatMap((a) => a.patientIds))];
    const score = Math.max(...alerts.map((a) => a.score));
    await tx
      .insertInto('monitor_case')
      .values({
        tenant_id: tenantId,
        id,
        actor_id: alerts[0]!.actorId,
        actor_kind: alerts[0]!.actorKind,
        status: CaseStatus.Open,
        score,
        kinds: json(kinds),
        patient_ids: json(patients),
        start_at: alerts[0]!.start,
        end_at: new Date(Math.max(...alerts.map((a) => a.end.getTime()))),
        assignee: null,
        opened_by: input.openedBy,
        opened_at: now,
        disposition: null,
        resolved_by: null,
        resolved_at: null,
      })
      .execute();
    await tx
      .updateTable('monitor_alert')
      .set({ status: 'in-case', case_id: id })
      .where('tenant_id', '=', tenantId)
      .where(
        'id',
        'in',
        alerts.map((a) => a.id),
      )
      .execute();
    await appendEntry(tx, tenantId, id, input.openedBy, 'opened', { alerts: alerts.length }, now);
    for (const a of alerts)
      await appendEntry(
        tx,
        tenantId,
        id,
        'monitor',
        'evidence',
        {
          alertId: a.id,
          kinds: a.kinds,
          score: a.score,
          from: a.start.toISOString(),
          to: a.end.toISOString(),
          evidence: a.evidence,
          eventIds: a.eventIds,
          patients: a.patientIds.length,
        },
        a.start,
      );
    return loadCase(tx, tenantId, id);
  });
}

/**
 * Stores the alerts of case candidates and opens one case per candidate whose alerts are not yet
 * in a case. Returns the cases opened.
 */
export async function openCasesFromCandidates(
  db: Db,
  tenantId: string,
  candidates: readonly CaseCandidate[],
  openedBy: string,
  now: Date = new Date(),
): Promise<CaseRecord[]> {
  await saveAlerts(
    db,
    tenantId,
    candidates.flatMap((c) => c.alerts),
  );
  const opened: CaseRecord[] = [];
  for (const c of candidates) {
    const ids = c.alerts.map((a) => a.id);
    const free = await db
      .selectFrom('monitor_alert')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('id', 'in', ids)
      .where('case_id', 'is', null)
      .execute();
    if (free.length === 0) continue;
    opened.push(await openCase(db, { tenantId, alertIds: free.map((r) => r.id), openedBy, now }));
  }
  return opened;
}

/** Assigns a case to an investigator. */
export async function assignCase(
  db: Db,
  input: { tenantId: string; caseId: string; assignee: string; by: string; now?: Date },
): Promise<CaseRecord> {
  checkText('assignee', input.assignee, 200);
  checkText('by', input.by, 200);
  const now = input.now ?? new Date();
  return db.transaction().execute(async (tx) => {
    const c = await loadCase(tx, input.tenantId, input.caseId);
    if (c.status === CaseStatus.Resolved)
      throw new CustosError(ErrorCode.Conflict, 'the case is resolved', { caseId: c.id });
    await tx
      .updateTable('monitor_case')
      .set({ assignee: input.assignee, status: CaseStatus.Assigned })
      .where('tenant_id', '=', input.tenantId)
      .where('id', '=', c.id)
      .execute();
    await appendEntry(
      tx,
      input.tenantId,
      c.id,
      input.by,
      'assigned',
      { assignee: input.assignee },
      now,
    );
    return loadCase(tx, input.tenantId, c.id);
  });
}

/** Adds an investigator's note to the timeline. */
export async function addCaseNote(
  db: Db,
  input: { tenantId: string; caseId: string; by: string; text: string; now?: Date },
): Promise<void> {
  checkText('text', input.text);
  checkText('by', input.by, 200);
  await db.transaction().execute(async (tx) => {
    await loadCase(tx, input.tenantId, input.caseId);
    await appendEntry(
      tx,
      input.tenantId,
      input.caseId,
      input.by,
      'note',
      { text: input.text },
      input.now ?? new Date(),
    );
  });
}

/**
 * Resolves a case as a false positive, education or sanction. Education and sanctions go on the
 * staff member's privacy record; a sanction needs its kind and is escalated to the department
 * head given (manager accountability), which the timeline records.
 */
export async function resolveCase(
  db: Db,
  input: {
    tenantId: string;
    caseId: string;
    by: string;
    disposition: Disposition;
    note: string;
    sanction?: Sanction;
    escalateTo?: string;
    now?: Date;
  },
): Promise<CaseRecord> {
  checkText('by', input.by, 200);
  checkText('note', input.note);
  if (!Object.values(Disposition).includes(input.disposition))
    throw new CustosError(ErrorCode.InputInvalid, 'unknown disposition', { field: 'disposition' });
  if (input.disposition === Disposition.Sanction) {
    if (!input.sanction || !Object.values(Sanction).includes(input.sanction))
      throw new CustosError(
        ErrorCode.InputInvalid,
        'a sanction disposition needs a known sanction',
        {
          field: 'sanction',
        },
      );
    checkText('escalateTo', input.escalateTo, 200);
  }
  const now = input.now ?? new Date();
  return db.transaction().execute(async (tx) => {
    const c = await loadCase(tx, input.tenantId, input.caseId);
    if (c.status === CaseStatus.Resolved)
      throw new CustosError(ErrorCode.Conflict, 'the case is already resolved', { caseId: c.id });
    await tx
      .updateTable('monitor_case')
      .set({
        status: CaseStatus.Resolved,
        disposition: input.disposition,
        resolved_by: input.by,
        resolved_at: now,
      })
      .where('tenant_id', '=', input.tenantId)
      .where('id', '=', c.id)
      .execute();
    await appendEntry(
      tx,
      input.tenantId,
      c.id,
      input.by,
      'resolved',
      { disposition: input.disposition, note: input.note },
      now,
    );
    if (input.disposition !== Disposition.FalsePositive) {
      const kind = input.disposition === Disposition.Sanction ? 'sanction' : 'education';
      await tx
        .insertInto('monitor_privacy_record')
        .values({
          tenant_id: input.tenantId,
          id: `pr_${randomUUID()}`,
          staff_id: c.actorId,
          case_id: c.id,
          kind,
          sanction: input.sanction ?? null,
          note: input.note,
          escalated_to: input.escalateTo ?? null,
          recorded_by: input.by,
          recorded_at: now,
        })
        .execute();
      if (kind === 'sanction') {
        await appendEntry(
          tx,
          input.tenantId,
          c.id,
          input.by,
          'sanction',
          { sanction: input.sanction },
          now,
        );
        await appendEntry(
          tx,
          input.tenantId,
          c.id,
          input.by,
          'escalated',
          { to: input.escalateTo },
          now,
        );
      }
    }
    await tx
      .updateTable('monitor_alert')
      .set({ status: input.disposition === Disposition.FalsePositive ? 'dismissed' : 'confirmed' })
      .where('tenant_id', '=', input.tenantId)
      .where('case_id', '=', c.id)
      .execute();
    return loadCase(tx, input.tenantId, c.id);
  });
}

/** A case with its alerts and its timeline in time order. */
export async function getCase(db: Db, tenantId: string, caseId: string): Promise<CaseDetail> {
  const c = await loadCase(db, tenantId, caseId);
  const alerts = await db
    .selectFrom('monitor_alert')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('case_id', '=', caseId)
    .orderBy('start_at')
    .execute();
  const entries = await db
    .selectFrom('monitor_case_entry')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('case_id', '=', caseId)
    .orderBy('seq')
    .execute();
  const timeline = entries
    .map((e) => ({
      seq: e.seq,
      at: new Date(e.at),
      by: e.by,
      type: e.type as CaseEntryType,
      body: parse<Record<string, unknown>>(e.body),
    }))
    .sort((a, b) => a.at.getTime() - b.at.getTime() || a.seq - b.seq);
  return { case: c, alerts: alerts.map(toAlert), timeline };
}

/** Cases, highest score first; optionally only one status. Paged. */
export async function listCases(
  db: Db,
  tenantId: string,
  options: { status?: CaseStatus; limit?: number; offset?: number } = {},
): Promise<CaseRecord[]> {
  let q = db.selectFrom('monitor_case').selectAll().where('tenant_id', '=', tenantId);
  if (options.status) q = q.where('status', '=', options.status);
  const rows = await q
    .orderBy('score', 'desc')
    .orderBy('opened_at')
    .orderBy('id')
    .limit(Math.max(1, Math.min(options.limit ?? 50, 1000)))
    .offset(Math.max(0, options.offset ?? 0))
    .execute();
  return rows.map(toCase);
}

/** A staff member's privacy record: education and sanctions, newest first. */
export async function getPrivacyRecord(
  db: Db,
  tenantId: string,
  staffId: string,
): Promise<PrivacyRecordEntry[]> {
  const rows = await db
    .selectFrom('monitor_privacy_record')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('staff_id', '=', staffId)
    .orderBy('recorded_at', 'desc')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    staffId: r.staff_id,
    caseId: r.case_id,
    kind: r.kind as PrivacyRecordEntry['kind'],
    sanction: r.sanction as Sanction | null,
    note: r.note,
    escalatedTo: r.escalated_to,
    recordedBy: r.recorded_by,
    recordedAt: new Date(r.recorded_at),
  }));
}

async function audit(
  tx: Tx | Db,
  tenantId: string,
  by: string,
  action: string,
  subject: unknown,
  at: Date,
): Promise<void> {
  await tx
    .insertInto('monitor_audit')
    .values({
      tenant_id: tenantId,
      id: `au_${randomUUID()}`,
      at,
      by,
      action,
      subject: json(subject),
    })
    .execute();
}

/**
 * Adds a suppression rule with an owner and an expiry (at most a year). At least one of actor,
 * kind or patient must be given: nothing may silence the whole monitor. The change is audited.
 */
export async function addSuppression(
  db: Db,
  input: {
    tenantId: string;
    owner: string;
    reason: string;
    actorId?: string;
    kind?: IncidentKind;
    patientId?: string;
    expiresAt: Date;
    now?: Date;
  },
): Promise<Suppression> {
  checkText('owner', input.owner, 200);
  checkText('reason', input.reason);
  const now = input.now ?? new Date();
  if (!input.actorId && !input.kind && !input.patientId)
    throw new CustosError(
      ErrorCode.InputInvalid,
      'a suppression needs an actor, a kind or a patient',
      {
        field: 'actorId',
      },
    );
  const ttl = input.expiresAt.getTime() - now.getTime();
  if (!Number.isFinite(ttl) || ttl <= 0 || ttl > 366 * 86_400_000)
    throw new CustosError(ErrorCode.InputInvalid, 'a suppression expires within a year from now', {
      field: 'expiresAt',
    });
  const s: Suppression = {
    id: `sup_${randomUUID()}`,
    owner: input.owner,
    reason: input.reason,
    actorId: input.actorId ?? null,
    kind: input.kind ?? null,
    patientId: input.patientId ?? null,
    createdAt: now,
    expiresAt: input.expiresAt,
    revokedAt: null,
  };
  await db.transaction().execute(async (tx) => {
    await tx
      .insertInto('monitor_suppression')
      .values({
        tenant_id: input.tenantId,
        id: s.id,
        owner: s.owner,
        reason: s.reason,
        actor_id: s.actorId,
        kind: s.kind,
        patient_id: s.patientId,
        created_at: now,
        expires_at: s.expiresAt,
        revoked_at: null,
        revoked_by: null,
      })
      .execute();
    await audit(
      tx,
      input.tenantId,
      s.owner,
      'suppression.add',
      { id: s.id, actorId: s.actorId, kind: s.kind, expiresAt: s.expiresAt.toISOString() },
      now,
    );
  });
  return s;
}

/** Revokes a suppression rule (audited). */
export async function revokeSuppression(
  db: Db,
  input: { tenantId: string; id: string; by: string; now?: Date },
): Promise<void> {
  checkText('by', input.by, 200);
  const now = input.now ?? new Date();
  await db.transaction().execute(async (tx) => {
    const res = await tx
      .updateTable('monitor_suppression')
      .set({ revoked_at: now, revoked_by: input.by })
      .where('tenant_id', '=', input.tenantId)
      .where('id', '=', input.id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0)
      throw new CustosError(ErrorCode.NotFound, 'no such active suppression', { id: input.id });
    await audit(tx, input.tenantId, input.by, 'suppression.revoke', { id: input.id }, now);
  });
}

/** Suppression rules in force at `now`. */
export async function listActiveSuppressions(
  db: Db,
  tenantId: string,
  now: Date = new Date(),
): Promise<Suppression[]> {
  const rows = await db
    .selectFrom('monitor_suppression')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    owner: r.owner,
    reason: r.reason,
    actorId: r.actor_id,
    kind: r.kind,
    patientId: r.patient_id,
    createdAt: new Date(r.created_at),
    expiresAt: new Date(r.expires_at),
    revokedAt: r.revoked_at ? new Date(r.revoked_at) : null,
  }));
}

/** The audit trail of suppression changes, newest first. */
export async function listMonitorAudit(
  db: Db,
  tenantId: string,
): Promise<{ at: Date; by: string; action: string; subject: unknown }[]> {
  const rows = await db
    .selectFrom('monitor_audit')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .orderBy('at', 'desc')
    .execute();
  return rows.map((r) => ({
    at: new Date(r.at),
    by: r.by,
    action: r.action,
    subject: parse(r.subject),
  }));
}

/**
 * Drops alerts a suppression rule covers (pure). A rule matches when every field it names matches;
 * a patient rule matches alerts about that patient only.
 */
export function applySuppressions(
  alerts: readonly Alert[],
  rules: readonly Suppression[],
  now: Date,
): Alert[] {
  const live = rules.filter((r) => !r.revokedAt && r.expiresAt > now);
  return alerts.filter(
    (a) =>
      !live.some(
        (r) =>
          (r.actorId === null || r.actorId === a.actorId) &&
          (r.kind === null || a.kinds.includes(r.kind as IncidentKind)) &&
          (r.patientId === null || (a.patientIds.length === 1 && a.patientIds[0] === r.patientId)),
      ),
  );
}
