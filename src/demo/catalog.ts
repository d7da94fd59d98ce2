/**
 * Reference data of the demo hospital: departments, ICD-10 diagnoses (Chinese and English
 * display), laboratory panels (LOINC), medications and imaging procedures.
 */
import type { DemoSensitiveCategory } from './types.ts';

export interface DepartmentSpec {
  code: string;
  name: string;
  nameEn: string;
  kind: 'clinical' | 'diagnostic' | 'administrative' | 'support';
  /** Share of the clinical staff (physicians and nurses) working here. */
  clinicalWeight: number;
  /** Share of outpatient visits. */
  outpatientWeight: number;
  /** Share of admissions. */
  inpatientWeight: number;
  /** Number of wards for a hospital of `staff` people (0 = no inpatient ward). */
  wards: (staff: number) => number;
  /** Where its rooms are. */
  building: string;
}

const clamp = (x: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, x));

export const DEPARTMENTS: readonly DepartmentSpec[] = [
  {
    code: 'OBS',
    name: '产科',
    nameEn: 'Obstetrics',
    kind: 'clinical',
    clinicalWeight: 10,
    outpatientWeight: 0,
    inpatientWeight: 0,
    wards: (s) => clamp(Math.round(s / 1000), 1, 3),
    building: '妇儿楼',
  },
  {
    code: 'NEO',
    name: '新生儿科',
    nameEn: 'Neonatology',
    kind: 'clinical',
    clinicalWeight: 5,
    outpatientWeight: 1,
    inpatientWeight: 0,
    wards: () => 1,
    building: '妇儿楼',
  },
  {
    code: 'GYN',
    name: '妇科',
    nameEn: 'Gynaecology',
    kind: 'clinical',
    clinicalWeight: 5,
    outpatientWeight: 9,
    inpatientWeight: 7,
    wards: () => 1,
    building: '妇儿楼',
  },
  {
    code: 'PED',
    name: '儿科',
    nameEn: 'Paediatrics',
    kind: 'clinical',
    clinicalWeight: 7,
    outpatientWeight: 12,
    inpatientWeight: 8,
    wards: () => 1,
    building: '妇儿楼',
  },
  {
    code: 'PSY',
    name: '精神心理科',
    nameEn: 'Psychiatry',
    kind: 'clinical',
    clinicalWeight: 5,
    outpatientWeight: 3,
    inpatientWeight: 4,
    wards: () => 1,
    building: '3号楼',
  },
  {
    code: 'EMD',
    name: '急诊科',
    nameEn: 'Emergency',
    kind: 'clinical',
    clinicalWeight: 9,
    outpatientWeight: 0,
    inpatientWeight: 0,
    wards: () => 1,
    building: '急诊楼',
  },
  {
    code: 'ONC',
    name: '肿瘤科',
    nameEn: 'Oncology',
    kind: 'clinical',
    clinicalWeight: 7,
    outpatientWeight: 6,
    inpatientWeight: 12,
    wards: () => 1,
    building: '住院部2号楼',
  },
  {
    code: 'MED',
    name: '内科',
    nameEn: 'Internal Medicine',
    kind: 'clinical',
    clinicalWeight: 25,
    outpatientWeight: 38,
    inpatientWeight: 32,
    wards: (s) => clamp(Math.round(s / 650), 1, 4),
    building: '住院部1号楼',
  },
  {
    code: 'SUR',
    name: '外科',
    nameEn: 'Surgery',
    kind: 'clinical',
    clinicalWeight: 22,
    outpatientWeight: 22,
    inpatientWeight: 30,
    wards: (s) => clamp(Math.round(s / 650), 1, 4),
    building: '住院部2号楼',
  },
  {
    code: 'INF',
    name: '感染科',
    nameEn: 'Infectious Diseases',
    kind: 'clinical',
    clinicalWeight: 5,
    outpatientWeight: 4,
    inpatientWeight: 7,
    wards: () => 1,
    building: '3号楼',
  },
  {
    code: 'RAD',
    name: '放射科',
    nameEn: 'Radiology',
    kind: 'diagnostic',
    clinicalWeight: 0,
    outpatientWeight: 0,
    inpatientWeight: 0,
    wards: () => 0,
    building: '医技楼',
  },
  {
    code: 'LAB',
    name: '检验科',
    nameEn: 'Laboratory',
    kind: 'diagnostic',
    clinicalWeight: 0,
    outpatientWeight: 0,
    inpatientWeight: 0,
    wards: () => 0,
    building: '医技楼',
  },
  {
    code: 'PHA',
    name: '药剂科',
    nameEn: 'Pharmacy',
    kind: 'support',
    clinicalWeight: 0,
    outpatientWeight: 0,
    inpatientWeight: 0,
    wards: () => 0,
    building: '门诊楼',
  },
  {
    code: 'REG',
    name: '门诊挂号处',
    nameEn: 'Registration',
    kind: 'administrative',
    clinicalWeight: 0,
    outpatientWeight: 0,
    inpatientWeight: 0,
    wards: () => 0,
    building: '门诊楼',
  },
  {
    code: 'BIL',
    name: '收费处',
    nameEn: 'Billing',
    kind: 'administrative',
    clinicalWeight: 0,
    outpatientWeight: 0,
    inpatientWeight: 0,
    wards: () => 0,
    building: '门诊楼',
  },
  {
    code: 'ITC',
    name: '信息中心',
    nameEn: 'IT Centre',
    kind: 'support',
    clinicalWeight: 0,
    outpatientWeight: 0,
    inpatientWeight: 0,
    wards: () => 0,
    building: '行政楼',
  },
  {
    code: 'PRV',
    name: '个人信息保护办公室',
    nameEn: 'Privacy Office',
    kind: 'administrative',
    clinicalWeight: 0,
    outpatientWeight: 0,
    inpatientWeight: 0,
    wards: () => 0,
    building: '行政楼',
  },
  {
    code: 'RES',
    name: '科研处',
    nameEn: 'Research Office',
    kind: 'administrative',
    clinicalWeight: 0,
    outpatientWeight: 0,
    inpatientWeight: 0,
    wards: () => 0,
    building: '行政楼',
  },
];

