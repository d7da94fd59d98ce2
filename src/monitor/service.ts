/**
 * The monitor inside the service: facts from the encrypted vault and the staff directory, the
 * access stream from Custos's own ledger, alerts and cases into the store, and a periodic
 * in-process worker. Everything here is a system process: each run is recorded in the ledger
 * (kind `admin`, action `monitor.run`, actor `system/monitor`) before anything is decrypted.
 *
 * The service depends on the modules below it only through the narrow `MonitorServiceDeps`
 * shape, which the runtime satisfies; it never imports the runtime.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { CustosError, ErrorCode } from '../errors/index.ts';
import type { IdentityService } from '../identity/index.ts';
import { queryEntries, type Ledger, type LedgerEntry, type LedgerTables } from '../ledger/index.ts';
import { readResource, readResources, type StoredResource, type Vault } from '../vault/index.ts';
import {
  applySuppressions,
  listActiveSuppressions,
  openCasesFromCandidates,
  saveAlerts,
  CaseStatus,
  type CaseRecord,
  type MonitorTables,
} from './cases.ts';
import { resolveMonitorConfig, type MonitorConfig } from './config.ts';
import { createMonitor, explainedShare, type ExplainedShare } from './engine.ts';
import { FhirFactBuilder, normalisePhone } from './fhir.ts';
import { ledgerEntryToAccess } from './ledger-adapter.ts';
import { loadShifts, type RosterTables } from './roster.ts';
import {
  StaffStatus,
  type Alert,
  type CaseCandidate,
  type MonitorFacts,
  type StaffFacts,
  type WorkstationFacts,
} from './types.ts';

const DAY = 86_400_000;

/** What the monitor service needs from the composed service (the runtime satisfies it). */
export interface MonitorServiceDeps {
  store: { db: Kysely<any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
  vault: Vault;
  identity: IdentityService;
  ledger: Ledger;
  now: () => Date;
  log?: Logger;
}

/** The actor id under which the monitor's system runs are ledgered and cases are opened. */
export const MONITOR_ACTOR = 'monitor';

/**
 * FHIR resource types read from the vault, with the field classes decrypted for each (minimum
 * necessary: only the care-graph and contact fields the detectors compare; never notes).
 */
export const MONITOR_RESOURCE_SECTIONS: Readonly<Record<string, readonly string[] | undefined>> = {
  Organization: undefined,
  Practitioner: ['admin', 'staff'],
  PractitionerRole: undefined,
  Patient: ['admin', 'identity', 'identifiers', 'contact', 'demographics'],
  Encounter: ['admin'],
  CareTeam: ['admin'],
  Appointment: ['admin'],
  ServiceRequest: ['admin'],
  ImagingStudy: undefined,
};

/** What building the facts read and what it could not use (counted, never fatal). */
export interface MonitorFactsReport {
  /** Resources read per type. */
  resources: Record<string, number>;
  /** Resources that could not be decrypted (shredded, damaged): left out. */
  unreadable: number;
  unknownReferences: number;
  skippedResources: number;
  staff: number;
  /** Staff members whose sealed HR data was opened. */
  staffWithHr: number;
  /** Staff in the directory without a Practitioner in the vault (added from the directory). */
  staffOnlyInDirectory: number;
  workstations: number;
  /** Rostered shifts around the window. */
  shifts: number;
}

/** Facts plus the networks of registered workstations (internal by definition). */
export interface BuiltMonitorFacts {
  facts: MonitorFacts;
  /** CIDRs of registered workstations, added to the monitor's internal networks. */
  networks: string[];
  report: MonitorFactsReport;
}

/** Options of `buildMonitorFacts`. */
export interface BuildFactsOptions {
  /** Resources decrypted per page (default 500). */
  pageSize?: number;
  /** Recorded in the ledger entry of the run. */
  window?: { from: Date; to: Date };
  /** Staff id of the officer who asked for the run (the worker leaves it out). */
  requestedBy?: string;
  /** Set when the caller has already ledgered the run. */
  skipLedger?: boolean;
}

function normaliseText(s: string): string {
  // Same normalisation as the FHIR adapter, so HR and patient keys compare equal.
  return s
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s,.;:#\-_/\\()（）、，。·]+/g, '');
}

/** Pages through one resource type of the vault: ids by clear key, then decrypt the page. */
async function* pageVault(
  vault: Vault,
  tenant: string,
  type: string,
  pageSize: number,
  report: MonitorFactsReport,
): AsyncGenerator<StoredResource[]> {
  const sections = MONITOR_RESOURCE_SECTIONS[type];
  const opts = sections ? { sections } : {};
  let after = '';
  for (;;) {
    const rows = await vault.db
      .selectFrom('vault_resource')
      .select('id')
      .where('tenant_id', '=', tenant)
      .where('resource_type', '=', type)
      .where('id', '>', after)
      .orderBy('id')
      .limit(pageSize)
      .execute();
    if (rows.length === 0) return;
    const refs = rows.map((r) => ({ resourceType: type, id: r.id }));
    let page: StoredResource[];
    try {
      page = await readResources(vault, tenant, refs, opts);
    } catch {
      // One shredded or damaged record must not stop the run: read the page one by one.
      page = [];
      for (const ref of refs) {
        try {
          page.push(await readResource(vault, tenant, ref.resourceType, ref.id, opts));
        } catch {
          report.unreadable++;
        }
      }
    }
    report.resources[type] = (report.resources[type] ?? 0) + page.length;
    yield page;
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1]!.id;
  }
}

