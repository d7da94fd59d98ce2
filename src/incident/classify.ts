/**
 * What a ledger entry's fields and categories mean for a breach: the GB/T 39725 data category
 * and sensitivity grade of each, and the words a notice uses for it. The ledger holds fields in
 * two vocabularies — Custos' own disclosure path (`contact.phone`) and imported audit logs
 * (`phone`) — and both are mapped here. Grades follow the vault's classification; anything
 * carrying a sensitive clinical category is graded as the vault grades it (5).
 */
import {
  defaultClassification,
  type ClassificationConfig,
  type DataCategory,
  type Grade,
} from '../vault/index.ts';

/** A kind of data a notice can name, with its field class in the vault. */
export interface DataKind {
  id: string;
  fieldClass: string;
  zh: string;
  en: string;
}

const K = (id: string, fieldClass: string, zh: string, en: string): DataKind => ({
  id,
  fieldClass,
  zh,
  en,
});

/** Data kinds in the order notices list them. */
export const DATA_KINDS: readonly DataKind[] = [
  K('name', 'identity', '姓名', 'name'),
  K('id-number', 'identifiers', '身份证件号码', 'identity document number'),
  K('mrn', 'identifiers', '病历号', 'medical record number'),
  K(
    'demographics',
    'demographics',
    '性别、出生日期等基本信息',
    'sex, date of birth and similar details',
  ),
  K('phone', 'contact', '联系电话', 'phone number'),
  K('address', 'contact', '住址', 'home address'),
  K('email', 'contact', '电子邮箱', 'e-mail address'),
  K('emergency-contact', 'contact', '紧急联系人', 'emergency contacts'),
  K(
    'maternity',
    'clinical',
    '孕产信息（孕周、预产期、分娩日期与方式）',
    'pregnancy and delivery details (weeks, due date, delivery date and method)',
  ),
  K('diagnosis', 'clinical', '诊断', 'diagnoses'),
  K('clinical', 'clinical', '就诊与检查检验信息', 'visits, tests and results'),
  K('medication', 'clinical', '用药信息', 'medications'),
  K('notes', 'narrative', '病程记录等文书', 'clinical notes'),
  K('imaging', 'imaging', '影像资料', 'medical images'),
  K('appointments', 'admin', '预约信息', 'appointments'),
  K('billing', 'payment', '费用与医保信息', 'billing and insurance details'),
  K('technical', 'admin', '技术性信息', 'technical data'),
];
const KIND_BY_ID = new Map(DATA_KINDS.map((k) => [k.id, k]));

/** Ledger field names (both vocabularies) → data kind. Unknown fields map to `clinical`. */
const FIELD_KIND: Record<string, string> = {
  'demographics.name': 'name',
  name: 'name',
  'demographics.idNumber': 'id-number',
  nationalId: 'id-number',
  'demographics.mrn': 'mrn',
  mrn: 'mrn',
  'demographics.sex': 'demographics',
  'demographics.birthDate': 'demographics',
  sex: 'demographics',
  birthDate: 'demographics',
  'contact.phone': 'phone',
  phone: 'phone',
  'contact.address': 'address',
  address: 'address',
  'contact.email': 'email',
  'contact.emergencyContact': 'emergency-contact',
  contacts: 'emergency-contact',
  gestationalWeeks: 'maternity',
  dueDate: 'maternity',
  deliveryDate: 'maternity',
  deliveryMethod: 'maternity',
  diagnosis: 'diagnosis',
  diagnoses: 'diagnosis',
  encounter: 'clinical',
  encounters: 'clinical',
  'observation.vitals': 'clinical',
  'observation.lab': 'clinical',
  labs: 'clinical',
  allergy: 'clinical',
  procedure: 'clinical',
  order: 'clinical',
  orders: 'clinical',
  medication: 'medication',
  medications: 'medication',
  note: 'notes',
  notes: 'notes',
  'imaging.order': 'imaging',
  'imaging.study': 'imaging',
  'imaging.report': 'imaging',
  imaging: 'imaging',
  appointment: 'appointments',
  appointments: 'appointments',
  'billing.codes': 'billing',
  'billing.amounts': 'billing',
  'billing.insurance': 'billing',
  billing: 'billing',
  insurance: 'billing',
  technical: 'technical',
};

