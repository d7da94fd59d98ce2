import { createHash } from 'node:crypto';
import type { MonitorConfig } from './config.ts';
import {
  ActorKind,
  type Alert,
  type CaseCandidate,
  type Evidence,
  type Finding,
  type IncidentKind,
} from './types.ts';

const HOUR = 3_600_000;

/** Combines independent scores: 1 − Π(1 − s), capped below 1. */
export function combineScores(scores: readonly number[]): number {
  let q = 1;
  for (const s of scores) q *= 1 - Math.max(0, Math.min(1, s));
  return Math.min(0.99, 1 - q);
}

interface Draft {
  actorId: string;
  findings: Finding[];
  patients: Set<string>;
  start: number;
  end: number;
}

function overlaps(
  a: { start: number; end: number },
  b: { start: number; end: number },
  slack: number,
): boolean {
  return a.start - slack <= b.end && b.start - slack <= a.end;
}

function sharesPatients(d: Draft, f: Finding): boolean {
  if (f.patientIds.length === 0 || d.patients.size === 0) return true;
  for (const p of f.patientIds) if (d.patients.has(p)) return true;
  return false;
}

function alertId(
  actorId: string,
  kinds: readonly string[],
  start: number,
  patients: readonly string[],
): string {
  const h = createHash('sha256');
  h.update(`${actorId}\u0000${kinds.join(',')}\u0000${Math.floor(start / HOUR)}\u0000`);
  h.update([...patients].sort().slice(0, 64).join(','));
  return `al_${h.digest('hex').slice(0, 20)}`;
}

function toAlert(d: Draft, actorKinds: ReadonlyMap<string, ActorKind>, maxIds: number): Alert {
  const main = [...d.findings].sort(
    (a, b) => b.score - a.score || b.patientIds.length - a.patientIds.length,
  );
  const kinds = [...new Set(main.map((f) => f.kind))];
  const detectors = [...new Set(main.map((f) => f.detector))];
  const evidence: Evidence[] = [];
  const seen = new Set<string>();
  for (const f of main)
    for (const e of f.evidence) {
      // One sentence per evidence code: a re-emitted finding repeats it with larger counts.
      const k = e.code;
      if (!seen.has(k) && evidence.length < 24) {
        seen.add(k);
        evidence.push(e);
      }
    }
  const eventIds = [...new Set(main.flatMap((f) => f.eventIds))].slice(0, maxIds);
  const patientIds = [...d.patients].slice(0, maxIds);
  return {
    id: alertId(d.actorId, kinds, d.start, patientIds),
    actorId: d.actorId,
    actorKind: actorKinds.get(d.actorId) ?? ActorKind.Staff,
    kind: main[0]!.kind,
    kinds,
    patientIds,
    start: d.start,
    end: d.end,
    score: combineScores(main.map((f) => f.score)),
    evidence,
    eventIds,
    detectors,
  };
}

/**
 * Turns findings into ranked alerts. Findings at or above the alert threshold about the same
 * actor, an overlapping window and a shared patient (or no patient list) are merged into one alert
 * (de-duplication per staff, patient set and window). Supporting findings under the threshold
 * join an alert of the same actor in the same window and raise its score; on their own they make
 * an alert only when together they reach the threshold. Highest score first.
 */
export function rankAlerts(
  findings: readonly Finding[],
  config: MonitorConfig,
  actorKinds: ReadonlyMap<string, ActorKind> = new Map(),
): Alert[] {
  const byActor = new Map<string, Finding[]>();
  for (const f of findings) {
    const l = byActor.get(f.actorId);
    if (l) l.push(f);
    else byActor.set(f.actorId, [f]);
  }
  const slack = 12 * HOUR;
  const alerts: Alert[] = [];
  for (const [actorId, list] of byActor) {
    list.sort((a, b) => a.start - b.start);
    const drafts: Draft[] = [];
    const support: Finding[] = [];
    for (const f of list) {
      if (f.score < config.alertThreshold) {
        support.push(f);
        continue;
      }
      let target: Draft | undefined;
      for (let i = drafts.length - 1; i >= 0 && i >= drafts.length - 8; i--) {
        const d = drafts[i]!;
        if (overlaps(d, f, slack) && sharesPatients(d, f)) {
          target = d;
          break;
        }
      }
      if (!target) {
        target = { actorId, findings: [], patients: new Set(), start: f.start, end: f.end };
        drafts.push(target);
      }
      target.findings.push(f);
      for (const p of f.patientIds)
        if (target.patients.size < config.maxIdsPerFinding) target.patients.add(p);
      target.start = Math.min(target.start, f.start);
      target.end = Math.max(target.end, f.end);
    }
    const orphans: Finding[] = [];
    for (const s of support) {
      const d = drafts.find((x) => overlaps(x, s, slack));
      if (d) d.findings.push(s);
      else orphans.push(s);
    }
    // Supporting findings alone: grouped per local day window; alert when together strong enough.
    const groups = new Map<number, Finding[]>();
    for (const s of orphans) {
      const k = Math.floor((s.start + config.utcOffsetMinutes * 60_000) / (24 * HOUR));
      const g = groups.get(k);
      if (g) g.push(s);
      else groups.set(k, [s]);
    }
    for (const g of groups.values()) {
      if (g.length < 2 || combineScores(g.map((f) => f.score)) < config.alertThreshold) continue;
      const patients = new Set<string>();
      for (const f of g)
        for (const p of f.patientIds) if (patients.size < config.maxIdsPerFinding) patients.add(p);
      drafts.push({
        actorId,
        findings: g,
        patients,
        start: Math.min(...g.map((f) => f.start)),
        end: Math.max(...g.map((f) => f.end)),
      });
    }
    for (const d of drafts) alerts.push(toAlert(d, actorKinds, config.maxIdsPerFinding));
  }
  alerts.sort((a, b) => b.score - a.score || a.start - b.start || (a.id < b.id ? -1 : 1));
  return alerts;
}

/**
 * Groups alerts into case candidates: one per actor and incident, chaining alerts of the same
 * actor that are less than `caseGapMs` apart. Highest score first.
 */
export function groupCases(alerts: readonly Alert[], config: MonitorConfig): CaseCandidate[] {
  const byActor = new Map<string, Alert[]>();
  for (const a of alerts) {
    const l = byActor.get(a.actorId);
    if (l) l.push(a);
    else byActor.set(a.actorId, [a]);
  }
  const out: CaseCandidate[] = [];
  for (const [actorId, list] of byActor) {
    list.sort((a, b) => a.start - b.start);
    let cur: Alert[] = [];
    let end = -Infinity;
    const flush = (): void => {
      if (cur.length === 0) return;
      const kinds = [...new Set(cur.flatMap((a) => a.kinds))] as IncidentKind[];
      const patients = [...new Set(cur.flatMap((a) => a.patientIds))];
      out.push({
        actorId,
        alerts: cur,
        score: combineScores([
          Math.max(...cur.map((a) => a.score)),
          ...cur.map((a) => a.score * 0.2),
        ]),
        start: Math.min(...cur.map((a) => a.start)),
        end: Math.max(...cur.map((a) => a.end)),
        kinds,
        patientIds: patients.slice(0, config.maxIdsPerFinding),
      });
      cur = [];
    };
    for (const a of list) {
      if (cur.length > 0 && a.start - end > config.caseGapMs) flush();
      cur.push(a);
      end = Math.max(end, a.end);
    }
    flush();
  }
  out.sort((a, b) => b.score - a.score || a.start - b.start);
  return out;
}
