/**
 * A small hospital for governance tests (tests only): a privacy officer and a second officer, a
 * vendor engineer, a researcher, a registered workstation, an external lab and a check-in app as
 * FHIR Organizations, and three patients — one with a lab order sent to the lab, one in
 * obstetrics with a gestational-age observation, one with imaging studies.
 */
import type { Staff } from '../identity/index.ts';
import { createTestRuntime, type Runtime } from '../runtime/index.ts';
import { writeResources, type FhirResource } from '../vault/index.ts';

/** The fixture: a runtime on the test backend with a settable clock. */
export interface GovernanceFixture {
  rt: Runtime & { logLines: string[] };
  tenant: string;
  clock: { now: Date };
  officer: Staff;
  officer2: Staff;
  vendor: Staff;
  researcher: Staff;
  admin: Staff;
  /** Registered workstation id and its network address. */
  workstation: { id: string; address: string };
}

/** Start of the fixture's world. */
export const FIXTURE_NOW = new Date('2025-03-03T02:00:00Z');

const patient = (id: string, name: string, mrn: string, gender: string): FhirResource => ({
  resourceType: 'Patient',
  id,
  identifier: [
    {
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] },
      system: 'urn:custos:mrn',
      value: mrn,
    },
  ],
  name: [{ text: name }],
  gender,
  birthDate: '1992-05-17',
  telecom: [{ system: 'phone', value: '13800138000', use: 'mobile' }],
  address: [{ text: '北京市朝阳区建国路88号' }],
});

function resources(): FhirResource[] {
  const org = (id: string, name: string): FhirResource => ({
    resourceType: 'Organization',
    id,
    active: true,
    name,
  });
  const out: FhirResource[] = [
    org('hosp', '示范医院'),
    org('lab-acme', '第三方检验中心'),
    org('app-checkin', '孕期打卡应用'),
    { ...org('dept-obs', '产科'), partOf: { reference: 'Organization/hosp' } },
    patient('pt-lab', '王芳', 'MRN100001', 'female'),
    patient('pt-obs', '李娜', 'MRN100002', 'female'),
    patient('pt-img', '张伟', 'MRN100003', 'male'),
    {
      resourceType: 'ServiceRequest',
      id: 'sr-lab-1',
      status: 'active',
      intent: 'order',
      code: { text: '血常规' },
      subject: { reference: 'Patient/pt-lab' },
      performer: [{ reference: 'Organization/lab-acme' }],
      authoredOn: '2025-03-02',
    },
    {
      resourceType: 'Observation',
      id: 'obs-lab-1',
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
      code: { coding: [{ system: 'http://loinc.org', code: '718-7' }], text: 'Hemoglobin' },
      subject: { reference: 'Patient/pt-lab' },
      basedOn: [{ reference: 'ServiceRequest/sr-lab-1' }],
      effectiveDateTime: '2025-03-02T09:00:00+08:00',
      valueQuantity: { value: 128, unit: 'g/L' },
    },
    {
      resourceType: 'Encounter',
      id: 'enc-obs-1',
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
      subject: { reference: 'Patient/pt-obs' },
      period: { start: '2025-03-01T08:00:00+08:00', end: '2025-03-01T09:00:00+08:00' },
      serviceProvider: { reference: 'Organization/dept-obs' },
    },
    {
      resourceType: 'Condition',
      id: 'dx-obs-1',
      code: {
        coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: 'Z34.0' }],
        text: '早孕监督',
      },
      subject: { reference: 'Patient/pt-obs' },
      encounter: { reference: 'Encounter/enc-obs-1' },
      recordedDate: '2025-03-01',
    },
    {
      resourceType: 'Observation',
      id: 'obs-ga-1',
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
      code: { coding: [{ system: 'http://loinc.org', code: '11884-4' }], text: 'Gestational age' },
      subject: { reference: 'Patient/pt-obs' },
      encounter: { reference: 'Encounter/enc-obs-1' },
      effectiveDateTime: '2025-03-01T08:30:00+08:00',
      valueQuantity: { value: 32, unit: 'wk' },
    },
    {
      resourceType: 'Appointment',
      id: 'appt-obs-1',
      status: 'booked',
      start: '2025-03-08T09:00:00+08:00',
      end: '2025-03-08T09:30:00+08:00',
      participant: [{ actor: { reference: 'Patient/pt-obs' }, status: 'accepted' }],
    },
  ];
  for (let i = 0; i < 3; i++)
    out.push({
      resourceType: 'ImagingStudy',
      id: `img-${i}`,
      status: 'available',
      subject: { reference: 'Patient/pt-img' },
      started: `2024-0${i + 1}-10T10:00:00+08:00`,
      numberOfInstances: 40,
    });
  return out;
}