export interface Diagnosis {
  code: string;
  zh: string;
  en: string;
  /** Chief complaint written in notes. */
  complaint: string;
  sensitive?: DemoSensitiveCategory;
  /** Typical imaging, if any. */
  imaging?: string;
}

const dx = (
  code: string,
  zh: string,
  en: string,
  complaint: string,
  sensitive?: DemoSensitiveCategory,
  imaging?: string,
): Diagnosis => ({
  code,
  zh,
  en,
  complaint,
  ...(sensitive ? { sensitive } : {}),
  ...(imaging ? { imaging } : {}),
});

/** Diagnoses by department code. */
export const DIAGNOSES: Record<string, readonly Diagnosis[]> = {
  MED: [
    dx('I10', '原发性高血压', 'Essential (primary) hypertension', '头晕'),
    dx('E11.9', '2型糖尿病', 'Type 2 diabetes mellitus without complications', '口干多饮'),
    dx('J18.9', '肺炎', 'Pneumonia, unspecified', '咳嗽咳痰伴发热', undefined, 'CXR'),
    dx('I25.1', '动脉粥样硬化性心脏病', 'Atherosclerotic heart disease', '胸闷', undefined, 'CTA'),
    dx('K29.7', '胃炎', 'Gastritis, unspecified', '上腹痛'),
    dx('N39.0', '泌尿道感染', 'Urinary tract infection', '尿频尿急'),
    dx(
      'J44.9',
      '慢性阻塞性肺病',
      'Chronic obstructive pulmonary disease',
      '反复咳嗽气喘',
      undefined,
      'CTCHEST',
    ),
    dx('I48.9', '心房颤动', 'Atrial fibrillation', '心悸'),
    dx('I63.9', '脑梗死', 'Cerebral infarction', '左侧肢体无力', undefined, 'MRHEAD'),
  ],
  SUR: [
    dx('K35.8', '急性阑尾炎', 'Acute appendicitis', '转移性右下腹痛', undefined, 'USABD'),
    dx('K80.2', '胆囊结石', 'Calculus of gallbladder', '右上腹痛', undefined, 'USABD'),
    dx('K40.9', '腹股沟疝', 'Inguinal hernia', '腹股沟区可复性包块'),
    dx('S72.0', '股骨颈骨折', 'Fracture of neck of femur', '跌倒后髋部疼痛', undefined, 'DXHIP'),
    dx('S82.2', '胫骨骨干骨折', 'Fracture of shaft of tibia', '外伤后小腿疼痛', undefined, 'DXHIP'),
    dx('K56.6', '肠梗阻', 'Intestinal obstruction', '腹胀停止排气', undefined, 'CTABD'),
    dx(
      'M51.2',
      '腰椎间盘突出',
      'Lumbar disc displacement',
      '腰痛伴下肢放射痛',
      undefined,
      'MRSPINE',
    ),
  ],
  OBS: [
    dx(
      'Z34.0',
      '正常首次妊娠监督',
      'Supervision of normal first pregnancy',
      '停经，产前检查',
      'reproductive',
      'USOB',
    ),
    dx(
      'Z34.8',
      '其他正常妊娠监督',
      'Supervision of other normal pregnancy',
      '停经，产前检查',
      'reproductive',
      'USOB',
    ),
    dx(
      'O24.4',
      '妊娠期糖尿病',
      'Diabetes mellitus arising in pregnancy',
      '孕期血糖升高',
      'reproductive',
      'USOB',
    ),
    dx('O13', '妊娠期高血压', 'Gestational hypertension', '孕期血压升高', 'reproductive', 'USOB'),
  ],
  DELIVERY: [
    dx('O80', '单胎顺产', 'Single spontaneous delivery', '足月妊娠临产', 'reproductive'),
    dx(
      'O82',
      '经剖宫产术的单胎分娩',
      'Single delivery by caesarean section',
      '足月妊娠，瘢痕子宫',
      'reproductive',
    ),
    dx(
      'O81',
      '经产钳和真空吸引器的单胎分娩',
      'Single delivery by forceps and vacuum extractor',
      '足月妊娠临产，第二产程延长',
      'reproductive',
    ),
  ],
  NEO: [
    dx('P59.9', '新生儿黄疸', 'Neonatal jaundice, unspecified', '皮肤黄染'),
    dx('P07.3', '早产儿', 'Other preterm infants', '早产'),
    dx(
      'P22.1',
      '新生儿暂时性呼吸急促',
      'Transient tachypnoea of newborn',
      '生后气促',
      undefined,
      'CXR',
    ),
    dx('Z38.0', '单胎活产婴儿', 'Singleton, born in hospital', '新生儿体检'),
  ],
  GYN: [
    dx(
      'N92.0',
      '月经过多',
      'Excessive and frequent menstruation',
      '月经量增多',
      'reproductive',
      'USPEL',
    ),
    dx(
      'N97.9',
      '女性不孕症',
      'Female infertility, unspecified',
      '未避孕未孕',
      'reproductive',
      'USPEL',
    ),
    dx('O04.9', '医疗性流产', 'Medical abortion', '停经，要求终止妊娠', 'reproductive', 'USPEL'),
    dx(
      'Z30.0',
      '避孕的一般咨询',
      'General counselling on contraception',
      '避孕咨询',
      'reproductive',
    ),
    dx('D25.9', '子宫平滑肌瘤', 'Leiomyoma of uterus', '体检发现子宫肌瘤', undefined, 'USPEL'),
    dx('N80.9', '子宫内膜异位症', 'Endometriosis', '痛经', 'reproductive', 'USPEL'),
  ],
  PED: [
    dx('J06.9', '急性上呼吸道感染', 'Acute upper respiratory infection', '发热咳嗽'),
    dx('J20.9', '急性支气管炎', 'Acute bronchitis', '咳嗽', undefined, 'CXR'),
    dx('A08.4', '病毒性肠炎', 'Viral intestinal infection', '腹泻呕吐'),
    dx('J45.9', '哮喘', 'Asthma', '反复喘息'),
    dx('B01.9', '水痘', 'Varicella without complication', '皮疹伴发热'),
  ],
  PSY: [
    dx('F32.9', '抑郁发作', 'Depressive episode, unspecified', '情绪低落、失眠', 'mental-health'),
    dx(
      'F33.1',
      '复发性抑郁障碍',
      'Recurrent depressive disorder, current episode moderate',
      '情绪低落反复发作',
      'mental-health',
    ),
    dx('F20.9', '精神分裂症', 'Schizophrenia, unspecified', '言行异常', 'mental-health', 'MRHEAD'),
    dx(
      'F31.9',
      '双相情感障碍',
      'Bipolar affective disorder, unspecified',
      '情绪高涨与低落交替',
      'mental-health',
    ),
    dx(
      'F41.1',
      '广泛性焦虑障碍',
      'Generalized anxiety disorder',
      '紧张担心、心慌',
      'mental-health',
    ),
    dx(
      'F10.2',
      '酒精依赖综合征',
      'Mental and behavioural disorders due to use of alcohol, dependence syndrome',
      '长期饮酒、戒断后手抖',
      'substance',
    ),
    dx(
      'F11.2',
      '阿片类物质依赖综合征',
      'Opioid dependence syndrome',
      '阿片类物质使用后依赖',
      'substance',
    ),
    dx(
      'F15.2',
      '兴奋剂依赖综合征',
      'Stimulant dependence syndrome',
      '兴奋剂使用后依赖',
      'substance',
    ),
  ],
  EMD: [
    dx('R07.4', '胸痛', 'Chest pain, unspecified', '突发胸痛', undefined, 'CXR'),
    dx('S06.0', '脑震荡', 'Concussion', '头部外伤后头痛', undefined, 'CTHEAD'),
    dx('I21.9', '急性心肌梗死', 'Acute myocardial infarction', '持续胸痛伴大汗', undefined, 'CTA'),
    dx('T78.4', '过敏反应', 'Allergy, unspecified', '全身皮疹伴瘙痒'),
    dx('R50.9', '发热', 'Fever, unspecified', '发热'),
    dx(
      'T42.4',
      '苯二氮䓬类药物中毒',
      'Poisoning by benzodiazepines',
      '服药后意识模糊',
      'mental-health',
    ),
    dx(
      'S01.8',
      '头部开放性伤口',
      'Open wound of other parts of head',
      '外伤致头部出血',
      undefined,
      'CTHEAD',
    ),
  ],
  ONC: [
    dx(
      'C34.9',
      '肺恶性肿瘤',
      'Malignant neoplasm of bronchus or lung',
      '咳嗽、痰中带血',
      undefined,
      'CTCHEST',
    ),
    dx('C50.9', '乳腺恶性肿瘤', 'Malignant neoplasm of breast', '发现乳房肿块', undefined, 'MG'),
    dx(
      'C16.9',
      '胃恶性肿瘤',
      'Malignant neoplasm of stomach',
      '上腹不适、消瘦',
      undefined,
      'CTABD',
    ),
    dx('C18.9', '结肠恶性肿瘤', 'Malignant neoplasm of colon', '大便习惯改变', undefined, 'CTABD'),
    dx('C22.0', '肝细胞癌', 'Liver cell carcinoma', '右上腹胀痛', undefined, 'CTABD'),
  ],
  INF: [
    dx(
      'B20.9',
      'HIV病造成的感染性疾病',
      'HIV disease resulting in infectious disease',
      '反复发热、消瘦',
      'hiv',
    ),
    dx('B24', '未特指的HIV病', 'Unspecified HIV disease', 'HIV抗体阳性复查', 'hiv'),
    dx('Z21', '无症状性HIV感染状态', 'Asymptomatic HIV infection status', 'HIV感染随访', 'hiv'),
    dx(
      'B18.1',
      '慢性乙型病毒性肝炎',
      'Chronic viral hepatitis B',
      '乏力、肝功能异常',
      undefined,
      'USABD',
    ),
    dx('A15.0', '肺结核', 'Tuberculosis of lung', '咳嗽、午后低热', undefined, 'CTCHEST'),
    dx('A53.9', '梅毒', 'Syphilis, unspecified', '梅毒血清学阳性', 'reproductive'),
  ],
};

