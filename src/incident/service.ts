/**
 * The incident workflow: open (from a monitor case, a trace result or by hand), a response team
 * with roles, a timeline of every action, scope from the ledger, one-step containment, and
 * notices to patients and the regulator generated from the scope, with who was notified when.
 * Every action is written to the ledger first (fail closed), then to the incident.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { CustosError, ErrorCode, isCustosError } from '../errors/index.ts';
import type { IdentityService, Staff } from '../identity/index.ts';
import {
  queryEntries,
  type Ledger,
  type LedgerEntryInput,
  type LedgerTables,
  type JsonValue,
} from '../ledger/index.ts';
import { getCase, type MonitorTables } from '../monitor/index.ts';
import type { PolicyEngine } from '../policy/index.ts';
import {
  readResource,
  rotateKeys,
  type DataCategory,
  type Grade,
  type KeyJobProgress,
  type Vault,
} from '../vault/index.ts';
import { checkId, checkText, checkWindow, invalid, notFound } from './checks.ts';
import { ComplianceService } from './compliance.ts';
import type { IncidentTables } from './migrations.ts';
import {
  DEFAULT_NOTICE_SETTINGS,
  patientNotice,
  regulatorReport,
  type NoticeIncident,
  type NoticeSettings,
  type PatientNoticeText,
} from './notices.ts';
import { renderTextPdf } from './pdf.ts';
import { scopeAccesses, type ScopeProgress, type ScopeQuery, type ScopeResult } from './scope.ts';
import type { IncidentSource } from './types.ts';
import {
  ActionStatus,
  ContainmentKind,
  IncidentReason,
  IncidentRole,
  IncidentStatus,
  NoticeChannel,
  Severity,
  type IncidentActor,
  type NoticeLanguage,
} from './types.ts';

/**
 * Containment that other modules provide (third-party governance). When a port is absent the
 * action is recorded as `pending` and can be completed by hand later.
 */
export interface ContainmentPorts {
  /** Revokes an API client and its tokens; returns how many tokens died. */
  revokeClient?(tenant: string, actor: Staff, clientId: string, reason: string): Promise<number>;
  /** Expires export packages (by export id, or every export of a staff member). */
  expireExports?(
    tenant: string,
    actor: Staff,
    target: { exportId?: string; staffId?: string },
    reason: string,
  ): Promise<number>;
}

/** What the incident service needs from the runtime. */
export interface IncidentDeps {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  db: Kysely<any>;
  ledger: Pick<Ledger, 'appendEntry' | 'appendEntries'>;
  identity: IdentityService;
  vault: Vault;
  now: () => Date;
  /** The live policy set (for impact assessments). */
  policy?: () => PolicyEngine;
  ports?: ContainmentPorts;
}

/** An incident as stored. */
export interface Incident {
  id: string;
  title: string;
  status: IncidentStatus;
  severity: Severity;
  source: { type: IncidentSource; ref: string | null };
  suspect: { type: 'staff' | 'client'; id: string } | null;
  window: { from: Date; to: Date } | null;
  cause: string;
  harm: string;
  remedies: string;
  openedBy: string;
  openedAt: Date;
  closedAt: Date | null;
}

/** One entry of an incident's timeline. */
export interface TimelineEvent {
  seq: number;
  at: Date;
  by: string;
  type: string;
  body: Record<string, unknown>;
  ledgerSeq: number | null;
}

/** A containment action on an incident. */
export interface ContainmentAction {
  id: string;
  kind: ContainmentKind;
  target: string;
  status: ActionStatus;
  at: Date;
  by: string;
  result: Record<string, unknown>;
  completedAt: Date | null;
}

/** One patient of a stored scope (what notices are generated from). */
export interface AffectedPatient {
  patientId: string;
  accesses: number;
  first: Date;
  last: Date;
  fields: string[];
  ledgerCategories: string[];
  kinds: string[];
  categories: DataCategory[];
  sensitive: string[];
  grade: Grade;
  contact: boolean;
  actions: string[];
  seqs: number[];
}

/** The scope stored on an incident. */
export interface StoredScope {
  id: string;
  at: Date;
  by: string;
  query: ScopeResult['query'];
  summary: Omit<ScopeResult, 'patients' | 'query'>;
  patients: AffectedPatient[];
}

/** A notification record: generated, and when delivered to whom. */
export interface NotificationRecord {
  id: string;
  recipientType: 'patient' | 'regulator';
  recipientId: string;
  channel: NoticeChannel;
  language: NoticeLanguage;
  sha256: string;
  generatedAt: Date;
  generatedBy: string;
  notifiedAt: Date | null;
  notifiedBy: string | null;
}

/** Everything about an incident. */
export interface IncidentDetail {
  incident: Incident;
  members: { staffId: string; role: IncidentRole; addedBy: string; addedAt: Date }[];
  timeline: TimelineEvent[];
  actions: ContainmentAction[];
  scope: Omit<StoredScope, 'patients'> | null;
  notifications: { generated: number; delivered: number; patientsNotified: number };
}

/** A monitor case (or an unsaved case candidate) an incident is opened from. */
export interface CaseSummary {
  id: string;
  actorId: string;
  actorKind: 'staff' | 'client' | string;
  kinds: readonly string[];
  patientIds: readonly string[];
  start: Date | number;
  end: Date | number;
}

/** Input of openIncident. */
export interface OpenIncidentInput {
  title: string;
  severity?: Severity;
  source?:
    | { type: 'manual'; ref?: string }
    | { type: 'case'; caseId: string; case?: CaseSummary }
    | { type: 'trace'; watermarkToken: string };
  suspect?: { type: 'staff' | 'client'; id: string };
  window?: { from: Date | string; to: Date | string };
  /** The incident lead (default: whoever opens it). */
  leadId?: string;
}

/** A generated patient notice (both languages). */
export interface PatientNotice {
  patientId: string;
  texts: PatientNoticeText[];
}

