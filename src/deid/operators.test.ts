import { describe, expect, it } from 'vitest';
import {
  applyOperator,
  createAnalyzer,
  deidentifyText,
  EntityType,
  isLuhnValid,
  isValidResidentId,
  makeSurrogate,
  patientDateShift,
  redactText,
  shiftDateString,
} from './index.ts';

const key = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
const otherKey = Buffer.alloc(32, 9);

describe('mask, tag, redact', () => {
  it.each([
    [EntityType.Person, '张三', '张*'],
    [EntityType.Phone, '13812345678', '138****5678'],
    [EntityType.IdCard, '11010519491231002X', '110***********002X'],
    [EntityType.BankCard, '6222020200112233', '************2233'],
  ])('masks %s %s as %s', (type, v, want) => {
    expect(applyOperator(v, type, { type: 'mask' })).toBe(want);
  });
  it('masks with explicit parameters and validates them', () => {
    expect(
      applyOperator('ABCDEFG', EntityType.Custom, {
        type: 'mask',
        char: '#',
        keepStart: 2,
        keepEnd: 1,
      }),
    ).toBe('AB####G');
    expect(() => applyOperator('x', EntityType.Custom, { type: 'mask', char: '##' })).toThrow(
      expect.objectContaining({ code: 'CUSTOS_CONFIG_INVALID' }),
    );
    expect(() => applyOperator('x', EntityType.Custom, { type: 'nope' } as never)).toThrow(
      expect.objectContaining({ code: 'CUSTOS_CONFIG_INVALID' }),
    );
  });
  it('tags and redacts', () => {
    expect(applyOperator('张三', EntityType.Person, { type: 'tag' })).toBe('<PERSON>');
    expect(applyOperator('张三', EntityType.Person, { type: 'tag', format: '[{type}]' })).toBe(
      '[PERSON]',
    );
    expect(applyOperator('张三', EntityType.Person, { type: 'redact' })).toBe('');
  });
});

describe('keyed pseudonyms', () => {
  it('are consistent under one key and differ under another', () => {
    const a = makeSurrogate(EntityType.Person, '欧阳娜娜', key);
    expect(makeSurrogate(EntityType.Person, '欧阳娜娜', key)).toBe(a);
    expect(makeSurrogate(EntityType.Person, '欧阳娜娜', otherKey)).not.toBe(a);
  });
  it('keep the shape of Chinese names without reusing their characters', () => {
    for (const name of ['欧阳娜娜', '王建国', '李明', '诸葛亮']) {
      const s = makeSurrogate(EntityType.Person, name, key);
      expect(s).toHaveLength(name.length);
      for (const c of name) expect(s).not.toContain(c);
    }
    const compound = makeSurrogate(EntityType.Person, '欧阳娜娜', key);
    expect(
      /^(欧阳|司马|诸葛|上官|东方|皇甫|尉迟|公孙|慕容|长孙|宇文|司徒|夏侯|轩辕|令狐|钟离|闾丘|端木|澹台|南宫|西门|独孤|拓跋|万俟|呼延|申屠|太史|百里|东郭|公冶|赫连|第五|司空|濮阳|淳于|单于|公羊|仲孙|左丘|东门|梁丘|羊舌|微生|乐正|谷梁|段干|巫马|漆雕)/.test(
        compound,
      ),
    ).toBe(true);
  });
  it('keeps English name case and differs from the original', () => {
    const s = makeSurrogate(EntityType.Person, 'MARY SOUZA', key);
    expect(s).toBe(s.toUpperCase());
    expect(s).not.toBe('MARY SOUZA');
    expect(s.split(' ')).toHaveLength(2);
  });
  it('makes valid resident IDs, Luhn-valid cards and same-shape phones', () => {
    const id = makeSurrogate(EntityType.IdCard, '11010519491231002X', key);
    expect(isValidResidentId(id)).toBe(true);
    expect(id).not.toBe('11010519491231002X');
    const card = makeSurrogate(EntityType.BankCard, '4111 1111 1111 1111', key);
    expect(card).toMatch(/^\d{4} \d{4} \d{4} \d{4}$/);
    expect(isLuhnValid(card.replace(/ /g, ''))).toBe(true);
    const phone = makeSurrogate(EntityType.Phone, '138-1234-5678', key);
    expect(phone).toMatch(/^1[3-9]\d-\d{4}-\d{4}$/);
    expect(phone).not.toBe('138-1234-5678');
    const mrn = makeSurrogate(EntityType.MedicalRecordNumber, 'ZY20230506', key);
    expect(mrn).toMatch(/^[A-Z]{2}\d{8}$/);
    for (let i = 0; i < mrn.length; i++) expect(mrn[i]).not.toBe('ZY20230506'[i]);
  });
  it('needs a key', () => {
    expect(() => applyOperator('张三', EntityType.Person, { type: 'pseudonym' })).toThrow(
      expect.objectContaining({ code: 'CUSTOS_CONFIG_INVALID' }),
    );
  });
});

