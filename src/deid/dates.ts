/**
 * Parsing and shifting of dates written in the common Chinese and English forms. A shift adds the
 * same number of days to every date of a patient, so intervals between them are preserved; the
 * output keeps the original's format (separators, padding, month names, 年月日, numerals).
 */
import { createHmac } from 'node:crypto';
import { isValidDate } from './validators.ts';

const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
const ZH_DIGITS = '〇一二三四五六七八九';

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function zhNumeralToNumber(s: string): number {
  if (/^[〇零一二三四五六七八九]+$/.test(s) && s.length > 2)
    return Number([...s].map((c) => (c === '零' ? 0 : ZH_DIGITS.indexOf(c))).join(''));
  // 十, 十二, 二十, 二十三, 三十一
  const d = (c: string | undefined): number => (c === undefined ? 0 : ZH_DIGITS.indexOf(c));
  if (s === '十') return 10;
  const i = s.indexOf('十');
  if (i < 0) return d(s[0]);
  const tens = i === 0 ? 1 : d(s[0]);
  return tens * 10 + (s[i + 1] ? d(s[i + 1]) : 0);
}

function numberToZhNumeral(n: number, yearStyle: boolean): string {
  if (yearStyle) return [...String(n)].map((c) => ZH_DIGITS[Number(c)]).join('');
  if (n < 10) return ZH_DIGITS[n]!;
  const t = Math.floor(n / 10);
  const u = n % 10;
  return (t === 1 ? '' : ZH_DIGITS[t]!) + '十' + (u ? ZH_DIGITS[u]! : '');
}

function addDays(y: number, m: number, d: number, days: number): [number, number, number] {
  const t = new Date(Date.UTC(y, m - 1, d) + days * 86_400_000);
  return [t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate()];
}

function fourDigitYear(y: string): number {
  if (y.length === 4) return Number(y);
  const n = Number(y);
  return n >= 30 ? 1900 + n : 2000 + n;
}

function styleMonth(original: string, month: number): string {
  const full = MONTHS[month - 1]!;
  const abbrev =
    original.replace(/\.$/, '').length <= 4 &&
    original.toLowerCase() !== 'june' &&
    original.toLowerCase() !== 'july';
  let name = abbrev ? full.slice(0, original.replace(/\.$/, '').length === 4 ? 4 : 3) : full;
  if (abbrev && name === 'sept' && month !== 9) name = full.slice(0, 3);
  if (original === original.toUpperCase()) name = name.toUpperCase();
  else if (original[0] === original[0]!.toUpperCase())
    name = name[0]!.toUpperCase() + name.slice(1);
  return name + (original.endsWith('.') ? '.' : '');
}

function monthIndex(name: string): number {
  const l = name.toLowerCase().replace(/\.$/, '');
  return MONTHS.findIndex((m) => m.startsWith(l.slice(0, 3))) + 1;
}

/**
 * Shifts the date written in `s` by `days`, keeping its format. Returns undefined when `s` is not a
 * date this parser knows (the caller then falls back to another operator). Dates without a year
 * are shifted within `referenceYear`.
 */
