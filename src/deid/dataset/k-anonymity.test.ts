import { describe, expect, it } from 'vitest';
import { anonymizeDataset, decodeUtf8, generalize, readCsv, writeCsv } from '../index.ts';

const header = ['name', 'age', 'sex', 'district', 'admitted', 'diagnosis'];
const rows: string[][] = [];
const districts = ['北京市海淀区', '北京市朝阳区', '上海市浦东新区', '上海市徐汇区'];
const dx = ['flu', 'asthma', 'gout', 'diabetes'];
for (let i = 0; i < 80; i++) {
  rows.push([
    `p${i}`,
    String(20 + ((i * 7) % 60)),
    i % 2 ? 'F' : 'M',
    districts[i % 4]!,
    `2023-0${1 + (i % 9)}-1${i % 10}`,
    dx[(i * 3) % 4]!,
  ]);
}
rows.push(['outlier', '97', 'M', '广东省深圳市南山区', '2023-01-01', 'flu']);

function classes(out: string[][], cols: number[]): Map<string, string[][]> {
  const m = new Map<string, string[][]>();
  for (const r of out) {
    const k = cols.map((c) => r[c]).join('|');
    m.set(k, [...(m.get(k) ?? []), r]);
  }
  return m;
}

describe('anonymizeDataset', () => {
  it('reaches k-anonymity with generalisation and suppression and reports the loss', () => {
    const res = anonymizeDataset(header, rows, {
      k: 5,
      quasi: ['age', 'sex', 'district'],
      sensitive: ['diagnosis'],
      drop: ['name'],
    });
    expect(res.header).toEqual(['age', 'sex', 'district', 'admitted', 'diagnosis']);
    const cls = classes(res.rows, [0, 1, 2]);
    for (const members of cls.values()) expect(members.length).toBeGreaterThanOrEqual(5);
    expect(res.report.minClassSize).toBeGreaterThanOrEqual(5);
    expect(res.report.suppressed).toBeLessThanOrEqual(Math.floor(0.05 * rows.length));
    expect(res.report.precisionLoss).toBeGreaterThan(0);
    expect(res.report.precisionLoss).toBeLessThan(1);
    expect(res.rows.some((r) => r[0] === '97')).toBe(false);
  });
  it('enforces distinct l-diversity of sensitive columns', () => {
    const res = anonymizeDataset(header, rows, {
      k: 3,
      l: 3,
      quasi: ['age', 'sex', 'district'],
      sensitive: ['diagnosis'],
    });
    for (const members of classes(res.rows, [1, 2, 3]).values())
      expect(new Set(members.map((r) => r[5])).size).toBeGreaterThanOrEqual(3);
  });
  it('needs no generalisation when the data is already k-anonymous', () => {
    const same = Array.from({ length: 10 }, () => ['40', 'F']);
    const res = anonymizeDataset(['age', 'sex'], same, { k: 5, quasi: ['age', 'sex'] });
    expect(res.report.precisionLoss).toBe(0);
    expect(res.rows).toEqual(same);
  });
  it('generalises along the hierarchies', () => {
    expect(generalize('43', { kind: 'age' }, 1, 4)).toBe('40-44');
    expect(generalize('43', { kind: 'age' }, 2, 4)).toBe('40-49');
    expect(generalize('93', { kind: 'age' }, 1, 4)).toBe('90+');
    expect(generalize('2023-05-06', { kind: 'date' }, 1, 4)).toBe('2023-05');
    expect(generalize('2023-05-06', { kind: 'date' }, 3, 4)).toBe('2020s');
    expect(generalize('北京市海淀区中关村街道', { kind: 'region' }, 1, 3)).toBe('北京市海淀区');
    expect(generalize('100871', { kind: 'prefix' }, 2, 6)).toBe('1008**');
  });
  it('fails clearly on unknown columns and bad parameters', () => {
    expect(() => anonymizeDataset(header, rows, { k: 5, quasi: ['zip'] })).toThrow(
      expect.objectContaining({ code: 'CUSTOS_INPUT_INVALID' }),
    );
    expect(() => anonymizeDataset(header, rows, { k: 0, quasi: ['age'] })).toThrow(
      expect.objectContaining({ code: 'CUSTOS_INPUT_INVALID' }),
    );
  });
});

describe('CSV and text input', () => {
  it('round-trips quoted CSV', () => {
    const csv = writeCsv(['a', 'b'], [['x,1', 'say "hi"']]);
    expect(readCsv(csv)).toEqual({ header: ['a', 'b'], rows: [['x,1', 'say "hi"']] });
  });
  it('names the file and line of a ragged row', () => {
    expect(() => readCsv('a,b\n1,2\n3\n', 'extract.csv')).toThrow(
      expect.objectContaining({
        code: 'CUSTOS_INPUT_INVALID',
        message: expect.stringMatching(/extract\.csv.*line 3/),
      }),
    );
  });
  it('rejects invalid UTF-8 with the byte offset', () => {
    expect(decodeUtf8(Buffer.from('患者张三'))).toBe('患者张三');
    expect(() => decodeUtf8(Buffer.from([0x61, 0x62, 0xff, 0x63]), 'stdin')).toThrow(
      expect.objectContaining({ message: 'stdin: invalid UTF-8 at byte 2' }),
    );
  });
});
