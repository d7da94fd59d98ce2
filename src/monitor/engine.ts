import { groupCases, rankAlerts } from './alerts.ts';
import { localDay, resolveMonitorConfig, type MonitorConfig } from './config.ts';
import type { Detector, DetectorInput, Emit } from './detectors/index.ts';
import { createDetectors } from './registry.ts';
import { explainAccess } from './explain.ts';
import { indexFacts, type FactIndex, type FactProblems } from './facts.ts';
import { formatDate } from './messages.ts';
import {
  AccessAction,
  ActorKind,
  type AccessEvent,
  type Alert,
  type CaseCandidate,
  type Explanation,
  type Finding,
  type MonitorFacts,
  type PatientFacts,
  type StaffFacts,
} from './types.ts';

/** Accesses and how many of them a relationship explained. */
export interface ExplainedShare {
  total: number;
  explained: number;
}

/** Running figures of a monitor run; bad input is counted here, never thrown. */
export interface MonitorStats {
  events: number;
  /** Staff accesses to one patient's record: the denominator of the explained share. */
  patientAccesses: number;
  explained: number;
  byDepartment: Record<string, ExplainedShare>;
  byRole: Record<string, ExplainedShare>;
  byReason: Record<string, number>;
  invalidEvents: number;
  unknownActors: number;
  unknownPatients: number;
  /** Events that arrived after their day had been closed (clock skew, late delivery). */
  lateEvents: number;
  /** Detectors that threw, by name: how often and the first message. */
  detectorErrors: Record<string, { count: number; message: string }>;
  firstTime?: number;
  lastTime?: number;
  facts: FactProblems;
}

/** The outcome of a run: every finding, ranked alerts, case candidates and the figures. */
export interface MonitorResult {
  findings: Finding[];
  alerts: Alert[];
  cases: CaseCandidate[];
  stats: MonitorStats;
  /** Alerts per local date (YYYY-MM-DD) by their start. */
  alertsPerDay: Record<string, number>;
}

/** Options of a monitor run. */
export interface MonitorOptions {
  /** Plain facts (indexed here) or an index built once and shared by several runs. */
  facts: MonitorFacts | FactIndex;
  config?: MonitorConfig;
  /** Detector names to run (default all) or ready-made detectors (tests, plug-ins). */
  detectors?: readonly string[] | readonly Detector[];
  /** Called for every finding as soon as it is emitted (streaming consumers). */
  onFinding?: (finding: Finding) => void;
}

/** A running monitor over an event stream. */
export interface Monitor {
  /** Explains one access and runs every detector on it; returns the explanation (undefined if invalid). */
  observe(event: AccessEvent): Explanation | undefined;
  /** Closes every open day and returns ranked alerts and case candidates. */
  finish(): MonitorResult;
  readonly stats: MonitorStats;
  readonly index: FactIndex;
  readonly config: MonitorConfig;
}

const actions = new Set<string>(Object.values(AccessAction));
const actorKinds = new Set<string>(Object.values(ActorKind));

/** True when the event has the shape the detectors rely on. */
export function isValidEvent(e: AccessEvent): boolean {
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.id === 'string' &&
    typeof e.time === 'number' &&
    Number.isFinite(e.time) &&
    typeof e.actorId === 'string' &&
    e.actorId.length > 0 &&
    actorKinds.has(e.actorKind) &&
    actions.has(e.action) &&
    (e.patientId === undefined || (typeof e.patientId === 'string' && e.patientId.length > 0)) &&
    (e.patientIds === undefined || Array.isArray(e.patientIds))
  );
}

function isIndex(f: MonitorFacts | FactIndex): f is FactIndex {
  return (f as FactIndex).staffRelations instanceof Map;
}

/**
 * Starts a monitor: explanation plus detectors, incremental over a stream of accesses in time
 * order (late events within `latenessMs` are fine). Pure: no I/O; persist alerts separately.
 * A detector that throws is reported by name in the stats and the run goes on.
 */
