/**
 * Care-graph queries over clear, non-identifying columns (no decryption): which treatment
 * relationships a staff member has with a patient, which departments staff belong to, who is
 * admitted where, and which blind-indexed attributes staff and patients share.
 */
import { sql, type Kysely } from 'kysely';
import type { VaultTables } from './schema.ts';

/** Why a staff member is related to a patient. */
export const CareRelationshipKind = {
  EncounterParticipant: 'encounter-participant',
  DepartmentEncounter: 'department-encounter',
  CareTeamMember: 'care-team-member',
  DepartmentCareTeam: 'department-care-team',
  OrderRequester: 'order-requester',
  OrderPerformer: 'order-performer',
  DepartmentOrder: 'department-order',
  Referral: 'referral',
  Appointment: 'appointment',
  Performer: 'performer',
  Author: 'author',
  GeneralPractitioner: 'general-practitioner',
  AdmittedInDepartment: 'admitted-in-department',
} as const;
export type CareRelationshipKind = (typeof CareRelationshipKind)[keyof typeof CareRelationshipKind];

/** One relationship, with the resource that establishes it. */
export interface CareRelationship {
  kind: CareRelationshipKind;
  /** `practitioner`: the staff member personally; `department`: one of their departments. */
  via: 'practitioner' | 'department';
  resourceType: string;
  resourceId: string;
  organizationId: string | null;
  status: string | null;
  periodStart: Date | null;
  periodEnd: Date | null;
  /** The period covers `at` (open ends count) and the status is not terminal. */
  current: boolean;
}

/** A staff member's membership of a department (from PractitionerRole). */
export interface StaffDepartment {
  organizationId: string;
  roleId: string;
  code: string | null;
  periodStart: Date | null;
  periodEnd: Date | null;
}

/** Statuses after which a relationship is no longer current. */
export const TERMINAL = new Set([
  'finished',
  'completed',
  'cancelled',
  'entered-in-error',
  'revoked',
  'inactive',
  'noshow',
  'stopped',
  'ended',
]);
/** Encounter classes of an admission. */
export const INPATIENT_CLASSES = ['IMP', 'ACUTE', 'NONAC', 'OBSENC', 'inpatient'];
/** Encounter statuses of a patient who is in the ward now. */
export const ADMITTED_STATUSES = ['arrived', 'triaged', 'in-progress', 'onleave'];

/** A database time as a Date (drivers answer Date or text). */
export const toDate = (v: Date | string | null): Date | null =>
  v === null ? null : v instanceof Date ? v : new Date(v);

/** Whether [start, end] (open ends allowed) covers `at`. */
export function covers(start: Date | null, end: Date | null, at: Date): boolean {
  return (start === null || start <= at) && (end === null || end >= at);
}

/** Departments a practitioner belongs to at `at` (PractitionerRole active, period covering `at`). */
export async function getStaffDepartments(
  db: Kysely<VaultTables>,
  tenant: string,
  practitionerId: string,
  at: Date = new Date(),
): Promise<StaffDepartment[]> {
  const rows = await db
    .selectFrom('vault_link as l')
    .innerJoin('vault_resource as r', (j) =>
      j
        .onRef('r.tenant_id', '=', 'l.tenant_id')
        .onRef('r.resource_type', '=', 'l.resource_type')
        .onRef('r.id', '=', 'l.resource_id'),
    )
    .select([
      'l.organization_id',
      'l.resource_id',
      'r.category',
      'r.status',
      'l.period_start',
      'l.period_end',
    ])
    .where('l.tenant_id', '=', tenant)
    .where('l.practitioner_id', '=', practitionerId)
    .where('l.kind', '=', 'role')
    .where('l.organization_id', 'is not', null)
    .execute();
  return rows
    .filter(
      (r) => r.status !== 'inactive' && covers(toDate(r.period_start), toDate(r.period_end), at),
    )
    .map((r) => ({
      organizationId: r.organization_id!,
      roleId: r.resource_id,
      code: r.category,
      periodStart: toDate(r.period_start),
      periodEnd: toDate(r.period_end),
    }));
}