export interface ImagingProcedure {
  code: string;
  modality: 'CR' | 'DX' | 'CT' | 'MR' | 'US' | 'MG';
  zh: string;
  en: string;
  series: [number, number];
  instances: [number, number];
}

export const IMAGING: Record<string, ImagingProcedure> = {
  CXR: {
    code: 'CXR',
    modality: 'CR',
    zh: '胸部正位片',
    en: 'Chest X-ray, PA view',
    series: [1, 2],
    instances: [1, 2],
  },
  DXHIP: {
    code: 'DXHIP',
    modality: 'DX',
    zh: '髋关节/下肢X线片',
    en: 'Hip and lower limb radiographs',
    series: [1, 3],
    instances: [2, 4],
  },
  CTHEAD: {
    code: 'CTHEAD',
    modality: 'CT',
    zh: '头颅CT平扫',
    en: 'CT head without contrast',
    series: [2, 4],
    instances: [120, 300],
  },
  CTCHEST: {
    code: 'CTCHEST',
    modality: 'CT',
    zh: '胸部CT平扫',
    en: 'CT chest without contrast',
    series: [3, 6],
    instances: [250, 600],
  },
  CTABD: {
    code: 'CTABD',
    modality: 'CT',
    zh: '腹部增强CT',
    en: 'CT abdomen with contrast',
    series: [4, 8],
    instances: [400, 1200],
  },
  CTA: {
    code: 'CTA',
    modality: 'CT',
    zh: '冠状动脉CTA',
    en: 'CT coronary angiography',
    series: [4, 8],
    instances: [500, 1500],
  },
  MRHEAD: {
    code: 'MRHEAD',
    modality: 'MR',
    zh: '头颅MRI',
    en: 'MRI brain',
    series: [6, 12],
    instances: [150, 500],
  },
  MRSPINE: {
    code: 'MRSPINE',
    modality: 'MR',
    zh: '腰椎MRI',
    en: 'MRI lumbar spine',
    series: [5, 9],
    instances: [100, 300],
  },
  USABD: {
    code: 'USABD',
    modality: 'US',
    zh: '腹部超声',
    en: 'Abdominal ultrasound',
    series: [1, 1],
    instances: [10, 40],
  },
  USOB: {
    code: 'USOB',
    modality: 'US',
    zh: '产科超声',
    en: 'Obstetric ultrasound',
    series: [1, 1],
    instances: [15, 60],
  },
  USPEL: {
    code: 'USPEL',
    modality: 'US',
    zh: '盆腔超声',
    en: 'Pelvic ultrasound',
    series: [1, 1],
    instances: [10, 30],
  },
  MG: {
    code: 'MG',
    modality: 'MG',
    zh: '乳腺钼靶',
    en: 'Mammography',
    series: [1, 2],
    instances: [4, 8],
  },
};

