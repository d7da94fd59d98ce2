import { say } from '../messages.ts';
import { IncidentKind } from '../types.ts';
import { DayOnce, type DetectorFactory } from './detector.ts';

/** A deceased patient's record opened without any care relationship. */
export const createDeceasedDetector: DetectorFactory = () => {
  const once = new DayOnce();
  return {
    id: 'deceased',
    kind: IncidentKind.DeceasedRecord,
    observe({ event, explanation, patient, day }, emit) {
      if (event.actorKind !== 'staff') return;
      if (!patient?.deceased || explanation.explained) return;
      if (!once.first(day, `${event.actorId}|${patient.id}`)) return;
      emit({
        detector: 'deceased',
        kind: IncidentKind.DeceasedRecord,
        actorId: event.actorId,
        patientIds: [patient.id],
        start: event.time,
        end: event.time,
        score: 0.55,
        evidence: [say('deceased.no-relationship', { patient: patient.id })],
        eventIds: [event.id],
      });
    },
    closeDay(day) {
      once.close(day);
    },
  };
};