/** The relationship a staff member's own link of `kind` stands for. */
export function personalKind(
  kind: string,
  resourceType: string,
  category: string | null,
): CareRelationshipKind | undefined {
  switch (kind) {
    case 'encounter-participant':
      return 'encounter-participant';
    case 'care-team-member':
      return 'care-team-member';
    case 'appointment-participant':
      return 'appointment';
    case 'requester':
      if (resourceType === 'ServiceRequest')
        return category === 'referral' ? 'referral' : 'order-requester';
      return 'order-requester';
    case 'performer':
      if (resourceType === 'ServiceRequest')
        return category === 'referral' ? 'referral' : 'order-performer';
      return 'performer';
    case 'author':
      return 'author';
    case 'general-practitioner':
      return 'general-practitioner';
    default:
      return undefined;
  }
}

/** The relationship a department's link of `kind` stands for. */
export function departmentKind(
  kind: string,
  resourceType: string,
  category: string | null,
): CareRelationshipKind | undefined {
  switch (kind) {
    case 'service-provider':
      return 'department-encounter';
    case 'care-team-member':
      return 'department-care-team';
    case 'performer':
    case 'requester':
      return resourceType === 'ServiceRequest' && category === 'referral'
        ? 'referral'
        : 'department-order';
    default:
      return undefined;
  }
}

/** @internal A care relationship through one link (`current`: covering `at` and not ended). */
export function linkRelation(
  kind: CareRelationshipKind,
  via: CareRelationship['via'],
  resourceType: string,
  resourceId: string,
  organizationId: string | null,
  periodStart: Date | null,
  periodEnd: Date | null,
  status: string | null,
  at: Date,
): CareRelationship {
  return {
    kind,
    via,
    resourceType,
    resourceId,
    organizationId,
    status,
    periodStart,
    periodEnd,
    current: covers(periodStart, periodEnd, at) && !(status !== null && TERMINAL.has(status)),
  };
}

/**
 * Every care relationship between a staff member (Practitioner id) and a patient: encounters
 * they took part in, care teams, orders they requested or performed or that their department
 * performs, referrals, appointments, and the patient currently admitted in one of their
 * departments. `departments` overrides the PractitionerRole-derived departments.
 */
export async function getCareRelationships(
  db: Kysely<VaultTables>,
  tenant: string,
  patientId: string,
  staffId: string,
  at: Date = new Date(),
  options: { departments?: readonly string[] } = {},
): Promise<CareRelationship[]> {
  const departments =
    options.departments ??
    (await getStaffDepartments(db, tenant, staffId, at)).map((d) => d.organizationId);
  const base = db
    .selectFrom('vault_link as l')
    .innerJoin('vault_resource as r', (j) =>
      j
        .onRef('r.tenant_id', '=', 'l.tenant_id')
        .onRef('r.resource_type', '=', 'l.resource_type')
        .onRef('r.id', '=', 'l.resource_id'),
    )
    .select([
      'l.kind',
      'l.resource_type',
      'l.resource_id',
      'l.organization_id',
      'l.period_start',
      'l.period_end',
      'r.status',
      'r.category',
    ])
    .where('l.tenant_id', '=', tenant)
    .where('l.patient_id', '=', patientId);
  const out: CareRelationship[] = [];
  const push = (
    kind: CareRelationshipKind,
    via: CareRelationship['via'],
    r: {
      resource_type: string;
      resource_id: string;
      organization_id: string | null;
      status: string | null;
      period_start: Date | string | null;
      period_end: Date | string | null;
    },
  ) => {
    const ps = toDate(r.period_start);
    const pe = toDate(r.period_end);
    out.push({
      kind,
      via,
      resourceType: r.resource_type,
      resourceId: r.resource_id,
      organizationId: r.organization_id,
      status: r.status,
      periodStart: ps,
      periodEnd: pe,
      current: covers(ps, pe, at) && !(r.status !== null && TERMINAL.has(r.status)),
    });
  };
  for (const r of await base.where('l.practitioner_id', '=', staffId).execute()) {
    const k = personalKind(r.kind, r.resource_type, r.category);
    if (k) push(k, 'practitioner', r);
  }
  if (departments.length > 0) {
    for (const r of await base.where('l.organization_id', 'in', [...departments]).execute()) {
      const k = departmentKind(r.kind, r.resource_type, r.category);
      if (k) push(k, 'department', r);
    }
    const admitted = await db
      .selectFrom('vault_resource')
      .select([
        'resource_type',
        'id as resource_id',
        'organization_id',
        'status',
        'period_start',
        'period_end',
      ])
      .where('tenant_id', '=', tenant)
      .where('patient_id', '=', patientId)
      .where('resource_type', '=', 'Encounter')
      .where('organization_id', 'in', [...departments])
      .where('category', 'in', INPATIENT_CLASSES)
      .where('status', 'in', ADMITTED_STATUSES)
      .execute();
    for (const r of admitted) {
      if (covers(toDate(r.period_start), toDate(r.period_end), at))
        push('admitted-in-department', 'department', r);
    }
  }
  return out;
}

