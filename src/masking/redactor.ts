/**
 * Free-text redaction: a pluggable `Redactor` finds personal data in text and `redactText`
 * replaces it with a tag ([电话] / [PHONE]). The built-in detector is deliberately simple
 * (patterns with checksums and context words); the de-identification module provides a stronger
 * one with the same interface.
 */

/** A kind of personal data found in text. */
export type FindingKind =
  'name' | 'phone' | 'id-number' | 'email' | 'bank-card' | 'address' | 'date' | 'record-number';

/** One piece of personal data found in text, with why it was found. */
export interface TextFinding {
  start: number;
  end: number;
  kind: FindingKind;
  /** 0..1 */
  score: number;
  /** Why it was found (pattern name, checksum, context word). */
  why: string;
}

/** Finds personal data in text. Implementations must be pure and must not throw. */
export interface Redactor {
  readonly name: string;
  find(text: string): TextFinding[];
}

const TAGS: Record<FindingKind, { zh: string; en: string }> = {
  name: { zh: '[姓名]', en: '[NAME]' },
  phone: { zh: '[电话]', en: '[PHONE]' },
  'id-number': { zh: '[证件号]', en: '[ID]' },
  email: { zh: '[邮箱]', en: '[EMAIL]' },
  'bank-card': { zh: '[银行卡]', en: '[CARD]' },
  address: { zh: '[地址]', en: '[ADDRESS]' },
  date: { zh: '[日期]', en: '[DATE]' },
  'record-number': { zh: '[病案号]', en: '[MRN]' },
};

/** True when an 18-character PRC resident ID has a valid GB 11643 check character. */
export function isValidResidentId(id: string): boolean {
  if (!/^\d{17}[\dXx]$/.test(id)) return false;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(id[i]) * (w[i] as number);
  const check = '10X98765432'[sum % 11];
  return id[17]?.toUpperCase() === check;
}

/** True when a digit string passes the Luhn check (bank cards). */
export function isLuhnValid(digits: string): boolean {
  let sum = 0;
  let dbl = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = Number(digits[i]);
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return digits.length >= 12 && sum % 10 === 0;
}

interface Pattern {
  kind: FindingKind;
  re: RegExp;
  score: number;
  why: string;
  /** Capture group holding the value (context words stay). */
  group?: number;
  validate?: (value: string) => boolean;
}

const PATTERNS: Pattern[] = [
  {
    kind: 'id-number',
    re: /(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])/g,
    score: 0.95,
    why: 'resident ID with valid check digit',
    validate: isValidResidentId,
  },
  {
    kind: 'id-number',
    re: /(?:身份证号?|证件号码?|ID\s*(?:No\.?|number)?)\s*[:：]?\s*([0-9A-Za-z]{8,18})/gi,
    score: 0.8,
    why: 'context word before an id',
    group: 1,
  },
  {
    kind: 'bank-card',
    re: /(?<!\d)(?:\d[ -]?){15,18}\d(?!\d)/g,
    score: 0.85,
    why: 'Luhn-valid card number',
    validate: (v) => isLuhnValid(v.replace(/\D/g, '')),
  },
  {
    kind: 'phone',
    re: /(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)/g,
    score: 0.9,
    why: 'PRC mobile number',
  },
  { kind: 'phone', re: /(?<!\d)0\d{2,3}-\d{7,8}(?!\d)/g, score: 0.8, why: 'PRC landline' },
  {
    kind: 'phone',
    re: /(?:tel|phone|电话|手机)\s*[:：]?\s*(\+?[\d][\d\s-]{6,16}\d)/gi,
    score: 0.8,
    why: 'context word before a number',
    group: 1,
  },
  {
    kind: 'email',
    re: /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g,
    score: 0.95,
    why: 'e-mail address',
  },
  {
    kind: 'record-number',
    re: /(?:住院号|病案号|门诊号|MRN)\s*[:：]?\s*([A-Za-z0-9-]{4,20})/gi,
    score: 0.85,
    why: 'record number after context word',
    group: 1,
  },
  {
    kind: 'date',
    re: /(?<!\d)(?:19|20)\d{2}年\d{1,2}月\d{1,2}日/g,
    score: 0.7,
    why: '年月日 date',
  },
  { kind: 'date', re: /(?<!\d)(?:19|20)\d{2}-\d{2}-\d{2}(?!\d)/g, score: 0.6, why: 'ISO date' },
  {
    kind: 'address',
    re: /[\u4e00-\u9fff]{2,}(?:省|市)[\u4e00-\u9fff]{0,12}(?:区|县|市)[\u4e00-\u9fff\d]{1,20}(?:路|街|道|巷|村)[\u4e00-\u9fff\d-]{0,10}(?:号|弄|室|栋|楼)?/g,
    score: 0.75,
    why: '省/市/区/路/号 address',
  },
  {
    kind: 'name',
    re: /(?:姓名|患者|病人|家属|联系人)\s*[:：]?\s*([\u4e00-\u9fff]{2,4})(?=[，。,.;；:：\s(（]|$|\d|先生|女士|诉|因|于|自|入|出|来|男|女|主|现)/g,
    score: 0.7,
    why: 'context word before a Chinese name',
    group: 1,
  },
  {
    kind: 'name',
    re: /(?:Mr|Mrs|Ms|Miss|Dr|Patient|Name)\.?:?\s+([A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)/g,
    score: 0.7,
    why: 'title or context word before a Latin name',
    group: 1,
  },
];

/** The built-in detector: patterns, checksums (resident ID, Luhn) and context words. */
export const builtInRedactor: Redactor = {
  name: 'built-in',
  find(text: string): TextFinding[] {
    const out: TextFinding[] = [];
    for (const p of PATTERNS) {
      p.re.lastIndex = 0;
      for (let m = p.re.exec(text); m !== null; m = p.re.exec(text)) {
        const value = p.group !== undefined ? m[p.group] : m[0];
        if (value === undefined || value.length === 0) continue;
        const start = m.index + (p.group !== undefined ? m[0].lastIndexOf(value) : 0);
        if (p.validate && !p.validate(value)) continue;
        out.push({ start, end: start + value.length, kind: p.kind, score: p.score, why: p.why });
        if (m[0].length === 0) p.re.lastIndex++;
      }
    }
    return out;
  },
};

/** Merge overlapping findings, keeping the higher-scored (then longer) one. */
export function mergeFindings(findings: TextFinding[]): TextFinding[] {
  const sorted = [...findings].sort(
    (a, b) => b.score - a.score || b.end - b.start - (a.end - a.start),
  );
  const kept: TextFinding[] = [];
  for (const f of sorted) {
    if (kept.some((k) => f.start < k.end && k.start < f.end)) continue;
    kept.push(f);
  }
  return kept.sort((a, b) => a.start - b.start);
}

/**
 * Replace every finding of `redactor` in `text` by its tag (`[电话]` in zh, `[PHONE]` in en).
 * Runs the redactor a second time over the output as a check; anything it still finds is
 * replaced as well.
 */
export function redactText(
  text: string,
  redactor: Redactor = builtInRedactor,
  locale: 'zh' | 'en' = 'zh',
): string {
  let out = text;
  for (let pass = 0; pass < 2; pass++) {
    const findings = mergeFindings(redactor.find(out)).filter(
      (f) => f.start >= 0 && f.end <= out.length && f.start < f.end,
    );
    if (findings.length === 0) break;
    let next = '';
    let at = 0;
    for (const f of findings) {
      next += out.slice(at, f.start) + TAGS[f.kind][locale];
      at = f.end;
    }
    out = next + out.slice(at);
  }
  return out;
}