export function createMonitor(options: MonitorOptions): Monitor {
  const config = options.config ?? resolveMonitorConfig();
  const index = isIndex(options.facts) ? options.facts : indexFacts(options.facts, config);
  const detectors: Detector[] =
    options.detectors && options.detectors.length > 0 && typeof options.detectors[0] !== 'string'
      ? [...(options.detectors as readonly Detector[])]
      : createDetectors(config, options.detectors as readonly string[] | undefined);
  const findings: Finding[] = [];
  const kinds = new Map<string, ActorKind>();
  const stats: MonitorStats = {
    events: 0,
    patientAccesses: 0,
    explained: 0,
    byDepartment: {},
    byRole: {},
    byReason: {},
    invalidEvents: 0,
    unknownActors: 0,
    unknownPatients: 0,
    lateEvents: 0,
    detectorErrors: {},
    facts: index.problems,
  };
  const emit: Emit = (f) => {
    findings.push(f);
    options.onFinding?.(f);
  };
  const failed = (d: Detector, err: unknown): void => {
    const e = (stats.detectorErrors[d.id] ??= {
      count: 0,
      message: err instanceof Error ? err.message : String(err),
    });
    e.count++;
  };
  const input: DetectorInput = {
    event: undefined as unknown as AccessEvent,
    explanation: { explained: false },
    staff: undefined,
    patient: undefined,
    client: undefined,
    day: 0,
    index,
    config,
  };
  const known: { staff: StaffFacts | undefined; patient: PatientFacts | undefined } = {
    staff: undefined,
    patient: undefined,
  };
  const openDays = new Set<number>();
  let closedThrough = -Infinity;
  let maxTime = -Infinity;

  const closeDay = (day: number): void => {
    openDays.delete(day);
    for (const d of detectors) {
      if (!d.closeDay) continue;
      try {
        d.closeDay(day, emit, index);
      } catch (err) {
        failed(d, err);
      }
    }
  };
  const share = (m: Record<string, ExplainedShare>, k: string, ok: boolean): void => {
    const s = (m[k] ??= { total: 0, explained: 0 });
    s.total++;
    if (ok) s.explained++;
  };

  return {
    stats,
    index,
    config,
    observe(event) {
      if (!isValidEvent(event)) {
        stats.invalidEvents++;
        return undefined;
      }
      stats.events++;
      const t = event.time;
      if (stats.firstTime === undefined || t < stats.firstTime) stats.firstTime = t;
      if (stats.lastTime === undefined || t > stats.lastTime) stats.lastTime = t;
      const day = localDay(t, config);
      if (day <= closedThrough) stats.lateEvents++;
      openDays.add(day);
      kinds.set(event.actorId, event.actorKind);
      const staff =
        event.actorKind === ActorKind.Staff ? index.staff.get(event.actorId) : undefined;
      const client =
        event.actorKind === ActorKind.Client ? index.clients.get(event.actorId) : undefined;
      if (event.actorKind === ActorKind.Staff && !staff) stats.unknownActors++;
      const patient =
        event.patientId !== undefined ? index.patients.get(event.patientId) : undefined;
      if (event.patientId !== undefined && !patient) stats.unknownPatients++;
      known.staff = staff;
      known.patient = patient;
      const explanation = explainAccess(event, index, config, known);
      if (event.patientId !== undefined && event.actorKind === ActorKind.Staff) {
        stats.patientAccesses++;
        if (explanation.explained) {
          stats.explained++;
          stats.byReason[explanation.reason!] = (stats.byReason[explanation.reason!] ?? 0) + 1;
        }
        share(stats.byDepartment, staff?.department ?? '(unknown)', explanation.explained);
        share(stats.byRole, staff?.role ?? '(unknown)', explanation.explained);
      }
      // One input object reused for every event: detectors must not keep a reference to it.
      input.event = event;
      input.explanation = explanation;
      input.staff = staff;
      input.patient = patient;
      input.client = client;
      input.day = day;
      for (const d of detectors) {
        try {
          d.observe(input, emit);
        } catch (err) {
          failed(d, err);
        }
      }
      if (t > maxTime) {
        maxTime = t;
        const cutoff = localDay(maxTime - config.latenessMs, config) - 1;
        if (cutoff > closedThrough) {
          for (const d of [...openDays].sort((a, b) => a - b)) if (d <= cutoff) closeDay(d);
          closedThrough = cutoff;
        }
      }
      return explanation;
    },
    finish() {
      for (const d of [...openDays].sort((a, b) => a - b)) closeDay(d);
      const alerts = rankAlerts(findings, config, kinds);
      const cases = groupCases(alerts, config);
      const alertsPerDay: Record<string, number> = {};
      for (const a of alerts) {
        const k = formatDate(a.start, config.utcOffsetMinutes);
        alertsPerDay[k] = (alertsPerDay[k] ?? 0) + 1;
      }
      return { findings, alerts, cases, stats, alertsPerDay };
    },
  };
}

/** Runs a whole batch of events through a new monitor (convenience for tests and imports). */
export function runMonitor(events: Iterable<AccessEvent>, options: MonitorOptions): MonitorResult {
  const m = createMonitor(options);
  for (const e of events) m.observe(e);
  return m.finish();
}

/** The explained share as a fraction 0..1 (1 when there were no accesses). */
export function explainedShare(s: ExplainedShare): number {
  return s.total === 0 ? 1 : s.explained / s.total;
}
