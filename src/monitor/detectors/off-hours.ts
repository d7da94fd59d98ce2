import { DAY, localHour } from '../config.ts';
import { findShift } from '../facts.ts';
import { formatDate, say } from '../messages.ts';
import { IncidentKind } from '../types.ts';
import { CappedSet, DayState, clampScore, type DetectorFactory } from './detector.ts';

/**
 * Accesses outside the user's rostered shifts (or, without a roster, outside working hours).
 * Explained off-hours work is only a supporting signal; unexplained off-hours accesses of several
 * patients are an alert.
 */
export const createOffHoursDetector: DetectorFactory = (config) => {
  const state = new DayState(() => ({
    count: 0,
    unexplained: new CappedSet(config.maxIdsPerFinding),
    first: 0,
    last: 0,
    eventIds: [] as string[],
  }));
  const { start, end } = config.workingHours;
  const inHours = (h: number): boolean =>
    start <= end ? h >= start && h < end : h >= start || h < end;
  return {
    id: 'off-hours',
    kind: IncidentKind.OffHours,
    observe({ event, explanation, index, day }) {
      if (event.actorKind !== 'staff' || event.patientId === undefined) return;
      const t = event.time;
      const rostered = index.shifts.has(event.actorId);
      const off = rostered
        ? findShift(index, event.actorId, t, config.shiftGraceMs) === undefined
        : !inHours(localHour(t, config));
      if (!off) return;
      const s = state.get(day, event.actorId);
      if (s.count === 0) s.first = t;
      s.count++;
      s.last = t;
      if (!explanation.explained) s.unexplained.add(event.patientId);
      if (s.eventIds.length < config.maxIdsPerFinding) s.eventIds.push(event.id);
    },
    closeDay(day, emit) {
      for (const [user, s] of state.take(day)) {
        const u = s.unexplained.size;
        emit({
          detector: 'off-hours',
          kind: IncidentKind.OffHours,
          actorId: user,
          patientIds: s.unexplained.list(),
          start: s.first,
          end: s.last,
          score: u >= 3 ? clampScore(0.45 + 0.02 * u) : u > 0 ? 0.25 : 0.1,
          evidence: [say('offhours.access', { count: s.count, date: formatDate(day * DAY, 0) })],
          eventIds: s.eventIds,
        });
      }
    },
  };
};
