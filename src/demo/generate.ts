/**
 * The demo hospital generator: validates parameters, builds the hospital, its patients and care
 * graph, plants the incidents, and hands back the records, the labels and a day-by-day stream of
 * access events. Pure and deterministic: the same parameters give byte-identical output.
 */
import { CustosError, ErrorCode } from '../errors/index.ts';
import { streamDays } from './activity.ts';
import { buildRosters, buildStaff, buildStructure } from './build-hospital.ts';
import { buildCare } from './build-care.ts';
import { buildPatients, planMaternity } from './build-patients.ts';
import { plantIncidents } from './incidents.ts';
import type { Model, NormalizedParams } from './model.ts';
import { DemoRandom, IdScrambler } from './random.ts';
import { DAY, localIso, startOfLocalDay } from './time.ts';
import type {
  DemoAccessDay,
  DemoAccessEvent,
  DemoApiClient,
  DemoAppointment,
  DemoCareTeam,
  DemoCondition,
  DemoDepartment,
  DemoEncounter,
  DemoImagingStudy,
  DemoLabels,
  DemoMaternityEpisode,
  DemoMedicationRequest,
  DemoNote,
  DemoObservation,
  DemoOptions,
  DemoOrganization,
  DemoParams,
  DemoPatient,
  DemoResearchStudy,
  DemoRole,
  DemoServiceRequest,
  DemoShift,
  DemoStaff,
  DemoSummary,
  DemoTenant,
  DemoWard,
  DemoWorkstation,
} from './types.ts';
import { DemoRole as R } from './types.ts';

/** Limits of the generator's parameters. */
export const DEMO_LIMITS = {
  patients: { min: 300, max: 2_000_000 },
  staff: { min: 100, max: 50_000 },
  days: { min: 1, max: 366 },
} as const;

/** Default parameters: a 2,000-staff hospital with 50,000 patients and 30 days of activity. */
export const DEMO_DEFAULTS = {
  patients: 50_000,
  staff: 2_000,
  days: 30,
  seed: 'custos-demo',
  tenant: 'demo-hospital',
  now: '2025-06-30T00:00:00+08:00',
} as const satisfies DemoParams;

/** A generated demo hospital: records, labels, summary and the access stream. */
export interface DemoHospital {
  params: {
    patients: number;
    staff: number;
    days: number;
    seed: string;
    tenant: string;
    now: string;
  };
  tenant: DemoTenant;
  departments: DemoDepartment[];
  wards: DemoWard[];
  workstations: DemoWorkstation[];
  organizations: DemoOrganization[];
  apiClients: DemoApiClient[];
  staff: DemoStaff[];
  shifts: DemoShift[];
  patients: DemoPatient[];
  encounters: DemoEncounter[];
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
  /** Ground truth (incidents, relations, households): write it to its own file, never to the database. */
  labels: DemoLabels;
  summary: DemoSummary;
  /** The access events of the window, one day at a time, in time order. Can be iterated again. */
  accessEventDays(): Generator<DemoAccessDay>;
  /** The access events of the window, one by one, in time order. Can be iterated again. */
  accessEvents(): Generator<DemoAccessEvent>;
}

function invalid(message: string, field: string): CustosError {
  return new CustosError(ErrorCode.InputInvalid, message, { field });
}

function checkInt(name: 'patients' | 'staff' | 'days', v: unknown): number {
  const lim = DEMO_LIMITS[name];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lim.min || v > lim.max) {
    throw invalid(`demo ${name} must be an integer from ${lim.min} to ${lim.max}`, name);
  }
  return v;
}

/** Validates and normalises the parameters (throws CUSTOS_INPUT_INVALID naming the field). */
export function normalizeDemoParams(p: Partial<DemoParams>): NormalizedParams {
  const patients = checkInt('patients', p.patients ?? DEMO_DEFAULTS.patients);
  const staff = checkInt('staff', p.staff ?? DEMO_DEFAULTS.staff);
  const days = checkInt('days', p.days ?? DEMO_DEFAULTS.days);
  const seed = p.seed ?? DEMO_DEFAULTS.seed;
  if (typeof seed !== 'string' || seed.length === 0 || seed.length > 200)
    throw invalid('demo seed must be a non-empty string of at most 200 characters', 'seed');
  const tenant = p.tenant ?? DEMO_DEFAULTS.tenant;
  if (typeof tenant !== 'string' || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(tenant))
    throw invalid('demo tenant must be 1-63 lowercase letters, digits or hyphens', 'tenant');
  const rawNow = p.now ?? DEMO_DEFAULTS.now;
  const nowMs =
    rawNow instanceof Date
      ? rawNow.getTime()
      : typeof rawNow === 'number'
        ? rawNow
        : typeof rawNow === 'string'
          ? Date.parse(rawNow)
          : Number.NaN;
  if (!Number.isFinite(nowMs) || nowMs < Date.UTC(2000, 0, 1) || nowMs > Date.UTC(2200, 0, 1))
    throw invalid('demo now must be a valid date between 2000 and 2200', 'now');
  if (patients < staff / 2)
    throw invalid('demo patients must be at least half the number of staff', 'patients');
  const w1 = startOfLocalDay(nowMs);
  return { patients, staff, days, seed, tenant, nowMs, w0: w1 - days * DAY, w1 };
}

