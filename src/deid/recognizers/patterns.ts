/**
 * Regex recognizers with validators: identifiers, contact data, dates, ages, numbers labelled by
 * the hospital's own terms, network identifiers, plates and serials, in Chinese and English.
 */
import { createPatternRecognizer, type Validation } from '../pattern-recognizer.ts';
import { EntityType, type Recognizer } from '../types.ts';
import {
  isLuhnValid,
  isValidDate,
  isValidHkid,
  isValidIban,
  isValidIpv4,
  isValidLegacyResidentId,
  isValidResidentId,
  isValidTaiwanId,
  isValidUsSsn,
} from '../validators.ts';

const NB = '(?<![0-9A-Za-z])'; // not preceded by an alphanumeric
const NA = '(?![0-9A-Za-z])'; // not followed by an alphanumeric

const re = (src: string, flags = ''): RegExp => new RegExp(src, 'gd' + flags);

/** Keeps the pattern's score when the value holds a digit (labels followed by words are not numbers). */
function requireDigit(v: string): Validation {
  return /\d/.test(v) ? { why: 'contains digits' } : null;
}

/** Characters of an e-mail address's local part (the pattern's [A-Za-z0-9._%+-]). */
function isLocalPartChar(c: number): boolean {
  return (
    (c >= 65 && c <= 90) ||
    (c >= 97 && c <= 122) ||
    (c >= 48 && c <= 57) ||
    c === 46 || // .
    c === 95 || // _
    c === 37 || // %
    c === 43 || // +
    c === 45 // -
  );
}

/**
 * Where an e-mail address whose "@" is at `at` starts: at the start of the run of local-part
 * characters before the "@" (the pattern's look-behind allows no other start).
 */
function localPartStart(text: string, at: number): number {
  let s = at;
  while (s > 0 && isLocalPartChar(text.charCodeAt(s - 1))) s--;
  return s;
}

const residentId = createPatternRecognizer({
  name: 'zh-resident-id',
  type: EntityType.IdCard,
  patterns: [
    { regex: re(`${NB}\\d{17}[\\dXx]${NA}`), score: 0.95, why: '18-character resident ID' },
  ],
  context: ['身份证', '身份证号', '证件号', '公民身份号码', 'ID'],
  validate: (v) =>
    isValidResidentId(v) ? { score: 0.95, why: 'GB 11643 check digit and birth date valid' } : null,
});

const labelledResidentId = createPatternRecognizer({
  name: 'zh-resident-id-labelled',
  type: EntityType.IdCard,
  patterns: [
    {
      regex: re(
        `(?:身份证号码|身份证号|身份证|证件号码|公民身份号码)[:：\\s]*(?<v>\\d{17}[\\dXx]|\\d{15})${NA}`,
      ),
      score: 0.7,
      why: 'labelled as a resident ID',
    },
  ],
  validate: (v) => {
    if (v.length === 18) {
      if (isValidResidentId(v)) return { score: 0.95, why: 'check digit valid' };
      const y = Number(v.slice(6, 10));
      if (isValidDate(y, Number(v.slice(10, 12)), Number(v.slice(12, 14))))
        return { score: 0.7, why: 'check digit wrong (typo?) but birth date valid' };
      return null;
    }
    return isValidLegacyResidentId(v)
      ? { score: 0.9, why: '15-digit legacy ID with valid birth date' }
      : null;
  },
});

const legacyResidentId = createPatternRecognizer({
  name: 'zh-resident-id-15',
  type: EntityType.IdCard,
  patterns: [{ regex: re(`${NB}\\d{15}${NA}`), score: 0.5, why: '15-digit legacy resident ID' }],
  context: ['身份证', '证件'],
  validate: (v) =>
    isValidLegacyResidentId(v)
      ? { score: 0.5, why: 'province code and 19YYMMDD birth date valid' }
      : null,
});

const hkTwId = createPatternRecognizer({
  name: 'hk-tw-id',
  type: EntityType.IdCard,
  patterns: [
    {
      regex: re(`${NB}[A-Z]{1,2}\\d{6}\\(?[0-9A]\\)?(?![0-9A-Za-z])`),
      score: 0.6,
      why: 'Hong Kong identity card shape',
    },
    { regex: re(`${NB}[A-Z][12]\\d{8}${NA}`), score: 0.6, why: 'Taiwan ID shape' },
  ],
  context: ['身份证', '香港', '台湾', 'HKID', 'ID'],
  validate: (v) => {
    const plain = v.replace(/[()]/g, '');
    if (/^[A-Z][12]\d{8}$/.test(plain))
      return isValidTaiwanId(plain) ? { score: 0.6, why: 'Taiwan ID check digit valid' } : null;
    return isValidHkid(plain) ? { score: 0.6, why: 'HKID check digit valid' } : null;
  },
});

