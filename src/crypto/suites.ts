/**
 * Cipher suites and the versioned, self-describing ciphertext format (docs/vault.md):
 *
 *   offset  size  field
 *   0       1     format version (1)
 *   1       1     suite id (1 = AES-256-GCM, 2 = SM4-CTR + HMAC-SM3)
 *   2       1     key id length L (1..255)
 *   3       L     key id (ASCII)
 *   3+L     N     nonce (12 bytes for GCM, 16-byte IV for SM4-CTR)
 *   ...     *     ciphertext
 *   end-T   T     tag (16 bytes GCM tag / 32 bytes HMAC-SM3)
 *
 * The header (version, suite, key id) is authenticated together with the caller's associated
 * data, so neither can be changed without the integrity check failing.
 */
import { createCipheriv, createDecipheriv, createHmac, randomFillSync } from 'node:crypto';
import { CustosError, ErrorCode } from '../errors/index.ts';
import { equal } from './equal.ts';

/** Supported cipher suites; the id is the byte stored in every ciphertext. */
export const CipherSuite = {
  /** AES-256-GCM, 96-bit random nonce, 128-bit tag (default). */
  Aes256Gcm: 'aes-256-gcm',
  /** SM4-CTR encryption then HMAC-SM3 over header, nonce, associated data and ciphertext. */
  Sm4CtrHmacSm3: 'sm4-ctr-hmac-sm3',
} as const;
export type CipherSuite = (typeof CipherSuite)[keyof typeof CipherSuite];

/** Current ciphertext format version. */
export const CIPHERTEXT_VERSION = 1;

const suiteIds: Record<CipherSuite, number> = { 'aes-256-gcm': 1, 'sm4-ctr-hmac-sm3': 2 };
const suiteById = new Map<number, CipherSuite>(
  Object.entries(suiteIds).map(([k, v]) => [v, k as CipherSuite]),
);

// Nonces come from a pool refilled from the CSPRNG 4 KiB at a time (one system call per ~300
// nonces instead of one each); every byte is handed out once.
const pool = Buffer.alloc(4096);
let poolPos = pool.length;

function freshNonce(size: number): Buffer {
  if (poolPos + size > pool.length) {
    randomFillSync(pool);
    poolPos = 0;
  }
  const n = Buffer.from(pool.subarray(poolPos, poolPos + size));
  poolPos += size;
  return n;
}

/** Every suite uses a 32-byte key (SM4 suite: 16-byte SM4 key then 16-byte HMAC-SM3 key). */
export const KEY_BYTES = 32;

/** True when `s` names a supported suite. */
export function isCipherSuite(s: unknown): s is CipherSuite {
  return typeof s === 'string' && s in suiteIds;
}

/** Parsed header of a ciphertext; all fields are safe to log. */
export interface CiphertextHeader {
  version: number;
  suite: CipherSuite;
  keyId: string;
  /** Byte length of version + suite + key id. */
  headerLength: number;
}

function integrityError(what: string | undefined, why: string): CustosError {
  return new CustosError(
    ErrorCode.CryptoFailure,
    `integrity check failed${what ? ` for ${what}` : ''}: ${why}`,
    what ? { record: what } : {},
  );
}

/** Reads the header of a ciphertext without decrypting it (defensive: untrusted bytes). */
export function readCiphertextHeader(data: Uint8Array, what?: string): CiphertextHeader {
  if (!(data instanceof Uint8Array) || data.byteLength < 4) {
    throw integrityError(what, 'ciphertext too short');
  }
  const version = data[0]!;
  if (version !== CIPHERTEXT_VERSION) {
    throw integrityError(what, `unknown ciphertext format version ${version}`);
  }
  const suite = suiteById.get(data[1]!);
  if (!suite) throw integrityError(what, `unknown cipher suite id ${data[1]}`);
  const len = data[2]!;
  if (len === 0 || 3 + len > data.byteLength) throw integrityError(what, 'bad key id length');
  const keyId = Buffer.from(data.buffer, data.byteOffset + 3, len).toString('latin1');
  return { version, suite, keyId, headerLength: 3 + len };
}