/** Maps an ImagingStudy's performers and interpreters to FHIR-adapter-shaped orders. */
function imagingOrders(r: Record<string, unknown>): Record<string, unknown>[] {
  const staff: unknown[] = [];
  for (const s of Array.isArray(r.series) ? r.series : [])
    for (const p of Array.isArray((s as { performer?: unknown[] }).performer)
      ? (s as { performer: unknown[] }).performer
      : [])
      staff.push((p as { actor?: unknown }).actor);
  for (const i of Array.isArray(r.interpreter) ? r.interpreter : []) staff.push(i);
  const when = r.started;
  if (staff.length === 0 || typeof when !== 'string' || typeof r.subject !== 'object') return [];
  // A ServiceRequest per performer: the FHIR adapter turns its requester into a relationship.
  return staff.map((who, i) => ({
    resourceType: 'ServiceRequest',
    id: `${String(r.id)}-img-${i}`,
    subject: r.subject,
    requester: who,
    authoredOn: when,
  }));
}

/**
 * Builds the monitor's facts for one tenant: organisations, practitioners, patients (contacts
 * as keyed hashes only), encounters, care teams, appointments, orders and imaging studies from
 * the vault, a page at a time and only the field classes listed in `MONITOR_RESOURCE_SECTIONS`;
 * staff status, department, role and sealed HR data (address, phone, emergency contacts,
 * national ID) from the staff directory; registered workstations. The hash key lives only for
 * this call. Records one ledger entry (admin `monitor.run`, actor system) before decrypting.
 */
