import { describe, expect, it } from 'vitest';
import { isCustosError } from '../errors/index.ts';
import {
  builtInRedactor,
  createMaskingProfile,
  isLuhnValid,
  isValidResidentId,
  maskAddress,
  maskBirthDate,
  maskEmail,
  maskIdNumber,
  maskName,
  maskPhone,
  maskRecord,
  redactText,
  resolveMaskingProfile,
} from './index.ts';
import type { NameStyle, Redactor } from './index.ts';

describe('maskName', () => {
  it.each<[string, NameStyle, string]>([
    ['张三丰', 'keep-first-last', '张*丰'],
    ['张三丰', 'keep-first', '张**'],
    ['张三', 'keep-first-last', '张*'],
    ['张三', 'keep-first', '张*'],
    ['欧阳娜娜', 'keep-first-last', '欧阳*娜'],
    ['欧阳娜娜', 'keep-first', '欧阳**'],
    ['诸葛亮', 'keep-first-last', '诸葛*'],
    ['司马相如', 'keep-first', '司马**'],
    ['王', 'keep-first-last', '*'],
    ['买买提·艾力', 'keep-first', '买****'],
    ['John Smith', 'keep-first-last', 'J*** S****'],
    ['John Smith', 'initials', 'J. S.'],
    ["Mary O'Neil", 'keep-first', "M*** O'****"],
    ['', 'keep-first', ''],
  ])('%s (%s) → %s', (name, style, want) => {
    expect(maskName(name, style)).toBe(want);
  });
});

describe('maskPhone', () => {
  it.each([
    ['13812345678', '138****5678'],
    ['138-1234-5678', '138-****-5678'],
    ['+86 13812345678', '+86 138****5678'],
    ['010-12345678', '010-****5678'],
    ['0755-1234567', '0755-***4567'],
    ['+1 415 555 0132', '+1 41* *** 0132'],
    ['12345', '***45'],
    ['abc', '***'],
  ])('%s → %s', (phone, want) => {
    expect(maskPhone(phone)).toBe(want);
  });
});

describe('maskIdNumber', () => {
  it.each<[string, number | undefined, number | undefined, string]>([
    ['110105194912310021', undefined, undefined, '110105********0021'],
    ['11010519491231002X', 3, 4, '110***********002X'],
    ['110105491231002', undefined, undefined, '110105*****1002'],
    ['E12345678', undefined, undefined, 'E******78'],
    ['1234', 6, 4, '1**4'],
    ['', undefined, undefined, ''],
  ])('%s → %s', (id, a, b, want) => {
    expect(maskIdNumber(id, a, b)).toBe(want);
  });
  it('always masks at least a third, whatever the options', () => {
    for (const id of ['110105194912310021', 'E12345678', 'AB12']) {
      const m = maskIdNumber(id, 8, 8);
      expect([...m].filter((c) => c === '*').length).toBeGreaterThanOrEqual(
        Math.ceil(id.length / 3),
      );
    }
  });
});

describe('maskAddress', () => {
  it.each<[string, 'province' | 'city' | 'district', string]>([
    ['北京市朝阳区建国路88号SOHO现代城1号楼', 'district', '北京市朝阳区****'],
    ['北京市朝阳区建国路88号', 'city', '北京市****'],
    ['广东省深圳市南山区科技园路1号', 'district', '广东省深圳市南山区****'],
    ['广东省深圳市南山区科技园路1号', 'city', '广东省深圳市****'],
    ['广东省深圳市南山区科技园路1号', 'province', '广东省****'],
    ['浙江省杭州市西湖区文三路', 'district', '浙江省杭州市西湖区****'],
    ['新疆维吾尔自治区乌鲁木齐市天山区解放路', 'city', '新疆维吾尔自治区乌鲁木齐市****'],
    ['江苏省昆山市玉山镇', 'district', '江苏省昆山市****'],
    ['某个地方', 'district', '****'],
    ['12 Main St, Springfield, IL 62704, USA', 'district', '****, Springfield, IL 62704, USA'],
    ['12 Main St, Springfield, IL 62704, USA', 'city', '****, IL, USA'],
    ['221B Baker Street, London NW1 6XE, UK', 'province', '****, UK'],
    ['nowhere', 'city', '****'],
  ])('%s (%s) → %s', (addr, level, want) => {
    expect(maskAddress(addr, level)).toBe(want);
  });
});

describe('maskBirthDate and maskEmail', () => {
  it.each<[string, 'year' | 'year-month', 'zh' | 'en', string]>([
    ['1990-05-17', 'year', 'en', '1990'],
    ['1990-05-17', 'year', 'zh', '1990年'],
    ['1990-05-17', 'year-month', 'en', '1990-05'],
    ['1990年5月17日', 'year', 'en', '1990年'],
    ['1990年5月17日', 'year-month', 'zh', '1990年5月'],
    ['17/05/1990', 'year', 'en', '1990'],
    ['unknown', 'year', 'en', '****'],
  ])('%s (%s, %s) → %s', (d, p, l, want) => {
    expect(maskBirthDate(d, p, l)).toBe(want);
  });
  it.each([
    ['zhangsan@example.com', 'z*******@example.com'],
    ['a@b.cn', 'a*@b.cn'],
    ['not-an-email', '************'],
  ])('%s → %s', (e, want) => {
    expect(maskEmail(e)).toBe(want);
  });
});

