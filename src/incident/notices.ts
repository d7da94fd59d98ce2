/**
 * The words of breach notices, generated from the scope: a patient notice (SMS and letter, in
 * Chinese and English) and the report to the regulator with the contents PIPL Art. 57 requires —
 * the categories of personal information involved, the cause and the possible harm, the remedies
 * taken and what individuals can do to reduce harm, and how to contact the handler. Pure: no I/O.
 */
import { CATEGORY_WORDS, dataWords } from './classify.ts';
import type { ScopedPatient } from './scope.ts';
import type { ContainmentKind, NoticeLanguage } from './types.ts';

/** Contacts and names that notices carry (the tenant's incident settings). */
export interface NoticeSettings {
  organisation: { zh: string; en: string };
  /** Personal-information protection officer (DPO) name or title. */
  dpo: { zh: string; en: string };
  phone: string;
  email?: string;
  address?: { zh: string; en: string };
  /** Supervising authority the report is addressed to. */
  regulator: { zh: string; en: string };
}

/** Defaults until the privacy office saves its own. */
export const DEFAULT_NOTICE_SETTINGS: NoticeSettings = {
  organisation: { zh: '本院', en: 'the hospital' },
  dpo: { zh: '个人信息保护负责人', en: 'the personal-information protection officer' },
  phone: '（请在事件设置中填写联系电话）',
  regulator: { zh: '卫生健康主管部门及网信部门', en: 'the health and cyberspace authorities' },
};

/** What a notice says about the incident (no personal data of the staff involved). */
export interface NoticeIncident {
  id: string;
  cause: string;
  harm: string;
  remedies: string;
  openedAt: Date;
  /** Containment actions carried out. */
  actionsDone: readonly ContainmentKind[];
}

