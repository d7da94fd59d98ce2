/**
 * Blind indexes: a keyed HMAC of a normalised value, so that exact-match lookups (ID number,
 * phone, MRN, full name) work without any plaintext column. Each tenant has its own index key
 * derived by HKDF from the keyring's blind-index root secret; the kind is bound into the MAC so
 * that equal values of different kinds do not match.
 */
import { createHmac, hkdfSync } from 'node:crypto';
import { CustosError, ErrorCode } from '../errors/index.ts';
import type { Keyring } from './keyring.ts';

/** Algorithms for blind indexes: HMAC-SHA-256 (default) or HMAC-SM3 (SM profile). */
export type BlindIndexAlgorithm = 'hmac-sha256' | 'hmac-sm3';

/** A tenant's blind-index key. Keep in memory only. */
export interface BlindIndexKey {
  tenant: string;
  algorithm: BlindIndexAlgorithm;
  key: Buffer;
}

/** Name of the keyring secret the per-tenant index keys derive from. */
export const BLIND_INDEX_ROOT = 'blind-index-root';

/** Bytes of MAC kept in an index entry (128 bits: collisions negligible, less to leak). */
export const BLIND_INDEX_BYTES = 16;

/** Derives a tenant's blind-index key (HKDF over the root secret, tenant as info). */
export function deriveBlindIndexKey(
  keyring: Keyring,
  tenant: string,
  algorithm: BlindIndexAlgorithm = 'hmac-sha256',
): BlindIndexKey {
  const root = keyring.getSecret(BLIND_INDEX_ROOT);
  if (!root) {
    throw new CustosError(ErrorCode.KeyUnavailable, 'keyring has no blind-index root secret');
  }
  const hash = algorithm === 'hmac-sm3' ? 'sm3' : 'sha256';
  const key = Buffer.from(
    hkdfSync(
      hash,
      root,
      Buffer.from('custos-blind-index-v1'),
      Buffer.from(`${algorithm}|${tenant}`),
      32,
    ),
  );
  root.fill(0);
  return { tenant, algorithm, key };
}

/** Normalisers applied before indexing and before lookup; pure and exported for tests. */
export const normalise = {
  /** ID numbers: NFKC, upper case, no spaces or dashes (110101199003071234, X53631011X). */
  idNumber(v: string): string {
    return v
      .normalize('NFKC')
      .toUpperCase()
      .replace(/[\s\-–—]/g, '');
  },
  /** Phones: digits only, without a +86 / 0086 country prefix. */
  phone(v: string): string {
    let d = v.normalize('NFKC').replace(/\D/g, '');
    if (d.startsWith('0086')) d = d.slice(4);
    else if (d.length === 13 && d.startsWith('86')) d = d.slice(2);
    return d;
  },
  /** Medical record numbers: NFKC, upper case, no white space. */
  mrn(v: string): string {
    return v.normalize('NFKC').toUpperCase().replace(/\s/g, '');
  },
  /** Names: NFKC, lower case, no white space or name punctuation (·, ., comma, hyphen). */
  name(v: string): string {
    return v
      .normalize('NFKC')
      .toLowerCase()
      .replace(/[\s·•.,，、'’-]/g, '');
  },
  /** Addresses: NFKC, lower case, no white space or punctuation. */
  address(v: string): string {
    return v
      .normalize('NFKC')
      .toLowerCase()
      .replace(/[\s\p{P}]/gu, '');
  },
  /** Anything else: NFKC and trimmed. */
  exact(v: string): string {
    return v.normalize('NFKC').trim();
  },
} as const;

/**
 * The blind index of an already-normalised value of a kind (e.g. `national-id`, `phone`).
 * Returns undefined for an empty value so that empty strings are never indexed.
 */
export function computeBlindIndex(
  key: BlindIndexKey,
  kind: string,
  normalised: string,
): Buffer | undefined {
  if (normalised.length === 0) return undefined;
  const h = createHmac(key.algorithm === 'hmac-sm3' ? 'sm3' : 'sha256', key.key);
  h.update(kind, 'utf8');
  h.update(Buffer.from([0]));
  h.update(normalised, 'utf8');
  return h.digest().subarray(0, BLIND_INDEX_BYTES);
}
