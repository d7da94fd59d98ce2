/**
 * Data classification and grading in the style of GB/T 39725-2020 (健康医疗数据安全指南):
 * every field group of every resource carries a data category and a sensitivity grade 1-5, and
 * sensitive clinical categories (psychiatry, reproductive health, HIV/STI, substance use,
 * genetics) are derived from ICD-10 / SNOMED CT codes and from departments. The mapping is
 * configuration with the default below; policy and masking read it through the vault's exports.
 */

/** GB/T 39725 data categories (数据类别). */
export const DataCategory = {
  /** 个人属性数据: names, ID numbers, contact details, demographics. */
  PersonalAttributes: 'personal-attributes',
  /** 健康状况数据: diagnoses, results, history. */
  HealthStatus: 'health-status',
  /** 医疗应用数据: encounters, orders, notes, prescriptions, images. */
  MedicalApplication: 'medical-application',
  /** 医疗支付数据: claims, coverage, billing. */
  Payment: 'payment',
  /** 卫生资源数据: organisations, departments, staff, locations. */
  HealthResources: 'health-resources',
  /** 公共卫生数据. */
  PublicHealth: 'public-health',
} as const;
export type DataCategory = (typeof DataCategory)[keyof typeof DataCategory];

/** Sensitivity grade (第1级-第5级): 1 public … 4 identifies a person … 5 special sensitive. */
export type Grade = 1 | 2 | 3 | 4 | 5;

/** Sensitive clinical categories derived from codes and departments. */
export const SensitiveCategory = {
  Psychiatry: 'psychiatry',
  Reproductive: 'reproductive',
  HivSti: 'hiv-sti',
  Substance: 'substance',
  Genetics: 'genetics',
} as const;
export type SensitiveCategory = (typeof SensitiveCategory)[keyof typeof SensitiveCategory];

/** A named group of fields stored as one encrypted section, with its category and grade. */
export interface FieldClass {
  category: DataCategory;
  grade: Grade;
  description: string;
}

/** How one resource type is classified: its own category and grade and where its elements go. */
export interface ResourceClassification {
  category: DataCategory;
  grade: Grade;
  /** Field class of elements not listed in `fields`. */
  defaultClass: string;
  /** Top-level FHIR element name -> field class name. */
  fields: Record<string, string>;
}

/** Rule deriving one sensitive category. */
export interface SensitiveRule {
  /** ICD-10 categories or ranges: `F20-F99`, `B20-B24`, `Z21`, `O`. */
  icd10: string[];
  /** SNOMED CT concept ids. */
  snomed: string[];
  /** Case-insensitive patterns matched against a department's name, type and specialty. */
  departmentPatterns: string[];
  /** Department (Organization) ids that always carry the category. */
  departmentIds: string[];
}

/** The whole classification configuration. */
export interface ClassificationConfig {
  fieldClasses: Record<string, FieldClass>;
  resources: Record<string, ResourceClassification>;
  sensitive: Record<SensitiveCategory, SensitiveRule>;
  /** Grade given to anything that carries a sensitive category. */
  sensitiveGrade: Grade;
}

const fc = (category: DataCategory, grade: Grade, description: string): FieldClass => ({
  category,
  grade,
  description,
});

const clinical = (
  category: DataCategory,
  grade: Grade,
  fields: Record<string, string> = {},
): ResourceClassification => ({
  category,
  grade,
  defaultClass: 'clinical',
  fields: {
    meta: 'admin',
    identifier: 'admin',
    status: 'admin',
    extension: 'admin',
    text: 'narrative',
    note: 'narrative',
    ...fields,
  },
});

