/**
 * Typed factories for vault tests: a small deterministic hospital in FHIR R4 shape with Chinese
 * names, resident ID numbers (valid checksum), phones, addresses, diagnoses and notes.
 * Used by tests only.
 */
import type { FhirResource } from './fhir-model.ts';

const SURNAMES = [
  '王',
  '李',
  '张',
  '刘',
  '陈',
  '杨',
  '黄',
  '赵',
  '吴',
  '周',
  '欧阳',
  '司马',
  '诸葛',
  '徐',
  '孙',
  '马',
  '朱',
  '胡',
  '郭',
  '何',
];
const GIVEN = [
  '伟',
  '芳',
  '娜',
  '秀英',
  '敏',
  '静',
  '丽',
  '强',
  '磊',
  '军',
  '洋',
  '勇',
  '艳',
  '杰',
  '娟',
  '涛',
  '明',
  '超',
  '秀兰',
  '霞',
  '平',
  '刚',
  '桂英',
  '嘉怡',
  '子涵',
];
const STREETS = ['建国路', '长安街', '中山路', '人民路', '解放路', '和平里', '望京街', '学院路'];
const DISTRICTS = ['朝阳区', '海淀区', '东城区', '西城区', '丰台区'];

/** Diagnoses used by the fixtures: ICD-10 code, Chinese text, department. */
export const FIXTURE_DIAGNOSES = [
  { code: 'J18.9', text: '社区获得性肺炎', dept: 'dept-im' },
  { code: 'E11.9', text: '二型糖尿病不伴并发症', dept: 'dept-im' },
  { code: 'F32.9', text: '抑郁发作未特指', dept: 'dept-psy' },
  { code: 'O80', text: '单胎顺产', dept: 'dept-obs' },
  { code: 'B20', text: '人类免疫缺陷病毒病', dept: 'dept-im' },
  { code: 'I10', text: '原发性高血压', dept: 'dept-im' },
] as const;

/** The identifying facts of one fixture patient (what must never appear in clear). */
export interface FixturePatient {
  id: string;
  name: string;
  nationalId: string;
  phone: string;
  address: string;
  mrn: string;
  diagnosisText: string;
  diagnosisCode: string;
}

/** PRC resident ID checksum (GB 11643-1999). */
export function residentIdChecksum(first17: string): string {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let s = 0;
  for (let i = 0; i < 17; i++) s += Number(first17[i]) * w[i]!;
  return '10X98765432'[s % 11]!;
}

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

