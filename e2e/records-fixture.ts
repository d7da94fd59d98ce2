/**
 * A small hospital for the clinician and privacy-officer journeys, dated around the real "now"
 * (the browser keeps session cookies by real time): two departments, two physicians (one
 * attending an open encounter of the patient, one in the emergency department without a
 * relationship), a privacy officer, workstations on the loopback address the browser uses, and
 * one patient with encounters, diagnoses, a note, results, medications and an imaging study.
 */
import type { Runtime } from '../src/runtime/index.ts';
import { writeResources, type FhirResource } from '../src/vault/index.ts';

export const PASSWORD = 'journey passphrase for e2e 2026';

/** Staff of the fixture: id → role, department, name. */
export const STAFF = {
  'doc-int': { role: 'physician', dept: 'dept-int', name: '李医生' },
  'doc-emd': { role: 'physician', dept: 'dept-emd', name: '王急诊' },
  'po-1': { role: 'privacy-officer', dept: 'dept-priv', name: '郑隐私' },
} as const;

/** Workstations registered on the loopback address (one per department). */
export const WORKSTATIONS = { 'ws-int': 'dept-int', 'ws-emd': 'dept-emd', 'ws-po': 'dept-priv' };

const ref = (t: string, id: string) => ({ reference: `${t}/${id}` });
const LOINC = 'http://loinc.org';

function resources(now: number): FhirResource[] {
  const at = (h: number) => new Date(now + h * 3_600_000).toISOString();
  const depts: FhirResource[] = [
    ['dept-int', '内科', 'Internal medicine'],
    ['dept-emd', '急诊科', 'Emergency'],
    ['dept-priv', '隐私办', 'Privacy office'],
  ].map(([id, name, en]) => ({ resourceType: 'Organization', id: id!, name: name!, alias: [en!] }));
  const staff: FhirResource[] = Object.entries(STAFF).flatMap(([id, s]) => [
    { resourceType: 'Practitioner', id, active: true, name: [{ text: s.name }] },
    {
      resourceType: 'PractitionerRole',
      id: `role-${id}`,
      active: true,
      practitioner: ref('Practitioner', id),
      organization: ref('Organization', s.dept),
      code: [{ coding: [{ system: 'urn:custos:role', code: s.role }] }],
      period: { start: '2020-01-01' },
    },
  ]);
  const subject = ref('Patient', 'p-1');
  return [
    ...depts,
    ...staff,
    {
      resourceType: 'Patient',
      id: 'p-1',
      identifier: [
        { system: 'urn:oid:2.16.156.10011.1.1', value: '110105194912310021' },
        {
          system: 'urn:custos:test:mrn',
          type: {
            coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }],
          },
          value: 'MRN0001',
        },
      ],
      name: [{ text: '张三丰' }],
      gender: 'male',
      birthDate: '1949-12-31',
      telecom: [{ system: 'phone', value: '13812345678' }],
      address: [{ text: '北京市朝阳区建国路88号', city: '北京市', district: '朝阳区' }],
    },
    {
      resourceType: 'Encounter',
      id: 'enc-1',
      status: 'in-progress',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
      subject,
      serviceProvider: ref('Organization', 'dept-int'),
      period: { start: at(-48) },
      participant: [{ individual: ref('Practitioner', 'doc-int') }],
      reasonCode: [{ coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: 'I10' }] }],
    },
    {
      resourceType: 'Condition',
      id: 'cond-htn',
      subject,
      encounter: ref('Encounter', 'enc-1'),
      clinicalStatus: { coding: [{ code: 'active' }] },
      code: {
        coding: [
          {
            system: 'http://hl7.org/fhir/sid/icd-10',
            code: 'I10',
            display: 'Essential hypertension',
          },
        ],
        text: '高血压',
      },
      recordedDate: at(-47),
    },
    {
      resourceType: 'Observation',
      id: 'obs-k',
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
      code: { coding: [{ system: LOINC, code: '2823-3', display: 'Potassium' }], text: '血钾' },
      subject,
      encounter: ref('Encounter', 'enc-1'),
      effectiveDateTime: at(-40),
      valueQuantity: { value: 4.1, unit: 'mmol/L' },
      referenceRange: [{ text: '3.5-5.3' }],
    },
    {
      resourceType: 'MedicationRequest',
      id: 'med-1',
      status: 'active',
      intent: 'order',
      subject,
      encounter: ref('Encounter', 'enc-1'),
      medicationCodeableConcept: { text: '氨氯地平片 5mg' },
      dosageInstruction: [{ text: '每日一次，每次一片' }],
      authoredOn: at(-46),
    },
    {
      resourceType: 'DocumentReference',
      id: 'note-1',
      status: 'current',
      type: { text: '入院记录' },
      subject,
      date: at(-47),
      author: [ref('Practitioner', 'doc-int')],
      description: '患者因头晕三天入院，血压 170/100 mmHg。',
      content: [
        {
          attachment: {
            contentType: 'text/plain',
            title: '患者因头晕三天入院，血压 170/100 mmHg。',
          },
        },
      ],
      context: { encounter: [ref('Encounter', 'enc-1')] },
    },
    {
      resourceType: 'ImagingStudy',
      id: 'img-1',
      status: 'available',
      subject,
      encounter: ref('Encounter', 'enc-1'),
      modality: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'CT' }],
      description: '头颅 CT 平扫',
      started: at(-45),
      numberOfSeries: 2,
      numberOfInstances: 120,
    },
  ];
}

/** Writes the fixture and gives every staff member the journey password. */
export async function seedRecordsFixture(rt: Runtime): Promise<void> {
  const tenant = rt.config.tenant;
  await rt.identity.saveWorkstations(
    tenant,
    Object.entries(WORKSTATIONS).map(([id, dept]) => ({
      id,
      label: id,
      location: `${dept} office`,
      departmentId: dept,
      network: '127.0.0.1/32',
      active: true,
    })),
    { id: null },
  );
  await rt.identity.createStaff(
    tenant,
    Object.entries(STAFF).map(([id, s], i) => ({
      id,
      username: id,
      staffNumber: `E${String(i + 1).padStart(4, '0')}`,
      name: s.name,
      roles: [s.role],
      departmentId: s.dept,
      status: 'active' as const,
      trainingCompletedAt: new Date(Date.now() - 30 * 86_400_000),
    })),
    { id: null },
  );
  for (const id of Object.keys(STAFF))
    await rt.identity.setPassword(tenant, id, PASSWORD, { id: null });
  await writeResources(rt.vault, tenant, resources(Date.now()));
}
