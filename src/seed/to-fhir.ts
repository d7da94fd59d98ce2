/**
 * Maps the demo hospital to FHIR R4 resources the way a hospital's own export would look
 * (ARCHITECTURE.md, "How real hospital data arrives"), so the demo enters the vault by the same
 * path as real data.
 */
import type { DemoAddress, DemoHospital, DemoPatient, DemoStaff } from '../demo/index.ts';
import type { FhirResource } from '../vault/index.ts';

/** Identifier system of the national resident ID (GB 11643). */
export const NATIONAL_ID_SYSTEM = 'urn:oid:2.16.156.10011.1.1';
/** Identifier system of the demo hospital's medical record numbers. */
export const MRN_SYSTEM = 'urn:custos:demo:mrn';
/** Identifier system of staff numbers. */
export const STAFF_NUMBER_SYSTEM = 'urn:custos:demo:staff-number';
const CONFIDENTIALITY = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';
const ICD10 = 'http://hl7.org/fhir/sid/icd-10';
const LOINC = 'http://loinc.org';

const ref = (type: string, id: string) => ({ reference: `${type}/${id}` });

function address(a: DemoAddress) {
  return {
    text: a.text,
    line: [[a.street, a.number, a.community, a.building, a.unit, a.room].filter(Boolean).join('')],
    city: a.city,
    district: a.district,
    state: a.province,
    postalCode: a.regionCode,
    country: 'CN',
  };
}

function humanName(p: { name: string; family: string; given: string }) {
  return [{ use: 'official', text: p.name, family: p.family, given: [p.given] }];
}

function patientResource(p: DemoPatient): FhirResource {
  return {
    resourceType: 'Patient',
    id: p.id,
    meta: { security: [{ system: CONFIDENTIALITY, code: p.confidentiality }] },
    identifier: [
      ...(p.nationalId ? [{ system: NATIONAL_ID_SYSTEM, value: p.nationalId }] : []),
      {
        system: MRN_SYSTEM,
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] },
        value: p.mrn,
      },
    ],
    name: humanName(p),
    gender: p.sex,
    birthDate: p.birthDate,
    telecom: p.phone ? [{ system: 'phone', use: 'mobile', value: p.phone }] : [],
    address: [address(p.address)],
    contact: p.contacts.map((c) => ({
      relationship: [{ text: c.relationship }],
      name: { text: c.name },
      telecom: [{ system: 'phone', value: c.phone }],
    })),
    ...(p.deceasedAt ? { deceasedDateTime: p.deceasedAt } : {}),
    ...(p.motherId ? { link: [{ other: ref('Patient', p.motherId), type: 'seealso' }] } : {}),
  };
}

function practitionerResources(s: DemoStaff): FhirResource[] {
  return [
    {
      resourceType: 'Practitioner',
      id: s.id,
      active: s.employment.status !== 'departed',
      identifier: [
        { system: STAFF_NUMBER_SYSTEM, value: s.staffNumber },
        { system: NATIONAL_ID_SYSTEM, value: s.nationalId },
      ],
      name: humanName(s),
      gender: s.sex,
      birthDate: s.birthDate,
      telecom: [{ system: 'phone', value: s.hr.phone }],
      address: [address(s.hr.homeAddress)],
    },
    {
      resourceType: 'PractitionerRole',
      id: `role-${s.id}`,
      active: s.employment.status === 'active',
      practitioner: ref('Practitioner', s.id),
      organization: ref('Organization', s.departmentId),
      code: [{ coding: [{ system: 'urn:custos:role', code: s.role }], text: s.title }],
      period: {
        start: s.employment.hiredOn,
        ...(s.employment.departedOn ? { end: s.employment.departedOn } : {}),
      },
    },
  ];
}

/**
 * Every resource of the demo hospital, in dependency order (organisations, staff, patients, then
 * the care graph and the clinical record). Yields batches so callers can write as they go.
 */
