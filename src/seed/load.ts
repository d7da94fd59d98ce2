import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { join } from 'node:path';
import {
  generateDemoHospital,
  writeDemoLabels,
  type DemoAccessEvent,
  type DemoHospital,
  type DemoParams,
  type DemoPurpose,
  type DemoStaff,
} from '../demo/index.ts';
import type { DepartmentKind, NewStaff, Role } from '../identity/index.ts';
import type { LedgerEntryInput } from '../ledger/index.ts';
import { importRoster, type RosterTables } from '../monitor/index.ts';
import type { Runtime } from '../runtime/index.ts';
import { writeResources } from '../vault/index.ts';
import { demoToFhir } from './to-fhir.ts';

/** A demo account with its generated password, printed once at seeding. */
export interface DemoLogin {
  username: string;
  role: Role;
  department: string;
  password: string;
}

/** What seeding wrote. */
export interface SeedReport {
  tenant: string;
  staff: number;
  patients: number;
  resources: number;
  accessEvents: number;
  logins: DemoLogin[];
  labelsFile: string;
  seconds: number;
}

/** Progress of seeding, phase by phase. */
export interface SeedProgress {
  phase: 'generate' | 'staff' | 'records' | 'activity';
  done: number;
  total: number;
}

const DEPARTMENT_KINDS: Record<string, DepartmentKind> = {
  OBS: 'obstetrics',
  NEO: 'neonatology',
  GYN: 'obstetrics',
  PED: 'paediatrics',
  PSY: 'psychiatry',
  EMD: 'emergency',
  ONC: 'oncology',
  MED: 'internal-medicine',
  SUR: 'surgery',
  INF: 'internal-medicine',
  RAD: 'radiology',
  LAB: 'laboratory',
  PHA: 'pharmacy',
  REG: 'registration',
  BIL: 'billing',
  ITC: 'it',
  PRV: 'privacy-office',
  RES: 'research',
};

/** Roles that get a printed demo login (one account each, in an obvious department where possible). */
const LOGIN_ROLES: { role: Role; prefer?: string }[] = [
  { role: 'physician', prefer: 'EMD' },
  { role: 'nurse', prefer: 'OBS' },
  { role: 'head-nurse', prefer: 'OBS' },
  { role: 'registration-clerk' },
  { role: 'billing-clerk' },
  { role: 'radiology-technician' },
  { role: 'pharmacist' },
  { role: 'privacy-officer' },
  { role: 'researcher' },
];

const PURPOSES: Record<DemoPurpose, string> = {
  TREAT: 'treatment',
  ETREAT: 'treatment',
  HPAYMT: 'payment',
  HOPERAT: 'operations',
  HRESCH: 'research',
  HSYSADMIN: 'operations',
  PUBHLTH: 'public-health',
};

/** Maps a demo access event (another system's audit trail) to a ledger entry. */
export function accessEventToEntry(
  e: DemoAccessEvent,
  departmentOf: Map<string, string>,
): LedgerEntryInput {
  const kind =
    e.actorType === 'client'
      ? 'disclosure.api'
      : e.action === 'search'
        ? 'disclosure.search'
        : e.action === 'print'
          ? 'disclosure.print'
          : e.action === 'export' || e.action === 'image-download'
            ? 'disclosure.export'
            : e.breakGlassReason
              ? 'break-glass'
              : 'disclosure.read';
  return {
    kind,
    actor:
      e.actorType === 'client'
        ? { type: 'client', id: e.clientId! }
        : { type: 'staff', id: e.staffId!, department: departmentOf.get(e.staffId!) ?? null },
    patientId: e.patientId ?? null,
    fields: e.fields,
    categories: e.categories,
    purpose: PURPOSES[e.purpose],
    decision: 'permit',
    reasons: e.breakGlassReason ? ['break-glass'] : [],
    workstation: e.workstationId ?? null,
    networkAddress: e.ip,
    channel: e.channel,
    occurredAt: new Date(e.at),
    source: { system: `demo-${e.channel}`, key: e.id },
    details: {
      action: e.action,
      resource: `${e.resourceType}/${e.resourceId}`,
      ...(e.instances ? { instances: e.instances } : {}),
      ...(e.resultPatientIds ? { results: e.resultPatientIds.length } : {}),
    },
  };
}

function staffRecord(s: DemoStaff, password: string | undefined, trainedAt: Date): NewStaff {
  return {
    id: s.id,
    username: s.username,
    staffNumber: s.staffNumber,
    name: s.name,
    roles: [s.role as Role],
    departmentId: s.departmentId,
    status: s.employment.status,
    ...(password ? { password } : {}),
    trainingCompletedAt: trainedAt,
    hr: {
      homeAddress: s.hr.homeAddress.text,
      phone: s.hr.phone,
      emergencyContacts: s.hr.emergencyContacts.map((c) => ({
        name: c.name,
        relation: c.relationship,
        phone: c.phone,
      })),
      nationalId: s.nationalId,
    },
  };
}

