import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The one constant-time comparison of MACs, tags, hashes and tokens. Lengths are compared first
 * (a length is not secret); contents are compared in time independent of where they differ.
 */
export function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  return timingSafeEqual(a, b);
}

/** Hash algorithms `digest()` accepts. */
export type DigestAlgorithm = 'sha256' | 'sha512' | 'sm3';

/** The one hashing helper: digest of the concatenated parts (strings are UTF-8). */
export function digest(
  parts: Uint8Array | string | readonly (Uint8Array | string)[],
  algorithm: DigestAlgorithm = 'sha256',
): Buffer {
  const h = createHash(algorithm);
  for (const p of Array.isArray(parts) ? parts : [parts]) h.update(p as Uint8Array | string);
  return h.digest();
}
