import { DAY } from '../config.ts';
import { formatDate, say } from '../messages.ts';
import { IncidentKind } from '../types.ts';
import { CappedSet, DayState, clampScore, type DetectorFactory } from './detector.ts';

function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Distinct patients per user and day compared with the user's own recent days (median) and with
 * the peer group (same role and department) on the same day (median and MAD). Keeps a ring of
 * `baselineDays` counts per user. A spike made of patients the user personally or
 * departmentally cares for is a busy day and only supports other alerts.
 */
export const createVolumeSpikeDetector: DetectorFactory = (config) => {
  const cap = Math.max(config.maxIdsPerFinding, config.spike.minPatients * 50);
  const state = new DayState(() => ({
    patients: new CappedSet(cap),
    /** Patients whose access only a purpose (or nothing) explained. */
    weak: new CappedSet(cap),
    first: 0,
    last: 0,
    group: '',
    role: '',
    department: '',
  }));
  const history = new Map<string, number[]>();
  return {
    id: 'volume-spike',
    kind: IncidentKind.VolumeSpike,
    observe({ event, explanation, staff, day }) {
      if (event.patientId === undefined) return;
      const s = state.get(day, event.actorId);
      if (s.patients.size === 0) {
        s.first = event.time;
        s.role = staff?.role ?? event.actorKind;
        s.department = staff?.department ?? '';
        s.group = `${s.role}|${s.department}`;
      }
      s.last = event.time;
      s.patients.add(event.patientId);
      if (!explanation.explained || explanation.strength === 'purpose') s.weak.add(event.patientId);
    },
    closeDay(day, emit) {
      const users = state.take(day);
      const groups = new Map<string, number[]>();
      const add = (k: string, n: number): void => {
        const g = groups.get(k);
        if (g) g.push(n);
        else groups.set(k, [n]);
      };
      for (const s of users.values()) {
        add(s.group, s.patients.size);
        add(`${s.role}|*`, s.patients.size);
      }
      const peer = new Map<string, { med: number; mad: number; n: number }>();
      for (const [g, xs] of groups) {
        const med = median(xs);
        peer.set(g, { med, mad: median(xs.map((x) => Math.abs(x - med))), n: xs.length });
      }
      const { minPatients, ownFactor, peerSigma, baselineDays, minPeers } = config.spike;
      for (const [user, s] of users) {
        const n = s.patients.size;
        const h = history.get(user) ?? [];
        const own = h.length >= 5 ? median(h) : undefined;
        // Same role and department; the role hospital-wide when the department has too few.
        const local = peer.get(s.group)!;
        const p = local.n >= minPeers ? local : peer.get(`${s.role}|*`)!;
        const ownSpike = own !== undefined && n >= ownFactor * Math.max(own, 1);
        const peerSpike =
          p.n >= minPeers &&
          n > p.med + peerSigma * 1.4826 * Math.max(p.mad, 1) &&
          n >= ownFactor * p.med;
        if (n >= minPatients && (ownSpike || peerSpike)) {
          const evidence = [];
          if (own !== undefined)
            evidence.push(
              say('spike.own', {
                count: n,
                date: formatDate(day * DAY, 0),
                factor: (n / Math.max(own, 1)).toFixed(1),
                baseline: own,
              }),
            );
          if (peerSpike || own === undefined)
            evidence.push(
              say('spike.peer', {
                role: s.role,
                department: p === local ? s.department : '*',
                median: p.med,
              }),
            );
          emit({
            detector: 'volume-spike',
            kind: IncidentKind.VolumeSpike,
            actorId: user,
            patientIds: s.patients.list().slice(0, config.maxIdsPerFinding),
            start: s.first,
            end: s.last,
            // A spike of personal or departmental work (a busy day) only supports other alerts.
            score:
              s.weak.size / n >= 0.3
                ? clampScore((ownSpike && peerSpike ? 0.65 : 0.5) + n / (20 * minPatients))
                : 0.3,
            evidence,
            eventIds: [],
          });
        }
        h.push(n);
        if (h.length > baselineDays) h.shift();
        history.set(user, h);
      }
    },
  };
};