const passport = createPatternRecognizer({
  name: 'passport',
  type: EntityType.Passport,
  patterns: [
    {
      regex: re(`${NB}(?:E\\d{8}|E[A-HJ-NP-Z]\\d{7})${NA}`),
      score: 0.55,
      why: 'PRC ordinary passport number shape',
    },
    {
      regex: re(`${NB}(?:[GDSP]\\d{8}|[DSP]E\\d{7})${NA}`),
      score: 0.35,
      why: 'PRC passport number shape (older/official)',
    },
    {
      regex: re(
        `(?:护照号码|护照号|护照|[Pp]assport(?: [Nn]o\\.?| [Nn]umber| #)?)[:：\\s#]*(?<v>[A-Z0-9]{6,9})${NA}`,
      ),
      score: 0.85,
      why: 'labelled as a passport number',
    },
  ],
  context: ['护照', 'passport'],
  validate: requireDigit,
});

const travelPermit = createPatternRecognizer({
  name: 'zh-travel-permit',
  type: EntityType.TravelPermit,
  patterns: [
    {
      regex: re(`${NB}(?:C[A-Z0-9]\\d{7}|[HM]\\d{8}(?:\\d{2})?|L\\d{8})${NA}`),
      score: 0.4,
      why: 'HK/Macau/Taiwan permit number shape',
    },
    {
      regex: re(
        `(?:回乡证|港澳居民来往内地通行证|台胞证|台湾居民来往大陆通行证|往来港澳通行证|港澳通行证|往来台湾通行证|通行证)(?:号码|号)?[:：\\s]*(?<v>[A-Z]?\\d{8}(?:\\d{2})?(?:\\([A-Z]\\))?|C[A-Z]\\d{7})${NA}`,
      ),
      score: 0.9,
      why: 'labelled as a travel permit number',
    },
  ],
  context: ['回乡证', '台胞证', '通行证', '港澳', '台湾'],
});

const iban = createPatternRecognizer({
  name: 'iban',
  type: EntityType.BankCard,
  patterns: [
    {
      regex: re(`\\b[A-Za-z]{2}\\d{2}(?: ?[A-Za-z0-9]{4}){2,7}(?: ?[A-Za-z0-9]{1,4})?\\b`),
      score: 0.85,
      why: 'IBAN',
    },
  ],
  context: ['iban', 'account', 'transfer', 'bank', '账号', '账户'],
  validate: (v) => (isValidIban(v) ? { why: 'ISO 13616 mod-97 check valid' } : null),
});

const bankCard = createPatternRecognizer({
  name: 'bank-card',
  type: EntityType.BankCard,
  patterns: [
    {
      regex: re(
        `(?<![\\d-])(?:\\d{4}[ -]){3}\\d{1,7}(?![\\d-])|(?<!\\d)(?:[2-6]\\d{11,18}|1800\\d{11})(?!\\d)`,
      ),
      score: 0.8,
      why: 'card number',
    },
  ],
  context: ['银行卡', '卡号', '信用卡', '储蓄卡', 'card', 'visa', 'mastercard', 'credit'],
  validate: (v, text, start) => {
    const d = v.replace(/[ -]/g, '');
    // JCB's 15-digit numbers start with 1800 or 2131.
    const jcb15 = d.length === 15 && /^(?:1800|2131)/.test(d);
    // Maestro numbers can be 12 digits long (50, 56-69): only with the word "card" before them.
    const maestro12 =
      d.length === 12 &&
      /^(?:50|5[6-9]|6)/.test(d) &&
      /\bcard\b[^\n\d]{0,24}$/i.test(text.slice(Math.max(0, start - 40), start));
    if (!jcb15 && !maestro12 && (d.length < 13 || d.length > 19 || !/^[2-6]/.test(d))) return null;
    if (d.length === 18 && isValidResidentId(d)) return null;
    return isLuhnValid(d) ? { score: 0.8, why: 'Luhn check valid' } : null;
  },
});

const zhMobile = createPatternRecognizer({
  name: 'zh-mobile',
  type: EntityType.Phone,
  patterns: [
    {
      regex: re(`(?<![\\d])(?:(?:\\+|00)86[- ]?)?1[3-9]\\d(?:[- ]?\\d{4}){2}(?!\\d)`),
      score: 0.75,
      why: 'mainland mobile number',
    },
  ],
  context: ['手机', '电话', '联系', '致电', '号码', 'tel', 'phone', 'mobile'],
});

const zhLandline = createPatternRecognizer({
  name: 'zh-landline',
  type: EntityType.Phone,
  patterns: [
    {
      regex: re(
        `(?<![\\d])(?:\\(0\\d{2,3}\\)\\s?|（0\\d{2,3}）|0\\d{2,3}-)\\d{7,8}(?:(?:转|-|ext\\.?)\\d{1,5})?(?!\\d)`,
      ),
      score: 0.65,
      why: 'landline with area code',
    },
    {
      regex: re(`(?:电话|座机|固话|联系电话)[:：\\s]*(?<v>\\d{7,8})(?!\\d)`),
      score: 0.7,
      why: 'labelled local number',
    },
  ],
  context: ['电话', '座机', '联系', 'tel', 'phone'],
});

