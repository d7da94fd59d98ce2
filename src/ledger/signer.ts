/**
 * Tree-head signing. Key storage belongs to the crypto/keyring layer: the ledger only needs a
 * `Signer`. Ed25519 comes with node:crypto; an SM2 signer for the SM suite implements the same
 * interface with algorithm 'sm2'.
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

function asKey(k: KeyObject | string | Buffer, kind: 'private' | 'public'): KeyObject {
  try {
    if (typeof k === 'object' && 'asymmetricKeyType' in k) return k;
    return kind === 'private'
      ? createPrivateKey(k as string | Buffer)
      : createPublicKey(k as string | Buffer);
  } catch {
    throw new CustosError(ErrorCode.KeyUnavailable, `the ${kind} key could not be read`);
  }
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
