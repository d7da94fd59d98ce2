import type { MonitorConfig } from './config.ts';
import {
  ExplanationReason,
  type ClientFacts,
  type MonitorFacts,
  type PatientFacts,
  type ShiftFact,
  type StaffFacts,
  type WorkstationFacts,
} from './types.ts';

/** A time window during which a relationship explains accesses. */
export interface RelationWindow {
  start: number;
  end: number;
  reason: ExplanationReason;
}

/** A department's relationship to a patient over a window. */
export interface DepartmentWindow extends RelationWindow {
  department: string;
}

/** Counts of references that pointed at unknown staff or patients while indexing (never fatal). */
export interface FactProblems {
  unknownStaff: number;
  unknownPatients: number;
  invalidTimes: number;
}

/**
 * The facts indexed for constant-time look-ups while explaining a stream of accesses:
 * per patient the staff and departments related to them, with the windows in which those
 * relationships explain an access.
 */
export interface FactIndex {
  readonly staff: ReadonlyMap<string, StaffFacts>;
  readonly patients: ReadonlyMap<string, PatientFacts>;
  readonly clients: ReadonlyMap<string, ClientFacts>;
  readonly workstations: ReadonlyMap<string, WorkstationFacts>;
  /** patient → staff → windows. */
  readonly staffRelations: ReadonlyMap<string, ReadonlyMap<string, readonly RelationWindow[]>>;
  /** patient → department windows. */
  readonly departmentRelations: ReadonlyMap<string, readonly DepartmentWindow[]>;
  /** patient → client → windows (orders performed by a third party). */
  readonly clientRelations: ReadonlyMap<string, ReadonlyMap<string, readonly RelationWindow[]>>;
  /** patient → appointment times (sorted), for clients bound to appointment patients. */
  readonly appointmentTimes: ReadonlyMap<string, readonly number[]>;
  /** patient → end times of inpatient stays (encounters of kind IMP). */
  readonly dischargeTimes: ReadonlyMap<string, readonly number[]>;
  /** patient → time of first and last care contact of any kind. */
  readonly careSpan: ReadonlyMap<string, { first: number; last: number }>;
  /** staff → shifts sorted by start. */
  readonly shifts: ReadonlyMap<string, readonly ShiftFact[]>;
  /** national-ID key → staff id (a patient who is staff is a coworker). */
  readonly staffByNationalId: ReadonlyMap<string, string>;
  readonly problems: FactProblems;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const a = m.get(k);
  if (a) a.push(v);
  else m.set(k, [v]);
}

/**
 * Builds the look-up index from plain facts. Unknown references are counted in `problems` and
 * kept (an access can still be explained by an encounter whose patient was not imported).
 */