const enPhone = createPatternRecognizer({
  name: 'en-phone',
  type: EntityType.Phone,
  patterns: [
    {
      regex: re(
        `(?<!\\d)(?<!\\d-)(?:\\+?1[-. ]?)?(?:\\(\\d{3}\\)\\s?|\\d{3}(?:[-./]\\s?| ))\\d{3}(?:[-./]\\s?| )\\d{4}(?:\\s?(?:x|ext\\.?)\\s?\\d{1,5})?(?![\\d-])`,
      ),
      score: 0.75,
      why: 'North American phone number',
    },
    {
      // Area code apart from a run-together local number: 202 2671093, (240444-1243, 202232-4455.
      regex: re(`(?<![\\d-])\\(?\\d{3}(?: \\d{7}|\\d{3}-\\d{4})\\)?(?![\\d-])`),
      score: 0.55,
      why: 'North American phone number without separators',
    },
    {
      // A digit too many in the last group, as typed in a hurry: "(412 555 12345)". Area code and
      // exchange must be valid (2-9 first).
      regex: re(`(?<![\\d-])[2-9]\\d{2}([- ])[2-9]\\d{2}\\1\\d{5}(?![\\d-])`),
      score: 0.55,
      why: 'North American phone number with one digit too many',
    },
    {
      // Exchange codes start 2-9; a round range (500-1000) or a number with a unit is a reading.
      regex: re(
        `(?<![\\d-/])(?!\\d{2}0-\\d{2}00)[2-9]\\d{2}-\\d{4}(?![\\d-]|[A-Za-z]|\\s?(?:cc|ccs|ml|mg|pm|am|cyu)\\b)`,
      ),
      score: 0.5,
      why: '7-digit local number',
    },
    {
      regex: re(`(?:\\+|00)(?:[2-9]\\d{0,2})[-. ]?(?:\\(?\\d{1,4}\\)?[-. ]?){2,4}\\d{2,4}(?!\\d)`),
      score: 0.6,
      why: 'international phone number',
    },
    {
      regex: re(
        `\\b(?:phone|tel|telephone|cell|pager|beeper|fax|beep|pg|pgr|call(?:ed)?|ext\\.?|x(?=\\d))(?:\\s+(?:number|no\\.?|#))?[:#\\s]*(?!911\\b)(?<v>\\d{3,5}|\\d{3}-\\d{4})(?![\\d/])`,
        'i',
      ),
      wordStarts: 'ph te ce pa be fa pg ca ex x',
      score: 0.55,
      why: 'labelled phone or pager number',
    },
  ],
  context: ['phone', 'tel', 'call', 'cell', 'fax', 'pager', 'beeper', 'contact', 'number', '#'],
});

const PHONE_DIGITS = `\\(?\\+?\\d{1,4}\\)?(?:[ .-]?\\(?\\d{1,5}\\)?){1,5}`;
/** Phone numbers in any national format when a label or a calling phrase names them. */
const labelledPhone = createPatternRecognizer({
  name: 'en-phone-labelled',
  type: EntityType.Phone,
  patterns: [
    {
      regex: re(
        `\\b(?:phone|tel|telephone|mobile|cell|desk|fax|call me (?:at|on)|reach(?:ed)? (?:me )?at|messages to|my registered|answering at|phone number(?: is)?)[:#\\s]*(?<v>${PHONE_DIGITS})(?![\\d])`,
        'i',
      ),
      wordStarts: 'ph te mo ce de fa ca re me my an',
      score: 0.6,
      why: 'digits after a phone label or a calling phrase',
    },
    {
      // Groups of two to four digits only, so that a postcode before the number stays out of it.
      regex: re(
        `(?<![\\d+])(?<v>\\(?\\+?\\d{2,4}\\)?(?:[ .-]\\d{2,4}){1,4})(?=\\s*-?\\s*(?:office|fax|mobile|desk)\\b)`,
        'i',
      ),
      score: 0.6,
      why: 'digits before a phone label (office, fax, mobile)',
    },
  ],
  context: ['phone', 'tel', 'call', 'mobile', 'fax'],
  validate: (v) => {
    const n = v.replace(/\D/g, '').length;
    return n >= 7 && n <= 13 ? { why: '7 to 13 digits' } : null;
  },
});

const email = createPatternRecognizer({
  name: 'email',
  type: EntityType.Email,
  patterns: [
    {
      // The look-behind starts a try only where a run of local-part characters starts (the
      // same matches: a match inside a run extends to the run's start), not at every letter.
      regex: re(
        `(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}`,
      ),
      score: 0.95,
      why: 'e-mail address',
      requires: /@/,
      anchor: { regex: /@/g, from: localPartStart },
    },
  ],
});

