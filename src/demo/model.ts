/**
 * The generator's working model: the public records plus the indexes the generator needs to
 * drive access activity from the care graph. Internal to the demo module.
 */
import type { DemoRandom, IdScrambler } from './random.ts';
import type {
  DemoApiClient,
  DemoAppointment,
  DemoCareTeam,
  DemoCondition,
  DemoDepartment,
  DemoEncounter,
  DemoHousehold,
  DemoImagingStudy,
  DemoIncidentLabel,
  DemoMaternityEpisode,
  DemoMedicationRequest,
  DemoNote,
  DemoObservation,
  DemoOrganization,
  DemoPatient,
  DemoResearchStudy,
  DemoRole,
  DemoServiceRequest,
  DemoShift,
  DemoStaff,
  DemoStaffRelation,
  DemoTenant,
  DemoWard,
  DemoWorkstation,
  DemoAccessEvent,
  DemoProgress,
} from './types.ts';

export interface NormalizedParams {
  patients: number;
  staff: number;
  days: number;
  seed: string;
  tenant: string;
  nowMs: number;
  /** Start of the activity window (local midnight). */
  w0: number;
  /** End of the activity window (local midnight, exclusive). */
  w1: number;
}

/** A shift as the activity generator sees it. */
export interface ShiftRef {
  staff: number;
  start: number;
  end: number;
  kind: DemoShift['kind'];
}

export interface StaffMeta {
  dept: number;
  ward: number;
  role: DemoRole;
  birthMs: number;
  /** Workstations this person normally uses. */
  workstations: number[];
  /** Unavailable from this instant (departure or suspension); Infinity when always available. */
  availableUntil: number;
  onLeave: boolean;
  /** Index of the patient record of this staff member, or -1. */
  patient: number;
}

export interface PatientMeta {
  household: number;
  primaryDept: string;
  primaryDx: number;
  birthMs: number;
  deceasedMs: number;
  /** Maternity episode index or -1. */
  episode: number;
  /** Staff index when the patient is a staff member, or -1. */
  staff: number;
  newborn: boolean;
}

/** Per-encounter links to its facts, for the activity generator. */
export interface EncounterFacts {
  orders: number[];
  meds: number[];
  studies: number[];
  notes: number[];
  labs: number[];
}

export interface Model {
  params: NormalizedParams;
  rng: DemoRandom;
  ids: IdScrambler;
  tenant: DemoTenant;
  departments: DemoDepartment[];
  deptByCode: Map<string, number>;
  wards: DemoWard[];
  wardDept: number[];
  workstations: DemoWorkstation[];
  /** Workstations by department index (and by ward index for nurse stations). */
  wsByDept: number[][];
  wsByWard: number[][];
  organizations: DemoOrganization[];
  apiClients: DemoApiClient[];
  staff: DemoStaff[];
  staffMeta: StaffMeta[];
  staffByDeptRole: Map<string, number[]>;
  shifts: DemoShift[];
  /** Per window day: shifts overlapping that day by group key (`w:<ward>` / `d:<dept>:<role>`). */
  roster: Map<string, ShiftRef[]>[];
  patients: DemoPatient[];
  patientMeta: PatientMeta[];
  households: DemoHousehold[];
  staffRelations: DemoStaffRelation[];
  encounters: DemoEncounter[];
  encounterFacts: EncounterFacts[];
  careTeams: DemoCareTeam[];
  appointments: DemoAppointment[];
  serviceRequests: DemoServiceRequest[];
  conditions: DemoCondition[];
  observations: DemoObservation[];
  medications: DemoMedicationRequest[];
  imagingStudies: DemoImagingStudy[];
  notes: DemoNote[];
  maternity: DemoMaternityEpisode[];
  researchStudies: DemoResearchStudy[];
  /** Encounter indexes with activity on each window day. */
  encountersByDay: number[][];
  /** Encounter indexes by patient. */
  encountersByPatient: number[][];
  /** Patients each physician attended before the window (for follow-up reads). */
  followUps: Map<number, number[]>;
  /** Patients sharing a name, by name. */
  patientsByName: Map<string, number[]>;
  incidents: DemoIncidentLabel[];
  /** Planted events by window day. */
  incidentEventsByDay: DemoAccessEvent[][];
  progress?: (p: DemoProgress) => void;
}

/** Group key of a ward's roster. */
export function wardKey(ward: number): string {
  return `w:${ward}`;
}

/** Group key of a department role's roster. */
export function deptRoleKey(dept: number, role: DemoRole): string {
  return `d:${dept}:${role}`;
}