export interface LabTest {
  code: string;
  zh: string;
  en: string;
  unit: string;
  low: number;
  high: number;
  decimals: number;
}

export interface LabPanel {
  code: string;
  zh: string;
  en: string;
  tests: readonly LabTest[];
  /** Sent to the external laboratory rather than done in-house. */
  external?: boolean;
}

const t = (
  code: string,
  zh: string,
  en: string,
  unit: string,
  low: number,
  high: number,
  decimals = 1,
): LabTest => ({ code, zh, en, unit, low, high, decimals });

export const LAB_PANELS: Record<string, LabPanel> = {
  CBC: {
    code: '58410-2',
    zh: '血常规',
    en: 'Complete blood count',
    tests: [
      t('6690-2', '白细胞计数', 'WBC', '10^9/L', 3.5, 9.5),
      t('718-7', '血红蛋白', 'Hemoglobin', 'g/L', 115, 150, 0),
      t('777-3', '血小板计数', 'Platelets', '10^9/L', 125, 350, 0),
    ],
  },
  LFT: {
    code: '24325-3',
    zh: '肝功能',
    en: 'Hepatic function panel',
    tests: [
      t('1742-6', '丙氨酸氨基转移酶', 'ALT', 'U/L', 7, 40, 0),
      t('1920-8', '天门冬氨酸氨基转移酶', 'AST', 'U/L', 13, 35, 0),
      t('1975-2', '总胆红素', 'Total bilirubin', 'μmol/L', 3.4, 20.5),
    ],
  },
  RFT: {
    code: '24362-6',
    zh: '肾功能',
    en: 'Renal function panel',
    tests: [
      t('2160-0', '肌酐', 'Creatinine', 'μmol/L', 41, 81, 0),
      t('3094-0', '尿素氮', 'Urea nitrogen', 'mmol/L', 2.6, 7.5),
    ],
  },
  GLU: {
    code: '2345-7',
    zh: '血糖',
    en: 'Glucose',
    tests: [
      t('2345-7', '空腹血糖', 'Fasting glucose', 'mmol/L', 3.9, 6.1),
      t('4548-4', '糖化血红蛋白', 'HbA1c', '%', 4, 6),
    ],
  },
  CRP: {
    code: '1988-5',
    zh: 'C反应蛋白',
    en: 'C-reactive protein',
    tests: [t('1988-5', 'C反应蛋白', 'CRP', 'mg/L', 0, 10)],
  },
  HIV: {
    code: '56888-1',
    zh: 'HIV抗原抗体检测',
    en: 'HIV 1+2 Ab + HIV1 p24 Ag',
    tests: [t('56888-1', 'HIV抗原抗体', 'HIV Ag/Ab (S/CO)', 'S/CO', 0, 1, 2)],
  },
  HCG: {
    code: '21198-7',
    zh: '人绒毛膜促性腺激素',
    en: 'beta-hCG',
    tests: [t('21198-7', 'β-HCG', 'beta-hCG', 'mIU/mL', 0, 5, 0)],
  },
  OGTT: {
    code: '1518-0',
    zh: '口服葡萄糖耐量试验',
    en: 'Oral glucose tolerance test',
    tests: [
      t('1558-6', '空腹血糖', 'Fasting glucose', 'mmol/L', 3.9, 5.1),
      t('1518-0', '餐后2小时血糖', '2h glucose', 'mmol/L', 3.9, 8.5),
    ],
  },
  NIPT: {
    code: '94120-2',
    zh: '无创产前基因检测',
    en: 'Non-invasive prenatal testing (cfDNA)',
    tests: [t('94120-2', '21-三体风险值', 'Trisomy 21 risk score', '', 0, 1, 2)],
    external: true,
  },
  GENE: {
    code: '81247-9',
    zh: '肿瘤基因检测',
    en: 'Tumour gene panel',
    tests: [t('81247-9', 'EGFR突变丰度', 'EGFR variant allele fraction', '%', 0, 1, 1)],
    external: true,
  },
};

