/**
 * Tree-head signing. Key storage belongs to the crypto/keyring layer: the ledger only needs a
 * `Signer`. Ed25519 for the default suite; SM2 (GB/T 32918.2 signature with SM3) for tenants on
 * the SM suite, both through node:crypto (OpenSSL 3).
 *
 * SM2 with node:crypto, as found on Node 20 / OpenSSL 3.0 (docs/ledger.md, Signing keys):
 * - a key must be imported from PKCS#8 / SPKI (PEM or DER). OpenSSL then treats it as an SM2 key
 *   and `sign('sm3', …)` makes an SM2 signature. A KeyObject straight from
 *   `generateKeyPairSync('ec', { namedCurve: 'SM2' })` stays an EC key and signs ECDSA over the
 *   SM2 curve instead, so every SM2 key here is round-tripped through DER first;
 * - node:crypto cannot set the distinguishing ID; OpenSSL 3's default (an empty ID) is used for Z.
 *   Outside verifiers must use the same ID (e.g. `openssl pkeyutl -verify -digest sm3` without
 *   `distid`); GM/T 0009's '1234567812345678' does not verify;
 * - signatures are DER-encoded (r, s), 70-72 bytes.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { CustosError, ErrorCode } from '../errors/index.ts';
import { digest } from './merkle.ts';

/** Signs and verifies tree heads. `verify` must return false (never throw) on a bad signature. */
export interface Signer {
  keyId: string;
  algorithm: 'ed25519' | 'sm2';
  sign(data: Buffer): Buffer;
  verify(data: Buffer, sig: Buffer): boolean;
  /** SPKI PEM of the public key, recorded with heads so verifiers can find it (optional). */
  publicKeyPem?: string;
}

/** Key id of a public key: the first 16 bytes of SHA-256 over its SPKI DER, in hex. */
export function keyIdOf(publicKey: KeyObject): string {
  return digest(publicKey.export({ type: 'spki', format: 'der' }))
    .subarray(0, 16)
    .toString('hex');
}

/**
 * The other key id in use for the same key: the first 16 bytes of SHA-256 over the raw public key
 * (32 bytes Ed25519, the 65-byte point SM2), as the keyring's signing keys (crypto/signing.ts)
 * name themselves. Both commit to the same public key.
 */
export function rawKeyIdOf(publicKeyPem: string, algorithm: 'ed25519' | 'sm2'): string {
  const spki = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
  return digest(spki.subarray(spki.length - (algorithm === 'sm2' ? 65 : 32)))
    .subarray(0, 16)
    .toString('hex');
}

function asKey(k: KeyObject | string | Buffer, kind: 'private' | 'public'): KeyObject {
  try {
    if (typeof k === 'object' && !Buffer.isBuffer(k)) return k;
    if (Buffer.isBuffer(k) && !k.subarray(0, 64).toString('latin1').includes('-----BEGIN'))
      return kind === 'private'
        ? createPrivateKey({ key: k, format: 'der', type: 'pkcs8' })
        : createPublicKey({ key: k, format: 'der', type: 'spki' });
    return kind === 'private' ? createPrivateKey(k) : createPublicKey(k);
  } catch {
    throw new CustosError(ErrorCode.KeyUnavailable, `the ${kind} key could not be read`);
  }
}

/** DER of the SM2 curve OID 1.2.156.10197.1.301 as it appears in SPKI / PKCS#8 key parameters. */
const SM2_CURVE_OID = Buffer.from('06082a811ccf5501822d', 'hex');

/** True when the key (SPKI or PKCS#8 DER) is on the SM2 curve. */
function isSm2Der(der: Buffer): boolean {
  return der.subarray(0, 40).includes(SM2_CURVE_OID);
}

/**
 * Imports an SM2 key through DER so OpenSSL treats it as SM2 (not as an EC key that would sign
 * ECDSA), checking that it is on the SM2 curve.
 */
