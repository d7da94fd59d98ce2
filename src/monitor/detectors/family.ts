import { say } from '../messages.ts';
import { IncidentKind, type PatientFacts, type StaffFacts } from '../types.ts';
import { DayOnce, type DetectorFactory } from './detector.ts';

/** Normalises a surname for comparison (case, width, spaces). */
export function normaliseSurname(s: string | undefined): string | undefined {
  if (!s) return undefined;
  const n = s.normalize('NFKC').replace(/\s+/g, '').toLowerCase();
  return n.length > 0 ? n : undefined;
}

/** What the staff member's HR data and the patient share; empty when nothing. */
export function sharedTies(
  staff: StaffFacts,
  patient: PatientFacts,
): { address: boolean; building: boolean; phone: boolean; contact: boolean; surname: boolean } {
  const surname =
    normaliseSurname(staff.surname) !== undefined &&
    normaliseSurname(staff.surname) === normaliseSurname(patient.surname);
  const address = !!staff.addressKey && staff.addressKey === patient.addressKey;
  const building =
    !address &&
    !!patient.buildingKey &&
    (staff.buildingKey === patient.buildingKey ||
      (staff.nearbyKeys?.includes(patient.buildingKey) ?? false));
  const phone = !!staff.phoneKey && staff.phoneKey === patient.phoneKey;
  const staffKeys = new Set<string>(staff.emergencyContactKeys ?? []);
  if (staff.phoneKey) staffKeys.add(staff.phoneKey);
  if (staff.addressKey) staffKeys.add(staff.addressKey);
  let contact = false;
  for (const k of patient.contactKeys ?? []) if (staffKeys.has(k)) contact = true;
  for (const k of staff.emergencyContactKeys ?? [])
    if (k === patient.phoneKey || k === patient.addressKey) contact = true;
  return { address, building, phone, contact, surname };
}

/**
 * Family member or neighbour: the patient shares the staff member's surname plus an address,
 * phone or emergency contact, or shares a phone or emergency contact outright (family), or only
 * the address or the building (neighbour, or family with another surname). Only unexplained
 * accesses count:
 * a relative treated by the staff member is care.
 */
export const createFamilyDetector: DetectorFactory = () => {
  const once = new DayOnce();
  return {
    id: 'family',
    kind: IncidentKind.FamilyLookup,
    observe({ event, explanation, patient, staff, day }, emit) {
      if (event.actorKind !== 'staff') return;
      if (!patient || !staff || explanation.explained) return;
      if (staff.nationalIdKey && staff.nationalIdKey === patient.nationalIdKey) return;
      const t = sharedTies(staff, patient);
      if (!t.address && !t.building && !t.phone && !t.contact) return;
      if (!once.first(day, `${event.actorId}|${patient.id}`)) return;
      const parts: string[] = [];
      const partsZh: string[] = [];
      const named: [boolean, string, string][] = [
        [t.surname, 'the surname', '姓氏'],
        [t.address, 'the home address', '家庭住址'],
        [t.building, 'the residential building', '居住楼栋'],
        [t.phone, 'the phone number', '电话号码'],
        [t.contact, 'an emergency contact', '紧急联系人'],
      ];
      for (const [on, en, zh] of named) {
        if (!on) continue;
        parts.push(en);
        partsZh.push(zh);
      }
      const strong = t.phone || t.contact || (t.surname && t.address);
      const weak = !t.address && !t.phone && !t.contact;
      emit({
        detector: 'family',
        kind: IncidentKind.FamilyLookup,
        actorId: event.actorId,
        patientIds: [patient.id],
        start: event.time,
        end: event.time,
        score: strong ? 0.8 : weak ? 0.55 : 0.6,
        evidence: [
          say('family.match', {
            patient: patient.id,
            what: parts.join(', '),
            whatZh: partsZh.join('、'),
          }),
        ],
        eventIds: [event.id],
      });
    },
    closeDay(day) {
      once.close(day);
    },
  };
};