describe('free-text redaction', () => {
  it('checks resident ID check digits and Luhn', () => {
    expect(isValidResidentId('11010519491231002X')).toBe(true);
    expect(isValidResidentId('110105194912310021')).toBe(false);
    expect(isLuhnValid('4111111111111112')).toBe(false);
    expect(isLuhnValid('4111111111111111')).toBe(true);
  });
  it.each([
    [
      '患者张三丰，电话13812345678，身份证11010519491231002X。',
      '患者[姓名]，电话[电话]，身份证[证件号]。',
    ],
    ['住院号: A123456 复诊', '住院号: [病案号] 复诊'],
    ['email zhang@example.com today', 'email [EMAIL] today'],
    ['住址：北京市朝阳区建国路88号，2023年5月1日入院', '住址：[地址]，[日期]入院'],
    ['card 4111 1111 1111 1111 paid', 'card [CARD] paid'],
    ['Patient John Smith seen by Dr. Lee', 'Patient [NAME] seen by Dr. [NAME]'],
    ['血压 120/80，心率 72', '血压 120/80，心率 72'],
  ])('%s', (text, want) => {
    const locale = /[\u4e00-\u9fff]/.test(want.replace(/\[[^\]]*\]/g, '')) ? 'zh' : 'en';
    expect(redactText(text, builtInRedactor, locale)).toBe(want);
  });
  it('does not flag an 18-digit number with a wrong check digit as an ID', () => {
    expect(redactText('编号110105194912310021', builtInRedactor, 'zh')).toBe(
      '编号110105194912310021',
    );
  });
  it('uses a pluggable redactor', () => {
    const custom: Redactor = {
      name: 'ward-beds',
      find: (t) =>
        [...t.matchAll(/床号\d+/g)].map((m) => ({
          start: m.index,
          end: m.index + m[0].length,
          kind: 'record-number' as const,
          score: 1,
          why: 'bed',
        })),
    };
    expect(redactText('转床号12', custom, 'zh')).toBe('转[病案号]');
  });
});

const record = {
  demographics: {
    name: '张三丰',
    sex: 'M',
    birthDate: '1949-12-31',
    idNumber: '11010519491231002X',
    mrn: 'MRN-0042',
  },
  contact: {
    phone: '13812345678',
    address: '北京市朝阳区建国路88号',
    email: 'zhang@example.com',
    emergencyContact: { name: '李四', phone: '13900001111', relation: 'son' },
  },
  diagnosis: [{ code: 'O80', text: '顺产' }],
  note: [{ author: 'd-01', text: '患者张三丰诉头痛，电话13812345678。' }],
  billing: { codes: ['O80'], amounts: [1200] },
};

