import { describe, expect, it } from 'vitest';
import { isCustosError } from '../errors/index.ts';
import {
  decodeBase32,
  decodeReedSolomon,
  deriveChannelKey,
  encodeBase32,
  encodeReedSolomon,
  formatToken,
  issueToken,
  verifyToken,
} from './index.ts';

const key = Buffer.alloc(32, 1);
const otherKey = Buffer.alloc(32, 2);

describe('disclosure tokens', () => {
  it.each([0, 1, 255, 123456789, 2 ** 40 + 17, 2 ** 48 - 1])(
    'round-trips entry %d as bytes and text',
    (ref) => {
      const t = issueToken(key, ref);
      expect(t.bytes).toHaveLength(10);
      expect(t.text).toMatch(/^[0-9A-HJKMNP-TV-Z]{16}$/);
      expect(verifyToken(key, t.bytes)?.entryRef).toBe(ref);
      expect(verifyToken(key, t.text)?.entryRef).toBe(ref);
      expect(verifyToken(key, formatToken(t).toLowerCase())?.entryRef).toBe(ref);
    },
  );

  it('rejects a token under another key, a flipped bit, a wrong size and garbage', () => {
    const t = issueToken(key, 42);
    expect(verifyToken(otherKey, t.bytes)).toBeNull();
    for (let bit = 0; bit < 80; bit += 7) {
      const b = Uint8Array.from(t.bytes);
      b[bit >> 3]! ^= 1 << (bit & 7);
      expect(verifyToken(key, b)).toBeNull();
    }
    expect(verifyToken(key, t.bytes.subarray(0, 9))).toBeNull();
    expect(verifyToken(key, 'not a token!')).toBeNull();
    expect(verifyToken(key, 'X'.repeat(100))).toBeNull();
  });

  it('derives the MAC key afresh when a key object is changed in place', () => {
    const k = Buffer.alloc(32, 3);
    const t = issueToken(k, 7);
    expect(verifyToken(k, t.bytes)?.entryRef).toBe(7);
    k[0] = 4;
    expect(verifyToken(k, t.bytes)).toBeNull();
    expect(verifyToken(Buffer.alloc(32, 3), t.bytes)?.entryRef).toBe(7);
  });

  it('derives each channel key once and hands out copies', () => {
    const k = Buffer.alloc(32, 5);
    const a = deriveChannelKey(k, 'screen-v1');
    expect(deriveChannelKey(k, 'token-mac').equals(a)).toBe(false);
    a.fill(0);
    expect(deriveChannelKey(k, 'screen-v1').equals(Buffer.alloc(32))).toBe(false);
    expect(deriveChannelKey(Buffer.alloc(32, 5), 'screen-v1')).toEqual(
      deriveChannelKey(k, 'screen-v1'),
    );
  });

  it('accepts Crockford confusables (O for 0, I/L for 1)', () => {
    const t = issueToken(key, 1);
    const text = t.text.replace(/0/g, 'O').replace(/1/g, 'l');
    expect(verifyToken(key, text)?.entryRef).toBe(1);
  });

  it('refuses entry references outside 48 bits and short keys', () => {
    for (const bad of [-1, 2 ** 48, 1.5, Number.NaN]) {
      expect(() => issueToken(key, bad)).toThrow(
        expect.objectContaining({ code: 'CUSTOS_INPUT_INVALID' }),
      );
    }
    try {
      issueToken(Buffer.alloc(8), 1);
      expect.unreachable();
    } catch (e) {
      expect(isCustosError(e, 'CUSTOS_KEY_UNAVAILABLE')).toBe(true);
    }
  });

  it('encodes base32 like the Crockford reference', () => {
    expect(encodeBase32(Buffer.from('foobar'))).toBe('CSQPYRK1E8');
    expect(Buffer.from(decodeBase32('CSQPYRK1E8')!).toString()).toBe('foobar');
    expect(decodeBase32('U')).toBeNull();
  });
});

describe('Reed-Solomon over GF(256)', () => {
  const data = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  const code = encodeReedSolomon(data, 6);

  it('has a zero-syndrome codeword and corrects up to 3 byte errors anywhere', () => {
    expect(decodeReedSolomon(code, 6)).toEqual(data);
    for (const positions of [[0], [15], [3, 9], [0, 7, 15], [10, 11, 12]]) {
      const c = Uint8Array.from(code);
      for (const p of positions) c[p]! ^= 0x5a;
      expect(decodeReedSolomon(c, 6)).toEqual(data);
    }
  });

  it('corrects erasures and errors together up to the parity (erasures + 2 x errors <= 6)', () => {
    const cases: [number[], number[]][] = [
      [[0, 3, 7, 9, 12, 15], []],
      [[1, 2, 14, 8], [5]],
      [
        [4, 11],
        [0, 15],
      ],
      [[6], [2, 10]],
    ];
    for (const [erased, wrong] of cases) {
      const c = Uint8Array.from(code);
      for (const p of [...erased, ...wrong]) c[p]! ^= 0xa5;
      expect(decodeReedSolomon(c, 6, erased)).toEqual(data);
    }
    // An erased position that is in fact correct costs nothing.
    expect(decodeReedSolomon(Uint8Array.from(code), 6, [2, 3])).toEqual(data);
  });

  it('refuses erasures beyond the parity or outside the codeword', () => {
    const c = Uint8Array.from(code);
    c[0]! ^= 1;
    expect(decodeReedSolomon(c, 6, [0, 1, 2, 3, 4, 5, 6])).toBeNull();
    expect(decodeReedSolomon(c, 6, [16])).toBeNull();
  });

  it('never returns wrong data silently for 4+ errors (null or the MAC layer catches it)', () => {
    const c = Uint8Array.from(code);
    for (const p of [1, 4, 8, 13]) c[p]! ^= 0xff;
    const out = decodeReedSolomon(c, 6);
    expect(out === null || !Buffer.from(out).equals(Buffer.from(data))).toBe(true);
  });
});