const ip = createPatternRecognizer({
  name: 'ip-address',
  type: EntityType.IpAddress,
  patterns: [
    {
      regex: re(`(?<![\\d.])(?:\\d{1,3}\\.){3}\\d{1,3}(?![\\d.]|\\.\\d)`),
      score: 0.8,
      why: 'IPv4 address',
    },
    {
      regex: re(
        `(?<![\\w:])(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}(?![\\w:])|(?<![\\w:])(?:[0-9A-Fa-f]{1,4}:){1,6}:(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,5})?(?![\\w:])`,
      ),
      score: 0.7,
      why: 'IPv6 address',
      requires: /[0-9A-Fa-f]:[0-9A-Fa-f]{0,4}:/,
      // The first colon of an address comes after one to four hex digits and is followed by at
      // most four hex digits and a second colon.
      anchor: { regex: /:[0-9A-Fa-f]{0,4}:/g, from: (_text, at) => Math.max(0, at - 4) },
    },
  ],
  context: ['ip', 'address', '地址', 'host'],
  validate: (v) => {
    if (v.includes(':'))
      return /[a-fA-F]/.test(v) || v.includes('::') ? { score: 0.7, why: 'IPv6 groups' } : null;
    return isValidIpv4(v) ? { score: 0.8, why: 'octets 0-255' } : null;
  },
});

const url = createPatternRecognizer({
  name: 'url',
  type: EntityType.Url,
  patterns: [
    {
      regex: re(
        `\\b(?:https?|ftp)://[^\\s<>"'，。；）】\\]]*[^\\s<>"'，。；）】\\].,;:!?)]|\\bwww\\.[^\\s<>"'，。；）】\\]]*[^\\s<>"'，。；）】\\].,;:!?)]`,
        'i',
      ),
      score: 0.9,
      why: 'URL',
      requires: /:\/\/|www\./i,
    },
    {
      regex: re(
        `(?<![@\\w.-])(?:[a-z0-9][a-z0-9-]*[a-z][a-z0-9-]*\\.)+(?:com|org|net|edu|gov|info|biz|io|cn|hk|tw|uk|de|jp|fr|ru)(?![\\w@-])`,
      ),
      score: 0.6,
      why: 'domain name',
      requires: /\.(?:com|org|net|edu|gov|info|biz|io|cn|hk|tw|uk|de|jp|fr|ru)(?![\w@-])/,
    },
  ],
});

const ssn = createPatternRecognizer({
  name: 'us-ssn',
  type: EntityType.UsSsn,
  patterns: [
    { regex: re(`(?<![\\d-])\\d{3}-\\d{2}-\\d{4}(?![\\d-])`), score: 0.7, why: 'SSN shape' },
    {
      regex: re(`(?<![\\d-])\\d{3} \\d{2} \\d{4}(?![\\d-])`),
      score: 0.5,
      why: 'SSN shape with spaces',
    },
  ],
  context: ['ssn', 'social security', 'social'],
  validate: (v) => (isValidUsSsn(v) ? { score: 0.7, why: 'SSA area/group/serial rules' } : null),
});

const zip = createPatternRecognizer({
  name: 'zip-code',
  type: EntityType.ZipCode,
  patterns: [
    {
      regex: re(
        `\\b(?:A[LKZR]|C[AOT]|D[EC]|FL|GA|HI|I[DLNA]|K[SY]|LA|M[EDAINSOT]|N[EVHJMYCD]|O[HKR]|PA|RI|S[CD]|T[NX]|UT|V[TA]|W[AVIY]),?\\s+(?<v>\\d{5}(?:-\\d{4})?)(?!\\d)`,
      ),
      wordStarts:
        'al ak az ar ca co ct de dc fl ga hi id il in ia ks ky la me md ma mi mn ms mo mt ne nv nh nj nm ny nc nd oh ok or pa ri sc sd tn tx ut vt va wa wv wi wy',
      score: 0.75,
      why: 'ZIP code after a state',
    },
    {
      regex: re(
        `(?:邮编|邮政编码|zip(?: code)?|postal code)[:：\\s]*(?<v>\\d{5,6}(?:-\\d{4})?)(?!\\d)`,
        'i',
      ),
      score: 0.85,
      why: 'labelled postal code',
    },
    {
      // Postal codes of other countries after an English label: "zip code is 4021", "ZIP: 752 36",
      // "Postcode 4000-123", "postal code 1011 AB" (letter case is matched by hand: the two
      // capitals of a Dutch code must not match "is" or "in").
      regex: re(
        `\\b(?:[Zz]ip|ZIP|[Pp]ost(?:al)? ?[Cc]ode|POST(?:AL)? ?CODE)(?: ?(?:[Cc]ode|CODE))?(?: is)?[:\\s]*(?<v>\\d{4}-\\d{3}|\\d{3} \\d{2}(?![\\d-])|\\d{4} [A-Z]{2}(?![A-Za-z])|\\d{3,6}(?:-\\d{4})?)(?![\\d-])`,
      ),
      wordStarts: 'zi po',
      score: 0.8,
      why: 'labelled postal code of 3 to 6 digits',
    },
  ],
});

// ---- dates ----
/**
 * The year after a day and month: four digits (1800-2099: old patients' birth years too), or two
 * digits after a comma ("3 oct, 97").
 */
const YEAR_AFTER = `(?:,?\\s+(?:18|19|20)\\d{2}(?!\\d)|,\\s*'?\\d{2}(?![\\d:/.])(?!\\s*[A-Za-z]))?`;
const MONTH =
  '(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)';