const SEVERITIES = new Set<string>(Object.values(Severity));
const ROLES = new Set<string>(Object.values(IncidentRole));
const KINDS = new Set<string>(Object.values(ContainmentKind));
const CHANNELS = new Set<string>(Object.values(NoticeChannel));
const DAY = 86_400_000;

const toDate = (v: Date | string | number): Date => (v instanceof Date ? v : new Date(v));
const json = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : v);
const sha256 = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');

function toIncident(r: IncidentTables['incident']): Incident {
  return {
    id: r.id,
    title: r.title,
    status: r.status as IncidentStatus,
    severity: r.severity as Severity,
    source: { type: r.source_type as IncidentSource, ref: r.source_ref },
    suspect:
      r.suspect_type && r.suspect_id
        ? { type: r.suspect_type as 'staff' | 'client', id: r.suspect_id }
        : null,
    window:
      r.window_from && r.window_to
        ? { from: toDate(r.window_from), to: toDate(r.window_to) }
        : null,
    cause: r.cause,
    harm: r.harm,
    remedies: r.remedies,
    openedBy: r.opened_by,
    openedAt: toDate(r.opened_at),
    closedAt: r.closed_at ? toDate(r.closed_at) : null,
  };
}

function reviveScopePatient(p: Record<string, unknown>): AffectedPatient {
  return {
    ...(p as unknown as AffectedPatient),
    first: new Date(p.first as string),
    last: new Date(p.last as string),
  };
}

/** The breach-response service (incidents) with compliance duties under `compliance`. */
export class IncidentService {
  readonly #deps: IncidentDeps;
  readonly #db: Kysely<IncidentTables>;
  /** Impact assessments, processing records, retention and destruction, training and reviews. */
  readonly compliance: ComplianceService;

  constructor(deps: IncidentDeps) {
    this.#deps = deps;
    this.#db = deps.db as Kysely<IncidentTables>;
    this.compliance = new ComplianceService(deps);
  }

  // ---- incidents ------------------------------------------------------------------------------

