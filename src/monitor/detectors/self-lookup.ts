import { say } from '../messages.ts';
import { IncidentKind } from '../types.ts';
import { DayOnce, type DetectorFactory } from './detector.ts';

/** A staff member opening their own record through the staff account (same national-ID key). */
export const createSelfLookupDetector: DetectorFactory = () => {
  const once = new DayOnce();
  return {
    id: 'self-lookup',
    kind: IncidentKind.SelfLookup,
    observe({ event, patient, staff, day }, emit) {
      if (event.actorKind !== 'staff') return;
      if (!patient?.nationalIdKey || staff?.nationalIdKey !== patient.nationalIdKey) return;
      if (!once.first(day, `${event.actorId}|${patient.id}`)) return;
      emit({
        detector: 'self-lookup',
        kind: IncidentKind.SelfLookup,
        actorId: event.actorId,
        patientIds: [patient.id],
        start: event.time,
        end: event.time,
        score: 0.6,
        evidence: [say('self.lookup', { patient: patient.id })],
        eventIds: [event.id],
      });
    },
    closeDay(day) {
      once.close(day);
    },
  };
};