const DAY = '(?:0?[1-9]|[12]\\d|3[01])';
const MON = '(?:0?[1-9]|1[0-2])';
const ZH_NUM = '[〇零一二三四五六七八九]';
const ZH_SMALL = '[一二三四五六七八九十]';

function validYmd(v: string): Validation {
  const m = /((?:19|20)\d{2})\D*(\d{1,2})\D*(\d{1,2})/.exec(v);
  if (!m) return { score: 0.85, why: 'date' };
  return isValidDate(Number(m[1]), Number(m[2]), Number(m[3]))
    ? { score: 0.85, why: 'valid calendar date' }
    : null;
}

const dateIso = createPatternRecognizer({
  name: 'date-ymd',
  type: EntityType.Date,
  patterns: [
    {
      regex: re(
        `(?<![\\d.])(?:19|20)\\d{2}(?:-${MON}-${DAY}|/${MON}/${DAY}|\\.${MON}\\.${DAY})(?![\\d])`,
      ),
      score: 0.85,
      why: 'year-month-day',
    },
  ],
  validate: validYmd,
});

const dateCompact = createPatternRecognizer({
  name: 'date-compact',
  type: EntityType.Date,
  patterns: [
    {
      regex: re(`(?<!\\d)(?:19|20)\\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\\d|3[01])(?!\\d)`),
      score: 0.4,
      why: 'YYYYMMDD',
    },
  ],
  context: ['日期', '出生', '生日', '入院', '出院', 'date', 'dob', 'born'],
  validate: (v) =>
    isValidDate(Number(v.slice(0, 4)), Number(v.slice(4, 6)), Number(v.slice(6, 8)))
      ? { score: 0.4, why: 'valid calendar date' }
      : null,
});

const VENT_BEFORE =
  /\b(?:ps|peep|cpap|bipap|vent|settings?|ac|simv|imv|psv|fio2|tv|rate|ips|eps|ipap|epap|bp|pap|pad|ratio|\d+\s*x)\b[\s:=]*(?:\d+\s*(?:\/|and)?\s*)?$|[+]\s*$/i;

/** Event words right before a month/day that would otherwise read as a fraction. */
const DATE_VERB_BEFORE =
  /\b(?:since|until|post|extub\w*|intubated|wean(?:ed)?|wened|placed|started|admitted|adm|transferred|d\/c'?d?|dc'?d|discharged|pulled|removed|inserted|changed)\s*$/i;
/** Words of a pain score next to an "n/10". */
const PAIN_NEAR =
  /\b(?:pain|cp|c\/o|angina|discomfort|rating|rates?|rated|scale|ha|h\/a|headache|incisional|chest)\b|#\s*\d/i;
/** Ventilator words on the same line as a "5/5"-like pair. */
const VENT_NEAR =
  /\b(?:ps|peep|cpap|bipap|vent|ventilation|settings?|simv|imv|psv|ips|ipap|epap|flowby|fio2|mask)\b/i;

/** The text within `width` characters on each side of `pos`, not crossing a line break. */
function lineAround(text: string, pos: number, width: number): string {
  let a = Math.max(0, pos - width);
  let b = Math.min(text.length, pos + width);
  const nl = text.lastIndexOf('\n', pos);
  if (nl >= a) a = nl + 1;
  const nr = text.indexOf('\n', pos);
  if (nr >= 0 && nr < b) b = nr;
  return text.slice(a, b);
}

