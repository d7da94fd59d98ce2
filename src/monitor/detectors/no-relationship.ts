import { DAY } from '../config.ts';
import { formatDate, say } from '../messages.ts';
import { IncidentKind } from '../types.ts';
import { CappedSet, DayState, clampScore, type DetectorFactory } from './detector.ts';

/**
 * Accesses that no relationship explains, summed per user and day. A few are normal (covering a
 * colleague, a phone call); many in a day are an alert. Small counts are emitted as supporting
 * findings that strengthen other alerts about the same user.
 */
export const createNoRelationshipDetector: DetectorFactory = (config) => {
  const state = new DayState(() => ({
    patients: new CappedSet(config.maxIdsPerFinding),
    first: 0,
    last: 0,
    eventIds: [] as string[],
  }));
  return {
    id: 'no-relationship',
    kind: IncidentKind.NoRelationship,
    observe({ event, explanation, day }) {
      if (explanation.explained || event.patientId === undefined || event.actorKind !== 'staff')
        return;
      const s = state.get(day, event.actorId);
      if (s.patients.size === 0) s.first = event.time;
      s.last = event.time;
      s.patients.add(event.patientId);
      if (s.eventIds.length < config.maxIdsPerFinding) s.eventIds.push(event.id);
    },
    closeDay(day, emit) {
      const thr = config.unexplainedPatientsPerDay;
      for (const [user, s] of state.take(day)) {
        const n = s.patients.size;
        if (n < 2) continue;
        const alert = n >= thr;
        emit({
          detector: 'no-relationship',
          kind: IncidentKind.NoRelationship,
          actorId: user,
          patientIds: s.patients.list(),
          start: s.first,
          end: s.last,
          score: alert ? clampScore(0.5 + (0.4 * (n - thr)) / (3 * thr)) : clampScore(0.05 * n),
          evidence: [
            say('no-relationship.day', {
              count: n,
              date: formatDate(day * DAY, 0),
            }),
          ],
          eventIds: s.eventIds,
        });
      }
    },
  };
};