export async function buildMonitorFacts(
  deps: MonitorServiceDeps,
  tenant: string,
  options: BuildFactsOptions = {},
): Promise<BuiltMonitorFacts> {
  const pageSize = options.pageSize ?? 500;
  if (!Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > 5000)
    throw new CustosError(ErrorCode.InputInvalid, 'pageSize must be 1..5000', {
      field: 'pageSize',
    });
  if (!options.skipLedger) await ledgerRun(deps, tenant, options);
  const now = deps.now().getTime();
  const builder = new FhirFactBuilder({ hashKey: randomBytes(32), now });
  const report: MonitorFactsReport = {
    resources: {},
    unreadable: 0,
    unknownReferences: 0,
    skippedResources: 0,
    staff: 0,
    staffWithHr: 0,
    staffOnlyInDirectory: 0,
    workstations: 0,
    shifts: 0,
  };
  for (const type of Object.keys(MONITOR_RESOURCE_SECTIONS)) {
    for await (const page of pageVault(deps.vault, tenant, type, pageSize, report)) {
      for (const { resource } of page) {
        if (type === 'ImagingStudy')
          for (const o of imagingOrders(resource as Record<string, unknown>)) builder.add(o);
        else builder.add(resource);
      }
    }
  }
  const facts = builder.build();
  report.unknownReferences = builder.report.unknownReferences;
  report.skippedResources = builder.report.skippedResources;

  // The staff directory is the source of truth for status, department, role and HR data.
  const fromVault = new Map(facts.staff.map((s) => [s.id, s]));
  const staff: StaffFacts[] = [];
  let after: string | undefined;
  for (;;) {
    const list = await deps.identity.listStaff(tenant, {
      limit: 500,
      ...(after ? { after } : {}),
    });
    for (const s of list) {
      const base = fromVault.get(s.id);
      if (!base) report.staffOnlyInDirectory++;
      const f: StaffFacts = {
        ...(base ?? {}),
        id: s.id,
        role: s.roles[0] ?? base?.role ?? 'staff',
        department: s.departmentId ?? base?.department ?? '(none)',
        status:
          s.status === 'departed'
            ? StaffStatus.Departed
            : s.status === 'suspended'
              ? StaffStatus.Suspended
              : StaffStatus.Active,
      };
      if (f.status !== StaffStatus.Active) f.statusSince = s.statusChangedAt.getTime();
      else delete f.statusSince;
      let hr = null;
      try {
        hr = await deps.identity.getStaffHr(tenant, s.id);
      } catch {
        hr = null; // a damaged seal costs this person's HR keys, not the run
      }
      if (hr) {
        report.staffWithHr++;
        if (hr.homeAddress) f.addressKey = builder.hash('address', normaliseText(hr.homeAddress));
        if (hr.phone) f.phoneKey = builder.hash('phone', normalisePhone(hr.phone));
        const contacts = (hr.emergencyContacts ?? [])
          .map((c) => c.phone)
          .filter((p): p is string => !!p)
          .map((p) => builder.hash('phone', normalisePhone(p)));
        if (contacts.length > 0) f.emergencyContactKeys = contacts;
        if (hr.nationalId)
          f.nationalIdKey = builder.hash(
            'national-id',
            hr.nationalId.toUpperCase().replace(/\s+/g, ''),
          );
      }
      fromVault.delete(s.id);
      staff.push(f);
    }
    if (list.length < 500) break;
    after = list[list.length - 1]!.id;
  }
  // Practitioners that the directory does not know stay (imported staff of other systems).
  staff.push(...fromVault.values());
  report.staff = staff.length;

  const workstations: WorkstationFacts[] = [];
  const networks: string[] = [];
  for (const w of await deps.identity.listWorkstations(tenant)) {
    workstations.push({ id: w.id, ...(w.departmentId ? { department: w.departmentId } : {}) });
    if (w.network && /^[\d.:a-fA-F]+\/\d{1,3}$/.test(w.network)) networks.push(w.network);
  }
  report.workstations = workstations.length;

  // Rostered shifts around the window (a shift that began the day before still covers it).
  const DAY = 86_400_000;
  const shifts = await loadShifts(
    deps.store.db as Kysely<RosterTables>,
    tenant,
    new Date((options.window?.from.getTime() ?? 0) - DAY),
    new Date((options.window?.to.getTime() ?? now) + DAY),
  );
  report.shifts = shifts.length;
  return {
    facts: {
      ...facts,
      staff,
      workstations,
      care: { ...facts.care, shifts: [...(facts.care.shifts ?? []), ...shifts] },
    },
    networks: [...new Set(networks)],
    report,
  };
}

async function ledgerRun(
  deps: MonitorServiceDeps,
  tenant: string,
  options: Pick<BuildFactsOptions, 'window' | 'requestedBy'>,
): Promise<void> {
  await deps.ledger.appendEntry(tenant, {
    kind: 'admin',
    actor: { type: 'system', id: MONITOR_ACTOR },
    action: 'monitor.run',
    purpose: 'operations',
    decision: 'permit',
    reasons: ['privacy-monitoring'],
    channel: 'system',
    details: {
      resourceTypes: Object.keys(MONITOR_RESOURCE_SECTIONS),
      ...(options.window
        ? { from: options.window.from.toISOString(), to: options.window.to.toISOString() }
        : {}),
      ...(options.requestedBy ? { requestedBy: options.requestedBy } : {}),
    },
  });
}