function pickLogins(h: DemoHospital): Map<string, DemoLogin> {
  const chosen = new Map<string, DemoLogin>();
  const codeOf = new Map(h.departments.map((d) => [d.id, d.code]));
  for (const { role, prefer } of LOGIN_ROLES) {
    const candidates = h.staff.filter(
      (s) => s.role === role && s.employment.status === 'active' && !s.account.disabled,
    );
    const s =
      candidates.find((c) => prefer && codeOf.get(c.departmentId) === prefer) ?? candidates[0];
    if (!s) continue;
    chosen.set(s.id, {
      username: s.username,
      role,
      department: codeOf.get(s.departmentId) ?? s.departmentId,
      password: randomBytes(12).toString('base64url'),
    });
  }
  return chosen;
}

/**
 * Generates the demo hospital and writes it through the modules: departments, workstations and
 * staff into identity (a few accounts get printed passwords), every record into the encrypted
 * vault, the activity window into the ledger as imported audit entries. The planted incidents'
 * ground truth goes to `<dataDir>/demo-labels.json` only.
 */
export async function seedDemoHospital(
  rt: Runtime,
  params: Partial<DemoParams>,
  onProgress?: (p: SeedProgress) => void,
): Promise<SeedReport> {
  const started = performance.now();
  const tenant = params.tenant ?? rt.config.tenant;
  onProgress?.({ phase: 'generate', done: 0, total: 1 });
  const h = generateDemoHospital({ ...params, tenant });
  onProgress?.({ phase: 'generate', done: 1, total: 1 });

  const system = { id: null };
  await rt.identity.ensureTenant(tenant, h.tenant.name);
  await rt.identity.saveDepartments(
    h.departments.map((d) => ({
      tenantId: tenant,
      id: d.id,
      kind: DEPARTMENT_KINDS[d.code] ?? 'other',
      nameZh: d.name,
      nameEn: d.nameEn,
    })),
  );
  await rt.identity.saveWorkstations(
    tenant,
    h.workstations.map((w) => ({
      id: w.id,
      label: w.name,
      location: w.location,
      departmentId: w.departmentId,
      network: w.cidr,
      active: true,
    })),
    system,
  );
  const logins = pickLogins(h);
  const trainedAt = new Date(rt.now().getTime() - 30 * 86_400_000);
  for (let i = 0; i < h.staff.length; i += 500) {
    const chunk = h.staff.slice(i, i + 500);
    await rt.identity.createStaff(
      tenant,
      chunk.map((s) => staffRecord(s, logins.get(s.id)?.password, trainedAt)),
      system,
    );
    onProgress?.({
      phase: 'staff',
      done: Math.min(i + 500, h.staff.length),
      total: h.staff.length,
    });
  }

  // The scheduling system's roster: the monitor explains ward work and tells off-shift access.
  await importRoster(
    { db: rt.store.db as Kysely<RosterTables>, ledger: rt.ledger, now: rt.now },
    tenant,
    h.shifts.map((s) => ({
      staffId: s.staffId,
      start: new Date(s.start),
      end: new Date(s.end),
      department: s.departmentId,
    })),
    { type: 'system', id: 'demo-seed' },
  );

  const totalResources =
    1 +
    h.departments.length +
    h.organizations.length +
    2 * h.staff.length +
    h.patients.length +
    h.appointments.length +
    h.encounters.length +
    h.careTeams.length +
    h.serviceRequests.length +
    h.conditions.length +
    h.observations.length +
    h.medications.length +
    h.imagingStudies.length +
    h.notes.length;
  let resources = 0;
  for (const batch of demoToFhir(h)) {
    await writeResources(rt.vault, tenant, batch, { mutate: true, checkReferences: false });
    resources += batch.length;
    onProgress?.({ phase: 'records', done: resources, total: totalResources });
  }

  const departmentOf = new Map(h.staff.map((s) => [s.id, s.departmentId]));
  const totalEvents = [...h.accessEventDays()].reduce((n, d) => n + d.events.length, 0);
  let events = 0;
  for (const day of h.accessEventDays()) {
    for (let i = 0; i < day.events.length; i += 2000) {
      const chunk = day.events.slice(i, i + 2000);
      await rt.ledger.appendEntries(
        tenant,
        chunk.map((e) => accessEventToEntry(e, departmentOf)),
      );
      events += chunk.length;
      onProgress?.({ phase: 'activity', done: events, total: totalEvents });
    }
  }
  const labelsFile = join(rt.config.dataDir, 'demo-labels.json');
  writeDemoLabels(labelsFile, h.labels);
  return {
    tenant,
    staff: h.staff.length,
    patients: h.patients.length,
    resources,
    accessEvents: events,
    logins: [...logins.values()],
    labelsFile,
    seconds: (performance.now() - started) / 1000,
  };
}
