/**
 * A small hospital for the access tests (not part of the public surface): departments,
 * staff in identity and as Practitioners in the vault (same ids), workstations, and a few
 * patients whose care graph covers the cases the tests need.
 */
import type { Role } from '../identity/index.ts';
import type { Runtime } from '../runtime/index.ts';
import { writeResources, type FhirResource } from '../vault/index.ts';

/** The fixed "now" of the fixture. */
export const NOW = new Date('2025-03-01T10:00:00.000Z');
const H = 3_600_000;
const at = (hours: number): string => new Date(NOW.getTime() + hours * H).toISOString();

const NATIONAL = 'urn:oid:2.16.156.10011.1.1';
const MR = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] };
const ICD10 = 'http://hl7.org/fhir/sid/icd-10';
const CONF = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';
const ref = (t: string, id: string) => ({ reference: `${t}/${id}` });

/** Staff of the fixture: id → role, department, name. */
export const STAFF: Record<
  string,
  {
    role: Role;
    dept: string;
    name: string;
    status?: 'active' | 'suspended' | 'departed';
    trainedDaysAgo?: number | null;
  }
> = {
  'doc-int': { role: 'physician', dept: 'dept-int', name: '李医生' },
  'doc-emd': { role: 'physician', dept: 'dept-emd', name: '王急诊' },
  'nurse-int': { role: 'head-nurse', dept: 'dept-int', name: '赵护士长' },
  'nurse-obs': { role: 'nurse', dept: 'dept-obs', name: '钱护士' },
  'clerk-reg': { role: 'registration-clerk', dept: 'dept-reg', name: '孙挂号' },
  'clerk-bill': { role: 'billing-clerk', dept: 'dept-bill', name: '周收费' },
  'rad-tech': { role: 'radiology-technician', dept: 'dept-rad', name: '吴技师' },
  'vendor-1': { role: 'vendor-engineer', dept: 'dept-it', name: 'Vendor Eng' },
  'po-1': { role: 'privacy-officer', dept: 'dept-priv', name: '郑隐私' },
  'po-2': { role: 'privacy-officer', dept: 'dept-priv', name: '冯隐私' },
  'doc-left': { role: 'physician', dept: 'dept-int', name: '陈离职', status: 'departed' },
  'doc-untrained': { role: 'physician', dept: 'dept-int', name: '褚未训', trainedDaysAgo: 400 },
};

/** Workstations: id → department and network. */
export const WORKSTATIONS = {
  'ws-int': {
    dept: 'dept-int',
    location: '内科一病区护士站',
    network: '10.20.1.0/24',
    ip: '10.20.1.15',
  },
  'ws-emd': { dept: 'dept-emd', location: '急诊留观室', network: '10.20.2.0/24', ip: '10.20.2.15' },
  'ws-reg': { dept: 'dept-reg', location: '门诊挂号处', network: '10.20.3.0/24', ip: '10.20.3.15' },
  'ws-obs': {
    dept: 'dept-obs',
    location: '产科病区护士站',
    network: '10.20.4.0/24',
    ip: '10.20.4.15',
  },
  'ws-lobby': {
    dept: 'dept-reg',
    location: '门诊大厅自助机',
    network: '10.20.5.0/24',
    ip: '10.20.5.15',
  },
  'ws-po': { dept: 'dept-priv', location: 'office', network: '10.20.6.0/24', ip: '10.20.6.15' },
  'ws-rad': {
    dept: 'dept-rad',
    location: '放射科阅片室',
    network: '10.20.7.0/24',
    ip: '10.20.7.15',
  },
} as const;