/**
 * Ledger entries with `occurredAt` in [from, to), oldest first, read in time slices through
 * `queryEntries` (time index), so memory holds at most one slice. Slices adapt to the traffic:
 * a quiet slice doubles the next one (up to a day), a busy one (over 20,000 entries) halves it.
 */
export async function* streamLedgerWindow(
  db: Kysely<LedgerTables>,
  tenant: string,
  from: Date,
  to: Date,
  sliceMs = 15 * 60_000,
): AsyncGenerator<LedgerEntry> {
  let step = Math.max(60_000, sliceMs);
  for (let s = from.getTime(); s < to.getTime();) {
    const e = Math.min(s + step, to.getTime());
    const slice: LedgerEntry[] = [];
    let cursor: string | null = null;
    do {
      const page = await queryEntries(db, {
        tenant,
        from: new Date(s),
        to: new Date(e),
        limit: 1000,
        ...(cursor ? { cursor } : {}),
      });
      slice.push(...page.entries);
      cursor = page.nextCursor;
    } while (cursor);
    for (let i = slice.length - 1; i >= 0; i--) yield slice[i]!;
    s = e;
    if (slice.length < 2000) step = Math.min(step * 2, DAY);
    else if (slice.length > 20_000) step = Math.max(60_000, Math.floor(step / 2));
  }
}

/** An explained share with its fraction. */
export interface ShareFigure extends ExplainedShare {
  share: number;
}

/** The figures of one monitor run over the ledger. */
export interface MonitorRunStats {
  runId: string;
  tenant: string;
  from: string;
  to: string;
  /** Ledger entries read in the window. */
  events: number;
  /** Of those, accesses to patient data by staff or clients (the monitor's input). */
  accesses: number;
  /** Staff accesses to one patient's record and how many a relationship explained. */
  explained: ShareFigure;
  byDepartment: Record<string, ShareFigure>;
  byRole: Record<string, ShareFigure>;
  byReason: Record<string, number>;
  /** Alerts raised (after suppression rules). */
  alerts: number;
  suppressed: number;
  /** Alerts not stored before (re-scans store nothing twice). */
  newAlerts: number;
  /** Cases opened by this run. */
  cases: number;
  caseIds: string[];
  /** Alerts linked to a case already open about the same person. */
  linkedToOpenCases: number;
  invalidEvents: number;
  unknownActors: number;
  unknownPatients: number;
  lateEvents: number;
  detectorErrors: Record<string, { count: number; message: string }>;
  facts: MonitorFactsReport;
  seconds: number;
}

/** Options of a run over the ledger. */
export interface MonitorRunOptions {
  tenant: string;
  from: Date;
  to: Date;
  /** Threshold overrides (merged onto the defaults). */
  config?: Partial<MonitorConfig>;
  /** Staff id of the officer who asked (recorded in the ledger and as the case opener). */
  requestedBy?: string;
  /** Ledger slice length (default 15 minutes). */
  sliceMs?: number;
  /** Vault page size (default 500). */
  pageSize?: number;
}

/** Longest window one run may cover. */
export const MAX_RUN_WINDOW_MS = 366 * DAY;

function checkWindow(from: Date, to: Date): void {
  if (!(from instanceof Date) || !Number.isFinite(from.getTime()))
    throw new CustosError(ErrorCode.InputInvalid, 'from must be a date and time', {
      field: 'from',
    });
  if (!(to instanceof Date) || !Number.isFinite(to.getTime()))
    throw new CustosError(ErrorCode.InputInvalid, 'to must be a date and time', { field: 'to' });
  if (to.getTime() <= from.getTime())
    throw new CustosError(ErrorCode.InputInvalid, 'to must be after from', { field: 'to' });
  if (to.getTime() - from.getTime() > MAX_RUN_WINDOW_MS)
    throw new CustosError(ErrorCode.InputInvalid, 'a run covers at most 366 days', {
      field: 'to',
    });
}

