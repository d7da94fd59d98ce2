/**
 * Adapter from the demo hospital's records to the monitor's plain facts, events and incident
 * kinds, so the monitor can be evaluated against the generator's planted incidents.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type {
  DemoAccessEvent,
  DemoAddress,
  DemoCategory,
  DemoHospital,
  DemoIncidentKind,
  DemoPurpose,
} from '../demo/index.ts';
import { resolveMonitorConfig, type MonitorConfig } from './config.ts';
import { normalisePhone, purposeName } from './fhir.ts';
import {
  AccessAction,
  ActorKind,
  DataCategory,
  IncidentKind,
  StaffStatus,
  type AccessEvent,
  type ClientFacts,
  type MonitorFacts,
  type OrderFact,
  type PatientFacts,
  type StaffFacts,
} from './types.ts';

const DAY = 86_400_000;

/** The monitor incident kinds that answer each demo incident kind. */
export const DEMO_KIND_MAP: Readonly<Record<DemoIncidentKind, readonly IncidentKind[]>> = {
  'maternity-harvesting': [IncidentKind.Harvesting],
  'vip-snooping': [IncidentKind.VipSnooping],
  'photographed-record': [IncidentKind.VipSnooping],
  'coworker-lookup': [IncidentKind.CoworkerLookup],
  'family-lookup': [IncidentKind.FamilyLookup],
  'neighbour-lookup': [IncidentKind.FamilyLookup],
  'self-lookup': [IncidentKind.SelfLookup],
  'no-relationship-browsing': [IncidentKind.NoRelationship, IncidentKind.VipSnooping],
  'radiology-browsing': [IncidentKind.NoRelationship, IncidentKind.Harvesting],
  'vendor-bulk-export': [IncidentKind.BulkExport],
  'third-party-over-collection': [IncidentKind.ThirdPartyAbuse],
  'third-party-rate-abuse': [IncidentKind.ThirdPartyAbuse],
  'departed-account-use': [IncidentKind.AccountMisuse],
  'dormant-account-use': [IncidentKind.AccountMisuse],
  'off-hours-foreign-ip': [IncidentKind.UnusualNetwork, IncidentKind.OffHours],
  'volume-spike': [IncidentKind.VolumeSpike],
  'repeated-break-glass': [IncidentKind.BreakGlassRepeat],
  'deceased-record-access': [IncidentKind.DeceasedRecord],
};

const CATEGORY: Record<DemoCategory, DataCategory> = {
  demographic: DataCategory.Demographics,
  identifier: DataCategory.Demographics,
  contact: DataCategory.Contact,
  clinical: DataCategory.Clinical,
  maternity: DataCategory.Maternity,
  imaging: DataCategory.Imaging,
  financial: DataCategory.Billing,
  'mental-health': DataCategory.Sensitive,
  substance: DataCategory.Sensitive,
  hiv: DataCategory.Sensitive,
  reproductive: DataCategory.Sensitive,
};

const localDate = (d: string): number => Date.parse(`${d}T00:00:00+08:00`);

/** Monitor configuration for the demo hospital: its networks are internal, its GeoIP table known. */
export function demoMonitorConfig(
  hospital: DemoHospital,
  base: Partial<MonitorConfig> = {},
): MonitorConfig {
  return resolveMonitorConfig({
    ...base,
    internalNetworks: [...hospital.tenant.networks.map((n) => n.cidr), '127.0.0.0/8'],
    geoNetworks: hospital.tenant.ipGeo,
  });
}