/** Departments, staff and roles of the fixture hospital. */
export function makeStaff(): FhirResource[] {
  const org = (id: string, name: string, partOf?: string): FhirResource => ({
    resourceType: 'Organization',
    id,
    identifier: [{ system: 'urn:custos:org', value: id }],
    active: true,
    type: [
      {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/organization-type',
            code: partOf ? 'dept' : 'prov',
          },
        ],
      },
    ],
    name,
    ...(partOf ? { partOf: { reference: `Organization/${partOf}` } } : {}),
  });
  const prac = (
    id: string,
    family: string,
    given: string,
    nid: string,
    phone: string,
  ): FhirResource => ({
    resourceType: 'Practitioner',
    id,
    active: true,
    identifier: [
      { system: 'urn:custos:staff', value: id.toUpperCase() },
      { system: 'urn:oid:2.16.156.10011.1.1', value: nid },
    ],
    name: [{ family, given: [given], text: `${family}${given}` }],
    telecom: [{ system: 'phone', value: phone }],
    address: [{ text: '北京市东城区光明路8号' }],
  });
  const role = (
    id: string,
    practitioner: string,
    dept: string,
    code: string,
    end?: string,
  ): FhirResource => ({
    resourceType: 'PractitionerRole',
    id,
    active: true,
    practitioner: { reference: `Practitioner/${practitioner}` },
    organization: { reference: `Organization/${dept}` },
    code: [{ coding: [{ system: 'urn:custos:role', code }] }],
    period: { start: '2020-01-01', ...(end ? { end } : {}) },
  });
  return [
    org('hosp', '示范医院'),
    org('dept-im', '内科', 'hosp'),
    org('dept-psy', '精神科', 'hosp'),
    org('dept-obs', '产科', 'hosp'),
    org('dept-rad', '放射科', 'hosp'),
    org('vendor-lab', '第三方检验中心'),
    prac(
      'dr-wang',
      '王',
      '建国',
      '110101198001011234'.slice(0, 17) + residentIdChecksum('11010119800101123'),
      '13900000001',
    ),
    prac(
      'dr-li',
      '李',
      '思远',
      '11010119820202234' + residentIdChecksum('11010119820202234'),
      '13900000002',
    ),
    prac(
      'nurse-zhao',
      '赵',
      '春梅',
      '11010119850303345' + residentIdChecksum('11010119850303345'),
      '13900000003',
    ),
    prac(
      'tech-chen',
      '陈',
      '晓东',
      '11010119900404456' + residentIdChecksum('11010119900404456'),
      '13900000004',
    ),
    role('role-wang', 'dr-wang', 'dept-im', 'doctor'),
    role('role-li', 'dr-li', 'dept-psy', 'doctor'),
    role('role-zhao', 'nurse-zhao', 'dept-obs', 'nurse'),
    role('role-chen', 'tech-chen', 'dept-rad', 'technician'),
    role('role-wang-old', 'dr-wang', 'dept-obs', 'doctor', '2021-01-01'),
  ];
}