const figure = (s: ExplainedShare): ShareFigure => ({
  total: s.total,
  explained: s.explained,
  share: explainedShare(s),
});

const chains = new WeakMap<object, Promise<unknown>>();

/** Runs `fn` after every earlier run on the same service (runs never race on the same alerts). */
function serialise<T>(deps: object, fn: () => Promise<T>): Promise<T> {
  const prev = chains.get(deps) ?? Promise.resolve();
  const next = prev.then(fn, fn);
  chains.set(
    deps,
    next.catch(() => undefined),
  );
  return next;
}

/**
 * Links alerts of candidates about someone who already has an unresolved case overlapping the
 * candidate (± the case gap) to that case instead of opening a second one; returns the
 * candidates that still need a case and how many alerts were linked.
 */
async function linkToOpenCases(
  db: Kysely<MonitorTables>,
  tenant: string,
  candidates: readonly CaseCandidate[],
  gapMs: number,
): Promise<{ rest: CaseCandidate[]; linked: number }> {
  const rest: CaseCandidate[] = [];
  let linked = 0;
  for (const c of candidates) {
    const open = await db
      .selectFrom('monitor_case')
      .select('id')
      .where('tenant_id', '=', tenant)
      .where('actor_id', '=', c.actorId)
      .where('status', '!=', CaseStatus.Resolved)
      .where('end_at', '>=', new Date(c.start - gapMs))
      .where('start_at', '<=', new Date(c.end + gapMs))
      .orderBy('opened_at')
      .limit(1)
      .executeTakeFirst();
    if (!open) {
      rest.push(c);
      continue;
    }
    const res = await db
      .updateTable('monitor_alert')
      .set({ status: 'in-case', case_id: open.id })
      .where('tenant_id', '=', tenant)
      .where(
        'id',
        'in',
        c.alerts.map((a) => a.id),
      )
      .where('case_id', 'is', null)
      .executeTakeFirst();
    linked += Number(res.numUpdatedRows ?? 0);
  }
  return { rest, linked };
}

/**
 * Runs the monitor over the ledger entries of [from, to): builds the facts (one ledger entry
 * for the run), streams the window oldest first through `ledgerEntryToAccess` and every
 * detector, drops alerts that suppression rules cover, stores the alerts, opens cases (or links
 * alerts to a case already open about the same person) and records the run's figures in the
 * monitor's audit trail. Runs on one service are serialised. Bad entries are counted.
 */