/** Maps the demo's records to monitor facts. Contact data becomes per-run keyed hashes. */
export function demoToFacts(h: DemoHospital, key: Buffer = randomBytes(32)): MonitorFacts {
  const hash = (kind: string, v: string): string =>
    createHmac('sha256', key).update(`${kind}\u0000${v}`).digest('base64url').slice(0, 22);
  const addr = (a: DemoAddress): string => hash('address', a.text.replace(/\s+/g, ''));
  // A compound's building, or for a street of houses the house itself (its number).
  const building = (a: DemoAddress, number = a.number): string =>
    hash(
      'building',
      [a.regionCode, a.street, number, a.community ?? '', a.building ?? ''].join('|'),
    );
  const nearby = (a: DemoAddress): string[] => {
    const n = Number.parseInt(a.number, 10);
    if (a.building || !Number.isFinite(n)) return [];
    return [-6, -4, -2, 2, 4, 6].filter((d) => n + d > 0).map((d) => building(a, `${n + d}号`));
  };
  const phone = (p: string): string => hash('phone', normalisePhone(p));
  const nid = (v: string): string => hash('national-id', v.toUpperCase());

  const staff: StaffFacts[] = h.staff.map((s) => {
    const f: StaffFacts = {
      id: s.id,
      role: s.role,
      department: s.departmentId,
      status:
        s.employment.status === 'departed'
          ? StaffStatus.Departed
          : s.employment.status === 'suspended' || s.account.disabled
            ? StaffStatus.Suspended
            : StaffStatus.Active,
      surname: s.family,
      addressKey: addr(s.hr.homeAddress),
      phoneKey: phone(s.hr.phone),
      emergencyContactKeys: s.hr.emergencyContacts.map((c) => phone(c.phone)),
      nationalIdKey: nid(s.nationalId),
      lastActive: Date.parse(s.account.lastLoginAt),
    };
    f.buildingKey = building(s.hr.homeAddress);
    const near = nearby(s.hr.homeAddress);
    if (near.length > 0) f.nearbyKeys = near;
    const since = s.employment.departedOn ?? s.employment.suspendedOn;
    if (since) f.statusSince = localDate(since);
    return f;
  });
  const mothers = new Set(h.maternity.map((m) => m.motherId));
  const patients: PatientFacts[] = h.patients.map((p) => {
    const f: PatientFacts = { id: p.id, surname: p.family, addressKey: addr(p.address) };
    const digits = p.mrn.replace(/\D+/g, '');
    if (digits.length > 0 && digits.length <= 15) f.mrnNumber = Number(digits);
    if (p.confidentiality === 'V') f.vip = true;
    if (p.confidentiality === 'R') f.restricted = true;
    f.buildingKey = building(p.address);
    if (p.phone) f.phoneKey = phone(p.phone);
    if (p.contacts.length > 0) f.contactKeys = p.contacts.map((c) => phone(c.phone));
    if (p.nationalId) f.nationalIdKey = nid(p.nationalId);
    if (mothers.has(p.id)) f.maternity = true;
    if (p.motherId) f.newborn = true;
    if (p.deceasedAt) f.deceased = true;
    return f;
  });
  const clientsByOrg = new Map<string, string[]>();
  for (const c of h.apiClients) {
    const l = clientsByOrg.get(c.organizationId) ?? [];
    l.push(c.id);
    clientsByOrg.set(c.organizationId, l);
  }
  const clients: ClientFacts[] = h.apiClients.map((c) => ({
    id: c.id,
    organisation: c.organizationId,
    dailyLimit: c.contract.maxCallsPerDay,
    allowedFields: c.contract.fields,
    onlyOrderedPatients: c.contract.patientScope === 'order-to-organization',
    onlyAppointmentPatients: c.contract.patientScope === 'appointment-today',
    onlyDischargedPatients: c.contract.patientScope === 'discharged-inpatients',
    expires: Date.parse(c.contract.validTo),
  }));
  const orders: OrderFact[] = [];
  for (const s of h.serviceRequests) {
    const o: OrderFact = {
      id: s.id,
      patientId: s.patientId,
      time: Date.parse(s.authoredOn),
      orderedBy: s.requesterId,
    };
    if (s.fulfilledBy) o.performedBy = s.fulfilledBy;
    const clients =
      s.performer.type === 'organization' ? clientsByOrg.get(s.performer.id) : undefined;
    if (s.performer.type === 'department')
      orders.push({ ...o, performerDepartment: s.performer.id });
    else if (clients) for (const c of clients) orders.push({ ...o, performerClient: c });
    else orders.push(o);
  }
  for (const st of h.imagingStudies) {
    const t = Date.parse(st.started);
    for (const sid of [st.performerId, st.interpreterId])
      if (sid) orders.push({ id: st.id, patientId: st.patientId, time: t, performedBy: sid });
  }
  for (const m of h.medications)
    if (m.dispensedBy)
      orders.push({
        id: m.id,
        patientId: m.patientId,
        time: Date.parse(m.dispensedAt ?? m.authoredOn),
        performedBy: m.dispensedBy,
      });
  return {
    staff,
    patients,
    clients,
    workstations: h.workstations.map((w) => ({ id: w.id, department: w.departmentId })),
    care: {
      encounters: h.encounters.map((e) => ({
        id: e.id,
        patientId: e.patientId,
        department: e.departmentId,
        participants: e.participants.map((p) => p.staffId),
        start: Date.parse(e.start),
        ...(e.end ? { end: Date.parse(e.end) } : {}),
        kind: e.class,
      })),
      careTeams: h.careTeams.map((t) => ({
        patientId: t.patientId,
        members: t.members.map((m) => m.staffId),
        start: Date.parse(t.start),
        ...(t.end ? { end: Date.parse(t.end) } : {}),
      })),
      orders,
      appointments: h.appointments
        .filter((a) => a.status !== 'cancelled')
        .map((a) => ({
          patientId: a.patientId,
          time: Date.parse(a.start),
          staffId: a.practitionerId,
          department: a.departmentId,
        })),
      referrals: h.serviceRequests
        .filter((s) => s.category === 'referral' && s.performer.type === 'department')
        .map((s) => ({
          patientId: s.patientId,
          time: Date.parse(s.authoredOn),
          fromStaff: s.requesterId,
          ...(s.fulfilledBy ? { toStaff: s.fulfilledBy } : {}),
          toDepartment: s.performer.id,
        })),
      shifts: h.shifts.map((s) => ({
        staffId: s.staffId,
        start: Date.parse(s.start),
        end: Date.parse(s.end),
        department: s.departmentId,
      })),
      grants: h.researchStudies.flatMap((st) =>
        st.researcherIds.map((r) => ({
          staffId: r,
          patientIds: st.patientIds,
          start: localDate(st.approvedFrom),
          end: localDate(st.approvedTo) + DAY,
          purpose: 'research',
        })),
      ),
    },
  };
}