/** Resources of the fixture. */
export function fixtureResources(): FhirResource[] {
  const orgs: FhirResource[] = [
    { resourceType: 'Organization', id: 'org-h', name: '仁和医院' },
    ...[
      ['dept-int', '内科', 'Internal medicine'],
      ['dept-emd', '急诊科', 'Emergency'],
      ['dept-obs', '产科', 'Obstetrics'],
      ['dept-reg', '挂号处', 'Registration'],
      ['dept-bill', '收费处', 'Billing'],
      ['dept-rad', '放射科', 'Radiology'],
      ['dept-it', '信息科', 'IT'],
      ['dept-priv', '隐私办', 'Privacy office'],
    ].map(([id, name, en]) => ({
      resourceType: 'Organization',
      id: id!,
      name: name!,
      alias: [en!],
      partOf: ref('Organization', 'org-h'),
    })),
  ];
  const staff: FhirResource[] = Object.entries(STAFF).flatMap(([id, s]) => [
    { resourceType: 'Practitioner', id, active: s.status !== 'departed', name: [{ text: s.name }] },
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
  const patient = (
    id: string,
    name: string,
    idNumber: string,
    mrn: string,
    phone: string,
    conf: string,
  ): FhirResource => ({
    resourceType: 'Patient',
    id,
    meta: { security: [{ system: CONF, code: conf }] },
    identifier: [
      { system: NATIONAL, value: idNumber },
      { system: 'urn:custos:test:mrn', type: MR, value: mrn },
    ],
    name: [{ text: name }],
    gender: 'male',
    birthDate: '1949-12-31',
    telecom: [{ system: 'phone', value: phone }],
    address: [{ text: '北京市朝阳区建国路88号', city: '北京市', district: '朝阳区' }],
    contact: [
      {
        relationship: [{ text: '妻子' }],
        name: { text: '王小红' },
        telecom: [{ system: 'phone', value: '13900001111' }],
      },
    ],
  });
  const encounter = (
    id: string,
    pid: string,
    dept: string,
    who: string[],
    start: number,
    end?: number,
  ): FhirResource => ({
    resourceType: 'Encounter',
    id,
    status: end === undefined ? 'in-progress' : 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
    subject: ref('Patient', pid),
    serviceProvider: ref('Organization', dept),
    period: { start: at(start), ...(end !== undefined ? { end: at(end) } : {}) },
    participant: who.map((w) => ({ individual: ref('Practitioner', w) })),
  });
  return [
    ...orgs,
    ...staff,
    patient('p-1', '张三丰', '110105194912310021', 'MRN0001', '13812345678', 'N'),
    patient('p-vip', '欧阳娜娜', '110105199001011234', 'MRN0002', '13700000000', 'V'),
    patient('p-r', '司马光', '110105198001015678', 'MRN0003', '13600000000', 'R'),
    encounter('enc-1', 'p-1', 'dept-int', ['doc-int'], -48),
    encounter('enc-v', 'p-vip', 'dept-int', ['doc-int'], -24),
    encounter('enc-r', 'p-r', 'dept-obs', [], -24 * 400, -24 * 390),
    {
      resourceType: 'Condition',
      id: 'cond-htn',
      subject: ref('Patient', 'p-1'),
      encounter: ref('Encounter', 'enc-1'),
      code: {
        coding: [{ system: ICD10, code: 'I10', display: 'Essential hypertension' }],
        text: '高血压',
      },
      recordedDate: at(-47),
    },
    {
      resourceType: 'Condition',
      id: 'cond-dep',
      subject: ref('Patient', 'p-1'),
      encounter: ref('Encounter', 'enc-1'),
      code: {
        coding: [{ system: ICD10, code: 'F32.1', display: 'Depressive episode' }],
        text: '抑郁发作',
      },
      recordedDate: at(-46),
    },
    {
      resourceType: 'Observation',
      id: 'obs-1',
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
      code: {
        coding: [{ system: 'http://loinc.org', code: '2345-7', display: 'Glucose' }],
        text: '血糖',
      },
      subject: ref('Patient', 'p-1'),
      encounter: ref('Encounter', 'enc-1'),
      effectiveDateTime: at(-40),
      valueQuantity: { value: 6.1, unit: 'mmol/L' },
    },
    {
      resourceType: 'DocumentReference',
      id: 'note-1',
      status: 'current',
      type: { text: '病程记录' },
      subject: ref('Patient', 'p-1'),
      date: at(-30),
      author: [ref('Practitioner', 'doc-int')],
      context: { encounter: [ref('Encounter', 'enc-1')] },
      content: [
        {
          attachment: {
            contentType: 'text/plain; charset=utf-8',
            data: Buffer.from('患者张三丰，血压控制可，电话13812345678。', 'utf8').toString(
              'base64',
            ),
          },
        },
      ],
    },
    {
      resourceType: 'ServiceRequest',
      id: 'sr-ct',
      status: 'active',
      intent: 'order',
      category: [
        { coding: [{ system: 'http://snomed.info/sct', code: '363679005' }], text: 'imaging' },
      ],
      code: { text: '胸部CT' },
      subject: ref('Patient', 'p-1'),
      encounter: ref('Encounter', 'enc-1'),
      requester: ref('Practitioner', 'doc-int'),
      authoredOn: at(-20),
      performer: [ref('Organization', 'dept-rad')],
    },
    {
      resourceType: 'ImagingStudy',
      id: 'img-ct',
      status: 'available',
      subject: ref('Patient', 'p-1'),
      encounter: ref('Encounter', 'enc-1'),
      basedOn: [ref('ServiceRequest', 'sr-ct')],
      started: at(-10),
      modality: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'CT' }],
      description: 'CT chest',
      numberOfSeries: 2,
      numberOfInstances: 120,
    },
    {
      resourceType: 'ImagingStudy',
      id: 'img-old',
      status: 'available',
      subject: ref('Patient', 'p-1'),
      started: at(-24 * 300),
      modality: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'DX' }],
      description: 'Chest X-ray, unordered here',
    },
  ];
}

/** Write the fixture: departments, workstations, staff (identity) and the vault records. */
export async function seedFixture(rt: Runtime): Promise<void> {
  const tenant = rt.config.tenant;
  await rt.identity.saveWorkstations(
    tenant,
    Object.entries(WORKSTATIONS).map(([id, w]) => ({
      id,
      label: id,
      location: w.location,
      departmentId: w.dept,
      network: w.network,
      active: true,
    })),
    { id: null },
  );
  await rt.identity.createStaff(
    tenant,
    Object.entries(STAFF).map(([id, s], i) => ({
      id,
      username: id,
      staffNumber: `S${String(i + 1).padStart(4, '0')}`,
      name: s.name,
      roles: [s.role],
      departmentId: s.dept,
      status: s.status ?? 'active',
      trainingCompletedAt:
        s.trainedDaysAgo === null
          ? null
          : new Date(NOW.getTime() - (s.trainedDaysAgo ?? 30) * 24 * H),
    })),
    { id: null },
  );
  await writeResources(rt.vault, tenant, fixtureResources());
}