export async function runMonitorOnLedger(
  deps: MonitorServiceDeps,
  options: MonitorRunOptions,
): Promise<MonitorRunStats> {
  checkWindow(options.from, options.to);
  if (typeof options.tenant !== 'string' || options.tenant.length === 0)
    throw new CustosError(ErrorCode.InputInvalid, 'tenant is required', { field: 'tenant' });
  const config0 = resolveMonitorConfig(options.config ?? {});
  return serialise(deps, async () => {
    const started = performance.now();
    const { tenant, from, to } = options;
    const built = await buildMonitorFacts(deps, tenant, {
      window: { from, to },
      ...(options.requestedBy ? { requestedBy: options.requestedBy } : {}),
      ...(options.pageSize ? { pageSize: options.pageSize } : {}),
    });
    const config: MonitorConfig = {
      ...config0,
      internalNetworks: [...new Set([...config0.internalNetworks, ...built.networks])],
    };
    const monitor = createMonitor({ facts: built.facts, config });
    let events = 0;
    let accesses = 0;
    for await (const entry of streamLedgerWindow(
      deps.store.db as Kysely<LedgerTables>,
      tenant,
      from,
      to,
      options.sliceMs,
    )) {
      events++;
      const access = ledgerEntryToAccess(entry);
      if (!access) continue;
      accesses++;
      monitor.observe(access);
    }
    const result = monitor.finish();
    const db = deps.store.db as Kysely<MonitorTables>;
    const now = deps.now();
    const rules = await listActiveSuppressions(db, tenant, now);
    const alerts = applySuppressions(result.alerts, rules, now);
    const kept = new Set(alerts.map((a) => a.id));
    const candidates: CaseCandidate[] = [];
    for (const c of result.cases) {
      const left: Alert[] = c.alerts.filter((a) => kept.has(a.id));
      if (left.length > 0) candidates.push({ ...c, alerts: left });
    }
    const newAlerts = await saveAlerts(db, tenant, alerts);
    const { rest, linked } = await linkToOpenCases(db, tenant, candidates, config.caseGapMs);
    const opened: CaseRecord[] = await openCasesFromCandidates(
      db,
      tenant,
      rest,
      options.requestedBy ?? MONITOR_ACTOR,
      now,
    );
    const s = result.stats;
    const stats: MonitorRunStats = {
      runId: `run_${randomUUID()}`,
      tenant,
      from: from.toISOString(),
      to: to.toISOString(),
      events,
      accesses,
      explained: figure({ total: s.patientAccesses, explained: s.explained }),
      byDepartment: Object.fromEntries(
        Object.entries(s.byDepartment).map(([k, v]) => [k, figure(v)]),
      ),
      byRole: Object.fromEntries(Object.entries(s.byRole).map(([k, v]) => [k, figure(v)])),
      byReason: { ...s.byReason },
      alerts: alerts.length,
      suppressed: result.alerts.length - alerts.length,
      newAlerts,
      cases: opened.length,
      caseIds: opened.map((c) => c.id),
      linkedToOpenCases: linked,
      invalidEvents: s.invalidEvents,
      unknownActors: s.unknownActors,
      unknownPatients: s.unknownPatients,
      lateEvents: s.lateEvents,
      detectorErrors: s.detectorErrors,
      facts: built.report,
      seconds: (performance.now() - started) / 1000,
    };
    await db
      .insertInto('monitor_audit')
      .values({
        tenant_id: tenant,
        id: stats.runId,
        at: now,
        by: options.requestedBy ?? MONITOR_ACTOR,
        action: 'monitor.run',
        subject: JSON.stringify(stats),
      })
      .execute();
    deps.log?.info(
      {
        tenant,
        events,
        accesses,
        alerts: stats.alerts,
        cases: stats.cases,
        explained: stats.explained.share,
      },
      'monitor run finished',
    );
    return stats;
  });
}

/** The recorded runs whose window ends after `since`, newest first (figures only, no personal data). */
export async function listMonitorRuns(
  deps: Pick<MonitorServiceDeps, 'store'>,
  tenant: string,
  since: Date,
  limit = 500,
): Promise<MonitorRunStats[]> {
  const rows = await (deps.store.db as Kysely<MonitorTables>)
    .selectFrom('monitor_audit')
    .select(['subject'])
    .where('tenant_id', '=', tenant)
    .where('action', '=', 'monitor.run')
    .where('at', '>=', since)
    .orderBy('at', 'desc')
    .limit(Math.max(1, Math.min(limit, 5000)))
    .execute();
  const out: MonitorRunStats[] = [];
  for (const r of rows) {
    try {
      const s = (
        typeof r.subject === 'string' ? JSON.parse(r.subject) : r.subject
      ) as MonitorRunStats;
      if (Date.parse(s.to) > since.getTime()) out.push(s);
    } catch {
      // A row that is not a run record is skipped.
    }
  }
  return out;
}

/** A periodic in-process monitor following the ledger. */
export interface MonitorWorker {
  /** Runs once now (waits for a run in progress first); undefined when stopped. */
  runNow(): Promise<MonitorRunStats | undefined>;
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
  /** Figures of the last finished run. */
  readonly lastRun: MonitorRunStats | undefined;
}

/** Options of the worker. */
export interface MonitorWorkerOptions {
  tenant: string;
  /** Time between runs (at least 10 s). */
  intervalMs: number;
  /**
   * How far back each run looks (default 24 h): detectors need context (baselines, rolling
   * harvesting windows), and alerts are stored idempotently, so each run re-reads the window.
   */
  lookbackMs?: number;
  config?: Partial<MonitorConfig>;
}