export function* demoToFhir(h: DemoHospital, batchSize = 500): Generator<FhirResource[]> {
  const out: FhirResource[] = [];
  const flush = function* () {
    while (out.length > 0) yield out.splice(0, batchSize);
  };
  out.push({
    resourceType: 'Organization',
    id: h.tenant.id,
    name: h.tenant.name,
    alias: [h.tenant.nameEn],
  });
  for (const d of h.departments) {
    out.push({
      resourceType: 'Organization',
      id: d.id,
      name: d.name,
      alias: [d.nameEn],
      partOf: ref('Organization', d.partOf),
      type: [{ text: d.kind }],
    });
  }
  for (const o of h.organizations)
    out.push({
      resourceType: 'Organization',
      id: o.id,
      name: o.name,
      alias: [o.nameEn],
      type: [{ text: o.kind }],
    });
  yield* flush();
  for (const s of h.staff) out.push(...practitionerResources(s));
  yield* flush();
  for (const p of h.patients) {
    out.push(patientResource(p));
    if (out.length >= batchSize) yield* flush();
  }
  yield* flush();
  for (const a of h.appointments) {
    out.push({
      resourceType: 'Appointment',
      id: a.id,
      status: a.status,
      start: a.start,
      end: a.end,
      participant: [
        { actor: ref('Patient', a.patientId), status: 'accepted' },
        { actor: ref('Practitioner', a.practitionerId), status: 'accepted' },
        { actor: ref('Organization', a.departmentId), status: 'accepted' },
      ],
    });
    if (out.length >= batchSize) yield* flush();
  }
  yield* flush();
  for (const e of h.encounters) {
    out.push({
      resourceType: 'Encounter',
      id: e.id,
      status: e.status,
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: e.class },
      subject: ref('Patient', e.patientId),
      serviceProvider: ref('Organization', e.departmentId),
      period: { start: e.start, ...(e.end ? { end: e.end } : {}) },
      participant: e.participants.map((p) => ({
        type: [
          {
            coding: [
              {
                system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
                code: p.type,
              },
            ],
          },
        ],
        individual: ref('Practitioner', p.staffId),
        period: { start: p.start, ...(p.end ? { end: p.end } : {}) },
      })),
      reasonCode: [{ coding: [{ system: ICD10, code: e.reasonCode }] }],
      ...(e.appointmentId ? { appointment: [ref('Appointment', e.appointmentId)] } : {}),
      ...(e.partOf ? { partOf: ref('Encounter', e.partOf) } : {}),
    });
    if (out.length >= batchSize) yield* flush();
  }
  yield* flush();
  for (const c of h.careTeams) {
    out.push({
      resourceType: 'CareTeam',
      id: c.id,
      status: c.end ? 'inactive' : 'active',
      subject: ref('Patient', c.patientId),
      encounter: ref('Encounter', c.encounterId),
      period: { start: c.start, ...(c.end ? { end: c.end } : {}) },
      managingOrganization: [ref('Organization', c.departmentId)],
      participant: c.members.map((m) => ({
        role: [{ text: m.role }],
        member: ref('Practitioner', m.staffId),
      })),
    });
    if (out.length >= batchSize) yield* flush();
  }
  for (const r of h.serviceRequests) {
    out.push({
      resourceType: 'ServiceRequest',
      id: r.id,
      status: r.status,
      intent: 'order',
      category: [{ text: r.category }],
      code: { coding: [{ code: r.code, display: r.displayEn }], text: r.display },
      subject: ref('Patient', r.patientId),
      encounter: ref('Encounter', r.encounterId),
      requester: ref('Practitioner', r.requesterId),
      authoredOn: r.authoredOn,
      performer: [ref('Organization', r.performer.id)],
    });
    if (out.length >= batchSize) yield* flush();
  }
  for (const c of h.conditions) {
    out.push({
      resourceType: 'Condition',
      id: c.id,
      subject: ref('Patient', c.patientId),
      encounter: ref('Encounter', c.encounterId),
      code: { coding: [{ system: ICD10, code: c.code, display: c.displayEn }], text: c.display },
      recordedDate: c.recordedDate,
      recorder: ref('Practitioner', c.recorderId),
    });
    if (out.length >= batchSize) yield* flush();
  }
  for (const o of h.observations) {
    out.push({
      resourceType: 'Observation',
      id: o.id,
      status: 'final',
      category: [
        {
          coding: [
            {
              system: 'http://terminology.hl7.org/CodeSystem/observation-category',
              code: 'laboratory',
            },
          ],
        },
      ],
      code: { coding: [{ system: LOINC, code: o.code, display: o.displayEn }], text: o.display },
      subject: ref('Patient', o.patientId),
      encounter: ref('Encounter', o.encounterId),
      basedOn: [ref('ServiceRequest', o.basedOn)],
      effectiveDateTime: o.effective,
      valueQuantity: { value: o.value, unit: o.unit },
      interpretation: [{ coding: [{ code: o.interpretation }] }],
      referenceRange: [{ text: o.referenceRange }],
    });
    if (out.length >= batchSize) yield* flush();
  }
  for (const m of h.medications) {
    out.push({
      resourceType: 'MedicationRequest',
      id: m.id,
      status: 'active',
      intent: 'order',
      medicationCodeableConcept: {
        coding: [{ code: m.code, display: m.displayEn }],
        text: m.display,
      },
      subject: ref('Patient', m.patientId),
      encounter: ref('Encounter', m.encounterId),
      requester: ref('Practitioner', m.requesterId),
      authoredOn: m.authoredOn,
      dosageInstruction: [{ text: m.dosage }],
    });
    if (out.length >= batchSize) yield* flush();
  }
  for (const s of h.imagingStudies) {
    out.push({
      resourceType: 'ImagingStudy',
      id: s.id,
      status: 'available',
      identifier: [{ system: 'urn:dicom:uid', value: `urn:oid:${s.uid}` }],
      subject: ref('Patient', s.patientId),
      encounter: ref('Encounter', s.encounterId),
      basedOn: [ref('ServiceRequest', s.basedOn)],
      started: s.started,
      modality: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: s.modality }],
      description: s.description,
      numberOfSeries: s.series,
      numberOfInstances: s.instances,
    });
    if (out.length >= batchSize) yield* flush();
  }
  for (const n of h.notes) {
    out.push({
      resourceType: 'DocumentReference',
      id: n.id,
      status: 'current',
      type: { text: n.type },
      subject: ref('Patient', n.patientId),
      date: n.date,
      author: [ref('Practitioner', n.authorId)],
      context: { encounter: [ref('Encounter', n.encounterId)] },
      content: [
        {
          attachment: {
            contentType: 'text/plain; charset=utf-8',
            language: n.language,
            data: Buffer.from(n.text, 'utf8').toString('base64'),
          },
        },
      ],
    });
    if (out.length >= batchSize) yield* flush();
  }
  yield* flush();
}
