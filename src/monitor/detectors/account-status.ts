import { DAY } from '../config.ts';
import { say } from '../messages.ts';
import { IncidentKind, StaffStatus } from '../types.ts';
import { DayOnce, type DetectorFactory } from './detector.ts';

/**
 * Accounts that should be silent: departed or suspended staff, accounts not in the directory,
 * and dormant accounts suddenly used again (last activity from the stream or from the directory).
 */
export const createAccountStatusDetector: DetectorFactory = (config) => {
  const once = new DayOnce();
  const lastSeen = new Map<string, number>();
  return {
    id: 'account-status',
    kind: IncidentKind.AccountMisuse,
    observe({ event, explanation, staff, index, day }, emit) {
      if (event.actorKind !== 'staff') return;
      const t = event.time;
      const base = () => ({
        detector: 'account-status',
        kind: IncidentKind.AccountMisuse,
        actorId: event.actorId,
        patientIds: event.patientId ? [event.patientId] : [],
        start: t,
        end: t,
        eventIds: [event.id],
      });
      const prev = lastSeen.get(event.actorId) ?? staff?.lastActive;
      lastSeen.set(event.actorId, prev === undefined ? t : Math.max(prev, t));
      if (!staff) {
        if (index.staff.size > 0 && once.first(day, event.actorId))
          emit({
            ...base(),
            score: 0.5,
            evidence: [say('account.unknown', { actor: event.actorId })],
          });
        return;
      }
      const since = staff.statusSince ?? staff.endDate;
      // The departure date is the last working day: use from the day after counts.
      if (staff.status === StaffStatus.Departed && (since === undefined || t >= since + DAY)) {
        if (once.first(day, event.actorId))
          emit({
            ...base(),
            score: 0.9,
            evidence: [
              say('account.departed', {
                days: since === undefined ? '?' : Math.max(1, Math.floor((t - since) / DAY)),
              }),
            ],
          });
        return;
      }
      if (staff.status === StaffStatus.Suspended && (since === undefined || t >= since)) {
        if (once.first(day, event.actorId))
          emit({ ...base(), score: 0.8, evidence: [say('account.suspended')] });
        return;
      }
      if (prev !== undefined && t - prev >= config.dormantMs && once.first(day, event.actorId))
        emit({
          ...base(),
          score: explanation.explained ? 0.45 : 0.7,
          evidence: [say('account.dormant', { days: Math.floor((t - prev) / DAY) })],
        });
    },
    closeDay(day) {
      once.close(day);
    },
  };
};