const dateUs = createPatternRecognizer({
  name: 'date-mdy',
  type: EntityType.Date,
  patterns: [
    {
      regex: re(`(?<![\\d/])(?<!\\d[.-])${MON}([/-])${DAY}\\1(?:19|20)?\\d{2}(?![\\d/])`),
      score: 0.8,
      why: 'month/day/year',
    },
    {
      regex: re(`(?<![\\d/.])${DAY}\\.${MON}\\.(?:19|20)\\d{2}(?![\\d.])`),
      score: 0.7,
      why: 'day.month.year',
    },
    {
      regex: re(`(?<![\\d/,])(?<![\\d.][.-])${MON}/${DAY}(?![\\d/]|\\.\\d|,\\d)`),
      score: 0.6,
      why: 'month/day',
    },
    {
      // "on 7-8", "from 3-5": month-day with a hyphen after a date preposition.
      regex: re(
        `\\b(?:on|from|since|until)\\s+(?<v>${MON}-${DAY})(?![\\d/-]|\\s*(?:days?|d|hrs?|hours?|h|weeks?|wks?|times|x|mg|mcg|l|liters?|units?|cm|mm|%|am|pm)\\b)`,
        'i',
      ),
      wordStarts: 'on fr si un',
      score: 0.6,
      why: 'month-day after a date preposition',
    },
    {
      // A second part over 31 is a year: "AVR 8/88", "(12/93)".
      regex: re(`(?<![\\d/.,-])(?:0?[1-9]|1[0-2])/(?:3[2-9]|[4-9]\\d)(?![\\d/%]|\\.\\d|,\\d)`),
      score: 0.6,
      why: 'month/two-digit year',
    },
  ],
  context: ['on', 'date', 'since', 'dated', 'admitted', 'discharged', 'until', 'from'],
  validate: (v, text, start) => {
    // Ventilator and pressure settings (PS 10/5, CPAP 12/5/40) look like dates.
    if (VENT_BEFORE.test(text.slice(Math.max(0, start - 16), start))) return null;
    const end = start + v.length;
    // "600x12/5/40%", "5/10/40%": settings followed by a percentage.
    if (
      text[end] === '%' ||
      /\d\s*[xX]\.?$/.test(text.slice(Math.max(0, start - 5), start)) ||
      /^\s*(?:peep|ps|cpap|fio2)\b/i.test(text.slice(end, end + 8))
    )
      return null;
    const parts = v.split(/[/.-]/).map(Number);
    if (parts.length === 2) {
      const [m, d] = parts as [number, number];
      if (d > 31) return { score: 0.6, why: 'month and two-digit year' };
      // Pain scores: "c/o CP 8/10", "pain 5/10", "rating 3/10".
      if (d === 10 && m <= 10 && PAIN_NEAR.test(text.slice(Math.max(0, start - 32), end + 24)))
        return null;
      // Pressure-support/PEEP pairs ("mask ventilation 5/5", "flowby 6/3") with ventilator
      // words on the same line: the second number is small and not above the first.
      if (d <= m && d <= 10 && VENT_NEAR.test(lineAround(text, start, 40))) return null;
      // Small fractions (1/2, 3/4) and ratios are far more common than early-January dates.
      // A zero-padded day ("3/02") is never a fraction.
      if (m <= 4 && d <= 4 && !/\/0/.test(v)) {
        // ... unless an event verb stands right before it: "extub 4/1", "weaned 4/2", "post 3/3".
        if (DATE_VERB_BEFORE.test(text.slice(Math.max(0, start - 16), start)))
          return { score: 0.6, why: 'month/day after an event word' };
        return { score: 0.15, why: 'could be a fraction' };
      }
      return { score: 0.6, why: 'plausible month/day' };
    }
    return { why: 'plausible date' };
  },
});

const dateWords = createPatternRecognizer({
  name: 'date-en-words',
  type: EntityType.Date,
  patterns: [
    {
      regex: re(`\\b${MONTH}\\.?\\s+${DAY}(?:st|nd|rd|th)?${YEAR_AFTER}(?!\\d)`, 'i'),
      wordStarts: 'ja fe ma ap ju au se oc no de',
      score: 0.8,
      why: 'month name and day',
    },
    {
      regex: re(
        `\\b(?:\\d{1,2}\\s*(?:->|-|to)\\s*)?${DAY}(?:st|nd|rd|th)?(?:\\s+of)?\\s+${MONTH}\\b\\.?${YEAR_AFTER}`,
        'i',
      ),
      score: 0.8,
      why: 'day and month name',
    },
    {
      regex: re(`\\b${MONTH}\\.?,?\\s+(?:of\\s+)?(?:19|20)\\d{2}\\b`, 'i'),
      wordStarts: 'ja fe ma ap ju au se oc no de',
      score: 0.75,
      why: 'month name and year',
    },
    {
      // "on the 11th", "it's the 3rd": a day of the month by its ordinal.
      regex: re(
        `\\b(?:on|the|by|until|since)\\s+(?:the\\s+)?(?<v>${DAY}(?:st|nd|rd|th))\\b(?=\\s*(?:$|[.,;:!?)"'\\n]|(?:of\\s+)?${MONTH}\\b))`,
        'i',
      ),
      wordStarts: 'on th by un si',
      score: 0.6,
      why: 'ordinal day of the month',
    },
    {
      // "in sept.", "since October": a month named alone after a time preposition.
      regex: re(
        `\\b(?:in|since|during|until|till|early|late|mid|last|next|this)\\s+(?<v>(?:Jan(?:uary)?|Feb(?:ruary)?|Apr(?:il)?|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?))\\b\\.?`,
        'i',
      ),
      wordStarts: 'in si du un ti ea la mi ne th',
      score: 0.6,
      why: 'month name after a time preposition',
    },
    {
      regex: re(
        `\\b(?:Christmas(?: Eve| Day)?|Thanksgiving(?: Day)?|Easter(?: Sunday)?|New Year'?s(?: Day| Eve)?|Halloween|Independence Day|Labor Day|Memorial Day Weekend|Valentine'?s Day)\\b`,
        'i',
      ),
      wordStarts: 'ch th ea ne ha in la me va',
      score: 0.6,
      why: 'holiday',
    },
  ],
  validate: (v) => {
    // "may" and "march" are also ordinary words: demand a capital or a day/year next to them.
    if (/^(?:may|march)\b/.test(v) && !/\d/.test(v)) return null;
    return { why: 'date in words' };
  },
});

