/**
 * Clinical note text in Chinese (and English for foreign patients) with the patient's name, ID
 * number, phone, address, dates and the clinicians' names embedded, plus the exact spans of that
 * personal data, so de-identification can be measured against ground truth.
 */
import type { Diagnosis } from './catalog.ts';
import type { DemoRandom } from './random.ts';
import { DAY, ageAt, chineseDate, localDate } from './time.ts';
import type { DemoNote, DemoPatient, DemoPhiSpan } from './types.ts';

class NoteBuilder {
  text = '';
  phi: DemoPhiSpan[] = [];
  t(s: string): this {
    this.text += s;
    return this;
  }
  p(type: DemoPhiSpan['type'], s: string): this {
    if (s.length > 0)
      this.phi.push({ start: this.text.length, end: this.text.length + s.length, type });
    this.text += s;
    return this;
  }
}

export interface NoteContext {
  rng: DemoRandom;
  type: DemoNote['type'];
  patient: DemoPatient;
  at: number;
  dx: Diagnosis;
  author: string;
  /** Another clinician named in the note (supervising physician, nurse). */
  other?: string;
  admittedAt?: number;
  dischargedAt?: number;
  lmpMs?: number;
  dueMs?: number;
  gestationalWeeks?: number;
  delivery?: {
    method: 'vaginal' | 'cesarean' | 'assisted';
    sex: 'male' | 'female';
    weight: number;
  };
}

const DURATIONS = ['1天', '2天', '3天', '5天', '1周', '2周', '1月', '3月', '半年'];
const METHOD_ZH = {
  vaginal: '阴道顺产',
  cesarean: '子宫下段剖宫产术',
  assisted: '胎头吸引助产',
} as const;
const METHOD_EN = {
  vaginal: 'spontaneous vaginal delivery',
  cesarean: 'lower segment caesarean section',
  assisted: 'vacuum-assisted delivery',
} as const;

/** Writes a note for the context and returns its text and personal-data spans. */
export function writeNote(ctx: NoteContext): { text: string; phi: DemoPhiSpan[] } {
  return ctx.patient.script === 'en' ? writeEnglish(ctx) : writeChinese(ctx);
}

function vitals(rng: DemoRandom): string {
  return `T ${(36.2 + rng.next() * 1.8).toFixed(1)}℃，P ${rng.between(62, 108)}次/分，R ${rng.between(14, 22)}次/分，BP ${rng.between(100, 160)}/${rng.between(60, 98)}mmHg`;
}

