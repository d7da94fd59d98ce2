/**
 * Signing keys kept sealed in the keyring (e.g. the ledger's tree-head key): Ed25519, or SM2 (with
 * SM3) for tenants on the SM suite. The private key never leaves this module; callers get
 * sign/verify functions and the public key.
 *
 * SM2 keys are always loaded from PKCS#8 / SPKI DER: only then does OpenSSL 3 treat them as SM2
 * and make SM2 signatures (a KeyObject fresh from `generateKeyPairSync` signs ECDSA over the SM2
 * curve). node:crypto cannot set the SM2 distinguishing ID; OpenSSL's default (empty) ID is used.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign as edSign,
  verify as edVerify,
} from 'node:crypto';
import { CustosError, ErrorCode } from '../errors/index.ts';
import { digest } from './equal.ts';
import type { Keyring } from './keyring.ts';

/** Signature algorithms of sealed signing keys. */
export type SigningAlgorithm = 'ed25519' | 'sm2';

/** A usable signing key. */
export interface SigningKey {
  /** Name under which it is sealed in the keyring. */
  name: string;
  algorithm: SigningAlgorithm;
  /** Hex SHA-256 of the raw public key, first 16 bytes: identifies the key in signatures. */
  keyId: string;
  /** Raw public key: 32 bytes for Ed25519, the 65-byte uncompressed point for SM2. */
  publicKey: Buffer;
  /** SPKI PEM of the public key, for witnesses and verifiers. */
  publicKeyPem: string;
  sign(data: Uint8Array): Buffer;
  verify(data: Uint8Array, signature: Uint8Array): boolean;
}

const secretName = (name: string) => `signing:${name}`;

/** DER of the SM2 curve OID 1.2.156.10197.1.301, as found in SPKI / PKCS#8 key parameters. */
const SM2_CURVE_OID = Buffer.from('06082a811ccf5501822d', 'hex');
const isSm2Der = (der: Buffer): boolean => der.subarray(0, 40).includes(SM2_CURVE_OID);

function toSigningKey(name: string, pkcs8: Buffer): SigningKey {
  const priv = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  const sm2 = isSm2Der(pkcs8);
  if (!sm2 && priv.asymmetricKeyType !== 'ed25519')
    throw new CustosError(
      ErrorCode.KeyUnavailable,
      `signing key ${name} is neither Ed25519 nor SM2`,
    );
  const spki = createPublicKey(priv).export({ format: 'der', type: 'spki' });
  const pub = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  const raw = Buffer.from(spki.subarray(spki.length - (sm2 ? 65 : 32)));
  const pem = pub.export({ format: 'pem', type: 'spki' }).toString();
  return {
    name,
    algorithm: sm2 ? 'sm2' : 'ed25519',
    keyId: digest(raw).subarray(0, 16).toString('hex'),
    publicKey: raw,
    publicKeyPem: pem,
    sign: (data) => edSign(sm2 ? 'sm3' : null, data, priv),
    verify: (data, signature) =>
      sm2 ? verifySignature(pem, data, signature) : verifySignature(raw, data, signature),
  };
}

/**
 * Generates a signing key (Ed25519 by default, or SM2) and seals it in the keyring under `name`;
 * refuses to replace one.
 */
export async function createSigningKey(
  keyring: Keyring,
  name: string,
  algorithm: SigningAlgorithm = 'ed25519',
): Promise<SigningKey> {
  if (keyring.getSecret(secretName(name))) {
    throw new CustosError(ErrorCode.Conflict, `signing key ${name} exists already`);
  }
  const { privateKey } =
    algorithm === 'sm2'
      ? generateKeyPairSync('ec', { namedCurve: 'SM2' })
      : generateKeyPairSync('ed25519');
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  await keyring.putSecret(secretName(name), der);
  try {
    return toSigningKey(name, der);
  } finally {
    der.fill(0);
  }
}

/** Loads a signing key from the keyring; CUSTOS_KEY_UNAVAILABLE when it does not exist. */
export function loadSigningKey(keyring: Keyring, name: string): SigningKey {
  const der = keyring.getSecret(secretName(name));
  if (!der)
    throw new CustosError(ErrorCode.KeyUnavailable, `signing key ${name} not found in the keyring`);
  try {
    return toSigningKey(name, der);
  } finally {
    der.fill(0);
  }
}

/**
 * Loads the signing key `name`, creating it (with `algorithm`) on first use; CUSTOS_CONFLICT when
 * the sealed key has another algorithm.
 */
export async function ensureSigningKey(
  keyring: Keyring,
  name: string,
  algorithm: SigningAlgorithm = 'ed25519',
): Promise<SigningKey> {
  if (!keyring.getSecret(secretName(name))) return createSigningKey(keyring, name, algorithm);
  const key = loadSigningKey(keyring, name);
  if (key.algorithm !== algorithm)
    throw new CustosError(ErrorCode.Conflict, `signing key ${name} is not an ${algorithm} key`);
  return key;
}

/**
 * Verifies a signature with a raw 32-byte Ed25519 public key, or a PEM (SPKI) of an Ed25519 or an
 * SM2 key (SM2 with SM3, DER signature). Malformed keys or signatures give false, never an
 * exception.
 */
export function verifySignature(
  publicKey: Uint8Array | string,
  data: Uint8Array,
  signature: Uint8Array,
): boolean {
  try {
    const key =
      typeof publicKey === 'string'
        ? createPublicKey(publicKey)
        : createPublicKey({
            key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') },
            format: 'jwk',
          });
    if (typeof publicKey === 'string' && key.asymmetricKeyType !== 'ed25519') {
      const spki = key.export({ format: 'der', type: 'spki' });
      if (!isSm2Der(spki) || signature.byteLength < 8 || signature.byteLength > 80) return false;
      // Re-imported from DER so OpenSSL checks an SM2 signature, not ECDSA.
      const sm2 = createPublicKey({ key: spki, format: 'der', type: 'spki' });
      return edVerify('sm3', data, sm2, signature);
    }
    if (signature.byteLength !== 64) return false;
    return edVerify(null, data, key, signature);
  } catch {
    return false;
  }
}
