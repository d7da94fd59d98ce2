import { describe, expect, it } from 'vitest';
import {
  decodeTextFingerprint,
  fingerprintText,
  issueToken,
  stripTextFingerprint,
} from './index.ts';

const key = Buffer.alloc(32, 5);
const token = issueToken(key, 31337);
const note =
  'Patient admitted with chest pain. ECG showed sinus rhythm; troponin 0.02 ng/mL.\n' +
  '主诉：胸痛两小时。既往史：高血压十年，规律服药。查体：血压 128/84 mmHg，心率 96 次/分。\n' +
  'Plan: observe overnight, repeat troponin at 6 h, cardiology review in the morning.\n';

describe('text fingerprints', () => {
  it('keeps the visible text and decodes the token', () => {
    const fp = fingerprintText(token, note);
    expect(fp).not.toBe(note);
    expect(stripTextFingerprint(fp)).toBe(note);
    const r = decodeTextFingerprint(key, fp);
    expect(r).toHaveLength(1);
    expect(r[0]!.token.entryRef).toBe(31337);
    expect(r[0]!.copies).toBeGreaterThan(3);
  });

  it('survives a partial quote of one sentence', () => {
    const fp = fingerprintText(token, note);
    const start = fp.indexOf('主诉');
    const quote = fp.slice(start, fp.indexOf('查体', start));
    expect(decodeTextFingerprint(key, quote)[0]?.token.entryRef).toBe(31337);
  });

  it('recovers by voting when every copy lost a few characters', () => {
    const fp = fingerprintText(token, note, { spacing: 8 });
    // Damage every copy at a different place: one zero-width character replaced.
    let k = 0;
    const damaged = fp.replace(/(?:\u200b|\u200c|\u200d|\u2060){40}/g, (run) => {
      const at = (k++ * 7) % 40;
      const swapped = run[at] === '\u200b' ? '\u200c' : '\u200b';
      return run.slice(0, at) + swapped + run.slice(at + 1);
    });
    expect(decodeTextFingerprint(key, damaged).every((r) => r.voted)).toBe(true);
    const r = decodeTextFingerprint(key, damaged);
    expect(r[0]?.token.entryRef).toBe(31337);
  });

  it('ignores other keys, plain text and foreign zero-width characters', () => {
    const fp = fingerprintText(token, note);
    expect(decodeTextFingerprint(Buffer.alloc(32, 6), fp)).toEqual([]);
    expect(decodeTextFingerprint(key, note)).toEqual([]);
    expect(decodeTextFingerprint(key, 'a\u200b\u200c\u200db'.repeat(50))).toEqual([]);
  });

  it('leaves numeric CSV fields parseable', () => {
    const csv = 'id,name,score\n1,alpha note,12.5\n2,beta note,7\n';
    const fp = fingerprintText(token, csv, { csv: true, spacing: 4 });
    const rows = fp.split('\n').map((l) => l.split(','));
    expect(rows[1]![0]).toBe('1');
    expect(rows[1]![2]).toBe('12.5');
    expect(decodeTextFingerprint(key, fp)[0]?.token.entryRef).toBe(31337);
  });

  it('refuses non-strings with CUSTOS_INPUT_INVALID', () => {
    expect(() => fingerprintText(token, 42 as unknown as string)).toThrow(
      expect.objectContaining({ code: 'CUSTOS_INPUT_INVALID' }),
    );
  });
});
