/**
 * Masking formats (脱敏格式) people expect on screens, slips and labels: 张*丰 / 张**,
 * J*** S****, 138****5678, 110105********0123, an address kept to its district or city, a birth
 * date kept to its year, z******@example.com. Each is a pure function of its input; none throws
 * on odd input (it masks everything it cannot parse instead — failing closed).
 */

/** The masking character. */
export const MASK_CHAR = '*';

/** Compound (two-character) Chinese surnames, checked before single-character ones. */
export const COMPOUND_SURNAMES: readonly string[] = [
  '欧阳',
  '司马',
  '诸葛',
  '上官',
  '东方',
  '皇甫',
  '尉迟',
  '公孙',
  '慕容',
  '长孙',
  '宇文',
  '司徒',
  '夏侯',
  '轩辕',
  '令狐',
  '端木',
  '独孤',
  '南宫',
  '西门',
  '百里',
  '呼延',
  '澹台',
  '申屠',
  '太史',
  '闻人',
  '赫连',
  '钟离',
  '万俟',
  '濮阳',
  '淳于',
  '单于',
  '公羊',
  '公冶',
  '宗政',
  '仲孙',
  '乐正',
  '司空',
  '亓官',
  '司寇',
  '拓跋',
  '第五',
  '鲜于',
  '闾丘',
  '东郭',
  '南门',
  '羊舌',
  '梁丘',
  '左丘',
  '谷梁',
];

const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;

/** How a name is masked: `keep-first-last` 张*丰, `keep-first` 张**, `initials` J. S. */
export type NameStyle = 'keep-first-last' | 'keep-first' | 'initials';

function stars(n: number): string {
  return MASK_CHAR.repeat(Math.max(n, 0));
}

/**
 * Mask a personal name. Chinese names keep the surname (compound surnames such as 欧阳 in full):
 * `keep-first-last` 张三丰 → 张*丰, 张三 → 张*; `keep-first` 张三丰 → 张**. Latin names keep each
 * word's initial: John Smith → J*** S**** (`initials`: J. S.).
 */
export function maskName(name: string, style: NameStyle = 'keep-first-last'): string {
  const s = name.trim();
  if (s.length === 0) return '';
  if (CJK.test(s)) {
    const chars = [...s.replace(/[\s·•]/g, '')];
    if (chars.length <= 1) return stars(1);
    const joined = chars.join('');
    const surnameLen =
      chars.length >= 3 && COMPOUND_SURNAMES.some((c) => joined.startsWith(c)) ? 2 : 1;
    const surname = chars.slice(0, surnameLen).join('');
    const given = chars.slice(surnameLen);
    if (style === 'initials') return `${surname}${stars(1)}`;
    if (style === 'keep-first' || given.length < 2) return surname + stars(given.length);
    return surname + stars(given.length - 1) + (given[given.length - 1] ?? '');
  }
  const words = s.split(/\s+/);
  if (style === 'initials') return words.map((w) => `${[...w][0] ?? ''}.`).join(' ');
  return words
    .map((w) => {
      const cs = [...w];
      return (
        (cs[0] ?? '') +
        cs
          .slice(1)
          .map((c) => (/[\p{L}\p{N}]/u.test(c) ? MASK_CHAR : c))
          .join('')
      );
    })
    .join(' ');
}

/** Mask digits of `s` whose digit index is in [from, to), keeping separators and other characters. */
function maskDigits(s: string, from: number, to: number): string {
  let i = 0;
  let out = '';
  for (const c of s) {
    if (c >= '0' && c <= '9') {
      out += i >= from && i < to ? MASK_CHAR : c;
      i++;
    } else {
      out += c;
    }
  }
  return out;
}

/**
 * Mask a phone number, keeping its shape: a Chinese mobile 13812345678 → 138****5678 (a +86
 * prefix is kept), a landline 010-12345678 → 010-****5678; other numbers keep the first three and
 * last four digits; very short ones keep only the last two.
 */
export function maskPhone(phone: string): string {
  const s = phone.trim();
  const digits = s.replace(/\D/g, '');
  if (digits.length === 0) return stars(s.length);
  if (digits.length === 13 && digits.startsWith('861') && /^\+?86/.test(s))
    return maskDigits(s, 5, 9);
  if (digits.length === 11 && /^1[3-9]/.test(digits) && !s.startsWith('+'))
    return maskDigits(s, 3, 7);
  const landline = /^(0\d{2,3})[-\s]?(\d{7,8})$/.exec(s);
  if (landline) {
    const area = landline[1] as string;
    const local = landline[2] as string;
    return `${area}-${stars(local.length - 4)}${local.slice(-4)}`;
  }
  if (digits.length < 7) return maskDigits(s, 0, Math.max(digits.length - 2, 0));
  return maskDigits(s, 3, digits.length - 4);
}

/**
 * Mask an identity document number. An 18-character resident ID keeps the 6-digit region code
 * and the last 4 characters by default (110105********0123); `keepStart`/`keepEnd` change that
 * (3 and 4 give 110***********1234). Shorter numbers (passports, permits) keep 1 and 2.
 */