  /** Opens an incident (by hand, from a monitor case or from a trace result). */
  async openIncident(
    tenant: string,
    actor: IncidentActor,
    input: OpenIncidentInput,
  ): Promise<IncidentDetail> {
    const title = checkText(input.title, 'title', 200);
    const severity = input.severity ?? Severity.High;
    if (!SEVERITIES.has(severity))
      throw invalid(
        IncidentReason.BadText,
        'severity',
        'severity must be low, medium, high or critical',
      );
    const source = input.source ?? { type: 'manual' as const };
    let suspect = input.suspect ?? null;
    let window = input.window ? checkWindow(input.window.from, input.window.to) : null;
    let ref: string | null = null;
    let caseBody: Record<string, JsonValue> = {};
    if (source.type === 'case') {
      ref = checkId(source.caseId, 'caseId');
      const c = source.case ?? (await this.#loadCase(tenant, ref));
      suspect ??= { type: c.actorKind === 'client' ? 'client' : 'staff', id: c.actorId };
      // The case's span, widened by a day on each side so the scope sees the whole episode.
      window ??= {
        from: new Date(toDate(c.start).getTime() - DAY),
        to: new Date(toDate(c.end).getTime() + DAY),
      };
      caseBody = { kinds: [...c.kinds], patients: c.patientIds.length };
    } else if (source.type === 'trace') {
      ref = checkId(source.watermarkToken, 'watermarkToken');
      const page = await queryEntries(this.#deps.db as Kysely<LedgerTables>, {
        tenant,
        watermarkToken: ref,
        limit: 1,
      });
      const entry = page.entries[0];
      if (!entry)
        throw notFound(
          IncidentReason.UnknownIncident,
          'no disclosure carries this watermark token',
        );
      if (entry.actorType === 'staff' || entry.actorType === 'client')
        suspect ??= { type: entry.actorType, id: entry.actorId };
      window ??= {
        from: new Date(entry.occurredAt.getTime() - 30 * DAY),
        to: new Date(entry.occurredAt.getTime() + DAY),
      };
      caseBody = { entrySeq: entry.seq };
    } else if (source.type === 'manual' && 'ref' in source && source.ref !== undefined) {
      ref = checkText(source.ref, 'ref', 200);
    }
    if (suspect) {
      suspect = { type: suspect.type, id: checkId(suspect.id, 'suspect.id') };
      if (suspect.type === 'staff') await this.#requireStaff(tenant, suspect.id);
      else if (suspect.type !== 'client')
        throw invalid(
          IncidentReason.BadText,
          'suspect.type',
          'suspect type must be staff or client',
        );
    }
    const leadId = checkId(input.leadId ?? actor.id, 'leadId');
    await this.#requireStaff(tenant, leadId);
    const now = this.#deps.now();
    const id = `INC-${formatStamp(now)}-${randomBytes(3).toString('hex')}`;
    const ledgerSeq = await this.#record(tenant, actor, 'incident.open', {
      incident: id,
      source: source.type,
      ...(suspect ? { suspect: `${suspect.type}:${suspect.id}` } : {}),
      severity,
    });
    await this.#db.transaction().execute(async (tx) => {
      await tx
        .insertInto('incident')
        .values({
          tenant_id: tenant,
          id,
          title,
          status: IncidentStatus.Open,
          severity,
          source_type: source.type,
          source_ref: ref,
          suspect_type: suspect?.type ?? null,
          suspect_id: suspect?.id ?? null,
          window_from: window?.from ?? null,
          window_to: window?.to ?? null,
          cause: '',
          harm: '',
          remedies: '',
          opened_by: actor.id,
          opened_at: now,
          closed_at: null,
        })
        .execute();
      await tx
        .insertInto('incident_member')
        .values({
          tenant_id: tenant,
          incident_id: id,
          staff_id: leadId,
          role: IncidentRole.Lead,
          added_by: actor.id,
          added_at: now,
        })
        .execute();
    });
    await this.#event(
      tenant,
      id,
      actor,
      'opened',
      { source: source.type, ref, severity, ...caseBody },
      ledgerSeq,
    );
    return this.getIncident(tenant, id);
  }

  /** Opens an incident from a saved monitor case (CUSTOS_NOT_FOUND when there is none). */
  async openFromCase(
    tenant: string,
    actor: IncidentActor,
    caseId: string,
    title?: string,
  ): Promise<IncidentDetail> {
    const c = await this.#loadCase(tenant, checkId(caseId, 'caseId'));
    return this.openIncident(tenant, actor, {
      title: title ?? `Monitor case ${c.id}: ${c.kinds.join(', ')}`,
      source: { type: 'case', caseId: c.id, case: c },
    });
  }

  async #loadCase(tenant: string, caseId: string): Promise<CaseSummary> {
    const exists = await sql<{
      t: string | null;
    }>`select to_regclass('monitor_case')::text as t`.execute(this.#deps.db);
    if (!exists.rows[0]?.t)
      throw notFound(IncidentReason.UnknownIncident, 'no monitor case store here');
    try {
      const d = await getCase(this.#deps.db as Kysely<MonitorTables>, tenant, caseId);
      return d.case;
    } catch (e) {
      if (isCustosError(e, ErrorCode.NotFound))
        throw notFound(IncidentReason.UnknownIncident, 'monitor case not found');
      throw e;
    }
  }

  /** An incident with its team, timeline, actions, scope summary and notification counts. */
  async getIncident(tenant: string, id: string): Promise<IncidentDetail> {
    const row = await this.#db
      .selectFrom('incident')
      .selectAll()
      .where('tenant_id', '=', tenant)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound(IncidentReason.UnknownIncident, 'incident not found');
    const [members, events, actions, scope, notes] = await Promise.all([
      this.#db
        .selectFrom('incident_member')
        .selectAll()
        .where('tenant_id', '=', tenant)
        .where('incident_id', '=', id)
        .orderBy('added_at')
        .execute(),
      this.#db
        .selectFrom('incident_event')
        .selectAll()
        .where('tenant_id', '=', tenant)
        .where('incident_id', '=', id)
        .orderBy('seq')
        .execute(),
      this.listActions(tenant, id),
      this.#latestScope(tenant, id, false),
      this.#db
        .selectFrom('incident_notification')
        .select([
          sql<number>`count(*)::int`.as('generated'),
          sql<number>`count(notified_at)::int`.as('delivered'),
          sql<number>`count(distinct case when notified_at is not null and recipient_type = 'patient' then recipient_id end)::int`.as(
            'patients',
          ),
        ])
        .where('tenant_id', '=', tenant)
        .where('incident_id', '=', id)
        .executeTakeFirst(),
    ]);
    return {
      incident: toIncident(row),
      members: members.map((m) => ({
        staffId: m.staff_id,
        role: m.role as IncidentRole,
        addedBy: m.added_by,
        addedAt: toDate(m.added_at),
      })),
      timeline: events.map((e) => ({
        seq: e.seq,
        at: toDate(e.at),
        by: e.by_id,
        type: e.type,
        body: json(e.body) as Record<string, unknown>,
        ledgerSeq: e.ledger_seq === null ? null : Number(e.ledger_seq),
      })),
      actions,
      scope: scope
        ? { id: scope.id, at: scope.at, by: scope.by, query: scope.query, summary: scope.summary }
        : null,
      notifications: {
        generated: notes?.generated ?? 0,
        delivered: notes?.delivered ?? 0,
        patientsNotified: notes?.patients ?? 0,
      },
    };
  }

  /** Incidents, newest first (optionally of one status), at most `limit`. */
  async listIncidents(
    tenant: string,
    filter: { status?: IncidentStatus; limit?: number } = {},
  ): Promise<Incident[]> {
    let q = this.#db.selectFrom('incident').selectAll().where('tenant_id', '=', tenant);
    if (filter.status) q = q.where('status', '=', filter.status);
    const rows = await q
      .orderBy('opened_at', 'desc')
      .limit(Math.min(Math.max(filter.limit ?? 100, 1), 500))
      .execute();
    return rows.map(toIncident);
  }

  /** Adds a member to the response team in a role (incident lead, DPO, IT, legal). */
  async addMember(
    tenant: string,
    actor: IncidentActor,
    id: string,
    staffId: string,
    role: IncidentRole,
  ): Promise<IncidentDetail> {
    if (!ROLES.has(role))
      throw invalid(IncidentReason.BadRole, 'role', 'role must be incident-lead, dpo, it or legal');
    await this.#requireOpen(tenant, id);
    await this.#requireStaff(tenant, checkId(staffId, 'staffId'));
    const seq = await this.#record(tenant, actor, 'incident.member', {
      incident: id,
      staff: staffId,
      role,
    });
    await this.#db
      .insertInto('incident_member')
      .values({
        tenant_id: tenant,
        incident_id: id,
        staff_id: staffId,
        role,
        added_by: actor.id,
        added_at: this.#deps.now(),
      })
      .onConflict((oc) => oc.columns(['tenant_id', 'incident_id', 'staff_id', 'role']).doNothing())
      .execute();
    await this.#event(tenant, id, actor, 'member-added', { staffId, role }, seq);
    return this.getIncident(tenant, id);
  }

  /**
   * Updates the findings (cause, possible harm, remedies — they go into notices and the report;
   * never write personal data here), the severity, or the status.
   */
  async updateIncident(
    tenant: string,
    actor: IncidentActor,
    id: string,
    patch: {
      cause?: string;
      harm?: string;
      remedies?: string;
      severity?: Severity;
      status?: IncidentStatus;
      title?: string;
    },
  ): Promise<IncidentDetail> {
    const current = await this.#requireOpen(tenant, id, patch.status === IncidentStatus.Closed);
    const set: Partial<IncidentTables['incident']> = {};
    if (patch.title !== undefined) set.title = checkText(patch.title, 'title', 200);
    if (patch.cause !== undefined) set.cause = checkText(patch.cause, 'cause', 4000, true);
    if (patch.harm !== undefined) set.harm = checkText(patch.harm, 'harm', 4000, true);
    if (patch.remedies !== undefined)
      set.remedies = checkText(patch.remedies, 'remedies', 4000, true);
    if (patch.severity !== undefined) {
      if (!SEVERITIES.has(patch.severity))
        throw invalid(
          IncidentReason.BadText,
          'severity',
          'severity must be low, medium, high or critical',
        );
      set.severity = patch.severity;
    }
    if (patch.status !== undefined) {
      if (!Object.values(IncidentStatus).includes(patch.status))
        throw invalid(IncidentReason.BadText, 'status', 'unknown incident status');
      set.status = patch.status;
      if (patch.status === IncidentStatus.Closed) set.closed_at = this.#deps.now();
    }
    const changed = Object.keys(set).filter((k) => k !== 'closed_at');
    if (changed.length === 0) return this.getIncident(tenant, id);
    const seq = await this.#record(tenant, actor, 'incident.update', { incident: id, changed });
    await this.#db
      .updateTable('incident')
      .set(set)
      .where('tenant_id', '=', tenant)
      .where('id', '=', current.id)
      .execute();
    await this.#event(
      tenant,
      id,
      actor,
      patch.status === IncidentStatus.Closed ? 'closed' : 'updated',
      { changed, ...(patch.status ? { status: patch.status } : {}) },
      seq,
    );
    return this.getIncident(tenant, id);
  }

  /** Adds a note to the timeline (no personal data: the ledger records that a note was added). */
  async addNote(
    tenant: string,
    actor: IncidentActor,
    id: string,
    text: string,
  ): Promise<TimelineEvent> {
    const note = checkText(text, 'note', 4000);
    await this.#requireOpen(tenant, id);
    const seq = await this.#record(tenant, actor, 'incident.note', { incident: id });
    return this.#event(tenant, id, actor, 'note', { text: note }, seq);
  }

  // ---- scope ----------------------------------------------------------------------------------

  /** Scopes accesses from the ledger (no incident needed; read-only). */
  async scope(
    tenant: string,
    query: ScopeQuery,
    onProgress?: (p: ScopeProgress) => void,
  ): Promise<ScopeResult> {
    // An account that does not exist is a typo, not an empty scope.
    if (query.staffId !== undefined)
      await this.#requireStaff(tenant, checkId(query.staffId, 'staffId'));
    return scopeAccesses(this.#deps.db as Kysely<LedgerTables>, tenant, query, onProgress);
  }

  /**
   * Scopes an incident and stores the result as its current scope (the affected patients that
   * notices go to). Unknown accounts are refused (CUSTOS_NOT_FOUND, reason incident.unknown-staff).
   * Defaults: the incident's suspect and window.
   */
  async scopeIncident(
    tenant: string,
    actor: IncidentActor,
    id: string,
    query: Partial<ScopeQuery> = {},
    onProgress?: (p: ScopeProgress) => void,
  ): Promise<StoredScope> {
    const inc = await this.#requireOpen(tenant, id);
    const q: ScopeQuery = {
      ...query,
      from: query.from ?? inc.window?.from ?? '',
      to: query.to ?? inc.window?.to ?? '',
    };
    const hasTarget =
      q.staffId || q.clientId || q.workstation || q.cidr || q.watermarkToken || q.exportId;
    if (!hasTarget && inc.suspect) {
      if (inc.suspect.type === 'staff') q.staffId = inc.suspect.id;
      else q.clientId = inc.suspect.id;
    }
    const result = await this.scope(tenant, q, onProgress);
    const at = this.#deps.now();
    const scopeId = randomUUID();
    const { patients, query: normal, ...summary } = result;
    const seq = await this.#record(tenant, actor, 'incident.scope', {
      incident: id,
      scope: scopeId,
      patients: patients.length,
      entries: result.matched,
    });
    await this.#db
      .insertInto('incident_scope')
      .values({
        tenant_id: tenant,
        incident_id: id,
        id: scopeId,
        at,
        by_id: actor.id,
        query: JSON.stringify(normal),
        summary: JSON.stringify(summary),
        patients: JSON.stringify(patients),
      })
      .execute();
    await this.#event(
      tenant,
      id,
      actor,
      'scoped',
      { scope: scopeId, patients: patients.length, entries: result.matched, query: normal },
      seq,
    );
    return { id: scopeId, at, by: actor.id, query: normal, summary, patients };
  }

  /** The incident's current scope with its affected patients (CUSTOS_NOT_FOUND when unscoped). */
  async getScope(tenant: string, id: string): Promise<StoredScope> {
    const s = await this.#latestScope(tenant, id, true);
    if (!s) throw notFound(IncidentReason.NoScope, 'the incident has not been scoped yet');
    return s;
  }

  async #latestScope(
    tenant: string,
    id: string,
    withPatients: boolean,
  ): Promise<StoredScope | null> {
    const r = await this.#db
      .selectFrom('incident_scope')
      .select([
        'id',
        'at',
        'by_id',
        'query',
        'summary',
        ...(withPatients ? (['patients'] as const) : []),
      ])
      .where('tenant_id', '=', tenant)
      .where('incident_id', '=', id)
      .orderBy('at', 'desc')
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
    if (!r) return null;
    const row = r as typeof r & { patients?: unknown };
    return {
      id: row.id,
      at: toDate(row.at),
      by: row.by_id,
      query: json(row.query) as ScopeResult['query'],
      summary: json(row.summary) as StoredScope['summary'],
      patients: withPatients
        ? (json(row.patients) as Record<string, unknown>[]).map(reviveScopePatient)
        : [],
    };
  }

  // ---- containment ----------------------------------------------------------------------------

  /**
   * One containment action, recorded in the ledger and on the incident: suspend the account,
   * revoke its sessions, revoke an API client, expire exports, rotate keys. The target defaults
   * to the incident's suspect. Actions another module must carry out and cannot here are
   * recorded as pending.
   */
  async contain(
    tenant: string,
    actor: IncidentActor,
    id: string,
    input: { kind: ContainmentKind; target?: string; reason?: string },
    onProgress?: (p: KeyJobProgress) => void,
  ): Promise<ContainmentAction> {
    if (!KINDS.has(input.kind))
      throw invalid(
        IncidentReason.BadText,
        'kind',
        `containment must be one of ${[...KINDS].join(', ')}`,
      );
    const inc = await this.#requireOpen(tenant, id);
    const reason = checkText(input.reason ?? `incident ${id}`, 'reason', 500);
    const suspectOf = (type: 'staff' | 'client'): string => {
      if (input.target !== undefined) return checkId(input.target, 'target');
      if (inc.suspect?.type === type) return inc.suspect.id;
      throw invalid(IncidentReason.NoScopeTarget, 'target', `give the ${type} to act on`);
    };
    const who = { id: actor.id, address: actor.address ?? null };
    let target = 'tenant';
    let status: ActionStatus = ActionStatus.Done;
    let result: Record<string, JsonValue> = {};
    switch (input.kind) {
      case ContainmentKind.SuspendAccount: {
        target = suspectOf('staff');
        const s = await this.#requireStaff(tenant, target);
        await this.#deps.identity.setStaffStatus(tenant, target, 'suspended', who, reason);
        result = { previousStatus: s.status, sessionsRevoked: true };
        break;
      }
      case ContainmentKind.RevokeSessions: {
        target = suspectOf('staff');
        await this.#requireStaff(tenant, target);
        result = {
          sessions: await this.#deps.identity.revokeSessions(tenant, target, who, reason),
        };
        break;
      }
      case ContainmentKind.RevokeClient: {
        target = suspectOf('client');
        const port = this.#deps.ports?.revokeClient;
        if (port)
          result = {
            tokens: await port(tenant, await this.#actorStaff(tenant, actor), target, reason),
          };
        else {
          status = ActionStatus.Pending;
          result = {
            note: 'client revocation is not available here; revoke the client in governance',
          };
        }
        break;
      }
      case ContainmentKind.ExpireExports: {
        target = input.target !== undefined ? checkId(input.target, 'target') : suspectOf('staff');
        const port = this.#deps.ports?.expireExports;
        if (port) {
          const isStaff = inc.suspect?.type === 'staff' && inc.suspect.id === target;
          result = {
            exports: await port(
              tenant,
              await this.#actorStaff(tenant, actor),
              isStaff ? { staffId: target } : { exportId: target },
              reason,
            ),
          };
        } else {
          status = ActionStatus.Pending;
          result = {
            note: 'export expiry is not available here; expire the exports in governance',
          };
        }
        break;
      }
      case ContainmentKind.RotateKeys: {
        target = 'keyring';
        const r = await rotateKeys(this.#deps.vault, onProgress ? { onProgress } : {});
        result = { kek: r.kek.id, rewrapped: r.rewrapped, retired: r.retired };
        break;
      }
    }
    const at = this.#deps.now();
    const actionId = randomUUID();
    const seq = await this.#record(tenant, actor, `incident.contain.${input.kind}`, {
      incident: id,
      action: actionId,
      target,
      status,
    });
    await this.#db
      .insertInto('incident_action')
      .values({
        tenant_id: tenant,
        incident_id: id,
        id: actionId,
        kind: input.kind,
        target,
        status,
        at,
        by_id: actor.id,
        result: JSON.stringify(result),
        completed_at: status === ActionStatus.Done ? at : null,
      })
      .execute();
    await this.#event(
      tenant,
      id,
      actor,
      'contained',
      { action: actionId, kind: input.kind, target, status, result },
      seq,
    );
    if (inc.status === IncidentStatus.Open && status === ActionStatus.Done)
      await this.#db
        .updateTable('incident')
        .set({ status: IncidentStatus.Contained })
        .where('tenant_id', '=', tenant)
        .where('id', '=', id)
        .where('status', '=', IncidentStatus.Open)
        .execute();
    return {
      id: actionId,
      kind: input.kind,
      target,
      status,
      at,
      by: actor.id,
      result,
      completedAt: status === ActionStatus.Done ? at : null,
    };
  }

  /** Marks a pending action done (carried out elsewhere), with a note. */
  async completeAction(
    tenant: string,
    actor: IncidentActor,
    id: string,
    actionId: string,
    note: string,
  ): Promise<ContainmentAction> {
    await this.#requireOpen(tenant, id);
    const text = checkText(note, 'note', 1000);
    const row = await this.#db
      .selectFrom('incident_action')
      .selectAll()
      .where('tenant_id', '=', tenant)
      .where('incident_id', '=', id)
      .where('id', '=', checkId(actionId, 'actionId'))
      .executeTakeFirst();
    if (!row) throw notFound(IncidentReason.UnknownIncident, 'containment action not found');
    if (row.status === ActionStatus.Done)
      throw new CustosError(ErrorCode.Conflict, 'the action is done already');
    const seq = await this.#record(tenant, actor, 'incident.contain.complete', {
      incident: id,
      action: actionId,
    });
    const at = this.#deps.now();
    await this.#db
      .updateTable('incident_action')
      .set({ status: ActionStatus.Done, completed_at: at })
      .where('tenant_id', '=', tenant)
      .where('incident_id', '=', id)
      .where('id', '=', actionId)
      .execute();
    await this.#event(tenant, id, actor, 'action-completed', { action: actionId, note: text }, seq);
    return (await this.listActions(tenant, id)).find((a) => a.id === actionId)!;
  }

  /** The containment actions of an incident, in order. */
  async listActions(tenant: string, id: string): Promise<ContainmentAction[]> {
    const rows = await this.#db
      .selectFrom('incident_action')
      .selectAll()
      .where('tenant_id', '=', tenant)
      .where('incident_id', '=', id)
      .orderBy('at')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind as ContainmentKind,
      target: r.target,
      status: r.status as ActionStatus,
      at: toDate(r.at),
      by: r.by_id,
      result: json(r.result) as Record<string, unknown>,
      completedAt: r.completed_at ? toDate(r.completed_at) : null,
    }));
  }

  // ---- notification ---------------------------------------------------------------------------

  /** The tenant's notice settings (organisation, DPO contact, regulator). */
  async getNoticeSettings(tenant: string): Promise<NoticeSettings> {
    const r = await this.#db
      .selectFrom('incident_setting')
      .select('settings')
      .where('tenant_id', '=', tenant)
      .executeTakeFirst();
    return r
      ? { ...DEFAULT_NOTICE_SETTINGS, ...(json(r.settings) as NoticeSettings) }
      : DEFAULT_NOTICE_SETTINGS;
  }

  /** Saves the notice settings (ledgered). */
  async saveNoticeSettings(
    tenant: string,
    actor: IncidentActor,
    s: NoticeSettings,
  ): Promise<NoticeSettings> {
    const pair = (v: { zh: string; en: string } | undefined, f: string) => ({
      zh: checkText(v?.zh, `${f}.zh`, 200),
      en: checkText(v?.en, `${f}.en`, 200),
    });
    const clean: NoticeSettings = {
      organisation: pair(s.organisation, 'organisation'),
      dpo: pair(s.dpo, 'dpo'),
      phone: checkText(s.phone, 'phone', 40),
      regulator: pair(s.regulator, 'regulator'),
      ...(s.email ? { email: checkText(s.email, 'email', 200) } : {}),
      ...(s.address ? { address: pair(s.address, 'address') } : {}),
    };
    await this.#record(tenant, actor, 'incident.settings', {});
    await this.#db
      .insertInto('incident_setting')
      .values({
        tenant_id: tenant,
        settings: JSON.stringify(clean),
        updated_by: actor.id,
        updated_at: this.#deps.now(),
      })
      .onConflict((oc) =>
        oc.column('tenant_id').doUpdateSet({
          settings: JSON.stringify(clean),
          updated_by: actor.id,
          updated_at: this.#deps.now(),
        }),
      )
      .execute();
    return clean;
  }

  /**
   * Generates notices (SMS and letter, Chinese and English) for every affected patient of the
   * current scope, or for the given ones. Reading the patients' names is a disclosure: one ledger
   * entry per patient is committed before any name is decrypted. Each generated text is recorded
   * by its SHA-256 (the text itself is not stored).
   */
  async generatePatientNotices(
    tenant: string,
    actor: IncidentActor,
    id: string,
    opts: { patientIds?: readonly string[]; languages?: readonly NoticeLanguage[] } = {},
  ): Promise<PatientNotice[]> {
    const { incident, patients, settings, langs } = await this.#noticeInputs(tenant, id, opts);
    await this.#deps.ledger.appendEntries(
      tenant,
      patients.map((p): LedgerEntryInput => ({
        kind: 'disclosure.print',
        actor: { type: 'staff', id: actor.id },
        patientId: p.patientId,
        fields: ['demographics.name', 'demographics.sex'],
        purpose: 'operations',
        decision: 'permit',
        reasons: ['breach-notification'],
        networkAddress: actor.address ?? null,
        channel: 'incident',
        details: { incident: id, action: 'notice' },
      })),
    );
    const at = this.#deps.now();
    const out: PatientNotice[] = [];
    const rows: IncidentTables['incident_notification'][] = [];
    for (const p of patients) {
      const { name, gender } = await this.#patientName(tenant, p.patientId);
      const texts = langs.map((l) => patientNotice(l, settings, incident, p, name, gender));
      out.push({ patientId: p.patientId, texts });
      for (const t of texts)
        for (const [channel, text] of [
          [NoticeChannel.Sms, t.sms],
          [NoticeChannel.Letter, t.letter],
        ] as const)
          rows.push({
            tenant_id: tenant,
            incident_id: id,
            id: randomUUID(),
            recipient_type: 'patient',
            recipient_id: p.patientId,
            channel,
            language: t.language,
            sha256: sha256(text),
            generated_at: at,
            generated_by: actor.id,
            notified_at: null,
            notified_by: null,
          });
    }
    for (let i = 0; i < rows.length; i += 500)
      await this.#db
        .insertInto('incident_notification')
        .values(rows.slice(i, i + 500))
        .execute();
    const seq = await this.#record(tenant, actor, 'incident.notices', {
      incident: id,
      patients: out.length,
    });
    await this.#event(
      tenant,
      id,
      actor,
      'notices-generated',
      { patients: out.length, languages: langs },
      seq,
    );
    return out;
  }

  /** One patient's notice as a PDF (Chinese letter, then English), recorded like the texts. */
  async renderPatientNoticePdf(
    tenant: string,
    actor: IncidentActor,
    id: string,
    patientId: string,
  ): Promise<Buffer> {
    const [notice] = await this.generatePatientNotices(tenant, actor, id, {
      patientIds: [patientId],
    });
    const pdf = await renderTextPdf(
      `Notice ${id}`,
      notice!.texts.map((t) => ({
        heading:
          t.language === 'zh'
            ? '个人信息安全事件告知书'
            : 'Notice of a personal information incident',
        text: t.letter,
      })),
    );
    await this.#db
      .insertInto('incident_notification')
      .values({
        tenant_id: tenant,
        incident_id: id,
        id: randomUUID(),
        recipient_type: 'patient',
        recipient_id: patientId,
        channel: NoticeChannel.Pdf,
        language: 'zh',
        sha256: sha256(pdf),
        generated_at: this.#deps.now(),
        generated_by: actor.id,
        notified_at: null,
        notified_by: null,
      })
      .execute();
    return pdf;
  }

  /**
   * The report to the regulator (PIPL Art. 57 contents) from the current scope, the findings and
   * the containment actions, in Chinese and English, and as a PDF when asked.
   */
  async regulatorReport(
    tenant: string,
    actor: IncidentActor,
    id: string,
    opts: { pdf?: boolean } = {},
  ): Promise<{ zh: string; en: string; pdf?: Buffer; sha256: string }> {
    const detail = await this.getIncident(tenant, id);
    const scope = await this.getScope(tenant, id);
    const settings = await this.getNoticeSettings(tenant);
    const inc = detail.incident;
    const firsts = scope.patients.map((p) => p.first.getTime());
    const lasts = scope.patients.map((p) => p.last.getTime());
    const rs = {
      ...scope.summary.totals,
      from: scope.query.from,
      to: scope.query.to,
      first: firsts.length ? new Date(Math.min(...firsts)) : null,
      last: lasts.length ? new Date(Math.max(...lasts)) : null,
    };
    const ni = {
      ...this.#noticeIncident(inc, detail.actions),
      title: inc.title,
      source: inc.source.type,
      severity: inc.severity,
    };
    const acts = detail.actions.map((a) => ({ kind: a.kind, status: a.status, at: a.at }));
    const notes = {
      generated: detail.notifications.generated,
      delivered: detail.notifications.patientsNotified,
    };
    const zh = regulatorReport('zh', settings, ni, rs, acts, notes);
    const en = regulatorReport('en', settings, ni, rs, acts, notes);
    const pdf = opts.pdf
      ? await renderTextPdf(`Incident report ${id}`, [
          { heading: '个人信息安全事件报告', text: zh },
          { heading: 'Personal information security incident report', text: en },
        ])
      : undefined;
    const digest = sha256(pdf ?? `${zh}\n${en}`);
    const seq = await this.#record(tenant, actor, 'incident.report', {
      incident: id,
      sha256: digest,
    });
    await this.#db
      .insertInto('incident_notification')
      .values({
        tenant_id: tenant,
        incident_id: id,
        id: randomUUID(),
        recipient_type: 'regulator',
        recipient_id: 'regulator',
        channel: NoticeChannel.Report,
        language: 'zh',
        sha256: digest,
        generated_at: this.#deps.now(),
        generated_by: actor.id,
        notified_at: null,
        notified_by: null,
      })
      .execute();
    await this.#event(tenant, id, actor, 'report-generated', { sha256: digest }, seq);
    return { zh, en, ...(pdf ? { pdf } : {}), sha256: digest };
  }

  /** Records that a patient or the regulator was notified (who, how, when). */
  async recordNotified(
    tenant: string,
    actor: IncidentActor,
    id: string,
    input: {
      recipientType: 'patient' | 'regulator';
      recipientId?: string;
      channel: NoticeChannel;
      at?: Date | string;
    },
  ): Promise<NotificationRecord> {
    await this.#requireOpen(tenant, id);
    if (!CHANNELS.has(input.channel))
      throw invalid(
        IncidentReason.BadText,
        'channel',
        `channel must be one of ${[...CHANNELS].join(', ')}`,
      );
    if (input.recipientType !== 'patient' && input.recipientType !== 'regulator')
      throw invalid(
        IncidentReason.BadText,
        'recipientType',
        'recipient must be patient or regulator',
      );
    const recipientId =
      input.recipientType === 'regulator' ? 'regulator' : checkId(input.recipientId, 'recipientId');
    if (input.recipientType === 'patient') {
      const scope = await this.getScope(tenant, id);
      if (!scope.patients.some((p) => p.patientId === recipientId))
        throw notFound(IncidentReason.UnknownPatient, 'the patient is not in the incident’s scope');
    }
    const at = input.at !== undefined ? checkWindow(new Date(0), input.at).to : this.#deps.now();
    const seq = await this.#record(tenant, actor, 'incident.notified', {
      incident: id,
      recipient: input.recipientType,
      channel: input.channel,
      ...(input.recipientType === 'patient' ? { patient: recipientId } : {}),
    });
    const existing = await this.#db
      .selectFrom('incident_notification')
      .select('id')
      .where('tenant_id', '=', tenant)
      .where('incident_id', '=', id)
      .where('recipient_id', '=', recipientId)
      .where('channel', '=', input.channel)
      .where('notified_at', 'is', null)
      .orderBy('generated_at')
      .limit(1)
      .executeTakeFirst();
    let nid = existing?.id;
    if (nid) {
      await this.#db
        .updateTable('incident_notification')
        .set({ notified_at: at, notified_by: actor.id })
        .where('tenant_id', '=', tenant)
        .where('incident_id', '=', id)
        .where('id', '=', nid)
        .execute();
    } else {
      nid = randomUUID();
      await this.#db
        .insertInto('incident_notification')
        .values({
          tenant_id: tenant,
          incident_id: id,
          id: nid,
          recipient_type: input.recipientType,
          recipient_id: recipientId,
          channel: input.channel,
          language: 'zh',
          sha256: '',
          generated_at: at,
          generated_by: actor.id,
          notified_at: at,
          notified_by: actor.id,
        })
        .execute();
    }
    await this.#event(
      tenant,
      id,
      actor,
      'notified',
      { recipient: input.recipientType, recipientId, channel: input.channel, at: at.toISOString() },
      seq,
    );
    if (input.recipientType === 'regulator')
      await this.#db
        .updateTable('incident')
        .set({ status: IncidentStatus.Notified })
        .where('tenant_id', '=', tenant)
        .where('id', '=', id)
        .where('status', 'in', [IncidentStatus.Open, IncidentStatus.Contained])
        .execute();
    return (await this.listNotifications(tenant, id)).find((n) => n.id === nid)!;
  }

  /** Every notification record of an incident: what was generated and who was notified when. */
  async listNotifications(tenant: string, id: string): Promise<NotificationRecord[]> {
    const rows = await this.#db
      .selectFrom('incident_notification')
      .selectAll()
      .where('tenant_id', '=', tenant)
      .where('incident_id', '=', id)
      .orderBy('generated_at')
      .orderBy('recipient_id')
      .orderBy('channel')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      recipientType: r.recipient_type as 'patient' | 'regulator',
      recipientId: r.recipient_id,
      channel: r.channel as NoticeChannel,
      language: r.language as NoticeLanguage,
      sha256: r.sha256,
      generatedAt: toDate(r.generated_at),
      generatedBy: r.generated_by,
      notifiedAt: r.notified_at ? toDate(r.notified_at) : null,
      notifiedBy: r.notified_by,
    }));
  }

  async #noticeInputs(
    tenant: string,
    id: string,
    opts: { patientIds?: readonly string[]; languages?: readonly NoticeLanguage[] },
  ) {
    const detail = await this.getIncident(tenant, id);
    if (detail.incident.status === IncidentStatus.Closed)
      throw new CustosError(ErrorCode.Conflict, 'the incident is closed', {
        reason: IncidentReason.Closed,
      });
    const scope = await this.getScope(tenant, id);
    let patients = scope.patients;
    if (opts.patientIds) {
      const want = new Set(opts.patientIds.map((p) => checkId(p, 'patientIds')));
      patients = patients.filter((p) => want.has(p.patientId));
      if (patients.length !== want.size)
        throw notFound(IncidentReason.UnknownPatient, 'a patient is not in the incident’s scope');
    }
    const langs = [...new Set(opts.languages ?? (['zh', 'en'] as const))];
    if (langs.some((l) => l !== 'zh' && l !== 'en'))
      throw invalid(IncidentReason.BadText, 'languages', 'languages are zh and en');
    return {
      incident: this.#noticeIncident(detail.incident, detail.actions),
      patients,
      settings: await this.getNoticeSettings(tenant),
      langs,
    };
  }

  #noticeIncident(inc: Incident, actions: readonly ContainmentAction[]): NoticeIncident {
    return {
      id: inc.id,
      cause: inc.cause,
      harm: inc.harm,
      remedies: inc.remedies,
      openedAt: inc.openedAt,
      actionsDone: actions.filter((a) => a.status === ActionStatus.Done).map((a) => a.kind),
    };
  }

  async #patientName(
    tenant: string,
    patientId: string,
  ): Promise<{ name: string | null; gender: string | null }> {
    try {
      const r = await readResource(this.#deps.vault, tenant, 'Patient', patientId, {
        sections: ['identity', 'demographics'],
      });
      const res = r.resource as {
        name?: { text?: string; family?: string; given?: string[] }[];
        gender?: string;
      };
      const n = res.name?.[0];
      const name = n?.text ?? ([n?.family, ...(n?.given ?? [])].filter(Boolean).join('') || null);
      return { name, gender: res.gender ?? null };
    } catch (e) {
      // A shredded or unknown record gets a generic greeting; the notice still goes out.
      if (isCustosError(e)) return { name: null, gender: null };
      throw e;
    }
  }

  // ---- helpers --------------------------------------------------------------------------------

  async #requireStaff(tenant: string, staffId: string): Promise<Staff> {
    const s = await this.#deps.identity.getStaff(tenant, staffId);
    if (!s) throw notFound(IncidentReason.UnknownStaff, 'no staff member with this id');
    return s;
  }

  async #actorStaff(tenant: string, actor: IncidentActor): Promise<Staff> {
    return this.#requireStaff(tenant, actor.id);
  }

  async #requireOpen(tenant: string, id: string, allowClosing = false): Promise<Incident> {
    const row = await this.#db
      .selectFrom('incident')
      .selectAll()
      .where('tenant_id', '=', tenant)
      .where('id', '=', checkId(id, 'incident'))
      .executeTakeFirst();
    if (!row) throw notFound(IncidentReason.UnknownIncident, 'incident not found');
    if (row.status === IncidentStatus.Closed && !allowClosing)
      throw new CustosError(ErrorCode.Conflict, 'the incident is closed', {
        reason: IncidentReason.Closed,
      });
    return toIncident(row);
  }

  async #record(
    tenant: string,
    actor: IncidentActor,
    action: string,
    details: Record<string, JsonValue>,
  ): Promise<number> {
    const r = await this.#deps.ledger.appendEntry(tenant, {
      kind: 'admin',
      actor: { type: 'staff', id: actor.id },
      action,
      decision: 'permit',
      networkAddress: actor.address ?? null,
      channel: 'console',
      details,
    });
    return r.seq;
  }

  async #event(
    tenant: string,
    incidentId: string,
    actor: IncidentActor,
    type: string,
    body: Record<string, unknown>,
    ledgerSeq: number | null,
  ): Promise<TimelineEvent> {
    const at = this.#deps.now();
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await sql<{ seq: number }>`
          insert into incident_event (tenant_id, incident_id, seq, at, by_id, type, body, ledger_seq)
          select ${tenant}, ${incidentId}, coalesce(max(seq), 0) + 1, ${at}, ${actor.id}, ${type},
                 ${JSON.stringify(body)}::jsonb, ${ledgerSeq}
          from incident_event where tenant_id = ${tenant} and incident_id = ${incidentId}
          returning seq`.execute(this.#db);
        return { seq: Number(r.rows[0]!.seq), at, by: actor.id, type, body, ledgerSeq };
      } catch (e) {
        // Two writers took the same next number: the primary key refused one; take the next.
        if (attempt >= 3) throw e;
      }
    }
  }
}

function formatStamp(d: Date): string {
  const t = new Date(d.getTime() + 8 * 3_600_000);
  return `${t.getUTCFullYear()}${String(t.getUTCMonth() + 1).padStart(2, '0')}${String(t.getUTCDate()).padStart(2, '0')}`;
}