/** Maps one demo access event to a monitor event. */
export function demoEventToAccess(e: DemoAccessEvent): AccessEvent {
  const out: AccessEvent = {
    id: e.id,
    time: e.at,
    actorId: e.actorType === 'client' ? (e.clientId ?? '') : (e.staffId ?? ''),
    actorKind: e.actorType === 'client' ? ActorKind.Client : ActorKind.Staff,
    action:
      e.action === 'image-download'
        ? AccessAction.ImageDownload
        : e.action === 'export'
          ? AccessAction.Export
          : e.action === 'print'
            ? AccessAction.Print
            : e.action === 'search'
              ? AccessAction.Search
              : AccessAction.Read,
    categories: [...new Set(e.categories.map((c) => CATEGORY[c]))],
    fields: e.fields,
    purpose: purposeName(e.purpose as DemoPurpose),
    channel: e.channel,
  };
  if (e.patientId) out.patientId = e.patientId;
  else if (e.resultPatientIds && e.resultPatientIds.length > 0) out.patientIds = e.resultPatientIds;
  if (e.workstationId) out.workstation = e.workstationId;
  if (e.ip) out.ip = e.ip;
  if (e.instances !== undefined) out.instances = e.instances;
  if (e.breakGlassReason) out.breakGlass = true;
  return out;
}
