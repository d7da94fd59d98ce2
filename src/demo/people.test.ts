import { describe, expect, it } from 'vitest';
import {
  COMPOUND_SURNAMES,
  MOBILE_PATTERN,
  computeIdCheckDigit,
  makeResidentId,
  parseResidentId,
  pickSurname,
} from './people.ts';
import { DemoRandom, IdScrambler } from './random.ts';
import { localIso, startOfLocalDay } from './time.ts';

describe('GB 11643 resident ID numbers', () => {
  it.each([
    // The standard's own example, a widely quoted one, and one worked by hand (sum 222, mod 11 = 2).
    ['11010519491231002', 'X'],
    ['44052418800101001', '4'],
    ['11010119900307803', 'X'],
  ])('check character of %s is %s', (first17, check) => {
    expect(computeIdCheckDigit(first17)).toBe(check);
  });

  it('rejects a wrong check character, an impossible date, a future date and garbage', () => {
    expect(parseResidentId('11010519491231002X')).toEqual({
      birthDate: '1949-12-31',
      sex: 'female',
    });
    expect(parseResidentId('110105194912310021')).toBeNull();
    const badDate = '11010519490231002';
    expect(parseResidentId(badDate + computeIdCheckDigit(badDate))).toBeNull();
    const future = '11010521990101002';
    expect(parseResidentId(future + computeIdCheckDigit(future), Date.UTC(2025, 0, 1))).toBeNull();
    expect(parseResidentId('not an id')).toBeNull();
  });

  it('encodes birth date and sex parity', () => {
    const rng = new DemoRandom('ids');
    for (let i = 0; i < 200; i++) {
      const sex = i % 2 === 0 ? 'male' : 'female';
      const id = makeResidentId(rng, '330106', '1987-02-28', sex);
      expect(parseResidentId(id)).toEqual({ birthDate: '1987-02-28', sex });
    }
  });
});

describe('personal data shapes', () => {
  it('mobile pattern accepts carrier prefixes only', () => {
    expect(MOBILE_PATTERN.test('13812345678')).toBe(true);
    expect(MOBILE_PATTERN.test('19912345678')).toBe(true);
    expect(MOBILE_PATTERN.test('12012345678')).toBe(false);
    expect(MOBILE_PATTERN.test('1381234567')).toBe(false);
  });

  it('draws compound surnames among common ones', () => {
    const rng = new DemoRandom('surnames');
    const seen = new Map<string, number>();
    for (let i = 0; i < 20000; i++) {
      const s = pickSurname(rng);
      seen.set(s, (seen.get(s) ?? 0) + 1);
    }
    expect(seen.get('王')!).toBeGreaterThan(seen.get('汤') ?? 0);
    const compound = COMPOUND_SURNAMES.reduce((n, s) => n + (seen.get(s) ?? 0), 0);
    expect(compound).toBeGreaterThan(50);
  });
});

describe('random and ids', () => {
  it('is reproducible by seed and forks are independent of consumption', () => {
    const a = new DemoRandom('x');
    const b = new DemoRandom('x');
    expect([a.uint32(), a.uint32()]).toEqual([b.uint32(), b.uint32()]);
    const f1 = new DemoRandom('y').fork('part').uint32();
    const y = new DemoRandom('y');
    y.uint32();
    expect(y.fork('part').uint32()).toBe(f1);
    expect(new DemoRandom('z').uint32()).not.toBe(new DemoRandom('x').uint32());
  });

  it('event ids never collide', () => {
    const s = new IdScrambler('seed');
    const ids = new Set<string>();
    for (let hi = 0; hi < 30; hi++) for (let lo = 0; lo < 2000; lo++) ids.add(s.scramble(hi, lo));
    for (let lo = 0; lo < 2000; lo++) ids.add(s.scramble(0xf0000000, lo));
    expect(ids.size).toBe(62000);
  });

  it('formats hospital local time whatever the host time zone', () => {
    const ms = Date.parse('2025-06-01T23:59:59+08:00');
    expect(localIso(ms)).toBe('2025-06-01T23:59:59+08:00');
    expect(localIso(ms + 1000)).toBe('2025-06-02T00:00:00+08:00');
    expect(startOfLocalDay(ms)).toBe(Date.parse('2025-06-01T00:00:00+08:00'));
  });
});