/** The default classification: a sane starting point hospitals can override. */
export const defaultClassification: ClassificationConfig = {
  sensitiveGrade: 5,
  fieldClasses: {
    identity: fc('personal-attributes', 4, 'names (direct identifiers)'),
    identifiers: fc('personal-attributes', 4, 'national ID, MRN, passport and other identifiers'),
    contact: fc('personal-attributes', 4, 'phones, e-mail, addresses, emergency contacts'),
    demographics: fc('personal-attributes', 3, 'sex, birth date, marital status, language, death'),
    admin: fc('medical-application', 2, 'status, metadata and administrative attributes'),
    clinical: fc('health-status', 3, 'codes, values, reasons, dosage and other clinical content'),
    narrative: fc('medical-application', 4, 'free text: narrative, notes, comments'),
    document: fc('medical-application', 4, 'document content and attachments'),
    imaging: fc('medical-application', 4, 'imaging series and instances'),
    payment: fc('payment', 3, 'claims, coverage and amounts'),
    resource: fc('health-resources', 1, 'organisations, departments, locations'),
    staff: fc('health-resources', 3, 'staff personal data (HR): names, identifiers, contact'),
  },
  resources: {
    Patient: {
      category: 'personal-attributes',
      grade: 4,
      defaultClass: 'demographics',
      fields: {
        meta: 'admin',
        active: 'admin',
        managingOrganization: 'admin',
        generalPractitioner: 'admin',
        link: 'admin',
        text: 'narrative',
        name: 'identity',
        photo: 'identity',
        identifier: 'identifiers',
        telecom: 'contact',
        address: 'contact',
        contact: 'contact',
      },
    },
    Practitioner: {
      category: 'health-resources',
      grade: 3,
      defaultClass: 'staff',
      fields: { meta: 'admin', active: 'admin' },
    },
    PractitionerRole: {
      category: 'health-resources',
      grade: 2,
      defaultClass: 'admin',
      fields: { telecom: 'staff' },
    },
    Organization: { category: 'health-resources', grade: 1, defaultClass: 'resource', fields: {} },
    Location: { category: 'health-resources', grade: 1, defaultClass: 'resource', fields: {} },
    Encounter: clinical('medical-application', 3, {
      class: 'admin',
      period: 'admin',
      serviceProvider: 'admin',
      participant: 'admin',
      location: 'admin',
      subject: 'admin',
    }),
    CareTeam: clinical('medical-application', 2, {
      participant: 'admin',
      period: 'admin',
      subject: 'admin',
      managingOrganization: 'admin',
    }),
    Appointment: clinical('medical-application', 3, {
      participant: 'admin',
      start: 'admin',
      end: 'admin',
    }),
    ServiceRequest: clinical('medical-application', 3, {
      subject: 'admin',
      requester: 'admin',
      performer: 'admin',
      authoredOn: 'admin',
    }),
    Condition: clinical('health-status', 3, { subject: 'admin', encounter: 'admin' }),
    Observation: clinical('health-status', 3, { subject: 'admin', encounter: 'admin' }),
    MedicationRequest: clinical('medical-application', 3, {
      subject: 'admin',
      encounter: 'admin',
      requester: 'admin',
    }),
    DocumentReference: clinical('medical-application', 4, {
      content: 'document',
      subject: 'admin',
      author: 'admin',
      custodian: 'admin',
    }),
    ImagingStudy: clinical('medical-application', 4, {
      series: 'imaging',
      subject: 'admin',
      encounter: 'admin',
    }),
    Consent: clinical('medical-application', 3, { patient: 'admin' }),
    Procedure: clinical('medical-application', 3, { subject: 'admin', encounter: 'admin' }),
    DiagnosticReport: clinical('health-status', 3, {
      presentedForm: 'document',
      subject: 'admin',
      encounter: 'admin',
    }),
    AllergyIntolerance: clinical('health-status', 3, { patient: 'admin' }),
    Immunization: clinical('health-status', 3, { patient: 'admin', encounter: 'admin' }),
    Claim: clinical('payment', 3, { patient: 'admin' }),
    ExplanationOfBenefit: clinical('payment', 3, { patient: 'admin' }),
    Coverage: clinical('payment', 3, { beneficiary: 'admin' }),
  },
  sensitive: {
    psychiatry: {
      icd10: ['F00-F09', 'F20-F99', 'X60-X84', 'Z91.5'],
      snomed: [
        '35489007',
        '370143000',
        '36923009',
        '58214004',
        '13746004',
        '197480006',
        '191736004',
        '69322001',
        '44548000',
        '47505003',
      ],
      departmentPatterns: ['psychiat', 'mental', 'behavio', '精神', '心理'],
      departmentIds: [],
    },
    reproductive: {
      icd10: ['O00-O9A', 'Z30-Z39', 'Z3A', 'N96-N98', 'N70-N77'],
      snomed: [
        '72892002',
        '77386006',
        '57797005',
        '386639001',
        '8619003',
        '6342002',
        '169826009',
        '16356006',
      ],
      departmentPatterns: [
        'obstet',
        'gynae',
        'gyneco',
        'reproduct',
        'fertility',
        'maternity',
        '产科',
        '妇产',
        '妇科',
        '生殖',
        '计划生育',
        '助产',
      ],
      departmentIds: [],
    },
    'hiv-sti': {
      icd10: ['B20-B24', 'Z21', 'R75', 'A50-A64', 'Z20.6', 'Z71.7', 'O98.7'],
      snomed: [
        '86406008',
        '62479008',
        '165816005',
        '76272004',
        '15628003',
        '240589008',
        '111880001',
      ],
      departmentPatterns: [
        'hiv',
        'aids',
        'sexually transmitted',
        'std clinic',
        'sti clinic',
        '性病',
        '艾滋',
      ],
      departmentIds: [],
    },
    substance: {
      icd10: ['F10-F19', 'Z71.4', 'Z71.5', 'T40'],
      snomed: ['66590003', '7200002', '191816009', '55680006', '361055000', '5602001', '26416006'],
      departmentPatterns: ['addiction', 'substance', 'detox', '戒毒', '成瘾', '戒酒'],
      departmentIds: [],
    },
    genetics: {
      icd10: ['Q90-Q99', 'Z15', 'Z14'],
      snomed: ['41040004', '70156005', '190905008'],
      departmentPatterns: ['genetic', 'genomic', '遗传', '基因'],
      departmentIds: [],
    },
  },
};