/**
 * Starts the periodic monitor: every `intervalMs` it runs over the last `lookbackMs` of the
 * ledger. A failed run is logged by code and the next one goes on. The timer does not keep the
 * process alive. Not started in tests unless a test asks for it.
 */
export function startMonitorWorker(
  deps: MonitorServiceDeps,
  options: MonitorWorkerOptions,
): MonitorWorker {
  if (!Number.isFinite(options.intervalMs) || options.intervalMs < 10_000)
    throw new CustosError(ErrorCode.ConfigInvalid, 'monitor interval must be at least 10 s', {
      setting: 'intervalMs',
    });
  const lookback = options.lookbackMs ?? DAY;
  if (!Number.isFinite(lookback) || lookback < 60_000 || lookback > MAX_RUN_WINDOW_MS)
    throw new CustosError(ErrorCode.ConfigInvalid, 'monitor look-back is out of range', {
      setting: 'lookbackMs',
    });
  let stopped = false;
  let running: Promise<MonitorRunStats | undefined> | undefined;
  let last: MonitorRunStats | undefined;
  const once = async (): Promise<MonitorRunStats | undefined> => {
    if (stopped) return undefined;
    const to = deps.now();
    try {
      last = await runMonitorOnLedger(deps, {
        tenant: options.tenant,
        from: new Date(to.getTime() - lookback),
        to,
        ...(options.config ? { config: options.config } : {}),
      });
      return last;
    } catch (e) {
      deps.log?.error(
        { code: (e as { code?: string }).code ?? 'CUSTOS_INTERNAL' },
        'monitor run failed',
      );
      return undefined;
    }
  };
  const tick = (): Promise<MonitorRunStats | undefined> => {
    running = (running ?? Promise.resolve(undefined)).then(once, once);
    return running;
  };
  const timer = setInterval(() => void tick(), options.intervalMs);
  timer.unref();
  return {
    runNow: tick,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
    get lastRun() {
      return last;
    },
  };
}

/** Counts per key. */
export type Counts = Record<string, number>;

/** What the privacy officer's dashboard shows over the last N days. */
export interface MonitorDashboard {
  days: number;
  since: string;
  alerts: {
    total: number;
    byDetector: Counts;
    byKind: Counts;
    byDepartment: Counts;
    /** Local date (YYYY-MM-DD) of the alert's start → alerts. */
    byDay: Counts;
  };
  cases: Counts;
  /** Summed over the recorded runs of the period, counting each stretch of time once. */
  explained: {
    runs: number;
    overall: ShareFigure;
    byDepartment: Record<string, ShareFigure>;
    byRole: Record<string, ShareFigure>;
  };
  /** Users with the most alerts (ids, department and role; no names). */
  topUsers: {
    actorId: string;
    actorKind: string;
    department: string | null;
    role: string | null;
    alerts: number;
    maxScore: number;
  }[];
}

/** Most alert rows one dashboard reads. */
const DASHBOARD_ALERT_CAP = 20_000;

/**
 * The dashboard figures: alerts by detector, kind, department and day; cases by status; the
 * explained share overall, per department and per role from the recorded runs (overlapping
 * runs are not double counted: the newest run wins its stretch); the users with most alerts.
 */
