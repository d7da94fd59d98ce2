/**
 * "Could X see Y, and why": a decision with a human-readable explanation in English and
 * Simplified Chinese, for the privacy officer's console (GET /api/access/explain).
 * Explanations name roles, purposes, policies and fields, never patient data.
 */
import type { PolicyEngine } from './engine.ts';
import type { AccessInput, Decision } from './types.ts';

/** Languages explanations are written in. */
export type ExplainLocale = 'en' | 'zh-CN';

/** A decision and its explanation. */
export interface AccessExplanation {
  decision: Decision;
  /** One sentence per language. */
  summary: Record<ExplainLocale, string>;
  /** Step-by-step lines per language. */
  lines: Record<ExplainLocale, string[]>;
}

const REASON_TEXT: Record<string, Record<ExplainLocale, string>> = {
  NO_TREATMENT_RELATIONSHIP: {
    en: 'no current treatment relationship with the patient',
    'zh-CN': '与该患者没有当前的诊疗关系',
  },
  STAFF_INACTIVE: {
    en: 'the staff account is suspended or the person has left',
    'zh-CN': '该员工账号已停用或人员已离职',
  },
  TRAINING_EXPIRED: {
    en: 'privacy training is not current',
    'zh-CN': '隐私保护培训未完成或已过期',
  },
  WORKSTATION_NOT_REGISTERED: { en: 'the workstation is not registered', 'zh-CN': '该终端未登记' },
  WORKSTATION_LOCATION_NOT_ALLOWED: {
    en: 'records may not be opened at this location',
    'zh-CN': '该位置的终端不允许调阅病历',
  },
  NETWORK_NOT_ALLOWED: {
    en: 'the request came from outside the hospital network',
    'zh-CN': '请求来自医院网络之外',
  },
  PATIENT_RESTRICTION: {
    en: "the patient's own restriction applies",
    'zh-CN': '患者本人设置的限制生效',
  },
  PATIENT_RESTRICTED: {
    en: 'the record is restricted (VIP / confidential) and needs a direct relationship',
    'zh-CN': '该病历为重点保护（VIP/保密），需直接诊疗关系',
  },
  SENSITIVE_CATEGORY: {
    en: 'sensitive content needs a direct treatment relationship',
    'zh-CN': '敏感信息需要直接诊疗关系',
  },
  NO_ORDER_FOR_DEPARTMENT: {
    en: "no order was sent to the user's department",
    'zh-CN': '没有发往本科室的医嘱/申请',
  },
  NO_ACTIVE_ENCOUNTER: {
    en: 'the patient has no recent encounter to bill',
    'zh-CN': '该患者近期没有可结算的就诊',
  },
  REFERENCE_REQUIRED: {
    en: 'this purpose needs a reference (approval, order or request number)',
    'zh-CN': '该使用目的需要提供依据编号（审批、文书或申请）',
  },
  CHANNEL_NOT_ALLOWED: {
    en: 'this channel (print, export …) is not allowed for this role or purpose',
    'zh-CN': '该角色或使用目的不允许此渠道（打印、导出等）',
  },
  NOT_PERMITTED_FOR_ROLE: {
    en: 'no policy permits this role for this purpose and channel',
    'zh-CN': '没有策略允许该角色以此目的和渠道访问',
  },
  FIELDS_NOT_PERMITTED: {
    en: 'none of the requested fields is permitted',
    'zh-CN': '所请求的字段均不在允许范围内',
  },
  BREAK_GLASS_EXPIRED: {
    en: 'the break-the-glass grant has expired',
    'zh-CN': '紧急访问（破窗）授权已过期',
  },
};

const PURPOSE_ZH: Record<string, string> = {
  treatment: '诊疗',
  payment: '支付',
  operations: '管理',
  research: '科研',
  'public-health': '公共卫生',
  'patient-request': '患者本人申请',
  legal: '司法',
};

const RELATIONSHIP_ZH: Record<string, string> = {
  attending: '主管医生',
  'care-team': '诊疗团队',
  'active-encounter': '当前就诊',
  order: '医嘱/申请',
  appointment: '预约',
  referral: '转诊',
  'in-department': '患者在本科室',
  'shift-handover': '交接班',
};

function reasonText(code: string, locale: ExplainLocale): string {
  return REASON_TEXT[code]?.[locale] ?? code;
}

/**
 * Decide `input` and explain the outcome in both languages: who asked, for what, which policies
 * decided, which relationship was used, which fields are shown or withheld, and what the user
 * can do next (e.g. break-the-glass).
 */
