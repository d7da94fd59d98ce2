/**
 * Ed25519 signing keys kept sealed in the keyring (e.g. the ledger's tree-head key). The private
 * key never leaves this module; callers get sign/verify functions and the public key.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign as edSign,
  verify as edVerify,
  type KeyObject,
} from 'node:crypto';
import { CustosError, ErrorCode } from '../errors/index.ts';
import { digest } from './equal.ts';
import type { Keyring } from './keyring.ts';

/** A usable signing key. */
export interface SigningKey {
  /** Name under which it is sealed in the keyring. */
  name: string;
  /** Hex SHA-256 of the raw public key, first 16 bytes: identifies the key in signatures. */
  keyId: string;
  /** Raw 32-byte Ed25519 public key. */
  publicKey: Buffer;
  /** SPKI PEM of the public key, for witnesses and verifiers. */
  publicKeyPem: string;
  sign(data: Uint8Array): Buffer;
  verify(data: Uint8Array, signature: Uint8Array): boolean;
}

const secretName = (name: string) => `signing:${name}`;

function toSigningKey(name: string, priv: KeyObject): SigningKey {
  const pub = createPublicKey(priv);
  const spki = pub.export({ format: 'der', type: 'spki' });
  const raw = Buffer.from(spki.subarray(spki.length - 32));
  return {
    name,
    keyId: digest(raw).subarray(0, 16).toString('hex'),
    publicKey: raw,
    publicKeyPem: pub.export({ format: 'pem', type: 'spki' }).toString(),
    sign: (data) => edSign(null, data, priv),
    verify: (data, signature) => verifySignature(raw, data, signature),
  };
}

/** Generates an Ed25519 key and seals it in the keyring under `name`; refuses to replace one. */
export async function createSigningKey(keyring: Keyring, name: string): Promise<SigningKey> {
  if (keyring.getSecret(secretName(name))) {
    throw new CustosError(ErrorCode.Conflict, `signing key ${name} exists already`);
  }
  const { privateKey } = generateKeyPairSync('ed25519');
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  await keyring.putSecret(secretName(name), der);
  der.fill(0);
  return toSigningKey(name, privateKey);
}

/** Loads a signing key from the keyring; CUSTOS_KEY_UNAVAILABLE when it does not exist. */
export function loadSigningKey(keyring: Keyring, name: string): SigningKey {
  const der = keyring.getSecret(secretName(name));
  if (!der)
    throw new CustosError(ErrorCode.KeyUnavailable, `signing key ${name} not found in the keyring`);
  const priv = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  der.fill(0);
  return toSigningKey(name, priv);
}

/** Loads the signing key `name`, creating it on first use. */
export async function ensureSigningKey(keyring: Keyring, name: string): Promise<SigningKey> {
  return keyring.getSecret(secretName(name))
    ? loadSigningKey(keyring, name)
    : createSigningKey(keyring, name);
}

/**
 * Verifies an Ed25519 signature with a raw 32-byte public key or a PEM. Malformed keys or
 * signatures give false, never an exception.
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
    if (signature.byteLength !== 64) return false;
    return edVerify(null, data, key, signature);
  } catch {
    return false;
  }
}