describe('date shift', () => {
  it('is per patient, never zero, and bounded', () => {
    const a = patientDateShift(key, 'patient-1');
    expect(patientDateShift(key, 'patient-1')).toBe(a);
    expect(a).not.toBe(0);
    expect(Math.abs(a)).toBeLessThanOrEqual(365);
    expect(Math.abs(patientDateShift(key, 'patient-1', 30))).toBeLessThanOrEqual(30);
  });
  it.each([
    ['2023-05-06', 10, '2023-05-16'],
    ['2023/12/25', 10, '2024/01/04'],
    ['20230506', -6, '20230430'],
    ['7/22/2019', 10, '8/01/2019'],
    ['07/22/19', 10, '08/01/19'],
    ['7/22', 10, '8/1'],
    ['2023年5月6日', 30, '2023年6月5日'],
    ['5月6日', 1, '5月7日'],
    ['二〇二三年五月六日', 1, '二〇二三年五月七日'],
    ['January 5, 2020', 31, 'February 5, 2020'],
    ['Jan 5', 31, 'Feb 5'],
    ['5 March 2020', -5, '29 February 2020'],
    ['1992', 200, '1993'],
  ])('%s + %d days → %s', (v, d, want) => {
    expect(shiftDateString(v, d)).toBe(want);
  });
  it('preserves intervals between dates of one patient', () => {
    const res = deidentifyText('入院日期2023-05-06，出院日期2023-05-16。', {
      key,
      patientId: 'p-42',
      lang: 'zh',
    });
    const dates = [...res.text.matchAll(/\d{4}-\d{2}-\d{2}/g)].map((m) => Date.parse(m[0]));
    expect(dates).toHaveLength(2);
    expect((dates[1]! - dates[0]!) / 86_400_000).toBe(10);
    expect(res.text).not.toContain('2023-05-06');
  });
});

describe('deidentifyText', () => {
  it('replaces findings and re-scans the output', () => {
    const text = '患者欧阳娜娜，手机13812345678，住北京市海淀区中关村大街27号。';
    const res = deidentifyText(text, { key, operators: { default: { type: 'pseudonym' } } });
    expect(res.findings.length).toBeGreaterThanOrEqual(3);
    expect(res.text).not.toContain('欧阳娜娜');
    expect(res.text).not.toContain('13812345678');
    expect(res.residual).toEqual([]);
    for (const r of res.replacements) expect(r.outEnd).toBeGreaterThanOrEqual(r.outStart);
  });
  it('reports PHI that the operators left in place', () => {
    const text = '患者欧阳娜娜，手机13812345678';
    const res = deidentifyText(text, { operators: { [EntityType.Phone]: { type: 'keep' } } });
    expect(res.residual.map((f) => f.type)).toContain(EntityType.Phone);
  });
  it('redactText tags PHI for display', () => {
    expect(redactText('Dr. Healey called 410-555-9876.', { lang: 'en' })).toBe(
      'Dr. <PERSON> called <PHONE>.',
    );
    expect(redactText('患者张伟今日出院', { lang: 'zh' })).toBe('患者<PERSON>今日出院');
  });
  it('uses a given analyzer configuration', () => {
    const analyzer = createAnalyzer({ entities: [EntityType.Phone] });
    expect(deidentifyText('患者张伟 13812345678', { analyzer }).text).toBe('患者张伟 <PHONE>');
  });
});
