import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isCustosError } from '../errors/index.ts';
import {
  DEMO_INCIDENT_KINDS,
  type DemoAccessEvent,
  type DemoHospital,
  MOBILE_PATTERN,
  generateDemoHospital,
  parseResidentId,
  serializeDemoLabels,
  writeDemoLabels,
} from './index.ts';

const PARAMS = {
  patients: 1500,
  staff: 160,
  days: 4,
  seed: 'test-seed',
  tenant: 'test-hospital',
  now: '2025-03-12T10:00:00+08:00',
};

let h: DemoHospital;
let events: DemoAccessEvent[];

beforeAll(() => {
  h = generateDemoHospital(PARAMS);
  events = [...h.accessEvents()];
});

function digest(x: DemoHospital, evs: DemoAccessEvent[]): string {
  const { accessEventDays: _a, accessEvents: _b, ...records } = x;
  return createHash('sha256')
    .update(JSON.stringify(records))
    .update(JSON.stringify(evs))
    .digest('hex');
}

describe('generateDemoHospital', () => {
  it('gives byte-identical output for the same seed, and different output for another', () => {
    const again = generateDemoHospital(PARAMS);
    expect(digest(again, [...again.accessEvents()])).toBe(digest(h, events));
    // A second pass over the same stream is identical too.
    expect(JSON.stringify([...h.accessEvents()])).toBe(JSON.stringify(events));
    const other = generateDemoHospital({ ...PARAMS, seed: 'other-seed' });
    expect(other.patients[0]!.name + other.patients[0]!.nationalId).not.toBe(
      h.patients[0]!.name + h.patients[0]!.nationalId,
    );
  });

  it('makes exactly the requested numbers of patients and staff', () => {
    expect(h.patients).toHaveLength(PARAMS.patients);
    expect(h.staff).toHaveLength(PARAMS.staff);
    expect(h.summary.patients).toBe(PARAMS.patients);
    expect(new Set(h.patients.map((p) => p.id)).size).toBe(PARAMS.patients);
    expect(new Set(h.patients.map((p) => p.mrn)).size).toBe(PARAMS.patients);
  });

  it('every ID number passes the checksum and matches birth date and sex', () => {
    const now = Date.parse(PARAMS.now);
    const people = [...h.patients, ...h.staff];
    let checked = 0;
    for (const p of people) {
      const ids = [
        p.nationalId,
        ...('identifiers' in p
          ? p.identifiers
              .filter(
                (i) => i.system === 'resident-id' || i.system === 'foreign-permanent-resident-id',
              )
              .map((i) => i.value)
          : []),
      ];
      for (const id of ids) {
        if (!id) continue;
        const parsed = parseResidentId(id, now);
        expect(parsed, id).not.toBeNull();
        expect(parsed!.birthDate).toBe(p.birthDate);
        expect(parsed!.sex).toBe(p.sex);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(PARAMS.patients * 0.9);
    // Patients' and staff's ID numbers are unique, except staff who are also patients.
    const patientIds = h.patients.map((p) => p.nationalId).filter(Boolean);
    expect(new Set(patientIds).size).toBe(patientIds.length);
  });

  it('phones match the mobile format', () => {
    const phones = [
      ...h.patients.map((p) => p.phone),
      ...h.patients.flatMap((p) => p.contacts.map((c) => c.phone)),
      ...h.staff.map((s) => s.hr.phone),
      ...h.staff.flatMap((s) => s.hr.emergencyContacts.map((c) => c.phone)),
    ];
    expect(phones.filter(Boolean).length).toBeGreaterThan(PARAMS.patients);
    for (const ph of phones) if (ph) expect(ph).toMatch(MOBILE_PATTERN);
  });

  it('has Chinese names with compound surnames and some English names', () => {
    expect(h.patients.filter((p) => p.script === 'en').length).toBeGreaterThan(0);
    expect(h.patients.some((p) => p.family.length === 2 && p.script === 'zh')).toBe(true);
    for (const p of h.patients)
      if (p.script === 'zh' && !p.motherId) expect(p.name).toBe(p.family + p.given);
  });

  it('families share surname and address', () => {
    const byId = new Map(h.patients.map((p) => [p.id, p]));
    const staff = new Map(h.staff.map((s) => [s.id, s]));
    let families = 0;
    for (const hh of h.labels.households) {
      const members = hh.patientIds.map((id) => byId.get(id)!);
      for (const m of members) expect(m.address.text).toBe(hh.address);
      for (const s of hh.staffIds) expect(staff.get(s)!.hr.homeAddress.text).toBe(hh.address);
      const surnames = [
        ...members.map((m) => m.family),
        ...hh.staffIds.map((s) => staff.get(s)!.family),
      ];
      if (surnames.length >= 3) {
        expect(surnames.filter((f) => f === hh.surname).length).toBeGreaterThanOrEqual(2);
        families++;
      }
    }
    expect(families).toBeGreaterThan(50);
  });

  it('staff who are patients share their ID number; family and neighbours share HR data', () => {
    const byId = new Map(h.patients.map((p) => [p.id, p]));
    const staff = new Map(h.staff.map((s) => [s.id, s]));
    const rel = h.labels.staffRelations;
    expect(rel.filter((r) => r.relation === 'self').length).toBeGreaterThanOrEqual(3);
    for (const r of rel) {
      const s = staff.get(r.staffId)!;
      const p = byId.get(r.patientId)!;
      if (r.relation === 'self') {
        expect(p.nationalId).toBe(s.nationalId);
        expect(p.name).toBe(s.name);
      } else if (r.relation === 'family') {
        expect(p.address.text).toBe(s.hr.homeAddress.text);
      } else {
        expect(p.address.district + p.address.street + (p.address.building ?? '')).toBe(
          s.hr.homeAddress.district + s.hr.homeAddress.street + (s.hr.homeAddress.building ?? ''),
        );
        expect(p.address.text).not.toBe(s.hr.homeAddress.text);
      }
    }
    // Each staff member with family among the patients shares surname and address with one of
    // them, and the emergency contact in HR data is one of them.
    const familyStaff = new Set(rel.filter((x) => x.relation === 'family').map((r) => r.staffId));
    expect(familyStaff.size).toBeGreaterThanOrEqual(3);
    for (const sid of familyStaff) {
      const s = staff.get(sid)!;
      const members = rel
        .filter((r) => r.staffId === sid && r.relation === 'family')
        .map((r) => byId.get(r.patientId)!);
      expect(
        members.some((p) => p.family === s.family && p.address.text === s.hr.homeAddress.text),
      ).toBe(true);
      const phones = new Set(members.map((p) => p.phone));
      expect(s.hr.emergencyContacts.some((c) => phones.has(c.phone))).toBe(true);
    }
  });

  it('has VIPs, restricted patients, mothers with newborns and clinical records', () => {
    expect(h.patients.filter((p) => p.confidentiality === 'V').length).toBeGreaterThanOrEqual(2);
    expect(h.patients.filter((p) => p.confidentiality === 'R').length).toBeGreaterThan(0);
    const delivered = h.maternity.filter((m) => m.delivery);
    expect(delivered.length).toBeGreaterThan(0);
    for (const m of delivered) {
      const nb = h.patients.find((p) => p.id === m.delivery!.newbornId)!;
      expect(nb.motherId).toBe(m.motherId);
      expect(nb.birthDate).toBe(m.delivery!.date);
    }
    const classes = new Set(h.encounters.map((e) => e.class));
    expect([...classes].sort()).toEqual(['AMB', 'EMER', 'IMP']);
    expect(h.serviceRequests.some((s) => s.performer.type === 'organization')).toBe(true);
    expect(h.serviceRequests.some((s) => s.category === 'referral')).toBe(true);
    expect(h.imagingStudies.every((s) => s.instances >= 1 && s.series >= 1)).toBe(true);
    expect(h.conditions.some((c) => c.code.startsWith('F'))).toBe(true);
  });

  it('notes embed personal data and mark where it is', () => {
    const byId = new Map(h.patients.map((p) => [p.id, p]));
    for (const n of h.notes.slice(0, 500)) {
      const p = byId.get(n.patientId)!;
      expect(n.text).toContain(p.name);
      for (const s of n.phi) {
        expect(s.end).toBeGreaterThan(s.start);
        const span = n.text.slice(s.start, s.end);
        if (s.type === 'mrn') expect(span).toBe(p.mrn);
        if (s.type === 'id-number') expect(span).toBe(p.nationalId);
        if (s.type === 'phone') expect(span).toMatch(MOBILE_PATTERN);
      }
    }
  });

  it('streams events in time order with unique ids inside the window', () => {
    const from = Date.parse(h.labels.window.from);
    const to = Date.parse(h.labels.window.to);
    const ids = new Set<string>();
    let last = 0;
    for (const e of events) {
      expect(e.at).toBeGreaterThanOrEqual(last);
      expect(e.at).toBeGreaterThanOrEqual(from);
      expect(e.at).toBeLessThan(to);
      last = e.at;
      ids.add(e.id);
    }
    expect(ids.size).toBe(events.length);
    expect(events.length).toBeGreaterThan(1000);
    // Nothing in an event marks it as planted.
    const keys = new Set(events.flatMap((e) => Object.keys(e)));
    for (const k of keys) expect(k).not.toMatch(/plant|incident|label|truth/i);
  });

  it('plants every incident kind, and its events are in the stream', () => {
    const kinds = new Set(h.labels.incidents.map((i) => i.kind));
    expect([...kinds].sort()).toEqual([...DEMO_INCIDENT_KINDS].sort());
    const byId = new Map(events.map((e) => [e.id, e]));
    for (const inc of h.labels.incidents) {
      expect(inc.eventIds.length, inc.kind).toBeGreaterThan(0);
      for (const id of inc.eventIds) {
        const e = byId.get(id);
        expect(e, `${inc.kind} ${id}`).toBeDefined();
        expect(e!.staffId ?? e!.clientId).toBe(inc.staffId ?? inc.clientId);
        if (e!.patientId) expect(inc.patientIds).toContain(e!.patientId);
      }
    }
    const harvest = h.labels.incidents.find((i) => i.kind === 'maternity-harvesting')!;
    expect(harvest.patientIds.length).toBeGreaterThanOrEqual(20);
    const foreign = h.labels.incidents.find((i) => i.kind === 'off-hours-foreign-ip')!;
    expect(foreign.eventIds.every((id) => byId.get(id)!.ip.startsWith('203.0.113.'))).toBe(true);
  });

  it('explains normal activity from the care graph, and not the planted events', () => {
    const planted = new Set(h.labels.incidents.flatMap((i) => i.eventIds));
    const explain = makeExplainer(h);
    let normal = 0;
    let explained = 0;
    for (const e of events) {
      if (planted.has(e.id)) continue;
      normal++;
      if (explain(e)) explained++;
    }
    expect(explained / normal).toBeGreaterThan(0.97);
    for (const inc of h.labels.incidents) {
      const evs = inc.eventIds.map((id) => events.find((e) => e.id === id)!);
      const unexplained = evs.filter((e) => !explain(e)).length;
      expect(unexplained, inc.kind).toBeGreaterThan(0);
    }
  });

  it('reports progress through every phase, ending with the access stream', () => {
    const seen: string[] = [];
    const small = generateDemoHospital(
      { ...PARAMS, patients: 400, staff: 100, days: 2 },
      {
        onProgress: (p) => {
          expect(p.done).toBeLessThanOrEqual(p.total);
          if (seen[seen.length - 1] !== p.phase) seen.push(p.phase);
        },
      },
    );
    let n = 0;
    for (const d of small.accessEventDays()) n += d.events.length;
    expect(n).toBeGreaterThan(0);
    expect(seen).toEqual(['hospital', 'patients', 'care', 'incidents', 'access']);
  });

  it('writes the labels only when asked, to their own file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'custos-demo-'));
    try {
      const path = join(dir, 'labels.json');
      writeDemoLabels(path, h.labels);
      expect(readFileSync(path, 'utf8')).toBe(serializeDemoLabels(h.labels));
      expect(() => writeDemoLabels(join(dir, 'missing', 'x.json'), h.labels)).toThrow(/labels/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [{ patients: 10 }, 'patients'],
    [{ staff: 1.5 }, 'staff'],
    [{ days: 0 }, 'days'],
    [{ seed: '' }, 'seed'],
    [{ tenant: 'Bad Tenant!' }, 'tenant'],
    [{ now: 'yesterday' }, 'now'],
    [{ patients: 300, staff: 5000 }, 'patients'],
  ])('rejects %o naming the field', (bad, field) => {
    try {
      generateDemoHospital({ ...PARAMS, ...bad });
      expect.unreachable();
    } catch (e) {
      expect(isCustosError(e, 'CUSTOS_INPUT_INVALID')).toBe(true);
      expect((e as { extra: { field: string } }).extra.field).toBe(field);
    }
  });
});

/**
 * A reference explainer, the simplest one the care graph supports: an access is explained when
 * the staff member is recorded on the patient's care (participant, care team, order, study,
 * dispensing, referral), works on the ward or department where the patient is at that moment, or
 * reads an approved research cohort; a client is explained when its contract covers the patient
 * and every field.
 */
function makeExplainer(h: DemoHospital): (e: DemoAccessEvent) => boolean {
  const care = new Map<string, Set<string>>();
  const add = (p: string, s: string | undefined) => {
    if (!s) return;
    (care.get(p) ?? care.set(p, new Set()).get(p)!).add(s);
  };
  for (const e of h.encounters) for (const x of e.participants) add(e.patientId, x.staffId);
  for (const c of h.careTeams) for (const m of c.members) add(c.patientId, m.staffId);
  for (const s of h.serviceRequests) {
    add(s.patientId, s.fulfilledBy);
    add(s.patientId, s.requesterId);
  }
  for (const s of h.imagingStudies) {
    add(s.patientId, s.performerId);
    add(s.patientId, s.interpreterId);
  }
  for (const m of h.medications) add(m.patientId, m.dispensedBy);
  for (const o of h.observations) add(o.patientId, o.performerId);
  const staff = new Map(h.staff.map((s) => [s.id, s]));
  const stays = new Map<string, { dept: string; ward?: string; from: number; to: number }[]>();
  for (const e of h.encounters) {
    const l = stays.get(e.patientId) ?? [];
    l.push({
      dept: e.departmentId,
      ...(e.wardId ? { ward: e.wardId } : {}),
      from: Date.parse(e.start),
      to: e.end ? Date.parse(e.end) : Infinity,
    });
    stays.set(e.patientId, l);
  }
  const cohort = new Set(
    h.researchStudies.flatMap((s) => s.patientIds.map((p) => `${p}|${s.researcherIds.join(',')}`)),
  );
  const clients = new Map(h.apiClients.map((c) => [c.id, c]));
  const labPatients = new Set(
    h.serviceRequests.filter((s) => s.performer.type === 'organization').map((s) => s.patientId),
  );
  const appPatients = new Set(h.appointments.map((a) => a.patientId));
  const inpatients = new Set(h.encounters.filter((e) => e.class === 'IMP').map((e) => e.patientId));
  return (e) => {
    if (e.clientId) {
      const c = clients.get(e.clientId)!;
      const inScope =
        c.contract.patientScope === 'order-to-organization'
          ? labPatients.has(e.patientId!)
          : c.contract.patientScope === 'appointment-today'
            ? appPatients.has(e.patientId!)
            : inpatients.has(e.patientId!);
      return inScope && e.fields.every((f) => c.contract.fields.includes(f));
    }
    if (!e.patientId)
      return (
        e.action === 'search' &&
        (e.resultPatientIds ?? []).some((p) => care.get(p)?.has(e.staffId!))
      );
    const s = staff.get(e.staffId!)!;
    if (s.employment.status !== 'active' || s.leave) return false;
    if (care.get(e.patientId)?.has(s.id)) return !e.ip.startsWith('203.');
    if (
      (stays.get(e.patientId) ?? []).some(
        (x) =>
          e.at >= x.from - 3_600_000 &&
          e.at <= x.to + 3_600_000 &&
          (x.ward ? x.ward === s.wardId || x.dept === s.departmentId : x.dept === s.departmentId),
      )
    )
      return true;
    for (const k of cohort) if (k.startsWith(`${e.patientId}|`) && k.includes(s.id)) return true;
    return false;
  };
}