export function explainAccess(engine: PolicyEngine, input: AccessInput): AccessExplanation {
  const d = engine.decideAccess(input);
  const who = `${input.principal.staffId} (${input.principal.roles.join(', ') || 'no role'})`;
  const en: string[] = [];
  const zh: string[] = [];
  en.push(`${who} asked to ${input.action} the record by ${input.channel} for ${input.purpose}.`);
  zh.push(
    `${who} 以「${PURPOSE_ZH[input.purpose] ?? input.purpose}」目的通过 ${input.channel} 渠道请求 ${input.action} 病历。`,
  );
  if (d.relationships.length > 0) {
    en.push(
      `Relationships found: ${d.relationships.map((r) => `${r.kind} (${r.sourceId})`).join(', ')}.`,
    );
    zh.push(
      `发现的诊疗关系：${d.relationships.map((r) => `${RELATIONSHIP_ZH[r.kind] ?? r.kind}（${r.sourceId}）`).join('，')}。`,
    );
  } else {
    en.push('No current relationship with the patient was found.');
    zh.push('未发现与该患者的当前诊疗关系。');
  }
  for (const r of d.reasons) {
    const p = engine.set.policies.get(r.policyId) ?? engine.set.templates.get(r.policyId);
    const intent = p?.intent ? ` — ${p.intent}` : '';
    const on = r.category ? ` [${r.category}]` : '';
    if (r.effect === 'permit') {
      en.push(`Permitted by ${r.policyId}${on}${intent}`);
      zh.push(`允许：策略 ${r.policyId}${on}`);
    } else {
      const why = r.code ? reasonText(r.code, 'en') : '';
      en.push(`Forbidden by ${r.policyId}${on}: ${why}${intent ? `${intent}` : ''}`);
      zh.push(`禁止：策略 ${r.policyId}${on}：${r.code ? reasonText(r.code, 'zh-CN') : ''}`);
    }
  }
  if (d.decision === 'permit') {
    en.push(`Fields shown: ${d.fields.join(', ')}.`);
    zh.push(`可显示字段：${d.fields.join('，')}。`);
    if (d.sensitiveCategories.length > 0) {
      en.push(`Sensitive categories shown: ${d.sensitiveCategories.join(', ')}.`);
      zh.push(`可显示的敏感类别：${d.sensitiveCategories.join('，')}。`);
    }
    if (d.withheld.length > 0) {
      en.push(`Withheld: ${d.withheld.join(', ')}.`);
      zh.push(`不予显示：${d.withheld.join('，')}。`);
    }
    if (d.deidentify) {
      en.push('Data leaves de-identified only.');
      zh.push('数据仅以去标识化形式提供。');
    }
    if (d.breakGlassUsed) {
      en.push('Break-the-glass was used: the access will be reviewed and the patient notified.');
      zh.push('本次使用了紧急访问（破窗）：将进行事后审查并通知患者。');
    }
  }
  if (d.breakGlassAvailable) {
    en.push(
      'Break-the-glass is available: declare an emergency with a reason to open the record for a limited time.',
    );
    zh.push('可申请紧急访问（破窗）：填写理由后可在限定时间内调阅，事后必须审查。');
  }
  const summary: Record<ExplainLocale, string> =
    d.decision === 'permit'
      ? {
          en: `Yes: ${input.principal.staffId} may see ${d.fields.length} field(s)${d.withheld.length ? `, ${d.withheld.length} withheld` : ''}.`,
          'zh-CN': `可以：${input.principal.staffId} 可查看 ${d.fields.length} 个字段${d.withheld.length ? `，${d.withheld.length} 项不予显示` : ''}。`,
        }
      : {
          en: `No: ${reasonText(d.reasonCode ?? 'NOT_PERMITTED_FOR_ROLE', 'en')}${d.breakGlassAvailable ? ' (break-the-glass available)' : ''}.`,
          'zh-CN': `不可以：${reasonText(d.reasonCode ?? 'NOT_PERMITTED_FOR_ROLE', 'zh-CN')}${d.breakGlassAvailable ? '（可申请紧急访问）' : ''}。`,
        };
  return { decision: d, summary, lines: { en, 'zh-CN': zh } };
}

/** The human-readable text of a denial reason code. */
export function describeReasonCode(code: string, locale: ExplainLocale = 'en'): string {
  return reasonText(code, locale);
}