export function indexFacts(facts: MonitorFacts, config: MonitorConfig): FactIndex {
  const staff = new Map(facts.staff.map((s) => [s.id, s]));
  const patients = new Map(facts.patients.map((p) => [p.id, p]));
  const clients = new Map((facts.clients ?? []).map((c) => [c.id, c]));
  const workstations = new Map((facts.workstations ?? []).map((w) => [w.id, w]));
  const problems: FactProblems = { unknownStaff: 0, unknownPatients: 0, invalidTimes: 0 };
  const staffRel = new Map<string, Map<string, RelationWindow[]>>();
  const deptRel = new Map<string, DepartmentWindow[]>();
  const clientRel = new Map<string, Map<string, RelationWindow[]>>();
  const careSpan = new Map<string, { first: number; last: number }>();
  const lead = config.relationshipLeadMs;
  const tail = config.relationshipTailMs;
  const pointTail = config.pointFactTailMs;
  const deptOrderTail = config.departmentOrderTailMs;
  const deptTail = config.departmentTailMs;
  const deptLead = config.departmentLeadMs;

  const ok = (t: number | undefined): t is number => typeof t === 'number' && Number.isFinite(t);
  const notePatient = (pid: string, start: number, end: number): void => {
    if (!patients.has(pid)) problems.unknownPatients++;
    const s = careSpan.get(pid);
    if (!s) careSpan.set(pid, { first: start, last: end });
    else {
      if (start < s.first) s.first = start;
      if (end > s.last) s.last = end;
    }
  };
  const addStaff = (pid: string, sid: string, w: RelationWindow): void => {
    if (!staff.has(sid)) problems.unknownStaff++;
    let m = staffRel.get(pid);
    if (!m) staffRel.set(pid, (m = new Map()));
    push(m, sid, w);
  };
  const addDept = (pid: string, w: DepartmentWindow): void => push(deptRel, pid, w);
  const addClient = (pid: string, cid: string, w: RelationWindow): void => {
    let m = clientRel.get(pid);
    if (!m) clientRel.set(pid, (m = new Map()));
    push(m, cid, w);
  };

  const care = facts.care;
  const dischargeTimes = new Map<string, number[]>();
  for (const e of care.encounters) {
    if (!ok(e.start) || (e.end !== undefined && !ok(e.end))) {
      problems.invalidTimes++;
      continue;
    }
    const end = e.end ?? Number.MAX_SAFE_INTEGER - tail;
    notePatient(e.patientId, e.start, end);
    if (e.kind === 'IMP' && e.end !== undefined) push(dischargeTimes, e.patientId, e.end);
    for (const sid of e.participants)
      addStaff(e.patientId, sid, {
        start: e.start - lead,
        end: end + tail,
        reason: ExplanationReason.Encounter,
      });
    if (e.department)
      addDept(e.patientId, {
        department: e.department,
        start: e.start - deptLead,
        end: end + deptTail,
        reason: ExplanationReason.DepartmentPatient,
      });
  }
  for (const t of care.careTeams ?? []) {
    if (!ok(t.start)) {
      problems.invalidTimes++;
      continue;
    }
    const end = t.end ?? Number.MAX_SAFE_INTEGER - tail;
    notePatient(t.patientId, t.start, end);
    for (const sid of t.members)
      addStaff(t.patientId, sid, {
        start: t.start - lead,
        end: end + tail,
        reason: ExplanationReason.CareTeam,
      });
  }
  for (const o of care.orders ?? []) {
    if (!ok(o.time)) {
      problems.invalidTimes++;
      continue;
    }
    notePatient(o.patientId, o.time, o.time);
    if (o.orderedBy)
      addStaff(o.patientId, o.orderedBy, {
        start: o.time - lead,
        end: o.time + pointTail,
        reason: ExplanationReason.Order,
      });
    if (o.performedBy)
      addStaff(o.patientId, o.performedBy, {
        start: o.time - lead,
        end: o.time + pointTail,
        reason: ExplanationReason.Order,
      });
    if (o.performerDepartment)
      addDept(o.patientId, {
        department: o.performerDepartment,
        start: o.time - deptLead,
        end: o.time + deptOrderTail,
        reason: ExplanationReason.OrderToDepartment,
      });
    if (o.performerClient)
      addClient(o.patientId, o.performerClient, {
        start: o.time - deptLead,
        end: o.time + deptOrderTail,
        reason: ExplanationReason.ContractOrder,
      });
  }
  const appointmentTimes = new Map<string, number[]>();
  for (const a of care.appointments ?? []) {
    if (!ok(a.time)) {
      problems.invalidTimes++;
      continue;
    }
    push(appointmentTimes, a.patientId, a.time);
    notePatient(a.patientId, a.time, a.time);
    if (a.staffId)
      addStaff(a.patientId, a.staffId, {
        start: a.time - lead,
        end: a.time + pointTail,
        reason: ExplanationReason.Appointment,
      });
    if (a.department)
      addDept(a.patientId, {
        department: a.department,
        start: a.time - deptLead,
        end: a.time + deptTail,
        reason: ExplanationReason.Appointment,
      });
  }
  for (const r of care.referrals ?? []) {
    if (!ok(r.time)) {
      problems.invalidTimes++;
      continue;
    }
    notePatient(r.patientId, r.time, r.time);
    for (const sid of [r.fromStaff, r.toStaff])
      if (sid)
        addStaff(r.patientId, sid, {
          start: r.time - lead,
          end: r.time + pointTail,
          reason: ExplanationReason.Referral,
        });
    if (r.toDepartment)
      addDept(r.patientId, {
        department: r.toDepartment,
        start: r.time - deptLead,
        end: r.time + deptOrderTail,
        reason: ExplanationReason.Referral,
      });
  }
  for (const a of care.admissions ?? []) {
    if (!ok(a.start)) {
      problems.invalidTimes++;
      continue;
    }
    const end = a.end ?? Number.MAX_SAFE_INTEGER - deptTail;
    notePatient(a.patientId, a.start, end);
    addDept(a.patientId, {
      department: a.department,
      start: a.start - deptLead,
      end: end + deptTail,
      reason: ExplanationReason.DepartmentPatient,
    });
  }
  for (const g of care.grants ?? []) {
    if (!ok(g.start)) {
      problems.invalidTimes++;
      continue;
    }
    const end = g.end ?? Number.MAX_SAFE_INTEGER;
    for (const pid of g.patientIds)
      addStaff(pid, g.staffId, { start: g.start, end, reason: ExplanationReason.ApprovedPurpose });
  }
  const shifts = new Map<string, ShiftFact[]>();
  for (const s of care.shifts ?? []) {
    if (!ok(s.start) || !ok(s.end) || s.end < s.start) {
      problems.invalidTimes++;
      continue;
    }
    if (!staff.has(s.staffId)) problems.unknownStaff++;
    push(shifts, s.staffId, s);
  }
  for (const list of shifts.values()) list.sort((a, b) => a.start - b.start);
  const staffByNationalId = new Map<string, string>();
  for (const s of facts.staff) if (s.nationalIdKey) staffByNationalId.set(s.nationalIdKey, s.id);
  return {
    staff,
    patients,
    clients,
    workstations,
    staffRelations: staffRel,
    departmentRelations: deptRel,
    clientRelations: clientRel,
    careSpan,
    appointmentTimes,
    dischargeTimes,
    shifts,
    staffByNationalId,
    problems,
  };
}

/** The shift of `staffId` that covers `time` (within `grace`), or undefined. Binary search. */
export function findShift(
  index: FactIndex,
  staffId: string,
  time: number,
  grace = 0,
): ShiftFact | undefined {
  const list = index.shifts.get(staffId);
  if (!list || list.length === 0) return undefined;
  let lo = 0;
  let hi = list.length - 1;
  let best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.start - grace <= time) {
      best = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  // Shifts can overlap (double shifts); look back a few.
  for (let i = best; i >= 0 && i >= best - 3; i--) {
    const s = list[i]!;
    if (s.start - grace <= time && time < s.end + grace) return s;
  }
  return undefined;
}

/** True when `time` lies in one of the windows. */
export function covers(windows: readonly RelationWindow[] | undefined, time: number): boolean {
  if (!windows) return false;
  for (const w of windows) if (w.start <= time && time < w.end) return true;
  return false;
}
