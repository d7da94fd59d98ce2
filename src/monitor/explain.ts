import { DAY, type MonitorConfig } from './config.ts';
import { covers, findShift, type FactIndex } from './facts.ts';
import {
  ActorKind,
  ExplanationReason,
  type AccessEvent,
  type Explanation,
  type PatientFacts,
  type StaffFacts,
} from './types.ts';

const UNEXPLAINED: Explanation = Object.freeze({ explained: false });

type Strength = NonNullable<Explanation['strength']>;
// One frozen answer per reason and strength: explaining allocates nothing per event.
const answers = Object.fromEntries(
  Object.values(ExplanationReason).map((r) => [
    r,
    Object.fromEntries(
      (['direct', 'department', 'purpose'] as const).map((st) => [
        st,
        Object.freeze({ explained: true, reason: r, strength: st }),
      ]),
    ),
  ]),
) as Record<ExplanationReason, Record<Strength, Explanation>>;
const answer = (reason: ExplanationReason, strength: Strength): Explanation =>
  answers[reason][strength];

/**
 * Explains one access by a relationship between the actor and the patient at the time of the
 * access: the actor's own encounter, care team, order, appointment or referral (direct); the
 * patient being in the actor's department or its order queue, including the department of the
 * shift the actor is working (department); an approved purpose of the actor's role for a patient
 * in active care (purpose); or, for a third-party client, an order performed by it. Pure.
 *
 * Looking up one's own record is never explained here: it has its own detector.
 */
export function explainAccess(
  event: AccessEvent,
  index: FactIndex,
  config: MonitorConfig,
  /** The event's staff member and patient when the caller has looked them up already. */
  known?: { staff: StaffFacts | undefined; patient: PatientFacts | undefined },
): Explanation {
  const pid = event.patientId;
  if (pid === undefined) return UNEXPLAINED;
  const t = event.time;
  if (event.actorKind === ActorKind.Client) {
    const w = index.clientRelations.get(pid)?.get(event.actorId);
    if (covers(w, t)) return answer(ExplanationReason.ContractOrder, 'direct');
    const client = index.clients.get(event.actorId);
    if (client?.onlyAppointmentPatients) {
      for (const a of index.appointmentTimes.get(pid) ?? [])
        if (Math.abs(a - t) < DAY) return answer(ExplanationReason.Appointment, 'direct');
    }
    if (client?.onlyDischargedPatients) {
      for (const d of index.dischargeTimes.get(pid) ?? [])
        if (d <= t + DAY && t - d < config.dischargeTailMs)
          return answer(ExplanationReason.ContractOrder, 'direct');
    }
    return UNEXPLAINED;
  }
  const staff = known ? known.staff : index.staff.get(event.actorId);
  if (staff?.nationalIdKey !== undefined) {
    const patient = known ? known.patient : index.patients.get(pid);
    if (patient?.nationalIdKey === staff.nationalIdKey) return UNEXPLAINED;
  }
  const direct = index.staffRelations.get(pid)?.get(event.actorId);
  if (direct) {
    for (const w of direct) if (w.start <= t && t < w.end) return answer(w.reason, 'direct');
  }
  const depts = index.departmentRelations.get(pid);
  if (depts && staff) {
    let shiftDept: string | null | undefined; // looked up only when needed
    for (const w of depts) {
      if (w.start > t || t >= w.end) continue;
      if (w.department === staff.department) return answer(w.reason, 'department');
      if (shiftDept === undefined) {
        const shift = findShift(index, staff.id, t, config.shiftGraceMs);
        shiftDept = shift?.department ?? null;
      }
      if (w.department === shiftDept) return answer(ExplanationReason.ShiftHandover, 'department');
    }
  }
  if (staff && event.purpose) {
    const purposes = config.approvedPurposes[staff.role];
    if (purposes?.includes(event.purpose)) {
      const span = index.careSpan.get(pid);
      if (
        span &&
        span.first - config.relationshipLeadMs <= t &&
        t < span.last + config.relationshipTailMs
      )
        return answer(ExplanationReason.ApprovedPurpose, 'purpose');
    }
  }
  return UNEXPLAINED;
}