const dateYear = createPatternRecognizer({
  name: 'date-year',
  type: EntityType.Date,
  patterns: [
    {
      regex: re(
        `(?<![\\d.,/$#:@~-])(?:19[0-9]{2}|20[0-3][0-9])(?:'?s)?(?![\\d/%:]|\\.\\d|,\\d|\\s*(?:cc|ml|hrs?|h\\b|mg|units?|kcal|cal|pm|am))`,
      ),
      score: 0.4,
      why: 'a year (four-digit clock times look alike: needs context)',
    },
    { regex: re(`(?<![\\d'])'\\d{2}\\b(?!')`), score: 0.5, why: "abbreviated year ('92)" },
    {
      // Not a distance or an angle: "HOB 30'", "ambulated 50'".
      regex: re(
        `(?<![\\w'./-])(?<!\\b(?:hob|x|ambulated|amb|walked|walk|feet|ft|up|to|about|approx|~)\\s*)\\d{2}'(?![\\w'])`,
        'i',
      ),
      score: 0.5,
      why: "abbreviated year with the apostrophe after (74')",
    },
    {
      regex: re(
        `\\b(?:s/p|(?:MI|CABG|PTCA|CVA|AVR|MVR|PPM|AICD|TIA|DVT|PE|ORIF|THR|TKR|dx|dx'?d|diagnosed|surgery|repair|stent|stents|ablation|cath|dx'?ed)(?:\\s+(?:x\\s?\\d|in))?)\\s+(?<v>(?:19|20)?\\d{2})(?![\\d/%:'s-]|\\.\\d|\\s*(?:mg|mcg|g|kg|cc|ml|units?|%|mmhg|bpm|hr|min))`,
        'i',
      ),
      wordStarts: 's/ mi ca pt cv av mv pp ai ti dv pe or th tk dx di su re st ab',
      score: 0.5,
      why: 'year after a clinical event',
    },
    {
      regex: re(
        `\\b(?:CA|cancer|carcinoma|lymphoma|leukemia|MI|CVA|CABG|surgery|resection|mastectomy|lumpectomy|appy|appendectomy|cholecystectomy|hysterectomy|transplant|fracture|fx)(?:\\s+in)?[\\s,:-]+(?<v>(?:19|20)\\d{2})(?![\\d/%:]|\\.\\d)`,
        'i',
      ),
      wordStarts: 'ca ly le mi cv su re ma lu ap ch hy tr fr fx',
      score: 0.55,
      why: 'four-digit year after a diagnosis or procedure',
    },
  ],
  context: [
    'in',
    'since',
    'year',
    'years',
    'born',
    'until',
    'of',
    'from',
    'dated',
    'class',
    'summer',
    'winter',
    'spring',
    'fall',
    '年',
  ],
  validate: (v, text, start) => {
    const digits = v.replace(/\D/g, '');
    // Clock times in nursing notes: "1900-0700", "at 2030", "@ 1900", "2000 c/o nausea".
    if (digits.length === 4 && v.length === 4 && Number(digits.slice(2)) < 60) {
      const before = text.slice(Math.max(0, start - 12), start);
      const after = text.slice(start + 4, start + 12);
      if (
        /(?:\b(?:at|@|by|around|about|aprox|approx|till|til|until|before|after|~|labs?|note|npn|for|started|given|begun|restarted|due|present|ck|cpks?|x|dumped)|@|~|-|>|\d,?)\s*$/i.test(
          before,
        ) ||
        /^\s*(?:-|>|\+|to\b|hrs?\b|h\b|c\/o\b)\s*\d*/i.test(after) ||
        /^\s*-?\s*\d{4}/.test(after)
      )
        return null;
    }
    if (digits.length === 2) {
      const n = Number(digits);
      return n >= 30 || n <= 25 ? { score: 0.55, why: 'two-digit year' } : null;
    }
    return { score: 0.55, why: 'four-digit year' };
  },
});

const dateZh = createPatternRecognizer({
  name: 'date-zh',
  type: EntityType.Date,
  patterns: [
    {
      regex: re(`(?:19|20)\\d{2}\\s*年\\s*${MON}\\s*月(?:\\s*${DAY}\\s*[日号])?`),
      score: 0.9,
      why: '年月日 date',
    },
    { regex: re(`(?<![\\d年])${MON}\\s*月\\s*${DAY}\\s*[日号]`), score: 0.8, why: '月日 date' },
    { regex: re(`(?<!\\d)(?:19|20)\\d{2}\\s*年(?!\\s*\\d)`), score: 0.55, why: 'year' },
    {
      regex: re(`${ZH_NUM}{4}年${ZH_SMALL}{1,2}月(?:${ZH_SMALL}{1,3}[日号])?`),
      score: 0.85,
      why: 'date in Chinese numerals',
    },
  ],
  context: ['日期', '出生', '生日', '入院', '出院', '就诊', '手术'],
});