function writeChinese(ctx: NoteContext): { text: string; phi: DemoPhiSpan[] } {
  const { rng, patient: p, at, dx } = ctx;
  const b = new NoteBuilder();
  const sex = p.sex === 'male' ? '男' : '女';
  const age = String(Math.max(0, ageAt(p.birthDate, at)));
  const he = p.sex === 'male' ? '他' : '她';
  const header = (title: string) => {
    b.t(`${title}\n姓名：`)
      .p('name', p.name)
      .t(`\u3000性别：${sex}\u3000年龄：`)
      .p('age', age)
      .t('岁\u3000病案号：')
      .p('mrn', p.mrn)
      .t('\n');
  };
  switch (ctx.type) {
    case 'outpatient':
    case 'emergency': {
      header(ctx.type === 'outpatient' ? '门诊病历' : '急诊病历');
      b.t(ctx.type === 'outpatient' ? '就诊日期：' : '到院时间：')
        .p('date', chineseDate(at))
        .t('\n');
      b.t(`主诉：${dx.complaint}${rng.pick(DURATIONS)}。\n现病史：患者`)
        .p('name', p.name)
        .t('于')
        .p('date', chineseDate(at - rng.between(1, 20) * DAY))
        .t(`起出现${dx.complaint}，${he}自述`);
      b.t(
        rng.pick(['症状逐渐加重', '休息后无明显缓解', '曾自行服药效果不佳', '无明显诱因']) + '。\n',
      );
      if (ctx.type === 'emergency' && p.contacts[0])
        b.t('由家属')
          .p('name', p.contacts[0].name)
          .t('陪同来院，联系电话')
          .p('phone', p.contacts[0].phone)
          .t('。\n');
      b.t(
        `体格检查：${vitals(rng)}。\n初步诊断：${dx.zh}（${dx.code}）\n处理意见：${rng.pick(['完善相关检查', '对症治疗，门诊随访', '予药物治疗，1周后复诊', '建议住院进一步治疗'])}。\n`,
      );
      if (p.phone) b.t('患者联系电话：').p('phone', p.phone).t('\n');
      b.t('医师：').p('staff-name', ctx.author);
      break;
    }
    case 'admission': {
      header('入院记录');
      if (p.nationalId) b.t('身份证号：').p('id-number', p.nationalId).t('\n');
      b.t('住址：').p('address', p.address.text).t('\n');
      if (p.contacts[0])
        b.t('联系人：')
          .p('name', p.contacts[0].name)
          .t(`（${relationZh(p.contacts[0].relationship)}）\u3000电话：`)
          .p('phone', p.contacts[0].phone)
          .t('\n');
      b.t('入院日期：').p('date', chineseDate(at)).t('\n');
      b.t(`主诉：${dx.complaint}${rng.pick(DURATIONS)}。\n现病史：患者`)
        .p('name', p.name)
        .t(`因${dx.complaint}来我院就诊，门诊拟"${dx.zh}"收住入院。\n`);
      b.t(`入院查体：${vitals(rng)}。\n初步诊断：${dx.zh}（${dx.code}）\n记录医师：`).p(
        'staff-name',
        ctx.author,
      );
      if (ctx.other) b.t('\u3000上级医师：').p('staff-name', ctx.other);
      break;
    }
    case 'progress': {
      b.t('病程记录\n')
        .p('date', chineseDate(at))
        .t(' 查房记录：患者')
        .p('name', p.name)
        .t(
          `，${he}今日${rng.pick(['一般情况可', '症状较前好转', '诉夜间睡眠欠佳', '无发热'])}，${vitals(rng)}。`,
        );
      if (ctx.other) b.t('主治医师').p('staff-name', ctx.other).t('查房后指示：');
      b.t(`${rng.pick(['继续当前治疗', '复查血常规', '调整用药', '准备出院'])}。\n记录：`).p(
        'staff-name',
        ctx.author,
      );
      break;
    }
    case 'discharge': {
      header('出院记录');
      b.t('入院日期：')
        .p('date', chineseDate(ctx.admittedAt ?? at))
        .t('\u3000出院日期：')
        .p('date', chineseDate(ctx.dischargedAt ?? at))
        .t('\n');
      b.t(
        `出院诊断：${dx.zh}（${dx.code}）\n出院医嘱：${rng.pick(['注意休息，按时服药', '1周后门诊复查', '不适随诊'])}。随访电话：`,
      )
        .p('phone', p.phone ?? p.contacts[0]?.phone ?? '')
        .t('\n医师：')
        .p('staff-name', ctx.author);
      break;
    }
    case 'prenatal': {
      header('产前检查记录');
      b.t('检查日期：')
        .p('date', chineseDate(at))
        .t(`\u3000孕周：孕${ctx.gestationalWeeks ?? 0}周\n末次月经：`)
        .p('date', chineseDate(ctx.lmpMs ?? at))
        .t('\u3000预产期：')
        .p('date', chineseDate(ctx.dueMs ?? at))
        .t('\n');
      b.t(
        `宫高${rng.between(18, 36)}cm，腹围${rng.between(80, 105)}cm，胎心${rng.between(128, 158)}次/分，血压${rng.between(100, 135)}/${rng.between(60, 85)}mmHg。\n`,
      );
      b.t('孕妇联系电话：')
        .p('phone', p.phone ?? '')
        .t('\u3000住址：')
        .p('address', p.address.text)
        .t('\n医师：')
        .p('staff-name', ctx.author);
      break;
    }
    case 'delivery': {
      const d = ctx.delivery!;
      header('分娩记录');
      b.t('产妇')
        .p('name', p.name)
        .t('于')
        .p('date', chineseDate(at))
        .t(
          `经${METHOD_ZH[d.method]}娩出一${d.sex === 'male' ? '男' : '女'}婴，体重${d.weight}g，Apgar评分1分钟${rng.between(8, 10)}分。\n`,
        );
      b.t(`胎盘完整娩出，产后出血${rng.between(150, 450)}ml。\n接生者：`).p(
        'staff-name',
        ctx.author,
      );
      if (ctx.other) b.t('\u3000助产护士：').p('staff-name', ctx.other);
      break;
    }
  }
  return { text: b.text, phi: b.phi };
}

function relationZh(r: string): string {
  return r === 'spouse'
    ? '配偶'
    : r === 'parent'
      ? '父母'
      : r === 'child'
        ? '子女'
        : r === 'sibling'
          ? '兄弟姐妹'
          : '朋友';
}

function writeEnglish(ctx: NoteContext): { text: string; phi: DemoPhiSpan[] } {
  const { rng, patient: p, at, dx } = ctx;
  const b = new NoteBuilder();
  const title: Record<DemoNote['type'], string> = {
    outpatient: 'Outpatient note',
    emergency: 'Emergency note',
    admission: 'Admission note',
    progress: 'Progress note',
    discharge: 'Discharge summary',
    prenatal: 'Prenatal visit',
    delivery: 'Delivery record',
  };
  b.t(`${title[ctx.type]}\nPatient: `)
    .p('name', p.name)
    .t(`  Sex: ${p.sex}  Age: `)
    .p('age', String(Math.max(0, ageAt(p.birthDate, at))))
    .t('  MRN: ')
    .p('mrn', p.mrn)
    .t('\nDate: ')
    .p('date', localDate(at))
    .t('\n');
  if (ctx.type === 'delivery' && ctx.delivery)
    b.t(
      `Delivered by ${METHOD_EN[ctx.delivery.method]}, ${ctx.delivery.sex} infant, ${ctx.delivery.weight} g.\n`,
    );
  if (ctx.type === 'prenatal')
    b.t(`Gestational age ${ctx.gestationalWeeks ?? 0} weeks, due date `)
      .p('date', localDate(ctx.dueMs ?? at))
      .t('.\n');
  b.t(
    `Assessment: ${dx.en} (${dx.code}). ${rng.pick(['Symptomatic treatment.', 'Follow up in one week.', 'Further tests ordered.'])}\n`,
  );
  if (p.phone) b.t('Phone: ').p('phone', p.phone).t('\n');
  b.t('Address: ').p('address', p.address.text).t('\nPhysician: ').p('staff-name', ctx.author);
  return { text: b.text, phi: b.phi };
}