function header(suite: CipherSuite, keyId: string): Buffer {
  const kid = Buffer.from(keyId, 'latin1');
  if (kid.length === 0 || kid.length > 255 || !/^[\x21-\x7e]+$/.test(keyId)) {
    throw new CustosError(ErrorCode.Internal, 'key id must be 1-255 printable ASCII characters');
  }
  const h = Buffer.allocUnsafe(3 + kid.length);
  h[0] = CIPHERTEXT_VERSION;
  h[1] = suiteIds[suite];
  h[2] = kid.length;
  kid.copy(h, 3);
  return h;
}

function checkKey(key: Uint8Array): void {
  if (key.byteLength !== KEY_BYTES) {
    throw new CustosError(ErrorCode.Internal, `cipher key must be ${KEY_BYTES} bytes`);
  }
}

function lengthPrefix(n: number): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

/**
 * Encrypts `plaintext` under `key` with the suite, binding `aad` (associated data, e.g.
 * tenant|table|column|row id). Returns the self-describing ciphertext.
 */
export function seal(
  suite: CipherSuite,
  key: Uint8Array,
  keyId: string,
  plaintext: Uint8Array,
  aad: Uint8Array,
): Buffer {
  checkKey(key);
  const h = header(suite, keyId);
  switch (suite) {
    case 'aes-256-gcm': {
      const nonce = freshNonce(12);
      const c = createCipheriv('aes-256-gcm', key, nonce);
      c.setAAD(Buffer.concat([h, aad]));
      const ct = c.update(plaintext);
      const fin = c.final();
      return Buffer.concat([h, nonce, ct, fin, c.getAuthTag()]);
    }
    case 'sm4-ctr-hmac-sm3': {
      const iv = freshNonce(16);
      const c = createCipheriv('sm4-ctr', key.subarray(0, 16), iv);
      const ct = Buffer.concat([c.update(plaintext), c.final()]);
      const mac = createHmac('sm3', key.subarray(16, 32))
        .update(h)
        .update(iv)
        .update(lengthPrefix(aad.byteLength))
        .update(aad)
        .update(ct)
        .digest();
      return Buffer.concat([h, iv, ct, mac]);
    }
  }
}

/**
 * Verifies and decrypts a ciphertext made by `seal`. Any change to header, nonce, ciphertext,
 * tag or associated data throws CUSTOS_CRYPTO_FAILURE naming `what` (a record reference, never
 * personal data); no partial plaintext is ever returned.
 */
export function open(
  key: Uint8Array,
  data: Uint8Array,
  aad: Uint8Array,
  what?: string,
  parsed?: CiphertextHeader,
): Buffer {
  checkKey(key);
  const hd = parsed ?? readCiphertextHeader(data, what);
  const buf = Buffer.isBuffer(data)
    ? data
    : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const hl = hd.headerLength;
  switch (hd.suite) {
    case 'aes-256-gcm': {
      if (buf.length < hl + 12 + 16) throw integrityError(what, 'ciphertext truncated');
      const nonce = buf.subarray(hl, hl + 12);
      const tag = buf.subarray(buf.length - 16);
      const ct = buf.subarray(hl + 12, buf.length - 16);
      const d = createDecipheriv('aes-256-gcm', key, nonce);
      // header ‖ associated data, in one allocation
      const ad = Buffer.allocUnsafe(hl + aad.byteLength);
      buf.copy(ad, 0, 0, hl);
      ad.set(aad, hl);
      d.setAAD(ad);
      d.setAuthTag(tag);
      const out = d.update(ct);
      try {
        const fin = d.final();
        return fin.length ? Buffer.concat([out, fin]) : out;
      } catch {
        out.fill(0);
        throw integrityError(what, 'authentication tag mismatch (tampered, swapped or wrong key)');
      }
    }
    case 'sm4-ctr-hmac-sm3': {
      if (buf.length < hl + 16 + 32) throw integrityError(what, 'ciphertext truncated');
      const iv = buf.subarray(hl, hl + 16);
      const mac = buf.subarray(buf.length - 32);
      const ct = buf.subarray(hl + 16, buf.length - 32);
      const h = buf.subarray(0, hl);
      const expect = createHmac('sm3', key.subarray(16, 32))
        .update(h)
        .update(iv)
        .update(lengthPrefix(aad.byteLength))
        .update(aad)
        .update(ct)
        .digest();
      if (!equal(expect, mac)) {
        throw integrityError(what, 'MAC mismatch (tampered, swapped or wrong key)');
      }
      const d = createDecipheriv('sm4-ctr', key.subarray(0, 16), iv);
      return Buffer.concat([d.update(ct), d.final()]);
    }
  }
}