/** Clear columns of one of the patient's encounters (as the caller already loaded them). */
export interface ClearEncounter {
  id: string;
  organizationId: string | null;
  status: string | null;
  /** Encounter class code (the `category` column). */
  category: string | null;
  periodStart: Date | null;
  periodEnd: Date | null;
}

/**
 * The same relationships as `getCareRelationships`, in one round trip: personal and department
 * links come from a single link query (a link matching both is reported under both, as there),
 * and "admitted in one of the departments" is computed from `encounters`, the patient's
 * encounters the caller has already read from the clear columns (they must be all of them).
 */
export async function getCareRelationshipsWithEncounters(
  db: Kysely<VaultTables>,
  tenant: string,
  patientId: string,
  staffId: string,
  at: Date,
  departments: readonly string[],
  encounters: readonly ClearEncounter[],
): Promise<CareRelationship[]> {
  const depts = new Set(departments);
  const rows = await db
    .selectFrom('vault_link as l')
    .innerJoin('vault_resource as r', (j) =>
      j
        .onRef('r.tenant_id', '=', 'l.tenant_id')
        .onRef('r.resource_type', '=', 'l.resource_type')
        .onRef('r.id', '=', 'l.resource_id'),
    )
    .select([
      'l.kind',
      'l.resource_type',
      'l.resource_id',
      'l.practitioner_id',
      'l.organization_id',
      'l.period_start',
      'l.period_end',
      'r.status',
      'r.category',
    ])
    .where('l.tenant_id', '=', tenant)
    .where('l.patient_id', '=', patientId)
    .where((eb) =>
      depts.size > 0
        ? eb.or([eb('l.practitioner_id', '=', staffId), eb('l.organization_id', 'in', [...depts])])
        : eb('l.practitioner_id', '=', staffId),
    )
    .execute();
  const out: CareRelationship[] = [];
  const push = (
    kind: CareRelationshipKind,
    via: CareRelationship['via'],
    resourceType: string,
    resourceId: string,
    organizationId: string | null,
    status: string | null,
    ps: Date | null,
    pe: Date | null,
  ) =>
    out.push(linkRelation(kind, via, resourceType, resourceId, organizationId, ps, pe, status, at));
  const personal: (typeof rows)[number][] = [];
  const department: (typeof rows)[number][] = [];
  for (const r of rows) {
    if (r.practitioner_id === staffId) personal.push(r);
    if (r.organization_id !== null && depts.has(r.organization_id)) department.push(r);
  }
  for (const r of personal) {
    const k = personalKind(r.kind, r.resource_type, r.category);
    if (k)
      push(
        k,
        'practitioner',
        r.resource_type,
        r.resource_id,
        r.organization_id,
        r.status,
        toDate(r.period_start),
        toDate(r.period_end),
      );
  }
  for (const r of department) {
    const k = departmentKind(r.kind, r.resource_type, r.category);
    if (k)
      push(
        k,
        'department',
        r.resource_type,
        r.resource_id,
        r.organization_id,
        r.status,
        toDate(r.period_start),
        toDate(r.period_end),
      );
  }
  for (const e of encounters) {
    if (
      e.organizationId !== null &&
      depts.has(e.organizationId) &&
      e.category !== null &&
      INPATIENT_CLASSES.includes(e.category) &&
      e.status !== null &&
      ADMITTED_STATUSES.includes(e.status) &&
      covers(e.periodStart, e.periodEnd, at)
    )
      push(
        'admitted-in-department',
        'department',
        'Encounter',
        e.id,
        e.organizationId,
        e.status,
        e.periodStart,
        e.periodEnd,
      );
  }
  return out;
}

