import { say } from '../messages.ts';
import { IncidentKind } from '../types.ts';
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
      if (!patient || !(patient.vip || patient.restricted)) return;
      if (explanation.strength === 'direct') return;
      if (patient.restricted && !patient.vip && explanation.explained) return;
      if (!once.first(day, `${event.actorId}|${patient.id}`)) return;
      emit({
        detector: 'vip',
        kind: IncidentKind.VipSnooping,
        actorId: event.actorId,
        patientIds: [patient.id],
        start: event.time,
        end: event.time,
        score: patient.vip ? (explanation.explained ? 0.7 : 0.9) : 0.6,
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