const age = createPatternRecognizer({
  name: 'age-over-89',
  type: EntityType.Age,
  patterns: [
    {
      regex: re(
        `(?<![\\d.])(?<v>9\\d|1[0-4]\\d)(?:\\s*|-)(?:yo\\b|y/o|y\\.o\\.|yrs?\\b|years?\\b|yr\\b|-?year-old|\\s*years? old)`,
        'i',
      ),
      score: 0.85,
      why: 'age over 89',
    },
    {
      regex: re(`\\b(?:age[d:]?|aged)\\s*(?<v>9\\d|1[0-4]\\d)(?![\\d.])`, 'i'),
      wordStarts: 'ag',
      score: 0.85,
      why: 'age over 89',
    },
    {
      regex: re(`(?<![\\d.])(?<v>9\\d|1[0-4]\\d)\\s*(?:周岁|岁)`),
      score: 0.85,
      why: 'age over 89 (岁)',
    },
    {
      regex: re(`年龄[:：\\s]*(?<v>9\\d|1[0-4]\\d)(?![\\d.])`),
      score: 0.85,
      why: 'age over 89 (年龄)',
    },
  ],
});

const mrnDefaults = createPatternRecognizer({
  name: 'medical-record-number',
  type: EntityType.MedicalRecordNumber,
  patterns: [
    {
      regex: re(
        `(?:病历号|病案号|住院号|门诊号|就诊号|登记号|就诊卡号|诊疗卡号|患者ID|患者编号|ID号|床号)[:：\\s#]*(?<v>[A-Za-z0-9][A-Za-z0-9-]{2,19})${NA}`,
      ),
      score: 0.9,
      why: 'labelled medical record / visit number',
    },
    {
      regex: re(
        `\\b(?:MRN|MR#|MR No\\.?|Medical Record(?: Number| No\\.?| #)?|Unit (?:No\\.?|Number)|Acct(?:ount)? ?(?:No\\.?|#|Number)|Patient ID|Hospital (?:No\\.?|Number)|Record (?:No\\.?|Number)|Accession(?: No\\.?| Number| #)?)[:\\s#]*(?<v>[A-Z0-9][A-Z0-9-]{3,19})${NA}`,
        'i',
      ),
      wordStarts: 'mr me un ac pa ho re',
      score: 0.9,
      why: 'labelled medical record number',
    },
  ],
  validate: requireDigit,
});

const insurance = createPatternRecognizer({
  name: 'insurance-number',
  type: EntityType.InsuranceNumber,
  patterns: [
    {
      regex: re(
        `(?:医保卡号|医保号|医保账号|社保卡号|社保号|医疗保险号|参保号|保险单号|保单号)[:：\\s]*(?<v>[A-Za-z0-9][A-Za-z0-9-]{5,24})${NA}`,
      ),
      score: 0.9,
      why: 'labelled insurance number',
    },
    {
      regex: re(
        `\\b(?:Medicare|Medicaid|Insurance|Policy|Member|Subscriber|Group)(?: No\\.?| Number| #| ID)[:\\s#]*(?<v>[A-Z0-9][A-Z0-9-]{5,19})${NA}`,
        'i',
      ),
      wordStarts: 'me in po su gr',
      score: 0.85,
      why: 'labelled insurance number',
    },
  ],
  validate: requireDigit,
});

const plate = createPatternRecognizer({
  name: 'license-plate',
  type: EntityType.LicensePlate,
  patterns: [
    {
      regex: re(
        `[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Z][·・\\s]?(?:[A-HJ-NP-Z0-9]{5,6}|[A-HJ-NP-Z0-9]{4}[挂学警港澳])(?![A-Za-z0-9])`,
      ),
      score: 0.85,
      why: 'mainland licence plate',
    },
    {
      regex: re(
        `\\b(?:licen[cs]e plate|plate (?:no\\.?|number|#)|tag number)[:\\s#]*(?<v>[A-Z0-9][A-Z0-9 -]{3,8}[A-Z0-9])\\b`,
        'i',
      ),
      wordStarts: 'li pl ta',
      score: 0.8,
      why: 'labelled plate number',
    },
  ],
  context: ['车牌', '车号', 'plate'],
});

const serial = createPatternRecognizer({
  name: 'device-serial',
  type: EntityType.DeviceSerial,
  patterns: [
    {
      regex: re(
        `(?:设备序列号|序列号|设备编号|起搏器编号|植入物编号|机器编号|S/N|SN|Serial(?: No\\.?| Number| #)?|Device ID|UDI)[:：\\s#]*(?<v>[A-Za-z0-9][A-Za-z0-9-]{4,29})${NA}`,
      ),
      score: 0.85,
      why: 'labelled device serial number',
    },
    {
      regex: re(`\\(01\\)\\d{14}(?:\\(\\d{2}\\)[A-Za-z0-9]{1,20}){1,4}`),
      score: 0.9,
      why: 'GS1 UDI',
    },
  ],
  validate: requireDigit,
});

/** The built-in regex recognizers, in a stable order. */
export function createPatternRecognizers(): Recognizer[] {
  return [
    residentId,
    labelledResidentId,
    legacyResidentId,
    hkTwId,
    passport,
    travelPermit,
    bankCard,
    iban,
    zhMobile,
    zhLandline,
    enPhone,
    labelledPhone,
    email,
    ip,
    url,
    ssn,
    zip,
    dateIso,
    dateCompact,
    dateUs,
    dateWords,
    dateYear,
    dateZh,
    age,
    mrnDefaults,
    insurance,
    plate,
    serial,
  ];
}