/** Sensitive clinical categories (vault vocabulary) and the ledger category names that mean them. */
const SENSITIVE: Record<string, { id: string; zh: string; en: string }> = {
  psychiatry: { id: 'psychiatry', zh: '精神心理健康信息', en: 'mental-health information' },
  'mental-health': { id: 'psychiatry', zh: '精神心理健康信息', en: 'mental-health information' },
  reproductive: {
    id: 'reproductive',
    zh: '生殖与孕产健康信息',
    en: 'reproductive and maternity health information',
  },
  maternity: {
    id: 'reproductive',
    zh: '生殖与孕产健康信息',
    en: 'reproductive and maternity health information',
  },
  'hiv-sti': {
    id: 'hiv-sti',
    zh: '艾滋病及性传播疾病信息',
    en: 'HIV and sexually transmitted infection information',
  },
  hiv: {
    id: 'hiv-sti',
    zh: '艾滋病及性传播疾病信息',
    en: 'HIV and sexually transmitted infection information',
  },
  substance: { id: 'substance', zh: '物质使用（成瘾）信息', en: 'substance-use information' },
  genetics: { id: 'genetics', zh: '遗传信息', en: 'genetic information' },
};

/** Ledger category names that mean contact details (what harvesters sell). */
const CONTACT_CATEGORIES = new Set(['contact']);

/** The classification of everything one or more entries touched. */
export interface Classified {
  /** Data kinds touched (ids of DATA_KINDS), in notice order. */
  kinds: string[];
  /** GB/T 39725 data categories touched. */
  categories: DataCategory[];
  /** Sensitive clinical categories touched (vault vocabulary). */
  sensitive: string[];
  /** Highest grade touched (1-5). */
  grade: Grade;
  /** Contact details were among what was touched. */
  contact: boolean;
}

/** Maps ledger fields and categories to kinds, GB/T categories, sensitive categories and grade. */
export function classifyAccess(
  fields: Iterable<string>,
  categories: Iterable<string>,
  config: ClassificationConfig = defaultClassification,
): Classified {
  const kinds = new Set<string>();
  for (const f of fields) kinds.add(FIELD_KIND[f] ?? 'clinical');
  const sensitive = new Set<string>();
  let contact = false;
  for (const c of categories) {
    const s = SENSITIVE[c];
    if (s) sensitive.add(s.id);
    if (CONTACT_CATEGORIES.has(c)) contact = true;
  }
  for (const k of kinds) if (KIND_BY_ID.get(k)?.fieldClass === 'contact') contact = true;
  if (kinds.has('maternity')) sensitive.add('reproductive');
  const cats = new Set<DataCategory>();
  let grade = 1;
  for (const k of kinds) {
    const fc = config.fieldClasses[KIND_BY_ID.get(k)!.fieldClass];
    if (!fc) continue;
    cats.add(fc.category);
    grade = Math.max(grade, fc.grade);
  }
  if (sensitive.size > 0) {
    grade = Math.max(grade, config.sensitiveGrade);
    cats.add('health-status');
  }
  return {
    kinds: DATA_KINDS.filter((k) => kinds.has(k.id)).map((k) => k.id),
    categories: [...cats].sort(),
    sensitive: [...sensitive].sort(),
    grade: grade as Grade,
    contact,
  };
}

/** Notice words for a data kind or a sensitive category id. */
export function dataWords(id: string, lang: 'zh' | 'en'): string {
  const k = KIND_BY_ID.get(id);
  if (k) return k[lang];
  const s = Object.values(SENSITIVE).find((x) => x.id === id);
  return s ? s[lang] : id;
}

/** GB/T 39725 category names for reports. */
export const CATEGORY_WORDS: Record<string, { zh: string; en: string }> = {
  'personal-attributes': { zh: '个人属性数据', en: 'personal attributes' },
  'health-status': { zh: '健康状况数据', en: 'health status' },
  'medical-application': { zh: '医疗应用数据', en: 'medical application data' },
  payment: { zh: '医疗支付数据', en: 'payment data' },
  'health-resources': { zh: '卫生资源数据', en: 'health resources' },
  'public-health': { zh: '公共卫生数据', en: 'public health data' },
};
