/**
 * Check-digit and plausibility validators used by the recognizers (and by surrogate generators
 * to make sure generated values are valid).
 */

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

/** Province-level codes of GB/T 2260 used as the first two digits of a resident ID. */
export const PROVINCE_CODES: ReadonlySet<string> = new Set([
  '11',
  '12',
  '13',
  '14',
  '15',
  '21',
  '22',
  '23',
  '31',
  '32',
  '33',
  '34',
  '35',
  '36',
  '37',
  '41',
  '42',
  '43',
  '44',
  '45',
  '46',
  '50',
  '51',
  '52',
  '53',
  '54',
  '61',
  '62',
  '63',
  '64',
  '65',
  '71',
  '81',
  '82',
  '83',
  '91',
]);

/** True when y-m-d is a real calendar date. */
export function isValidDate(y: number, m: number, d: number): boolean {
  if (!Number.isInteger(y) || !Number.isInteger(m) || !Number.isInteger(d)) return false;
  if (m < 1 || m > 12 || d < 1) return false;
  const days = [31, isLeapYear(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
  return d <= days;
}

/** Gregorian leap year. */
export function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** The GB 11643-1999 check character (0-9 or X) of the first 17 digits of a resident ID. */
export function computeResidentIdCheck(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * ID_WEIGHTS[i]!;
  return ID_CHECK[sum % 11]!;
}

/**
 * Validates an 18-character PRC resident ID (GB 11643-1999): province code, a real birth date
 * not in the future (relative to `now`), and the ISO 7064 MOD 11-2 check character.
 */
export function isValidResidentId(id: string, now: Date = new Date()): boolean {
  if (!/^\d{17}[\dXx]$/.test(id)) return false;
  if (!PROVINCE_CODES.has(id.slice(0, 2))) return false;
  const y = Number(id.slice(6, 10));
  const m = Number(id.slice(10, 12));
  const d = Number(id.slice(12, 14));
  if (y < 1880 || !isValidDate(y, m, d)) return false;
  if (Date.UTC(y, m - 1, d) > now.getTime()) return false;
  return computeResidentIdCheck(id.slice(0, 17)) === id[17]!.toUpperCase();
}

/** Validates a 15-digit legacy resident ID (before 1999): province code and a 19YYMMDD birth date. */
export function isValidLegacyResidentId(id: string): boolean {
  if (!/^\d{15}$/.test(id)) return false;
  if (!PROVINCE_CODES.has(id.slice(0, 2))) return false;
  return isValidDate(
    1900 + Number(id.slice(6, 8)),
    Number(id.slice(8, 10)),
    Number(id.slice(10, 12)),
  );
}

/** Luhn (ISO/IEC 7812-1) check over a digit string; separators must be removed first. */
export function isLuhnValid(digits: string): boolean {
  if (!/^\d{2,}$/.test(digits)) return false;
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let v = digits.charCodeAt(i) - 48;
    if (double) {
      v *= 2;
      if (v > 9) v -= 9;
    }
    sum += v;
    double = !double;
  }
  return sum % 10 === 0;
}

/** The Luhn check digit that completes `payload`. */
export function computeLuhnCheck(payload: string): string {
  for (let c = 0; c < 10; c++) if (isLuhnValid(payload + c)) return String(c);
  /* c8 ignore next */
  throw new Error('unreachable');
}

/** Hong Kong identity card check (e.g. A123456(3)); `id` without brackets. */
export function isValidHkid(id: string): boolean {
  const m = /^([A-Z]{1,2})(\d{6})([0-9A])$/.exec(id.toUpperCase());
  if (!m) return false;
  const letters = m[1]!.length === 1 ? ' ' + m[1]! : m[1]!;
  const val = (ch: string): number => (ch === ' ' ? 36 : ch.charCodeAt(0) - 55);
  let sum = val(letters[0]!) * 9 + val(letters[1]!) * 8;
  for (let i = 0; i < 6; i++) sum += (m[2]!.charCodeAt(i) - 48) * (7 - i);
  const check = (11 - (sum % 11)) % 11;
  const expected = check === 10 ? 'A' : String(check);
  return expected === m[3];
}

/** Taiwan national identification number check (e.g. A123456789). */
export function isValidTaiwanId(id: string): boolean {
  const m = /^([A-Z])([12])(\d{8})$/.exec(id.toUpperCase());
  if (!m) return false;
  const codes = 'ABCDEFGHJKLMNPQRSTUVXYWZIO';
  const n = codes.indexOf(m[1]!) + 10;
  let sum = Math.floor(n / 10) + (n % 10) * 9;
  const rest = m[2]! + m[3]!;
  for (let i = 0; i < 8; i++) sum += (rest.charCodeAt(i) - 48) * (8 - i);
  sum += rest.charCodeAt(8) - 48;
  return sum % 10 === 0;
}

/** IPv4 dotted quad with octets 0-255 and no leading zeros beyond one digit. */
export function isValidIpv4(s: string): boolean {
  const parts = s.split('.');
  if (parts.length !== 4) return false;
  return parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

/** US Social Security Number plausibility (SSA rules: no 000/666/9xx area, no 00 group, no 0000 serial). */
export function isValidUsSsn(s: string): boolean {
  const d = s.replace(/[-\s]/g, '');
  if (!/^\d{9}$/.test(d)) return false;
  const area = d.slice(0, 3);
  if (area === '000' || area === '666' || area[0] === '9') return false;
  if (d.slice(3, 5) === '00' || d.slice(5) === '0000') return false;
  return !/^(\d)\1{8}$/.test(d);
}

/**
 * IBAN (ISO 13616): two letters, two check digits and up to 30 letters or digits; spaces are
 * ignored. Valid when the rearranged number is 1 modulo 97.
 */
export function isValidIban(value: string): boolean {
  const v = value.replace(/ /g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(v)) return false;
  const r = v.slice(4) + v.slice(0, 4);
  let rem = 0;
  for (let i = 0; i < r.length; i++) {
    const c = r.charCodeAt(i);
    const n = c >= 65 ? c - 55 : c - 48;
    rem = n >= 10 ? (rem * 100 + n) % 97 : (rem * 10 + n) % 97;
  }
  return rem === 1;
}