/** A patient notice in one language. */
export interface PatientNoticeText {
  language: NoticeLanguage;
  sms: string;
  letter: string;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A date in China time (UTC+8), as notices print it. */
export function formatDay(d: Date, lang: NoticeLanguage): string {
  const t = new Date(d.getTime() + 8 * 3_600_000);
  const y = t.getUTCFullYear();
  const m = t.getUTCMonth() + 1;
  const day = t.getUTCDate();
  return lang === 'zh' ? `${y}年${m}月${day}日` : `${y}-${pad(m)}-${pad(day)}`;
}

function period(first: Date, last: Date, lang: NoticeLanguage): string {
  const a = formatDay(first, lang);
  const b = formatDay(last, lang);
  if (a === b) return a;
  return lang === 'zh' ? `${a}至${b}` : `${a} to ${b}`;
}

function joinWords(words: string[], lang: NoticeLanguage): string {
  if (lang === 'zh') return words.join('、');
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/** Possible harm in plain words, from what was touched. */
export function possibleHarm(
  p: Pick<ScopedPatient, 'kinds' | 'sensitive' | 'contact'>,
  lang: NoticeLanguage,
): string[] {
  const out: string[] = [];
  const zh = lang === 'zh';
  if (p.contact)
    out.push(
      zh
        ? '您可能接到推销、骚扰或诈骗电话和短信，对方可能准确说出您的姓名和就诊情况以骗取信任'
        : 'you may receive marketing, nuisance or scam calls and messages from callers who know your name and your visit and use them to gain your trust',
    );
  if (p.kinds.includes('maternity'))
    out.push(
      zh
        ? '月子中心、母婴用品等商家可能据此向您定向推销'
        : 'postpartum-care centres and baby-product sellers may target you with sales calls',
    );
  if (p.kinds.includes('id-number'))
    out.push(
      zh
        ? '您的身份证件号码可能被冒用办理业务'
        : 'your identity document number could be misused to open accounts in your name',
    );
  if (p.sensitive.some((s) => s !== 'reproductive') || p.kinds.includes('diagnosis'))
    out.push(
      zh
        ? '敏感的健康信息被他人知悉，可能给您带来困扰或歧视'
        : 'others may learn sensitive health information, which could cause distress or discrimination',
    );
  if (p.kinds.includes('imaging'))
    out.push(zh ? '您的影像资料可能被传播' : 'your medical images could be passed on');
  if (p.kinds.includes('billing'))
    out.push(
      zh ? '您的医保或费用信息可能被冒用' : 'your insurance or billing details could be misused',
    );
  if (out.length === 0)
    out.push(
      zh
        ? '您的个人信息可能被未经授权的人员知悉'
        : 'people without authorisation may have learned your personal information',
    );
  return out;
}

const ACTION_WORDS: Record<ContainmentKind, { zh: string; en: string }> = {
  'suspend-account': { zh: '停用了涉事账号', en: 'suspended the account involved' },
  'revoke-sessions': { zh: '强制注销了其全部登录会话', en: 'ended all of its sign-in sessions' },
  'revoke-client': {
    zh: '吊销了涉事第三方系统的接入权限',
    en: 'revoked the third-party system’s access',
  },
  'expire-exports': { zh: '作废了相关导出文件', en: 'withdrew the exported files involved' },
  'rotate-keys': { zh: '更换了数据加密密钥', en: 'replaced the data encryption keys' },
};

/** Remedies taken, in words: the containment actions done, then the lead's own text. */
export function remediesTaken(incident: NoticeIncident, lang: NoticeLanguage): string[] {
  const out = [...new Set(incident.actionsDone)].map((a) => ACTION_WORDS[a][lang]);
  if (incident.remedies.trim()) out.push(incident.remedies.trim());
  return out;
}

/** What the individual can do to reduce harm (PIPL Art. 57 (2)). */
export function individualMeasures(
  p: Pick<ScopedPatient, 'contact' | 'kinds'>,
  lang: NoticeLanguage,
): string[] {
  const zh = lang === 'zh';
  const out = [
    zh
      ? '对自称医院、月子中心、保险或母婴机构的来电保持警惕，不要透露验证码、银行卡或身份证件信息，不要转账'
      : 'be wary of callers claiming to be from the hospital, a postpartum centre, an insurer or a baby-product company; never give verification codes, bank or identity document details, and never transfer money',
    zh
      ? '如遇诈骗可拨打110或反诈专线96110'
      : 'report fraud to the police (110) or the anti-fraud hotline 96110',
    zh
      ? '您可通过患者服务平台查看谁访问过您的病历，并依法查阅、复制您的个人信息或提出其他请求'
      : 'you can see who accessed your record in the patient portal, and you may access and copy your personal information or make other requests under the law',
  ];
  if (p.kinds.includes('id-number'))
    out.splice(
      1,
      0,
      zh
        ? '留意以您名义办理的业务，必要时向发证机关咨询'
        : 'watch for accounts opened in your name and ask the issuing authority if in doubt',
    );
  return out;
}

/**
 * A patient notice in one language: a short SMS and a letter. `name` is the patient's name as
 * the vault holds it (null gives a generic greeting); `p` is the patient's line of the scope.
 */
export function patientNotice(
  lang: NoticeLanguage,
  settings: NoticeSettings,
  incident: NoticeIncident,
  p: ScopedPatient,
  name: string | null,
  gender: string | null,
): PatientNoticeText {
  const zh = lang === 'zh';
  const org = settings.organisation[lang];
  const when = period(p.first, p.last, lang);
  const kinds = joinWords(
    [
      ...p.kinds.map((k) => dataWords(k, lang)),
      ...p.sensitive
        .filter((s) => s !== 'reproductive' || !p.kinds.includes('maternity'))
        .map((s) => dataWords(s, lang)),
    ],
    lang,
  );
  const sms = zh
    ? `【${org}】您好，经核查，${when}期间您的${kinds}被我院人员违规查看，我院已采取处置措施。请警惕冒充医院或母婴机构的来电，勿透露验证码或转账。详询${settings.phone}（事件编号${incident.id}）。`
    : `[${org}] We found that between ${when} a member of our staff viewed your ${kinds} without authorisation. We have acted to stop it. Beware of calls claiming to be from us or baby-care companies; never share codes or pay. Questions: ${settings.phone} (ref. ${incident.id}).`;
  const honorific = zh
    ? name
      ? `尊敬的${name}${gender === 'female' ? '女士' : gender === 'male' ? '先生' : ''}：`
      : '尊敬的患者：'
    : name
      ? `Dear ${name},`
      : 'Dear patient,';
  const bullets = (xs: string[]) =>
    xs.map((x) => (zh ? `  · ${x}。` : `  • ${x[0]!.toUpperCase()}${x.slice(1)}.`)).join('\n');
  const cause = incident.cause.trim();
  const sections = zh
    ? [
        honorific,
        '',
        `我院在个人信息保护监测中发现，${when}期间，您在我院的部分个人信息被未经授权查看。根据《中华人民共和国个人信息保护法》第五十七条，现将有关情况告知如下。`,
        '',
        '一、涉及的个人信息种类',
        `  ${kinds}。`,
        '',
        '二、事件原因',
        `  ${cause || '我院工作人员在无诊疗需要的情况下查看了您的病历信息。'}`,
        '',
        '三、可能造成的影响',
        bullets(possibleHarm(p, lang)),
        '',
        '四、我院已采取的补救措施',
        bullets(
          remediesTaken(incident, lang).length
            ? remediesTaken(incident, lang)
            : ['已启动调查并加强访问监测'],
        ),
        '',
        '五、您可以采取的措施',
        bullets(individualMeasures(p, lang)),
        '',
        '六、联系方式',
        `  ${settings.dpo.zh}，电话：${settings.phone}${settings.email ? `，电子邮箱：${settings.email}` : ''}${settings.address ? `，地址：${settings.address.zh}` : ''}。`,
        '',
        `对此给您带来的困扰，我们深表歉意。`,
        '',
        `${org}`,
        `${formatDay(incident.openedAt, lang)}  事件编号：${incident.id}`,
      ]
    : [
        honorific,
        '',
        `While monitoring the protection of personal information we found that between ${when} some of your personal information held by ${org} was viewed without authorisation. As Article 57 of the Personal Information Protection Law of the PRC requires, we are writing to tell you what happened.`,
        '',
        '1. Information involved',
        `  ${kinds[0]!.toUpperCase()}${kinds.slice(1)}.`,
        '',
        '2. Cause',
        `  ${cause || 'A member of our staff opened your record without any need to do so for your care.'}`,
        '',
        '3. Possible harm',
        bullets(possibleHarm(p, lang)),
        '',
        '4. What we have done',
        bullets(
          remediesTaken(incident, lang).length
            ? remediesTaken(incident, lang)
            : ['opened an investigation and increased access monitoring'],
        ),
        '',
        '5. What you can do',
        bullets(individualMeasures(p, lang)),
        '',
        '6. Contact',
        `  ${settings.dpo.en}, phone ${settings.phone}${settings.email ? `, e-mail ${settings.email}` : ''}${settings.address ? `, ${settings.address.en}` : ''}.`,
        '',
        'We are sorry for the worry this may cause you.',
        '',
        `${org}`,
        `${formatDay(incident.openedAt, lang)}  Reference: ${incident.id}`,
      ];
  return { language: lang, sms, letter: sections.join('\n') };
}

/** Totals of a scope that the regulator report needs. */
export interface ReportScope {
  patients: number;
  byGrade: Record<string, number>;
  byCategory: Record<string, number>;
  bySensitive: Record<string, number>;
  contact: number;
  kinds: string[];
  from: string;
  to: string;
  first: Date | null;
  last: Date | null;
}

/** A containment action as the report lists it. */
export interface ReportAction {
  kind: ContainmentKind;
  status: string;
  at: Date;
}

/** The regulator report (PIPL Art. 57) in one language, as plain text. */
export function regulatorReport(
  lang: NoticeLanguage,
  settings: NoticeSettings,
  incident: NoticeIncident & { title: string; source: string; severity: string },
  scope: ReportScope,
  actions: readonly ReportAction[],
  notifications: { generated: number; delivered: number },
): string {
  const zh = lang === 'zh';
  const cat = Object.entries(scope.byCategory)
    .map(([k, n]) => `${CATEGORY_WORDS[k]?.[lang] ?? k}: ${n}`)
    .join(zh ? '；' : '; ');
  const grade = Object.entries(scope.byGrade)
    .sort()
    .map(([g, n]) => (zh ? `第${g}级 ${n}人` : `grade ${g}: ${n}`))
    .join(zh ? '；' : '; ');
  const sens = Object.entries(scope.bySensitive)
    .map(([s, n]) => `${dataWords(s, lang)}: ${n}`)
    .join(zh ? '；' : '; ');
  const kinds = joinWords(
    scope.kinds.map((k) => dataWords(k, lang)),
    lang,
  );
  const harm = possibleHarm(
    {
      contact: scope.contact > 0,
      kinds: scope.kinds,
      sensitive: Object.keys(scope.bySensitive),
    },
    lang,
  );
  const acts = actions.map(
    (a) =>
      `${formatDay(a.at, lang)} ${ACTION_WORDS[a.kind][lang]}${a.status === 'pending' ? (zh ? '（待执行）' : ' (pending)') : ''}`,
  );
  const when =
    scope.first && scope.last
      ? period(scope.first, scope.last, lang)
      : zh
        ? '（无记录）'
        : '(none)';
  const lines = zh
    ? [
        `个人信息安全事件报告`,
        `报送：${settings.regulator.zh}`,
        `报告单位：${settings.organisation.zh}    事件编号：${incident.id}    严重程度：${incident.severity}`,
        `事件名称：${incident.title}`,
        `发现时间：${formatDay(incident.openedAt, lang)}    发现途径：${incident.source === 'case' ? '异常访问监测' : incident.source === 'trace' ? '泄露溯源' : '报告/举报'}`,
        `涉及时段：${when}`,
        '',
        '一、涉及的个人信息种类与规模',
        `  受影响个人：${scope.patients}人（其中联系方式被查看${scope.contact}人）`,
        `  信息种类：${kinds || '（无）'}`,
        `  数据类别：${cat || '（无）'}`,
        `  敏感级别：${grade || '（无）'}`,
        ...(sens ? [`  敏感个人信息：${sens}`] : []),
        '',
        '二、事件原因',
        `  ${incident.cause.trim() || '（调查中）'}`,
        '',
        '三、可能造成的危害',
        ...harm.map((h) => `  · ${h}`),
        ...(incident.harm.trim() ? [`  · ${incident.harm.trim()}`] : []),
        '',
        '四、已采取的补救措施',
        ...(acts.length ? acts.map((a) => `  · ${a}`) : ['  · （尚无）']),
        ...(incident.remedies.trim() ? [`  · ${incident.remedies.trim()}`] : []),
        '',
        '五、个人可以采取的减轻危害的措施',
        ...individualMeasures({ contact: scope.contact > 0, kinds: scope.kinds }, lang).map(
          (m) => `  · ${m}`,
        ),
        '',
        '六、通知个人情况',
        `  已生成通知${notifications.generated}份，已送达${notifications.delivered}人。`,
        '',
        '七、联系方式',
        `  ${settings.dpo.zh}，电话：${settings.phone}${settings.email ? `，电子邮箱：${settings.email}` : ''}${settings.address ? `，地址：${settings.address.zh}` : ''}`,
      ]
    : [
        'Personal information security incident report',
        `To: ${settings.regulator.en}`,
        `From: ${settings.organisation.en}    Incident: ${incident.id}    Severity: ${incident.severity}`,
        `Title: ${incident.title}`,
        `Detected: ${formatDay(incident.openedAt, lang)}    Through: ${incident.source === 'case' ? 'privacy monitoring' : incident.source === 'trace' ? 'leak tracing' : 'a report'}`,
        `Period of the accesses: ${when}`,
        '',
        '1. Categories and extent of personal information involved',
        `  Individuals affected: ${scope.patients} (contact details viewed: ${scope.contact})`,
        `  Information: ${kinds || '(none)'}`,
        `  Data categories: ${cat || '(none)'}`,
        `  Sensitivity grades: ${grade || '(none)'}`,
        ...(sens ? [`  Sensitive personal information: ${sens}`] : []),
        '',
        '2. Cause',
        `  ${incident.cause.trim() || '(under investigation)'}`,
        '',
        '3. Possible harm',
        ...harm.map((h) => `  • ${h}`),
        ...(incident.harm.trim() ? [`  • ${incident.harm.trim()}`] : []),
        '',
        '4. Remedies taken',
        ...(acts.length ? acts.map((a) => `  • ${a}`) : ['  • (none yet)']),
        ...(incident.remedies.trim() ? [`  • ${incident.remedies.trim()}`] : []),
        '',
        '5. What individuals can do to reduce harm',
        ...individualMeasures({ contact: scope.contact > 0, kinds: scope.kinds }, lang).map(
          (m) => `  • ${m}`,
        ),
        '',
        '6. Notification of individuals',
        `  Notices generated: ${notifications.generated}; individuals notified: ${notifications.delivered}.`,
        '',
        '7. Contact',
        `  ${settings.dpo.en}, phone ${settings.phone}${settings.email ? `, e-mail ${settings.email}` : ''}${settings.address ? `, ${settings.address.en}` : ''}`,
      ];
  return lines.join('\n');
}