function importSm2(k: KeyObject | string | Buffer, kind: 'private' | 'public'): KeyObject {
  const key = asKey(k, kind);
  const der =
    kind === 'private'
      ? key.export({ type: 'pkcs8', format: 'der' })
      : key.export({ type: 'spki', format: 'der' });
  if (!isSm2Der(der))
    throw new CustosError(ErrorCode.KeyUnavailable, `the ${kind} key is not an SM2 key`);
  return kind === 'private'
    ? createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
    : createPublicKey({ key: der, format: 'der', type: 'spki' });
}

/** An SM2 signer (SM3 digest, DER signatures) over a private key (KeyObject, PEM or PKCS#8 DER). */
export function createSm2Signer(privateKey: KeyObject | string | Buffer): Signer {
  const priv = importSm2(privateKey, 'private');
  const pub = importSm2(createPublicKey(priv), 'public');
  const verifier = createSm2Verifier(pub);
  return {
    ...verifier,
    sign: (data) => sign('sm3', data, priv),
  };
}

/** A verify-only SM2 "signer" over a public key; its `sign` throws. */
export function createSm2Verifier(publicKey: KeyObject | string | Buffer): Signer {
  const pub = importSm2(publicKey, 'public');
  return {
    keyId: keyIdOf(pub),
    algorithm: 'sm2',
    publicKeyPem: pub.export({ type: 'spki', format: 'pem' }).toString(),
    sign: () => {
      throw new CustosError(ErrorCode.KeyUnavailable, 'this key can only verify');
    },
    verify: (data, sig) => {
      if (!Buffer.isBuffer(sig) || sig.length < 8 || sig.length > 80) return false;
      try {
        return verify('sm3', data, pub, sig);
      } catch {
        return false;
      }
    },
  };
}

/** A verify-only signer for a recorded public key of either algorithm. */
export function createVerifier(publicKey: string | Buffer, algorithm: 'ed25519' | 'sm2'): Signer {
  return algorithm === 'sm2' ? createSm2Verifier(publicKey) : createEd25519Verifier(publicKey);
}

/** Tests and demos: a signer over a fresh in-memory SM2 key. */
export function createTestSm2Signer(): Signer {
  return createSm2Signer(
    generateKeyPairSync('ec', { namedCurve: 'SM2' }).privateKey.export({
      type: 'pkcs8',
      format: 'der',
    }),
  );
}

/** An Ed25519 signer over a private key (KeyObject or PEM). */
export function createEd25519Signer(privateKey: KeyObject | string | Buffer): Signer {
  const priv = asKey(privateKey, 'private');
  if (priv.asymmetricKeyType !== 'ed25519')
    throw new CustosError(ErrorCode.KeyUnavailable, 'the signing key is not Ed25519');
  const pub = createPublicKey(priv);
  const verifier = createEd25519Verifier(pub);
  return {
    ...verifier,
    sign: (data) => sign(null, data, priv),
  };
}

/**
 * A verify-only Ed25519 "signer" for witnesses and auditors who hold only the public key; its
 * `sign` throws.
 */
export function createEd25519Verifier(publicKey: KeyObject | string | Buffer): Signer {
  const pub = asKey(publicKey, 'public');
  if (pub.asymmetricKeyType !== 'ed25519')
    throw new CustosError(ErrorCode.KeyUnavailable, 'the public key is not Ed25519');
  return {
    keyId: keyIdOf(pub),
    algorithm: 'ed25519',
    publicKeyPem: pub.export({ type: 'spki', format: 'pem' }).toString(),
    sign: () => {
      throw new CustosError(ErrorCode.KeyUnavailable, 'this key can only verify');
    },
    verify: (data, sig) => {
      if (!Buffer.isBuffer(sig) || sig.length !== 64) return false;
      try {
        return verify(null, data, pub, sig);
      } catch {
        return false;
      }
    },
  };
}

/** Tests and demos: a signer over a fresh in-memory Ed25519 key. */
export function createTestSigner(): Signer {
  return createEd25519Signer(generateKeyPairSync('ed25519').privateKey);
}