/** A coded value found in a resource. */
export interface Coding {
  system?: string;
  code?: string;
}

const ICD10_SYSTEMS = [
  /icd-?10/i,
  /^urn:oid:2\.16\.840\.1\.113883\.6\.(3|90)$/,
  /^urn:oid:2\.16\.156\.10011\.2\.3\.3\.11/,
];
const SNOMED_SYSTEMS = [/snomed/i, /^urn:oid:2\.16\.840\.1\.113883\.6\.96$/];

/** ICD-10 category (letter + two characters) of a code such as `F32.1` or `f321`. */
function icdCategory(code: string): string {
  return code.replace(/[.\s]/g, '').toUpperCase().slice(0, 3);
}

/** True when an ICD-10 code falls into a rule entry (`F20-F99`, `Z20.6`, `Z21`, `O`). */
export function matchesIcd10(code: string, entry: string): boolean {
  const c = code.replace(/\s/g, '').toUpperCase();
  const e = entry.toUpperCase();
  const dash = e.indexOf('-');
  if (dash > 0) {
    const cat = icdCategory(c);
    return cat >= e.slice(0, dash) && cat <= e.slice(dash + 1);
  }
  if (e.includes('.')) return c === e || c.startsWith(e);
  return c.replace('.', '').startsWith(e);
}

/** Sensitive categories implied by a set of codings (ICD-10 or SNOMED CT). */
export function categoriesOfCodings(
  codings: Iterable<Coding>,
  config: ClassificationConfig = defaultClassification,
): Set<SensitiveCategory> {
  const out = new Set<SensitiveCategory>();
  for (const c of codings) {
    if (!c.code || !c.system) continue;
    const isIcd = ICD10_SYSTEMS.some((r) => r.test(c.system!));
    const isSnomed = !isIcd && SNOMED_SYSTEMS.some((r) => r.test(c.system!));
    if (!isIcd && !isSnomed) continue;
    for (const [cat, rule] of Object.entries(config.sensitive) as [
      SensitiveCategory,
      SensitiveRule,
    ][]) {
      if (isIcd ? rule.icd10.some((e) => matchesIcd10(c.code!, e)) : rule.snomed.includes(c.code))
        out.add(cat);
    }
  }
  return out;
}

/** Sensitive categories of a department from its id and descriptive texts (name, type). */
export function categoriesOfDepartment(
  id: string,
  texts: readonly string[],
  config: ClassificationConfig = defaultClassification,
): Set<SensitiveCategory> {
  const out = new Set<SensitiveCategory>();
  const hay = texts.join(' ').toLowerCase();
  for (const [cat, rule] of Object.entries(config.sensitive) as [
    SensitiveCategory,
    SensitiveRule,
  ][]) {
    if (
      rule.departmentIds.includes(id) ||
      rule.departmentPatterns.some((p) => hay.includes(p.toLowerCase()))
    ) {
      out.add(cat);
    }
  }
  return out;
}

/** Every Coding ({system, code}) anywhere inside a JSON value. */
export function collectCodings(value: unknown, out: Coding[] = []): Coding[] {
  if (Array.isArray(value)) {
    for (const v of value) collectCodings(v, out);
  } else if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.system === 'string' && typeof o.code === 'string')
      out.push({ system: o.system, code: o.code });
    for (const v of Object.values(o)) if (typeof v === 'object') collectCodings(v, out);
  }
  return out;
}

/** Classification of a resource type (a generic clinical one for types not configured). */
export function classificationOf(
  resourceType: string,
  config: ClassificationConfig = defaultClassification,
): ResourceClassification {
  return config.resources[resourceType] ?? clinical('medical-application', 3);
}

/** The field class of a top-level element of a resource type. */
export function fieldClassOf(
  resourceType: string,
  element: string,
  config: ClassificationConfig = defaultClassification,
): string {
  const rc = classificationOf(resourceType, config);
  return rc.fields[element] ?? rc.defaultClass;
}

/** Category and grade of a field class; grade raised to the sensitive grade when categories apply. */
export function gradeOf(
  fieldClass: string,
  sensitive: ReadonlySet<SensitiveCategory> | readonly SensitiveCategory[],
  config: ClassificationConfig = defaultClassification,
): { category: DataCategory; grade: Grade } {
  const f = config.fieldClasses[fieldClass] ?? config.fieldClasses.clinical!;
  const any = Array.isArray(sensitive)
    ? sensitive.length > 0
    : (sensitive as ReadonlySet<SensitiveCategory>).size > 0;
  const raise =
    any &&
    f.category !== 'personal-attributes' &&
    f.category !== 'health-resources' &&
    fieldClass !== 'admin';
  return {
    category: f.category,
    grade: raise ? (Math.max(f.grade, config.sensitiveGrade) as Grade) : f.grade,
  };
}
