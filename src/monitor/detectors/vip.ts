import { say } from '../messages.ts';
import { DataCategory, IncidentKind } from '../types.ts';
import { DayOnce, type DetectorFactory } from './detector.ts';

/**
 * VIP / celebrity and restricted records opened without a personal care relationship. A
 * department-level explanation is not enough for a VIP: the celebrity leak came from a
 * colleague who merely worked in the hospital.
 */
export const createVipDetector: DetectorFactory = () => {
  const once = new DayOnce();
  return {
    id: 'vip',
    kind: IncidentKind.VipSnooping,
    observe({ event, explanation, patient, day }, emit) {
      if (event.actorKind !== 'staff') return;
      if (!patient || !(patient.vip || patient.restricted)) return;
      if (explanation.strength === 'direct') return;
      if (patient.restricted && !patient.vip && explanation.explained) return;
      // A restricted (not VIP) record seen only as a search-result line (demographics) is weak.
      const shallow =
        !patient.vip &&
        event.categories !== undefined &&
        event.categories.every((c) => c === DataCategory.Demographics);
      if (!once.first(day, `${event.actorId}|${patient.id}`)) return;
      emit({
        detector: 'vip',
        kind: IncidentKind.VipSnooping,
        actorId: event.actorId,
        patientIds: [patient.id],
        start: event.time,
        end: event.time,
        score: patient.vip ? (explanation.explained ? 0.7 : 0.9) : shallow ? 0.25 : 0.6,
        evidence: [
          say(patient.vip ? 'vip.no-relationship' : 'restricted.no-relationship', {
            patient: patient.id,
          }),
        ],
        eventIds: [event.id],
      });
    },
    closeDay(day) {
      once.close(day);
    },
  };
};