export async function getMonitorDashboard(
  deps: Pick<MonitorServiceDeps, 'store' | 'identity' | 'now'>,
  tenant: string,
  options: { days?: number; utcOffsetMinutes?: number; top?: number } = {},
): Promise<MonitorDashboard> {
  const days = options.days ?? 7;
  if (!Number.isSafeInteger(days) || days < 1 || days > 366)
    throw new CustosError(ErrorCode.BadRequest, 'days must be 1..366', { field: 'days' });
  const offset = options.utcOffsetMinutes ?? 480;
  const since = new Date(deps.now().getTime() - days * DAY);
  const db = deps.store.db as Kysely<MonitorTables>;
  const rows = await db
    .selectFrom('monitor_alert')
    .select(['actor_id', 'actor_kind', 'kind', 'detectors', 'score', 'start_at'])
    .where('tenant_id', '=', tenant)
    .where('start_at', '>=', since)
    .orderBy('start_at', 'desc')
    .limit(DASHBOARD_ALERT_CAP)
    .execute();
  const staffInfo = new Map<string, { department: string | null; role: string | null }>();
  const infoOf = async (id: string, kind: string) => {
    if (kind !== 'staff') return { department: null, role: null };
    let i = staffInfo.get(id);
    if (!i) {
      const s = await deps.identity.getStaff(tenant, id).catch(() => null);
      i = { department: s?.departmentId ?? null, role: s?.roles[0] ?? null };
      staffInfo.set(id, i);
    }
    return i;
  };
  const inc = (c: Counts, k: string) => void (c[k] = (c[k] ?? 0) + 1);
  const alerts = {
    total: rows.length,
    byDetector: {} as Counts,
    byKind: {} as Counts,
    byDepartment: {} as Counts,
    byDay: {} as Counts,
  };
  const users = new Map<string, MonitorDashboard['topUsers'][number]>();
  for (const r of rows) {
    const detectors = (
      typeof r.detectors === 'string' ? JSON.parse(r.detectors) : r.detectors
    ) as string[];
    for (const d of detectors) inc(alerts.byDetector, d);
    inc(alerts.byKind, r.kind);
    const info = await infoOf(r.actor_id, r.actor_kind);
    inc(
      alerts.byDepartment,
      r.actor_kind === 'client' ? '(third party)' : (info.department ?? '(unknown)'),
    );
    const start = new Date(r.start_at).getTime();
    inc(alerts.byDay, new Date(start + offset * 60_000).toISOString().slice(0, 10));
    const u = users.get(r.actor_id) ?? {
      actorId: r.actor_id,
      actorKind: r.actor_kind,
      department: info.department,
      role: info.role,
      alerts: 0,
      maxScore: 0,
    };
    u.alerts++;
    u.maxScore = Math.max(u.maxScore, Number(r.score));
    users.set(r.actor_id, u);
  }
  const topUsers = [...users.values()]
    .sort(
      (a, b) => b.alerts - a.alerts || b.maxScore - a.maxScore || (a.actorId < b.actorId ? -1 : 1),
    )
    .slice(0, options.top ?? 10);

  const caseRows = await db
    .selectFrom('monitor_case')
    .select(['status'])
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('tenant_id', '=', tenant)
    .groupBy('status')
    .execute();
  const cases: Counts = {};
  for (const r of caseRows) cases[r.status] = Number(r.n);

  // Explained share: newest runs first; a run counts only when its window overlaps none taken.
  const runs = await listMonitorRuns(deps, tenant, since);
  const taken: [number, number][] = [];
  const overall = { total: 0, explained: 0 };
  const byDepartment: Record<string, ExplainedShare> = {};
  const byRole: Record<string, ExplainedShare> = {};
  const add = (m: Record<string, ExplainedShare>, k: string, s: ExplainedShare) => {
    const t = (m[k] ??= { total: 0, explained: 0 });
    t.total += s.total;
    t.explained += s.explained;
  };
  for (const run of runs) {
    const f = Date.parse(run.from);
    const t = Date.parse(run.to);
    if (taken.some(([a, b]) => f < b && a < t)) continue;
    taken.push([f, t]);
    overall.total += run.explained.total;
    overall.explained += run.explained.explained;
    for (const [k, v] of Object.entries(run.byDepartment)) add(byDepartment, k, v);
    for (const [k, v] of Object.entries(run.byRole)) add(byRole, k, v);
  }
  const figures = (m: Record<string, ExplainedShare>) =>
    Object.fromEntries(Object.entries(m).map(([k, v]) => [k, figure(v)]));
  return {
    days,
    since: since.toISOString(),
    alerts,
    cases,
    explained: {
      runs: taken.length,
      overall: figure(overall),
      byDepartment: figures(byDepartment),
      byRole: figures(byRole),
    },
    topUsers,
  };
}