export function maskIdNumber(id: string, keepStart?: number, keepEnd?: number): string {
  const s = id.trim().replace(/\s/g, '');
  const cs = [...s];
  const n = cs.length;
  if (n === 0) return '';
  const longId = n >= 15;
  let a = keepStart ?? (longId ? 6 : 1);
  let b = keepEnd ?? (longId ? 4 : 2);
  // Always mask at least a third, whatever the options say.
  const maxKept = n - Math.ceil(n / 3);
  while (a + b > maxKept) {
    if (a >= b && a > 0) a--;
    else if (b > 0) b--;
    else break;
  }
  return cs.slice(0, a).join('') + stars(n - a - b) + cs.slice(n - b).join('');
}

/** How much of an address is kept. */
export type AddressLevel = 'province' | 'city' | 'district';

const MUNICIPALITIES = ['北京市', '上海市', '天津市', '重庆市', '香港特别行政区', '澳门特别行政区'];

/**
 * Keep an address only down to its district (区/县), city (市) or province (省). Chinese
 * addresses are cut at the administrative markers: 北京市朝阳区建国路88号 → 北京市朝阳区**** at
 * district level, 北京市**** at city level. Latin addresses ("12 Main St, Springfield, IL 62704,
 * USA") drop the street line (district), keep only the last two parts without postal codes (city)
 * or the last part (province). An address that cannot be parsed is masked entirely.
 */
export function maskAddress(address: string, level: AddressLevel = 'district'): string {
  const s = address.trim();
  if (s.length === 0) return '';
  if (CJK.test(s)) {
    let rest = s;
    let kept = '';
    const take = (re: RegExp): boolean => {
      const m = re.exec(rest);
      if (!m) return false;
      kept += m[0];
      rest = rest.slice(m[0].length);
      return true;
    };
    const muni = MUNICIPALITIES.find(
      (m) => rest.startsWith(m) || rest.startsWith(m.replace(/市$/, '')),
    );
    let province = '';
    let hasCity = false;
    if (muni) {
      const len = rest.startsWith(muni) ? muni.length : muni.replace(/市$/, '').length;
      kept = rest.slice(0, len);
      rest = rest.slice(len);
      province = kept;
      hasCity = true;
    } else {
      if (take(/^[\u3400-\u9fff]{2,}?(?:省|自治区)/)) province = kept;
      hasCity = take(/^[\u3400-\u9fff]{2,}?(?:市|自治州|地区|盟)/);
    }
    if (level === 'province') return province ? province + stars(4) : stars(4);
    if (level === 'city') return hasCity ? kept + stars(4) : stars(4);
    const hasDistrict = take(/^[\u3400-\u9fff]+?(?:区|县|旗|市)/);
    return hasDistrict || hasCity ? kept + stars(4) : stars(4);
  }
  const parts = s
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  if (parts.length < 2) return stars(4);
  const clean = (p: string): string =>
    p
      .replace(/\b[A-Z]{0,2}\d[\dA-Z -]*\b/gi, '')
      .replace(/\s+/g, ' ')
      .trim();
  if (level === 'district') return `${stars(4)}, ${parts.slice(1).join(', ')}`;
  if (level === 'city') {
    const kept = parts.slice(-2).map(clean).filter(Boolean);
    return kept.length ? `${stars(4)}, ${kept.join(', ')}` : stars(4);
  }
  const last = clean(parts[parts.length - 1] ?? '');
  return last ? `${stars(4)}, ${last}` : stars(4);
}

/** How much of a date is kept. */
export type DatePrecision = 'year' | 'year-month';

/**
 * Keep a date only to its year (or year and month): 1990-05-17 → 1990, 1990年5月17日 → 1990年,
 * 17/05/1990 → 1990. Anything without a recognisable year is masked entirely.
 */
export function maskBirthDate(
  date: string,
  precision: DatePrecision = 'year',
  locale: 'zh' | 'en' = 'en',
): string {
  const s = date.trim();
  const iso = /^(\d{4})[-/.](\d{1,2})(?:[-/.]\d{1,2})?/.exec(s);
  const zh = /^(\d{4})年(?:(\d{1,2})月)?/.exec(s);
  const dmy = /^\d{1,2}[-/.](\d{1,2})[-/.](\d{4})$/.exec(s);
  let y: string | undefined;
  let m: string | undefined;
  if (iso) [y, m] = [iso[1], iso[2]];
  else if (zh) [y, m] = [zh[1], zh[2]];
  else if (dmy) [y, m] = [dmy[2], dmy[1]];
  if (!y) return stars(4);
  const cjk = locale === 'zh' || Boolean(zh);
  if (precision === 'year-month' && m) {
    return cjk ? `${y}年${Number(m)}月` : `${y}-${m.padStart(2, '0')}`;
  }
  return cjk ? `${y}年` : y;
}

/** Mask an e-mail address: zhangsan@example.com → z*******@example.com. */
export function maskEmail(email: string): string {
  const s = email.trim();
  const at = s.lastIndexOf('@');
  if (at <= 0) return stars(s.length);
  const local = [...s.slice(0, at)];
  return (local[0] ?? '') + stars(Math.max(local.length - 1, 1)) + s.slice(at);
}