/** `n` patients with an encounter, a diagnosis, a note, an order, an observation and more. */
export function makePatients(
  n: number,
  seed = 7,
  prefix = 'p',
): { resources: FhirResource[]; patients: FixturePatient[] } {
  const rand = rng(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)]!;
  const resources: FhirResource[] = [];
  const patients: FixturePatient[] = [];
  for (let i = 0; i < n; i++) {
    const id = `${prefix}${String(i).padStart(5, '0')}`;
    const family = pick(SURNAMES);
    const given = pick(GIVEN) + pick(GIVEN);
    const name = `${family}${given}`;
    const birth = `19${50 + Math.floor(rand() * 50)}${String(1 + Math.floor(rand() * 12)).padStart(2, '0')}${String(1 + Math.floor(rand() * 28)).padStart(2, '0')}`;
    const first17 = `${110100 + Math.floor(rand() * 9)}${birth}${String(Math.floor(rand() * 1000)).padStart(3, '0')}`;
    const nationalId = first17 + residentIdChecksum(first17);
    const phone = `13${Math.floor(rand() * 10)}${String(Math.floor(rand() * 1e8)).padStart(8, '0')}`;
    const address = `北京市${pick(DISTRICTS)}${pick(STREETS)}${100 + i}号${1 + Math.floor(rand() * 20)}单元${100 + Math.floor(rand() * 900)}室`;
    const mrn = `MRN${String(100000 + i)}`;
    const dx = FIXTURE_DIAGNOSES[i % FIXTURE_DIAGNOSES.length]!;
    const diagnosisText = `${dx.text}（第${i}例）`;
    patients.push({
      id,
      name,
      nationalId,
      phone,
      address,
      mrn,
      diagnosisText,
      diagnosisCode: dx.code,
    });
    const day = `2024-0${1 + (i % 9)}-1${i % 10}`;
    const inpatient = i % 5 === 0;
    const doctor =
      dx.dept === 'dept-psy' ? 'dr-li' : dx.dept === 'dept-obs' ? 'nurse-zhao' : 'dr-wang';
    resources.push(
      {
        resourceType: 'Patient',
        id,
        ...(i % 17 === 0
          ? {
              meta: {
                security: [
                  { system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'V' },
                ],
              },
            }
          : {}),
        identifier: [
          { system: 'urn:oid:2.16.156.10011.1.1', value: nationalId },
          {
            type: {
              coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }],
            },
            system: 'urn:custos:mrn',
            value: mrn,
          },
        ],
        name: [{ text: name, family, given: [given] }],
        telecom: [{ system: 'phone', value: phone, use: 'mobile' }],
        gender: i % 2 ? 'female' : 'male',
        birthDate: `${birth.slice(0, 4)}-${birth.slice(4, 6)}-${birth.slice(6, 8)}`,
        address: [{ text: address, city: '北京市' }],
        contact: [
          {
            name: { text: `${family}${pick(GIVEN)}` },
            telecom: [{ system: 'phone', value: `1860000${String(i).padStart(4, '0')}` }],
          },
        ],
      },
      {
        resourceType: 'Encounter',
        id: `${id}-enc`,
        status: inpatient ? 'in-progress' : 'finished',
        class: {
          system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
          code: inpatient ? 'IMP' : 'AMB',
        },
        subject: { reference: `Patient/${id}` },
        participant: [{ individual: { reference: `Practitioner/${doctor}` } }],
        period: inpatient
          ? { start: `${day}T08:00:00+08:00` }
          : { start: `${day}T08:00:00+08:00`, end: `${day}T09:00:00+08:00` },
        serviceProvider: { reference: `Organization/${dx.dept}` },
        reasonCode: [{ text: diagnosisText }],
      },
      {
        resourceType: 'Condition',
        id: `${id}-dx`,
        clinicalStatus: {
          coding: [
            { system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' },
          ],
        },
        category: [
          {
            coding: [
              {
                system: 'http://terminology.hl7.org/CodeSystem/condition-category',
                code: 'encounter-diagnosis',
              },
            ],
          },
        ],
        code: {
          coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: dx.code, display: dx.text }],
          text: diagnosisText,
        },
        subject: { reference: `Patient/${id}` },
        encounter: { reference: `Encounter/${id}-enc` },
        recordedDate: day,
      },
      {
        resourceType: 'DocumentReference',
        id: `${id}-note`,
        status: 'current',
        category: [
          {
            coding: [
              {
                system: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category',
                code: 'clinical-note',
              },
            ],
          },
        ],
        subject: { reference: `Patient/${id}` },
        author: [{ reference: `Practitioner/${doctor}` }],
        date: `${day}T09:00:00+08:00`,
        content: [
          {
            attachment: {
              contentType: 'text/plain; charset=utf-8',
              data: Buffer.from(
                `患者${name}，身份证号${nationalId}，联系电话${phone}，住址${address}。诊断：${diagnosisText}。`,
              ).toString('base64'),
            },
          },
        ],
        context: { encounter: [{ reference: `Encounter/${id}-enc` }] },
      },
      {
        resourceType: 'ServiceRequest',
        id: `${id}-img`,
        status: 'active',
        intent: 'order',
        category: [{ coding: [{ system: 'http://snomed.info/sct', code: '363679005' }] }],
        code: { text: '胸部X线' },
        subject: { reference: `Patient/${id}` },
        encounter: { reference: `Encounter/${id}-enc` },
        requester: { reference: `Practitioner/${doctor}` },
        performer: [{ reference: 'Organization/dept-rad' }],
        authoredOn: day,
      },
      {
        resourceType: 'Observation',
        id: `${id}-bp`,
        status: 'final',
        category: [
          {
            coding: [
              {
                system: 'http://terminology.hl7.org/CodeSystem/observation-category',
                code: 'vital-signs',
              },
            ],
          },
        ],
        code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] },
        subject: { reference: `Patient/${id}` },
        encounter: { reference: `Encounter/${id}-enc` },
        effectiveDateTime: `${day}T08:30:00+08:00`,
        valueQuantity: { value: 110 + (i % 40), unit: 'mmHg' },
      },
    );
  }
  return { resources, patients };
}