describe('profiles and maskRecord', () => {
  it.each([
    {
      name: 'nurse on screen: contacts masked, clinical shown',
      ctx: { roles: ['nurse'], purpose: 'treatment', channel: 'screen' },
      want: {
        'demographics.name': '张三丰',
        'demographics.idNumber': '110105********002X',
        'contact.phone': '138****5678',
        'contact.address': '北京市朝阳区****',
        'contact.email': 'z****@example.com',
        'contact.emergencyContact.name': '李*',
        'contact.emergencyContact.relation': 'son',
        'diagnosis.0.text': '顺产',
      },
    },
    {
      name: 'queue display: masked name only',
      ctx: { roles: ['queue-display'], purpose: 'operations', channel: 'queue-display' },
      exact: { demographics: { name: '张*丰' } },
    },
    {
      name: 'wristband label: two identifiers in full, nothing else',
      ctx: { roles: ['nurse'], purpose: 'treatment', channel: 'label' },
      exact: {
        demographics: { name: '张三丰', sex: 'M', birthDate: '1949-12-31', mrn: 'MRN-0042' },
      },
    },
    {
      name: 'billing print: codes and amounts, masked contacts',
      ctx: { roles: ['billing'], purpose: 'payment', channel: 'print' },
      want: {
        'contact.phone': '138****5678',
        'contact.address': '北京市朝阳区****',
        'billing.amounts.0': 1200,
        'demographics.name': '张*丰',
      },
      absent: ['contact.email', 'contact.emergencyContact'],
    },
    {
      name: 'registration on screen: documents and contacts in full',
      ctx: { roles: ['registration'], purpose: 'operations', channel: 'screen' },
      want: { 'demographics.idNumber': '11010519491231002X', 'contact.phone': '13812345678' },
    },
    {
      name: 'research export: de-identified',
      ctx: { roles: ['researcher'], purpose: 'research', channel: 'export', deidentify: true },
      want: { 'demographics.birthDate': '1949年', 'note.0.text': '患者[姓名]诉头痛，电话[电话]。' },
      absent: ['demographics.name', 'demographics.idNumber', 'demographics.mrn', 'contact'],
    },
    {
      name: 'vendor engineer: record number only',
      ctx: { roles: ['vendor-engineer'], purpose: 'operations', channel: 'screen' },
      exact: { demographics: { mrn: 'MRN-0042' } },
    },
  ])('$name', ({ ctx, want, exact, absent }) => {
    const out = maskRecord(record, resolveMaskingProfile(ctx));
    if (exact) expect(out).toEqual(exact);
    for (const [path, v] of Object.entries(want ?? {})) expect(get(out, path), path).toEqual(v);
    for (const path of absent ?? []) expect(get(out, path), path).toBeUndefined();
  });

  it('does not change the input and accepts flat dotted keys', () => {
    const before = JSON.stringify(record);
    const p = resolveMaskingProfile({ roles: ['nurse'], purpose: 'treatment', channel: 'print' });
    maskRecord(record, p);
    expect(JSON.stringify(record)).toBe(before);
    expect(
      maskRecord({ 'demographics.name': '欧阳娜娜', 'contact.phone': '13812345678' }, p),
    ).toEqual({
      'demographics.name': '欧阳*娜',
      'contact.phone': '138****5678',
    });
  });

  it('applies tenant overrides in order and uses English conventions', () => {
    const p = resolveMaskingProfile(
      { roles: ['nurse'], purpose: 'treatment', channel: 'screen' },
      {
        locale: 'en',
        overrides: [
          {
            channel: 'screen',
            rules: { 'demographics.name': { op: 'name', style: 'keep-first' } },
          },
          { role: 'billing', rules: { 'demographics.name': { op: 'hide' } } },
          { rules: { 'demographics.birthDate': { op: 'date', precision: 'year' } } },
        ],
      },
    );
    const out = maskRecord({ demographics: { name: 'John Smith', birthDate: '1990-05-17' } }, p);
    expect(out).toEqual({ demographics: { name: 'J*** S****', birthDate: '1990' } });
  });

  it('hides fields without a rule and values a format cannot handle', () => {
    const p = createMaskingProfile('t', {
      'demographics.name': { op: 'name' },
      'contact.phone': { op: 'phone' },
    });
    expect(
      maskRecord(
        {
          demographics: { name: { first: 'x' }, sex: 'F' },
          contact: { phone: 13812345678 },
          secret: 's',
        },
        p,
      ),
    ).toEqual({
      contact: { phone: '138****5678' },
    });
  });

  it.each([
    [{ overrides: [{ rules: { 'demographics.name': { op: 'scramble' } } }] }],
    [{ overrides: [{ rules: { 'contact.address': { op: 'address', level: 'street' } } }] }],
    [{ overrides: [{ rules: { 'demographics.idNumber': { op: 'id-number', keepStart: 20 } } }] }],
    [{ overrides: [{ rules: { 'bad path!': { op: 'show' } } }] }],
    [{ locale: 'fr' }],
    [{ overrides: 'x' }],
  ])('rejects a bad tenant configuration %#', (config) => {
    let err: unknown;
    try {
      resolveMaskingProfile(
        { roles: [], purpose: 'treatment', channel: 'screen' },
        config as never,
      );
    } catch (e) {
      err = e;
    }
    expect(isCustosError(err, 'CUSTOS_CONFIG_INVALID')).toBe(true);
  });

  it('shows nothing on an unknown channel', () => {
    expect(
      maskRecord(
        record,
        resolveMaskingProfile({ roles: ['physician'], purpose: 'treatment', channel: 'fax' }),
      ),
    ).toEqual({});
  });
});

function get(o: unknown, path: string): unknown {
  let cur: unknown = o;
  for (const k of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

describe('maskRecord on values no rule names', () => {
  const record = {
    diagnosis: { code: 'F32.1', coding: { system: 'icd-10', extra: {} }, seen: [1, 2] },
    contact: { phone: '13812345678', note: { text: 'call after 5' } },
    empty: {},
  };

  it('keeps them whole under a showing `*`, without empty objects', () => {
    const p = createMaskingProfile('t', {
      '*': { op: 'show' },
      'contact.phone': { op: 'phone' },
    });
    expect(maskRecord(record, p)).toEqual({
      diagnosis: { code: 'F32.1', coding: { system: 'icd-10' }, seen: [1, 2] },
      contact: { phone: '138****5678', note: { text: 'call after 5' } },
    });
  });

  it('drops them under a hiding `*`, and applies a wildcard above them', () => {
    const p = createMaskingProfile('t', {
      '*': { op: 'hide' },
      'contact.phone': { op: 'phone' },
      'diagnosis.*': { op: 'show' },
    });
    expect(maskRecord(record, p)).toEqual({
      diagnosis: { code: 'F32.1', coding: { system: 'icd-10', extra: {} }, seen: [1, 2] },
      contact: { phone: '138****5678' },
    });
  });
});
