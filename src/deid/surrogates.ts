/**
 * Keyed, consistent surrogates: the same value of the same type always maps to the same
 * surrogate under one project key, and different keys give unrelated surrogates. Surrogates keep
 * the original's shape (length, separators, case, valid check digits) and never reuse one of its
 * name characters or a digit in the same position.
 */
import { createHmac } from 'node:crypto';
import {
  ZH_CITY_STEMS,
  ZH_COMPOUND_SURNAMES,
  ZH_GIVEN_CHARS,
  ZH_PROVINCES,
  ZH_ROAD_STEMS,
  ZH_SURNAMES,
  loadEnLexicons,
  matchZhSurname,
} from './lexicons.ts';
import { EntityType } from './types.ts';
import {
  PROVINCE_CODES,
  computeLuhnCheck,
  computeResidentIdCheck,
  isValidDate,
} from './validators.ts';

/** Deterministic random stream: HMAC-SHA256(key, label ‖ counter) blocks. */
export class KeyedStream {
  private buf = Buffer.alloc(0);
  private counter = 0;
  constructor(
    private readonly key: Uint8Array,
    private readonly label: string,
  ) {}
  private refill(): void {
    const h = createHmac('sha256', this.key)
      .update(this.label)
      .update(`\0${this.counter++}`)
      .digest();
    this.buf = Buffer.concat([this.buf, h]);
  }
  /** Uniform integer in [0, n), by rejection sampling over 32-bit words. */
  int(n: number): number {
    if (n <= 1) return 0;
    const limit = Math.floor(0x1_0000_0000 / n) * n;
    for (;;) {
      if (this.buf.length < 4) this.refill();
      const v = this.buf.readUInt32BE(0);
      this.buf = this.buf.subarray(4);
      if (v < limit) return v % n;
    }
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
}

const DIGITS = '0123456789';
const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const LOWER = 'abcdefghijkmnpqrstuvwxyz';

/** Replaces each digit and letter with a different one of the same class; keeps everything else. */
function shapeKeep(s: string, r: KeyedStream): string {
  let out = '';
  for (const c of s) {
    const pool = /\d/.test(c)
      ? DIGITS
      : /[A-Z]/.test(c)
        ? UPPER
        : /[a-z]/.test(c)
          ? LOWER
          : /[\u4e00-\u9fff]/.test(c)
            ? ZH_GIVEN_CHARS
            : undefined;
    if (!pool) {
      out += c;
      continue;
    }
    let n = pool[r.int(pool.length)]!;
    while (n === c) n = pool[r.int(pool.length)]!;
    out += n;
  }
  return out;
}

function keepCase(original: string, s: string): string {
  if (original.length > 1 && original === original.toUpperCase()) return s.toUpperCase();
  if (original === original.toLowerCase()) return s.toLowerCase();
  return s[0]!.toUpperCase() + s.slice(1).toLowerCase();
}

function noSharedChars(a: string, b: string): boolean {
  for (const c of b) if (/[\u4e00-\u9fff]/.test(c) && a.includes(c)) return false;
  return true;
}

function zhName(v: string, r: KeyedStream): string {
  const sur = matchZhSurname(v, 0);
  const compound = sur?.length === 2;
  const givenLen = Math.max(1, Math.min(3, v.length - (sur?.length ?? 1)));
  for (let attempt = 0; attempt < 50; attempt++) {
    const s = compound ? r.pick(ZH_COMPOUND_SURNAMES) : ZH_SURNAMES[r.int(60)]!;
    let g = '';
    if (/某+$/.test(v)) g = v.slice(v.search(/某/));
    else for (let i = 0; i < givenLen; i++) g += ZH_GIVEN_CHARS[r.int(ZH_GIVEN_CHARS.length)]!;
    const cand = s + g;
    if (noSharedChars(v.replace(/某/g, ''), cand.replace(/某/g, ''))) return cand;
  }
  return shapeKeep(v, r);
}

function enName(v: string, r: KeyedStream): string {
  const lex = loadEnLexicons();
  return v.replace(/[A-Za-z][A-Za-z'’-]*/g, (w) => {
    if (w.length === 1) {
      let c = UPPER[r.int(UPPER.length)]!;
      while (c === w.toUpperCase()) c = UPPER[r.int(UPPER.length)]!;
      return w === w.toLowerCase() ? c.toLowerCase() : c;
    }
    const list = lex.first.has(w.toLowerCase()) ? lex.firstList : lex.lastList;
    let n = r.pick(list);
    while (n.toLowerCase() === w.toLowerCase()) n = r.pick(list);
    return keepCase(w, n);
  });
}

function residentId(v: string, r: KeyedStream): string {
  const provinces = [...PROVINCE_CODES].filter((p) => Number(p) < 70);
  for (;;) {
    const area =
      r.pick(provinces) +
      String(1 + r.int(9)).padStart(2, '0') +
      String(1 + r.int(30)).padStart(2, '0');
    const y = 1940 + r.int(70);
    const m = 1 + r.int(12);
    const d = 1 + r.int(28);
    if (!isValidDate(y, m, d)) continue;
    const seq = String(r.int(1000)).padStart(3, '0');
    if (v.length === 15) {
      const out =
        area +
        String(y % 100).padStart(2, '0') +
        String(m).padStart(2, '0') +
        String(d).padStart(2, '0') +
        seq;
      if (out !== v) return out;
      continue;
    }
    const first17 = area + y + String(m).padStart(2, '0') + String(d).padStart(2, '0') + seq;
    const out = first17 + computeResidentIdCheck(first17);
    if (out !== v) return v[17] === 'x' ? out.replace('X', 'x') : out;
  }
}

function bankCard(v: string, r: KeyedStream): string {
  const digits = v.replace(/\D/g, '');
  let payload = (digits[0] ?? '6') + '';
  while (payload.length < digits.length - 1) payload += String(r.int(10));
  const full = payload + computeLuhnCheck(payload);
  let k = 0;
  return v.replace(/\d/g, () => full[k++]!);
}

function mobile(v: string, r: KeyedStream): string {
  const prefixes = [
    '130',
    '131',
    '132',
    '135',
    '136',
    '137',
    '150',
    '151',
    '152',
    '158',
    '159',
    '177',
    '186',
    '187',
    '188',
    '199',
  ];
  const digits = v.replace(/\D/g, '');
  const local = digits.slice(-11);
  let out = r.pick(prefixes);
  while (out.length < 11) out += String(r.int(10));
  if (out === local) out = out.slice(0, 10) + String((Number(out[10]) + 1) % 10);
  // Re-insert into the original layout from the right.
  let k = out.length - 1;
  const chars = [...v];
  for (let i = chars.length - 1; i >= 0 && k >= 0; i--)
    if (/\d/.test(chars[i]!)) chars[i] = out[k--]!;
  return chars.join('');
}

function zhAddress(v: string, r: KeyedStream): string {
  const parts: string[] = [];
  if (/省|自治区/.test(v)) parts.push(r.pick(ZH_PROVINCES));
  if (/市/.test(v)) parts.push(r.pick(ZH_CITY_STEMS) + '市');
  if (/[区县]/.test(v))
    parts.push(
      r.pick(ZH_CITY_STEMS).slice(0, 1) +
        r.pick(['城', '山', '湖', '江', '河']) +
        (v.includes('县') ? '县' : '区'),
    );
  if (/(?:路|街|大道|巷|弄|胡同)/.test(v) || parts.length === 0)
    parts.push(r.pick(ZH_ROAD_STEMS) + r.pick(['路', '街', '大道']));
  if (/\d+号/.test(v) || /[号栋室]/.test(v)) parts.push(`${1 + r.int(300)}号`);
  return parts.join('');
}

function enAddress(v: string, r: KeyedStream): string {
  const lex = loadEnLexicons();
  const suffix =
    /\b(Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl)\b\.?/i.exec(
      v,
    )?.[0] ?? 'Street';
  const city = r.pick(lex.placeList);
  const hasCity = /,/.test(v);
  return `${1 + r.int(9999)} ${r.pick(lex.lastList)} ${suffix}${hasCity ? `, ${city}` : ''}`;
}

function organization(v: string, r: KeyedStream): string {
  if (/[\u4e00-\u9fff]/.test(v)) {
    const suffix =
      /(?:社区卫生服务中心|人民医院|中心医院|医院|卫生院|诊所|大学|学院|中学|小学|公司|集团|银行|研究所|中心)$/.exec(
        v,
      )?.[0] ?? '机构';
    return r.pick(ZH_CITY_STEMS) + suffix;
  }
  const lex = loadEnLexicons();
  const last = /(\s+[A-Za-z.&'-]+)$/.exec(v)?.[1] ?? ' Organization';
  return keepCase(v.split(/\s+/)[0]!, r.pick(lex.lastList)) + last;
}

function location(v: string, r: KeyedStream): string {
  if (/[\u4e00-\u9fff]/.test(v)) {
    const suffix = /[省市区县镇乡村]$/.exec(v)?.[0] ?? '';
    let s = r.pick(ZH_CITY_STEMS) + suffix;
    while (!noSharedChars(v, s.replace(/[省市区县镇乡村]/, ''))) s = r.pick(ZH_CITY_STEMS) + suffix;
    return s;
  }
  const lex = loadEnLexicons();
  let p = r.pick(lex.placeList);
  while (p.toLowerCase() === v.toLowerCase()) p = r.pick(lex.placeList);
  return keepCase(v, p);
}

/**
 * The consistent surrogate of `value` of `type` under `key`. Dates are not handled here (they
 * are shifted, see dates.ts).
 */
export function makeSurrogate(type: EntityType, value: string, key: Uint8Array): string {
  const norm = value.normalize('NFKC').trim().toLowerCase().replace(/\s+/g, ' ');
  const r = new KeyedStream(key, `custos-deid-surrogate\0${type}\0${norm}`);
  switch (type) {
    case EntityType.Person:
      return /[\u4e00-\u9fff]/.test(value) ? zhName(value, r) : enName(value, r);
    case EntityType.IdCard:
      return /^\d{17}[\dXx]$|^\d{15}$/.test(value) ? residentId(value, r) : shapeKeep(value, r);
    case EntityType.BankCard:
      return bankCard(value, r);
    case EntityType.Phone:
      return /(?:^|\D)1[3-9]\d[- ]?\d{4}[- ]?\d{4}$/.test(value)
        ? mobile(value, r)
        : shapeKeep(value, r);
    case EntityType.Email: {
      const [local = 'user'] = value.split('@');
      return `${shapeKeep(local, r).toLowerCase()}@example.org`;
    }
    case EntityType.Address:
      return /[\u4e00-\u9fff]/.test(value) ? zhAddress(value, r) : enAddress(value, r);
    case EntityType.Organization:
      return organization(value, r);
    case EntityType.Location:
      return location(value, r);
    case EntityType.Url:
      return `https://example.org/${shapeKeep('r' + norm.replace(/[^a-z0-9]/g, '').slice(0, 8), r).toLowerCase()}`;
    case EntityType.IpAddress:
      return value.includes(':')
        ? `fd00::${r.int(0xffff).toString(16)}:${r.int(0xffff).toString(16)}`
        : `10.${r.int(256)}.${r.int(256)}.${1 + r.int(254)}`;
    case EntityType.Age:
      return /[\u4e00-\u9fff]/.test(value) ? '90+' : '90+';
    case EntityType.Date:
    case EntityType.Passport:
    case EntityType.TravelPermit:
    case EntityType.MedicalRecordNumber:
    case EntityType.InsuranceNumber:
    case EntityType.LicensePlate:
    case EntityType.DeviceSerial:
    case EntityType.UsSsn:
    case EntityType.ZipCode:
    case EntityType.Custom:
      return shapeKeep(value, r);
  }
}