/** Build the fixture on a fresh runtime. */
export async function createGovernanceFixture(
  opts: { env?: Record<string, string> } = {},
): Promise<GovernanceFixture> {
  const clock = { now: new Date(FIXTURE_NOW) };
  const rt = await createTestRuntime({
    clock: () => clock.now,
    ...(opts.env ? { env: opts.env } : {}),
  });
  const tenant = rt.config.tenant;
  const trained = new Date(FIXTURE_NOW.getTime() - 30 * 86_400_000);
  const ids = await rt.identity.createStaff(
    tenant,
    [
      {
        username: 'officer',
        staffNumber: 'S001',
        name: '周敏',
        roles: ['privacy-officer'],
        trainingCompletedAt: trained,
      },
      {
        username: 'officer2',
        staffNumber: 'S002',
        name: '吴静',
        roles: ['privacy-officer'],
        trainingCompletedAt: trained,
      },
      {
        username: 'vendor',
        staffNumber: 'V001',
        name: 'Vendor Engineer',
        roles: ['vendor-engineer'],
        trainingCompletedAt: trained,
      },
      {
        username: 'researcher',
        staffNumber: 'R001',
        name: '陈研究',
        roles: ['researcher'],
        trainingCompletedAt: trained,
      },
      {
        username: 'admin',
        staffNumber: 'A001',
        name: 'Ada Admin',
        roles: ['administrator'],
        trainingCompletedAt: trained,
      },
    ],
    { id: null },
  );
  const staff = await Promise.all(ids.map((id) => rt.identity.getStaff(tenant, id)));
  await rt.identity.saveWorkstations(
    tenant,
    [
      {
        id: 'ws-office-1',
        label: 'Office 1',
        location: 'office',
        departmentId: null,
        network: '10.1.0.0/16',
        active: true,
      },
    ],
    { id: null },
  );
  await writeResources(rt.vault, tenant, resources());
  return {
    rt,
    tenant,
    clock,
    officer: staff[0]!,
    officer2: staff[1]!,
    vendor: staff[2]!,
    researcher: staff[3]!,
    admin: staff[4]!,
    workstation: { id: 'ws-office-1', address: '10.1.2.3' },
  };
}

/** Contract terms for the external lab: ordered patients only, results fields, 2,000 calls a day. */
export function labContractTerms(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    party: { name: 'ACME Lab', kind: 'lab', organizationId: 'lab-acme' },
    purpose: 'treatment',
    legalBasis: 'contract (PIPL Art. 13(2)); data processing agreement DPA-2025-007',
    actsAs: 'lab-technician',
    resourceTypes: ['Patient', 'Observation', 'ServiceRequest'],
    fields: [
      'demographics.name',
      'demographics.sex',
      'demographics.birthDate',
      'demographics.mrn',
      'order',
      'observation.lab',
    ],
    patientScope: 'ordered',
    dailyLimit: 2000,
    ratePerMinute: 600,
    validFrom: '2025-01-01T00:00:00Z',
    validUntil: '2026-01-01T00:00:00Z',
    networks: ['203.0.113.0/24'],
    deidentify: false,
    watermark: true,
    responsible: {
      hospital: [{ name: 'Officer Zhou', role: 'privacy officer' }],
      party: [
        { name: 'Lab Manager', role: 'data protection contact', contact: 'dpo@acme-lab.example' },
      ],
    },
    ...over,
  };
}

/** Contract terms for the check-in app (incident 5): consented patients, name and appointments. */
export function appContractTerms(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    party: { name: 'Check-in App', kind: 'app', organizationId: 'app-checkin' },
    purpose: 'operations',
    legalBasis: 'consent (PIPL Art. 13(1), separate consent for sensitive data not given)',
    actsAs: 'registration',
    resourceTypes: ['Patient', 'Appointment'],
    fields: ['demographics.name', 'demographics.mrn', 'appointment'],
    patientScope: 'consented',
    dailyLimit: 3,
    ratePerMinute: 600,
    validFrom: '2025-01-01T00:00:00Z',
    validUntil: '2025-06-30T00:00:00Z',
    networks: ['198.51.100.0/24'],
    deidentify: false,
    watermark: true,
    responsible: {
      hospital: [{ name: 'Officer Wu', role: 'privacy officer' }],
      party: [{ name: 'App DPO', role: 'data protection officer' }],
    },
    ...over,
  };
}