function emptyModel(params: NormalizedParams, options: DemoOptions): Model {
  return {
    params,
    rng: new DemoRandom(`custos-demo/v1/${params.seed}`),
    ids: new IdScrambler(`custos-demo/v1/${params.seed}`),
    tenant: undefined as unknown as DemoTenant,
    departments: [],
    deptByCode: new Map(),
    wards: [],
    wardDept: [],
    workstations: [],
    wsByDept: [],
    wsByWard: [],
    organizations: [],
    apiClients: [],
    staff: [],
    staffMeta: [],
    staffByDeptRole: new Map(),
    shifts: [],
    roster: [],
    patients: [],
    patientMeta: [],
    households: [],
    staffRelations: [],
    encounters: [],
    encounterFacts: [],
    careTeams: [],
    appointments: [],
    serviceRequests: [],
    conditions: [],
    observations: [],
    medications: [],
    imagingStudies: [],
    notes: [],
    maternity: [],
    researchStudies: [],
    encountersByDay: [],
    encountersByPatient: [],
    followUps: new Map(),
    patientsByName: new Map(),
    incidents: [],
    incidentEventsByDay: [],
    ...(options.onProgress ? { progress: options.onProgress } : {}),
  };
}

/**
 * Generates a synthetic hospital with staff, patients, a care graph, planted incidents and a
 * stream of access events. No I/O. Throws CUSTOS_INPUT_INVALID for bad parameters.
 */
export function generateDemoHospital(
  params: Partial<DemoParams>,
  options: DemoOptions = {},
): DemoHospital {
  const np = normalizeDemoParams(params);
  const model = emptyModel(np, options);
  const progress = options.onProgress;
  progress?.({ phase: 'hospital', done: 0, total: 3 });
  buildStructure(model);
  buildStaff(model);
  progress?.({ phase: 'hospital', done: 1, total: 3 });
  buildRosters(model);
  progress?.({ phase: 'hospital', done: 3, total: 3 });
  progress?.({ phase: 'patients', done: 0, total: np.patients });
  const planned = planMaternity(model);
  buildPatients(model, planned);
  progress?.({ phase: 'patients', done: np.patients, total: np.patients });
  buildCare(model, planned);
  progress?.({ phase: 'care', done: model.patients.length, total: model.patients.length });
  plantIncidents(model);
  const incidentEvents = model.incidents.reduce((n, i) => n + i.eventIds.length, 0);
  const labels: DemoLabels = {
    tenantId: np.tenant,
    seed: np.seed,
    now: localIso(np.nowMs),
    window: { from: localIso(np.w0), to: localIso(np.w1) },
    incidents: model.incidents,
    staffRelations: model.staffRelations,
    households: model.households,
  };
  const staffByRole = Object.fromEntries(Object.values(R).map((r) => [r, 0])) as Record<
    DemoRole,
    number
  >;
  for (const s of model.staff) staffByRole[s.role]++;
  const summary: DemoSummary = {
    tenantId: np.tenant,
    seed: np.seed,
    window: { from: labels.window.from, to: labels.window.to, days: np.days },
    departments: model.departments.length,
    wards: model.wards.length,
    workstations: model.workstations.length,
    staff: model.staff.length,
    staffByRole,
    shifts: model.shifts.length,
    patients: model.patients.length,
    vipPatients: model.patients.filter((p) => p.confidentiality === 'V').length,
    restrictedPatients: model.patients.filter((p) => p.confidentiality === 'R').length,
    staffWhoArePatients: model.staffMeta.filter((m) => m.patient >= 0).length,
    households: model.households.length,
    encounters: model.encounters.length,
    encountersInWindow: model.encounters.filter(
      (e) => Date.parse(e.start) >= np.w0 || !e.end || Date.parse(e.end) >= np.w0,
    ).length,
    careTeams: model.careTeams.length,
    appointments: model.appointments.length,
    serviceRequests: model.serviceRequests.length,
    conditions: model.conditions.length,
    observations: model.observations.length,
    medicationRequests: model.medications.length,
    imagingStudies: model.imagingStudies.length,
    notes: model.notes.length,
    maternityEpisodes: model.maternity.length,
    deliveries: model.maternity.filter((m) => m.delivery).length,
    apiClients: model.apiClients.length,
    incidents: model.incidents.length,
    incidentEvents,
  };
  const accessEventDays = () => streamDays(model);
  function* accessEvents(): Generator<DemoAccessEvent> {
    for (const day of streamDays(model)) yield* day.events;
  }
  return {
    params: {
      patients: np.patients,
      staff: np.staff,
      days: np.days,
      seed: np.seed,
      tenant: np.tenant,
      now: localIso(np.nowMs),
    },
    tenant: model.tenant,
    departments: model.departments,
    wards: model.wards,
    workstations: model.workstations,
    organizations: model.organizations,
    apiClients: model.apiClients,
    staff: model.staff,
    shifts: model.shifts,
    patients: model.patients,
    encounters: model.encounters,
    careTeams: model.careTeams,
    appointments: model.appointments,
    serviceRequests: model.serviceRequests,
    conditions: model.conditions,
    observations: model.observations,
    medications: model.medications,
    imagingStudies: model.imagingStudies,
    notes: model.notes,
    maternity: model.maternity,
    researchStudies: model.researchStudies,
    labels,
    summary,
    accessEventDays,
    accessEvents,
  };
}
