import { say } from '../messages.ts';
import { IncidentKind } from '../types.ts';
import { DayOnce, type DetectorFactory } from './detector.ts';

/** A colleague's record (the patient is staff, by national-ID key) opened without care relationship. */
export const createCoworkerDetector: DetectorFactory = () => {
  const once = new DayOnce();
  return {
    id: 'coworker',
    kind: IncidentKind.CoworkerLookup,
    observe({ event, explanation, patient, staff, index, day }, emit) {
      if (event.actorKind !== 'staff') return;
      if (!patient?.nationalIdKey || explanation.explained) return;
      const coworker = index.staffByNationalId.get(patient.nationalIdKey);
      if (coworker === undefined || coworker === event.actorId) return;
      if (staff?.nationalIdKey === patient.nationalIdKey) return;
      if (!once.first(day, `${event.actorId}|${patient.id}`)) return;
      const sameDept = index.staff.get(coworker)?.department === staff?.department;
      emit({
        detector: 'coworker',
        kind: IncidentKind.CoworkerLookup,
        actorId: event.actorId,
        patientIds: [patient.id],
        start: event.time,
        end: event.time,
        score: sameDept ? 0.8 : 0.7,
        evidence: [say('coworker.lookup', { coworker, patient: patient.id })],
        eventIds: [event.id],
      });
    },
    closeDay(day) {
      once.close(day);
    },
  };
};