export function shiftDateString(s: string, days: number, referenceYear = 2000): string | undefined {
  let m: RegExpExecArray | null;
  // YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD
  if ((m = /^((?:19|20)\d{2})([-/.])(\d{1,2})\2(\d{1,2})$/.exec(s))) {
    const [y, mo, d] = [Number(m[1]), Number(m[3]), Number(m[4])];
    if (!isValidDate(y, mo, d)) return undefined;
    const [ny, nm, nd] = addDays(y, mo, d, days);
    return `${ny}${m[2]}${pad(nm, m[3]!.length)}${m[2]}${pad(nd, m[4]!.length)}`;
  }
  // YYYYMMDD
  if ((m = /^((?:19|20)\d{2})(\d{2})(\d{2})$/.exec(s))) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (!isValidDate(y, mo, d)) return undefined;
    const [ny, nm, nd] = addDays(y, mo, d, days);
    return `${ny}${pad(nm, 2)}${pad(nd, 2)}`;
  }
  // M/D/YYYY, M-D-YY
  if ((m = /^(\d{1,2})([/-])(\d{1,2})\2(\d{2}|\d{4})$/.exec(s))) {
    const y = fourDigitYear(m[4]!);
    const [mo, d] = [Number(m[1]), Number(m[3])];
    if (!isValidDate(y, mo, d)) return undefined;
    const [ny, nm, nd] = addDays(y, mo, d, days);
    const yy = m[4]!.length === 2 ? pad(ny % 100, 2) : String(ny);
    return `${pad(nm, m[1]!.length)}${m[2]}${pad(nd, m[3]!.length)}${m[2]}${yy}`;
  }
  // D.M.YYYY
  if ((m = /^(\d{1,2})\.(\d{1,2})\.((?:19|20)\d{2})$/.exec(s))) {
    const [d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (!isValidDate(y, mo, d)) return undefined;
    const [ny, nm, nd] = addDays(y, mo, d, days);
    return `${pad(nd, m[1]!.length)}.${pad(nm, m[2]!.length)}.${ny}`;
  }
  // M/D (no year)
  if ((m = /^(\d{1,2})\/(\d{1,2})$/.exec(s))) {
    const [mo, d] = [Number(m[1]), Number(m[2])];
    if (!isValidDate(referenceYear, mo, d)) return undefined;
    const [, nm, nd] = addDays(referenceYear, mo, d, days);
    return `${nm}/${nd}`;
  }
  // YYYY年M月D日, YYYY年M月, M月D日, YYYY年
  if (
    (m =
      /^(?:((?:19|20)\d{2})(\s*)年(\s*))?(?:(\d{1,2})(\s*)月(\s*))?(?:(\d{1,2})(\s*)([日号]))?$/.exec(
        s,
      )) &&
    (m[1] || m[4])
  ) {
    const hasY = m[1] !== undefined;
    const hasM = m[4] !== undefined;
    const hasD = m[7] !== undefined;
    if (hasD && !hasM) return undefined;
    const y = hasY ? Number(m[1]) : referenceYear;
    const mo = hasM ? Number(m[4]) : 7;
    const d = hasD ? Number(m[7]) : hasM ? 15 : 1;
    if (!isValidDate(y, mo, d)) return undefined;
    const [ny, nm, nd] = addDays(y, mo, d, days);
    let out = '';
    if (hasY) out += `${ny}${m[2]}年${m[3]}`;
    if (hasM) out += `${pad(nm, m[4]!.length)}${m[5]}月${m[6]}`;
    if (hasD) out += `${pad(nd, m[7]!.length)}${m[8]}${m[9]}`;
    return out;
  }
  // Chinese numerals: 二〇二三年五月六日
  if (
    (m =
      /^([〇零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,2})月(?:([一二三四五六七八九十]{1,3})([日号]))?$/.exec(
        s,
      ))
  ) {
    const y = zhNumeralToNumber(m[1]!);
    const mo = zhNumeralToNumber(m[2]!);
    const d = m[3] ? zhNumeralToNumber(m[3]) : 15;
    if (!isValidDate(y, mo, d)) return undefined;
    const [ny, nm, nd] = addDays(y, mo, d, days);
    return `${numberToZhNumeral(ny, true)}年${numberToZhNumeral(nm, false)}月${m[3] ? numberToZhNumeral(nd, false) + m[4] : ''}`;
  }
  // Month D(th)(, YYYY)
  if ((m = /^([A-Za-z]+\.?)(\s+)(\d{1,2})(st|nd|rd|th)?(?:(,?\s+)((?:19|20)\d{2}))?$/.exec(s))) {
    const mo = monthIndex(m[1]!);
    if (mo < 1) return undefined;
    const y = m[6] ? Number(m[6]) : referenceYear;
    const d = Number(m[3]);
    if (!isValidDate(y, mo, d)) return undefined;
    const [ny, nm, nd] = addDays(y, mo, d, days);
    return `${styleMonth(m[1]!, nm)}${m[2]}${nd}${m[4] ? ordinal(nd) : ''}${m[6] ? `${m[5]}${ny}` : ''}`;
  }
  // D(th) (of) Month (YYYY)
  if (
    (m = /^(\d{1,2})(st|nd|rd|th)?(\s+of)?(\s+)([A-Za-z]+\.?)(?:(,?\s+)((?:19|20)\d{2}))?$/.exec(s))
  ) {
    const mo = monthIndex(m[5]!);
    if (mo < 1) return undefined;
    const y = m[7] ? Number(m[7]) : referenceYear;
    const d = Number(m[1]);
    if (!isValidDate(y, mo, d)) return undefined;
    const [ny, nm, nd] = addDays(y, mo, d, days);
    return `${nd}${m[2] ? ordinal(nd) : ''}${m[3] ?? ''}${m[4]}${styleMonth(m[5]!, nm)}${m[7] ? `${m[6]}${ny}` : ''}`;
  }
  // Month YYYY
  if ((m = /^([A-Za-z]+\.?)(,?\s+)((?:19|20)\d{2})$/.exec(s))) {
    const mo = monthIndex(m[1]!);
    if (mo < 1) return undefined;
    const [ny, nm] = addDays(Number(m[3]), mo, 15, days);
    return `${styleMonth(m[1]!, nm)}${m[2]}${ny}`;
  }
  // YYYY or 'YY alone: shift the middle of the year.
  if ((m = /^((?:19|20)\d{2})$/.exec(s))) return String(addDays(Number(m[1]), 7, 2, days)[0]);
  if ((m = /^'(\d{2})$/.exec(s)))
    return `'${pad(addDays(fourDigitYear(m[1]!), 7, 2, days)[0] % 100, 2)}`;
  return undefined;
}

function ordinal(n: number): string {
  if (n % 100 >= 11 && n % 100 <= 13) return 'th';
  return ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th';
}

/**
 * The per-patient shift in days, derived from the project key with HMAC-SHA256 so that it is
 * stable within a project and unguessable without the key. Never zero; |shift| ≤ maxDays.
 */
export function patientDateShift(key: Uint8Array, patientId: string, maxDays = 365): number {
  const h = createHmac('sha256', key).update(`custos-deid-date-shift\0${patientId}`).digest();
  const span = 2 * maxDays;
  const n = h.readUInt32BE(0) % span; // bias < span / 2^32, negligible
  const v = n - maxDays;
  return v >= 0 ? v + 1 : v;
}
