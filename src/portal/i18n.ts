/**
 * Patient-facing words in Chinese and English (terms as in the glossary: 调阅病历, 紧急访问（破窗）,
 * 诊疗团队, 使用目的). Pure lookups; unknown codes fall back to the code itself.
 */
import type { AccessChannel, NotificationKind, PortalLocale } from './types.ts';

type Words = Readonly<Record<string, { zh: string; en: string }>>;

const pick = (w: { zh: string; en: string } | undefined, locale: PortalLocale, code: string) =>
  w ? (locale === 'en' ? w.en : w.zh) : code;

const PURPOSES: Words = {
  treatment: { zh: '诊疗', en: 'treatment' },
  payment: { zh: '收费/支付', en: 'payment' },
  operations: { zh: '医院管理', en: 'hospital operations' },
  research: { zh: '科研', en: 'research' },
  'public-health': { zh: '公共卫生', en: 'public health' },
  'patient-request': { zh: '患者本人', en: 'your own request' },
  legal: { zh: '司法', en: 'legal' },
};

const ROLES: Words = {
  physician: { zh: '医生', en: 'physician' },
  nurse: { zh: '护士', en: 'nurse' },
  'head-nurse': { zh: '护士长', en: 'head nurse' },
  'radiology-technician': { zh: '放射技师', en: 'radiology technician' },
  'lab-technician': { zh: '检验技师', en: 'laboratory technician' },
  pharmacist: { zh: '药师', en: 'pharmacist' },
  'registration-clerk': { zh: '挂号员', en: 'registration clerk' },
  'billing-clerk': { zh: '收费员', en: 'billing clerk' },
  'privacy-officer': { zh: '隐私保护负责人', en: 'privacy officer' },
  administrator: { zh: '系统管理员', en: 'administrator' },
  'vendor-engineer': { zh: '厂商工程师', en: 'vendor engineer' },
  researcher: { zh: '科研人员', en: 'researcher' },
};

const CHANNELS: Words = {
  screen: { zh: '屏幕查看', en: 'on screen' },
  print: { zh: '打印', en: 'printed' },
  export: { zh: '导出', en: 'exported' },
  'third-party': { zh: '第三方系统', en: 'third-party system' },
  search: { zh: '检索', en: 'search' },
  other: { zh: '其他', en: 'other' },
};

const REASONS: Words = {
  'active-encounter': { zh: '您正在就诊', en: 'you were being seen' },
  attending: { zh: '您的主治/经治医护', en: 'your attending clinician' },
  'care-team': { zh: '您的诊疗团队成员', en: 'a member of your care team' },
  'in-department': { zh: '您就诊科室的医护人员', en: 'staff of the department treating you' },
  order: { zh: '为您执行医嘱/检查', en: 'working on an order for you' },
  referral: { zh: '转诊', en: 'a referral' },
  appointment: { zh: '您的预约', en: 'your appointment' },
  'break-glass': { zh: '紧急访问（破窗）', en: 'break-the-glass (emergency access)' },
  EMERGENCY_UNCONSCIOUS: {
    zh: '紧急情况：患者意识不清',
    en: 'emergency: patient unconscious',
  },
  EMERGENCY_LIFE_THREATENING: {
    zh: '紧急情况：危及生命',
    en: 'emergency: life-threatening',
  },
  URGENT_CARE_NO_RELATIONSHIP: {
    zh: '急诊，尚未建立诊疗关系',
    en: 'urgent care before a care relationship existed',
  },
  CONSULTATION: { zh: '会诊', en: 'consultation' },
  OTHER: { zh: '其他原因（已说明）', en: 'another reason (stated)' },
  denied: { zh: '访问被拒绝', en: 'the access was refused' },
  notify: { zh: '系统向您发送通知', en: 'Custos sent you a notice' },
  none: { zh: '未记录原因', en: 'no reason recorded' },
  'patient-report': { zh: '您举报了此次访问', en: 'you reported this access' },
};

const NOTICES: Readonly<Record<NotificationKind, { zh: string; en: string }>> = {
  'break-glass': {
    zh: '【病历访问提醒】{who}于{at}对您的病历使用了紧急访问（破窗）。如有疑问，请登录患者门户查看或举报。',
    en: '[Record access] {who} used break-the-glass (emergency access) on your record at {at}. Sign in to the patient portal to review or report it.',
  },
  'new-organisation': {
    zh: '【病历访问提醒】{who}于{at}首次调阅了您的病历。请登录患者门户查看访问记录。',
    en: '[Record access] {who} opened your record for the first time at {at}. Sign in to the patient portal to see your access history.',
  },
  'restricted-access': {
    zh: '【病历访问提醒】{who}于{at}查看了您设置为限制的病历内容。请登录患者门户查看。',
    en: '[Record access] {who} viewed a part of your record you restricted, at {at}. Sign in to the patient portal to review it.',
  },
};

