/**
 * Disclosure tokens. A token names one ledger entry (a 48-bit entry reference) and carries a
 * 32-bit keyed MAC (HMAC-SHA256 truncated), so a forged or damaged token is rejected before it
 * ever names a person. Binary form: 10 bytes (ref big-endian || tag). Text form: 16 characters of
 * Crockford base32, shown in groups of four (e.g. `0A3F-K9QZ-7M2D-X1TC`).
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { CustosError, ErrorCode } from '../errors/index.ts';

/** Largest entry reference a token can carry (2^48 - 1). */
export const MAX_ENTRY_REF = 2 ** 48 - 1;
/** Length of a token in bytes. */
export const TOKEN_BYTES = 10;
const TAG_BYTES = 4;
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A watermark key: at least 16 bytes of secret material (from the keyring). */
export type WatermarkKey = Uint8Array;

/** A verified token. */
export interface DisclosureToken {
  /** The ledger entry reference the token names. */
  entryRef: number;
  /** The 10-byte binary token. */
  bytes: Uint8Array;
  /** The 16-character Crockford base32 text form (no separators). */
  text: string;
}

function assertKey(key: WatermarkKey): void {
  if (!(key instanceof Uint8Array) || key.length < 16) {
    throw new CustosError(ErrorCode.KeyUnavailable, 'watermark key must be at least 16 bytes');
  }
}

/**
 * Channel keys already derived, per key object, checked against a copy of the key's bytes so a
 * key changed in place is derived afresh. Every disclosure derives the token MAC key and the
 * screen mark's layout key; HKDF each time cost ≈ 0.1 ms per disclosure.
 */
const derived = new WeakMap<WatermarkKey, { bytes: Buffer; byChannel: Map<string, Buffer> }>();

/** Derives an independent sub-key for one watermark channel (HKDF-SHA256); a fresh copy. */
export function deriveChannelKey(key: WatermarkKey, channel: string): Buffer {
  assertKey(key);
  let hit = derived.get(key);
  if (!hit || !hit.bytes.equals(key)) {
    hit = { bytes: Buffer.from(key), byChannel: new Map() };
    derived.set(key, hit);
  }
  let k = hit.byChannel.get(channel);
  if (!k) {
    k = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), `custos/watermark/${channel}`, 32));
    hit.byChannel.set(channel, k);
  }
  return Buffer.from(k);
}

function tagOf(key: WatermarkKey, ref: Uint8Array): Buffer {
  return createHmac('sha256', deriveChannelKey(key, 'token-mac'))
    .update('custos-token-v1')
    .update(ref)
    .digest()
    .subarray(0, TAG_BYTES);
}

/** Encodes bytes as Crockford base32 (no padding). */
export function encodeBase32(bytes: Uint8Array): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(acc >> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(acc << (5 - bits)) & 31];
  return out;
}

/**
 * Decodes Crockford base32, accepting lower case, `-` and spaces as separators, and the usual
 * confusables (O→0, I/L→1). Returns null on any other character.
 */
export function decodeBase32(text: string): Uint8Array | null {
  const clean = text.toUpperCase().replace(/[-\s]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const ch of clean) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) return null;
    acc = (acc << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
      acc &= (1 << bits) - 1;
    }
  }
  return Uint8Array.from(out);
}

function refBytes(entryRef: number): Uint8Array {
  const b = new Uint8Array(6);
  let v = entryRef;
  for (let i = 5; i >= 0; i--) {
    b[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return b;
}

/**
 * Issues the token of one disclosure. `entryRef` is the ledger entry's reference
 * (an integer in [0, 2^48)); `key` is the tenant's watermark key.
 */
export function issueToken(key: WatermarkKey, entryRef: number): DisclosureToken {
  if (!Number.isSafeInteger(entryRef) || entryRef < 0 || entryRef > MAX_ENTRY_REF) {
    throw new CustosError(
      ErrorCode.InputInvalid,
      'entry reference must be an integer in [0, 2^48)',
    );
  }
  const ref = refBytes(entryRef);
  const bytes = new Uint8Array(TOKEN_BYTES);
  bytes.set(ref);
  bytes.set(tagOf(key, ref), 6);
  return { entryRef, bytes, text: encodeBase32(bytes) };
}

/**
 * Verifies a token given as bytes or text. Returns the token when its MAC is valid for `key`,
 * null otherwise (forged, damaged or from another tenant). Never throws on malformed input.
 */
export function verifyToken(key: WatermarkKey, token: Uint8Array | string): DisclosureToken | null {
  assertKey(key);
  let bytes: Uint8Array | null;
  if (typeof token === 'string') {
    if (token.length > 64) return null;
    bytes = decodeBase32(token);
  } else bytes = token;
  if (!bytes || bytes.length !== TOKEN_BYTES) return null;
  const ref = bytes.subarray(0, 6);
  const expected = tagOf(key, ref);
  // Constant-time comparison: a timing side channel must not help forge tags.
  if (!timingSafeEqual(expected, Buffer.from(bytes.subarray(6)))) return null;
  let entryRef = 0;
  for (const b of ref) entryRef = entryRef * 256 + b;
  const copy = Uint8Array.from(bytes);
  return { entryRef, bytes: copy, text: encodeBase32(copy) };
}

/** Formats a token's text form in groups of four for people to read aloud or type. */
export function formatToken(token: DisclosureToken | string): string {
  const text = typeof token === 'string' ? token : token.text;
  return text.replace(/(.{4})(?=.)/g, '$1-');
}
