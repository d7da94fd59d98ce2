import { describe, expect, it } from 'vitest';
import { createPatternRecognizer, type Pattern } from './pattern-recognizer.ts';
import { createPatternRecognizers } from './recognizers/patterns.ts';
import { EntityType, type Finding, type Recognizer } from './types.ts';

const EMAIL = `(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}`;
const IPV6 = `(?<![\\w:])(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}(?![\\w:])|(?<![\\w:])(?:[0-9A-Fa-f]{1,4}:){1,6}:(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,5})?(?![\\w:])`;

/** Start, end and recognizer of each finding. */
const spans = (r: Recognizer, text: string): string[] =>
  r
    .recognize({ text, langs: new Set(['en']) })
    .map((f: Finding) => `${f.start}-${f.end}`)
    .sort();

/** Pseudo-random texts over an alphabet that makes e-mail and IPv6 shapes likely. */
function texts(n: number, alphabet: string, seed: number): string[] {
  let x = seed;
  const next = (): number => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x >>> 8;
  };
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    let t = '';
    const len = next() % 80;
    for (let k = 0; k < len; k++) t += alphabet[next() % alphabet.length];
    out.push(t);
  }
  return out;
}

describe('anchored pattern scans', () => {
  const whole = (name: string, src: string): Recognizer =>
    createPatternRecognizer({
      name,
      type: EntityType.Custom,
      patterns: [{ regex: new RegExp(src, 'gd'), score: 0.5, why: 'reference' }],
    });
  const builtIn = (name: string): Recognizer => {
    const r = createPatternRecognizers().find((x) => x.name === name);
    if (!r) throw new Error(name);
    return r;
  };

  it('find the same e-mail addresses as a scan of the whole text', () => {
    const ref = whole('email', EMAIL);
    const r = builtIn('email');
    const crafted = [
      'a@b.co,c.d@e-f.org x@y',
      '@@a@b.cc@d.ee',
      'mail: jo.smith+x@mail.hosp.org; @ 1900 seen',
      '..a@b.cd..e@f.gh',
    ];
    for (const t of [...crafted, ...texts(3000, 'ab.@-_+c ,o', 7)])
      expect(spans(r, t), t).toEqual(spans(ref, t));
  });

  it('find the same IPv6 addresses as a scan of the whole text', () => {
    const ref = whole('ip', IPV6);
    const r = builtIn('ip-address');
    const crafted = [
      'fe80::1 and 2001:db8:85a3:0:0:8a2e:370:7334 and ::1',
      '1:2:3:4:5:6:7:8:9 a::b::c',
      'at 10:30:45 then ab:cd:ef::12',
      'x:1:2:3:4:5:6:7:8 1::',
    ];
    // The built-in recognizer also finds IPv4 addresses and validates IPv6 ones (hex letters or
    // "::"); the reference is filtered the same way.
    const value = (t: string, s: string): string => {
      const [a, b] = s.split('-').map(Number);
      return t.slice(a, b);
    };
    const v6 = (t: string, s: string): boolean => value(t, s).includes(':');
    const valid = (t: string, s: string): boolean =>
      /[a-fA-F]/.test(value(t, s)) || value(t, s).includes('::');
    for (const t of [...crafted, ...texts(3000, 'a1f:: .9x', 11)])
      expect(
        spans(r, t).filter((s) => v6(t, s)),
        t,
      ).toEqual(spans(ref, t).filter((s) => v6(t, s) && valid(t, s)));
  });

  it('find the same keyword-led matches at word starts as a scan of the whole text', () => {
    const sources: [string, string, string][] = [
      [
        `\\b(?:phone|tel|telephone|cell|pager|beeper|fax|beep|pg|pgr|call(?:ed)?|ext\\.?|x(?=\\d))(?:\\s+(?:number|no\\.?|#))?[:#\\s]*(?!911\\b)(?<v>\\d{3,5}|\\d{3}-\\d{4})(?![\\d/])`,
        'i',
        'ph te ce pa be fa pg ca ex x',
      ],
      [
        `\\b(?:s/p|(?:MI|CABG|dx|dx'?d|stent|cath)(?:\\s+(?:x\\s?\\d|in))?)\\s+(?<v>(?:19|20)?\\d{2})`,
        'i',
        's/ mi ca dx st',
      ],
    ];
    const words = ['tel', 'TEL', 'x', 'X', 'call', 'called', 's/p', 'dx', "dx'd", 'CABG', 'cath'];
    const glue = [' ', '-', "'", '_', '2', 'é', ':', '\n', '  '];
    const digits = ['1999', '555-1234', '92', '12345', '911', '4'];
    let x = 5;
    const pick = <T>(a: readonly T[]): T => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      return a[(x >>> 8) % a.length]!;
    };
    for (const [src, flags, starts] of sources) {
      const ref = createPatternRecognizer({
        name: 'ref',
        type: EntityType.Custom,
        patterns: [{ regex: new RegExp(src, 'gd' + flags), score: 0.5, why: 'reference' }],
      });
      const r = createPatternRecognizer({
        name: 'ref',
        type: EntityType.Custom,
        patterns: [
          {
            regex: new RegExp(src, 'gd' + flags),
            score: 0.5,
            why: 'reference',
            wordStarts: starts,
          },
        ],
      });
      for (let n = 0; n < 3000; n++) {
        let t = '';
        for (let k = 0; k < 8; k++) t += pick(glue) + pick(words) + pick(glue) + pick(digits);
        expect(spans(r, t), t).toEqual(spans(ref, t));
      }
    }
  });

  it('rejects an anchor that is not global', () => {
    const p: Pattern = {
      regex: /a/g,
      score: 0.5,
      why: 'x',
      anchor: { regex: /a/, from: (_t, at) => at },
    };
    expect(() =>
      createPatternRecognizer({ name: 'x', type: EntityType.Custom, patterns: [p] }),
    ).toThrow(/global/);
  });
});