/** Lab panels typically ordered by each department. */
export const LAB_BY_DEPARTMENT: Record<string, readonly string[]> = {
  MED: ['CBC', 'LFT', 'RFT', 'GLU', 'CRP'],
  SUR: ['CBC', 'CRP', 'LFT', 'RFT'],
  OBS: ['CBC', 'OGTT', 'NIPT', 'HCG'],
  NEO: ['CBC', 'CRP', 'LFT'],
  GYN: ['HCG', 'CBC', 'HIV'],
  PED: ['CBC', 'CRP'],
  PSY: ['CBC', 'LFT', 'GLU'],
  EMD: ['CBC', 'CRP', 'RFT'],
  ONC: ['CBC', 'LFT', 'GENE'],
  INF: ['HIV', 'LFT', 'CBC'],
};

export interface Medication {
  code: string;
  zh: string;
  en: string;
  dosage: string;
}

const m = (code: string, zh: string, en: string, dosage: string): Medication => ({
  code,
  zh,
  en,
  dosage,
});

/** Medications typically prescribed by each department (ATC codes). */
export const MEDICATIONS: Record<string, readonly Medication[]> = {
  MED: [
    m('C08CA01', '氨氯地平片', 'Amlodipine', '5mg 口服 每日一次'),
    m('A10BA02', '二甲双胍片', 'Metformin', '0.5g 口服 每日三次'),
    m('C10AA05', '阿托伐他汀钙片', 'Atorvastatin', '20mg 口服 每晚一次'),
    m('J01DC02', '头孢呋辛', 'Cefuroxime', '1.5g 静滴 每8小时'),
    m('B01AC06', '阿司匹林肠溶片', 'Aspirin', '100mg 口服 每日一次'),
  ],
  SUR: [
    m('J01DC02', '头孢呋辛', 'Cefuroxime', '1.5g 静滴 每8小时'),
    m('N02BE01', '对乙酰氨基酚片', 'Paracetamol', '0.5g 口服 必要时'),
    m('A02BC01', '奥美拉唑', 'Omeprazole', '40mg 静滴 每日一次'),
  ],
  OBS: [
    m('B03BB01', '叶酸片', 'Folic acid', '0.4mg 口服 每日一次'),
    m('H01BB02', '缩宫素注射液', 'Oxytocin', '10U 肌注 产后'),
    m('A12AA04', '碳酸钙D3片', 'Calcium carbonate', '600mg 口服 每日一次'),
  ],
  NEO: [
    m('B02BA01', '维生素K1注射液', 'Phytomenadione', '1mg 肌注 一次'),
    m('J07BC01', '乙肝疫苗', 'Hepatitis B vaccine', '10μg 肌注 一次'),
  ],
  GYN: [
    m('G03AD02', '米非司酮片', 'Mifepristone', '遵医嘱'),
    m('G02AD06', '米索前列醇片', 'Misoprostol', '遵医嘱'),
    m('B03AA07', '硫酸亚铁片', 'Ferrous sulfate', '0.3g 口服 每日三次'),
  ],
  PED: [
    m('J01CA04', '阿莫西林颗粒', 'Amoxicillin', '按体重 口服 每日三次'),
    m('N02BE01', '对乙酰氨基酚混悬液', 'Paracetamol', '按体重 口服 必要时'),
    m('R03AC02', '沙丁胺醇气雾剂', 'Salbutamol', '1揿 吸入 必要时'),
  ],
  PSY: [
    m('N06AB06', '舍曲林片', 'Sertraline', '50mg 口服 每日一次'),
    m('N05AH03', '奥氮平片', 'Olanzapine', '10mg 口服 每晚一次'),
    m('N05AN01', '碳酸锂缓释片', 'Lithium', '0.3g 口服 每日两次'),
    m('N07BC02', '美沙酮口服液', 'Methadone', '遵医嘱'),
  ],
  EMD: [
    m('N02BE01', '对乙酰氨基酚片', 'Paracetamol', '0.5g 口服 必要时'),
    m('R06AE07', '西替利嗪片', 'Cetirizine', '10mg 口服 每日一次'),
    m('B01AC06', '阿司匹林肠溶片', 'Aspirin', '300mg 嚼服 一次'),
  ],
  ONC: [
    m('L01XA01', '顺铂注射液', 'Cisplatin', '遵化疗方案'),
    m('L01CD01', '紫杉醇注射液', 'Paclitaxel', '遵化疗方案'),
    m('A04AA01', '昂丹司琼注射液', 'Ondansetron', '8mg 静推 化疗前'),
  ],
  INF: [
    m('J05AR03', '替诺福韦/恩曲他滨片', 'Tenofovir/emtricitabine', '1片 口服 每日一次'),
    m('J05AG03', '依非韦伦片', 'Efavirenz', '600mg 口服 每晚一次'),
    m('J05AF10', '恩替卡韦片', 'Entecavir', '0.5mg 口服 每日一次'),
  ],
};

/** Professional titles (职称) by role. */
export const TITLES: Record<string, readonly string[]> = {
  physician: ['住院医师', '主治医师', '副主任医师', '主任医师'],
  nurse: ['护士', '护师', '主管护师'],
  'head-nurse': ['主管护师', '副主任护师'],
  'radiology-technician': ['技士', '技师', '主管技师'],
  'lab-technician': ['技士', '技师', '主管技师'],
  pharmacist: ['药士', '药师', '主管药师'],
  'registration-clerk': ['科员'],
  'billing-clerk': ['科员'],
  'privacy-officer': ['主任', '专员'],
  administrator: ['工程师', '高级工程师'],
  'vendor-engineer': ['驻场工程师'],
  researcher: ['助理研究员', '副研究员'],
};