/** Patients currently admitted (inpatient encounter in progress) in a department. */
export async function listAdmittedPatients(
  db: Kysely<VaultTables>,
  tenant: string,
  departmentId: string,
  at: Date = new Date(),
): Promise<{ patientId: string; encounterId: string; periodStart: Date | null }[]> {
  const rows = await db
    .selectFrom('vault_resource')
    .select(['patient_id', 'id', 'period_start', 'period_end'])
    .where('tenant_id', '=', tenant)
    .where('resource_type', '=', 'Encounter')
    .where('organization_id', '=', departmentId)
    .where('category', 'in', INPATIENT_CLASSES)
    .where('status', 'in', ADMITTED_STATUSES)
    .where('patient_id', 'is not', null)
    .execute();
  return rows
    .filter((r) => covers(toDate(r.period_start), toDate(r.period_end), at))
    .map((r) => ({
      patientId: r.patient_id!,
      encounterId: r.id,
      periodStart: toDate(r.period_start),
    }));
}

/** Practitioners and departments linked to a patient's record, with the kinds of link. */
export async function getPatientCareProviders(
  db: Kysely<VaultTables>,
  tenant: string,
  patientId: string,
): Promise<{ practitionerId: string | null; organizationId: string | null; kinds: string[] }[]> {
  const rows = await db
    .selectFrom('vault_link')
    .select([
      'practitioner_id',
      'organization_id',
      sql<string[]>`array_agg(distinct kind order by kind)`.as('kinds'),
    ])
    .where('tenant_id', '=', tenant)
    .where('patient_id', '=', patientId)
    .groupBy(['practitioner_id', 'organization_id'])
    .execute();
  return rows.map((r) => ({
    practitionerId: r.practitioner_id,
    organizationId: r.organization_id,
    kinds: r.kinds,
  }));
}

/** Blind-index entries of one staff member (Practitioner) joined to patients' equal entries. */
function staffPatientIndexMatches(db: Kysely<VaultTables>, tenant: string, practitionerId: string) {
  return db
    .selectFrom('vault_blind_index as s')
    .innerJoin('vault_blind_index as p', (j) =>
      j
        .onRef('p.tenant_id', '=', 's.tenant_id')
        .onRef('p.kind', '=', 's.kind')
        .onRef('p.hash', '=', 's.hash'),
    )
    .where('s.tenant_id', '=', tenant)
    .where('s.resource_type', '=', 'Practitioner')
    .where('s.resource_id', '=', practitionerId)
    .where('p.resource_type', '=', 'Patient');
}

/**
 * Blind-indexed attributes a staff member (Practitioner) and a patient share, compared as MACs
 * without decryption: `national-id` (the same person), `phone`, `address` (family, neighbours),
 * `family-name` (same surname).
 */
export async function compareStaffAndPatient(
  db: Kysely<VaultTables>,
  tenant: string,
  practitionerId: string,
  patientId: string,
): Promise<string[]> {
  const rows = await staffPatientIndexMatches(db, tenant, practitionerId)
    .select('s.kind')
    .distinct()
    .where('p.resource_id', '=', patientId)
    .where('s.kind', 'in', ['national-id', 'phone', 'address', 'family-name', 'email'])
    .execute();
  return rows.map((r) => r.kind).sort();
}

/** Patients who are the same person as a staff member (shared national ID number). */
export async function findPatientsForStaff(
  db: Kysely<VaultTables>,
  tenant: string,
  practitionerId: string,
): Promise<string[]> {
  const rows = await staffPatientIndexMatches(db, tenant, practitionerId)
    .select('p.resource_id')
    .distinct()
    .where('s.kind', '=', 'national-id')
    .execute();
  return rows.map((r) => r.resource_id).sort();
}