const OUTCOMES: Words = {
  pending: { zh: '正在调查', en: 'under investigation' },
  'false-positive': {
    zh: '经调查，此次访问有正当理由',
    en: 'the investigation found the access was justified',
  },
  education: {
    zh: '经调查，相关人员已接受隐私保护培训',
    en: 'the staff member was given privacy training',
  },
  sanction: {
    zh: '经调查确认违规，医院已对相关人员作出处理',
    en: 'a violation was confirmed and the hospital took action against the staff member',
  },
};

const STATUSES: Words = {
  open: { zh: '已受理', en: 'received' },
  assigned: { zh: '调查中', en: 'being investigated' },
  resolved: { zh: '已办结', en: 'closed' },
};

/** Purpose of use in words. */
export const purposeText = (code: string | null, locale: PortalLocale): string =>
  code ? pick(PURPOSES[code], locale, code) : pick(REASONS.none, locale, '');
/** A staff role in words. */
export const roleText = (code: string, locale: PortalLocale): string =>
  pick(ROLES[code], locale, code);
/** An access channel in words. */
export const channelText = (c: AccessChannel, locale: PortalLocale): string =>
  pick(CHANNELS[c], locale, c);
/** A reason code in words. */
export const reasonText = (code: string, locale: PortalLocale): string =>
  pick(REASONS[code], locale, code);
/** A case outcome in words. */
export const outcomeText = (code: string, locale: PortalLocale): string =>
  pick(OUTCOMES[code], locale, code);
/** A case status in words. */
export const caseStatusText = (code: string, locale: PortalLocale): string =>
  pick(STATUSES[code], locale, code);

/** The text of a notification, with who and when filled in. */
export function noticeText(
  kind: NotificationKind,
  locale: PortalLocale,
  who: string,
  at: Date,
): string {
  const w = NOTICES[kind];
  const when = formatTime(at, locale);
  return (locale === 'en' ? w.en : w.zh).replace('{who}', who).replace('{at}', when);
}

/** The sign-in code message. */
export function codeText(code: string, minutes: number, locale: PortalLocale): string {
  return locale === 'en'
    ? `Your patient portal sign-in code is ${code}. It expires in ${minutes} minutes. Never share it; staff will never ask for it.`
    : `您的患者门户登录验证码为 ${code}，${minutes} 分钟内有效。请勿告诉他人，医院工作人员不会向您索取。`;
}

/** Times as patients read them, in China Standard Time (UTC+8), minute precision. */
export function formatTime(at: Date, _locale: PortalLocale): string {
  const t = new Date(at.getTime() + 8 * 3600_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${t.getUTCFullYear()}-${p(t.getUTCMonth() + 1)}-${p(t.getUTCDate())} ${p(t.getUTCHours())}:${p(t.getUTCMinutes())}`;
}

/** Labels of the downloadable copy. */
export const EXPORT_LABELS: Readonly<Record<string, { zh: string; en: string }>> = {
  title: { zh: '我的病历访问记录', en: 'Who accessed my medical record' },
  time: { zh: '时间', en: 'Time' },
  who: { zh: '访问者', en: 'Who' },
  department: { zh: '科室', en: 'Department' },
  purpose: { zh: '目的与理由', en: 'Purpose and reason' },
  channel: { zh: '方式', en: 'Channel' },
  breakGlass: { zh: '紧急访问（破窗）', en: 'Break-the-glass' },
  proof: { zh: '账本证明', en: 'Ledger proof' },
  proofIntro: {
    zh: '以下每条记录均附有其在防篡改审计账本中的包含证明（RFC 9162），对应下方已签名的树头。任何删除或修改都会使证明失效。',
    en: 'Each entry carries its inclusion proof in the tamper-evident audit ledger (RFC 9162) against the signed tree head below. Removing or altering an entry makes the proof fail.',
  },
  treeHead: { zh: '已签名树头', en: 'Signed tree head' },
  generated: { zh: '生成时间', en: 'Generated' },
  entries: { zh: '条记录', en: 'entries' },
  yes: { zh: '是', en: 'yes' },
};

/** One export label. */
export const label = (key: string, locale: PortalLocale): string =>
  pick(EXPORT_LABELS[key], locale, key);
