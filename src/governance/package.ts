/**
 * The encrypted export package: AES-256-GCM under a key derived from a passphrase (scrypt) or
 * agreed with the recipient's X25519 public key (ephemeral ECDH + HKDF-SHA256). The header is
 * bound as associated data, so it cannot be swapped or edited.
 *
 * Layout: `CUSTOSX1` | u32 header length (big-endian) | header JSON | ciphertext | 16-byte tag.
 */
import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
  scryptSync,
} from 'node:crypto';
import { CustosError, ErrorCode } from '../errors/index.ts';

const MAGIC = Buffer.from('CUSTOSX1', 'ascii');
/** scrypt cost for export passphrases: N = 2^15, r = 8, p = 1 (≈ 32 MiB). */
export const EXPORT_SCRYPT = { N: 32768, r: 8, p: 1 } as const;
const MAX_HEADER = 4096;

/** How the package key was made; stored in the clear in the header. */
export type PackageKdf =
  | { name: 'scrypt'; N: number; r: number; p: number; salt: string }
  | { name: 'x25519-hkdf-sha256'; epk: string };

/** The package header. */
export interface PackageHeader {
  format: 'custos-export-1';
  exportId: string;
  alg: 'A256GCM';
  kdf: PackageKdf;
  iv: string;
}

function scryptKey(
  passphrase: string,
  salt: Buffer,
  cost: { N: number; r: number; p: number },
): Buffer {
  return scryptSync(passphrase.normalize('NFKC'), salt, 32, {
    ...cost,
    maxmem: 256 * cost.N * cost.r * cost.p,
  });
}

/** A package key from a passphrase (≥ 16 characters); the KDF parameters go in the header. */
export function passphraseKey(
  passphrase: string,
  cost: { N: number; r: number; p: number } = EXPORT_SCRYPT,
): { key: Buffer; kdf: PackageKdf } {
  if (typeof passphrase !== 'string' || [...passphrase].length < 16 || passphrase.length > 1024)
    throw new CustosError(
      ErrorCode.InputInvalid,
      'an export passphrase needs 16 to 1024 characters',
      {
        field: 'passphrase',
      },
    );
  const salt = randomBytes(16);
  return {
    key: scryptKey(passphrase, salt, cost),
    kdf: { name: 'scrypt', ...cost, salt: salt.toString('base64') },
  };
}

function hkdf(shared: Buffer, epk: Buffer, exportId: string): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, epk, `custos-export-1|${exportId}`, 32));
}

/** A package key agreed with a recipient's X25519 public key (SPKI PEM). */
export function recipientKey(
  publicKeyPem: string,
  exportId: string,
): { key: Buffer; kdf: PackageKdf } {
  let recipient;
  try {
    if (typeof publicKeyPem !== 'string' || publicKeyPem.length > 4096) throw new Error('size');
    recipient = createPublicKey(publicKeyPem);
    if (recipient.asymmetricKeyType !== 'x25519') throw new Error('type');
  } catch {
    throw new CustosError(ErrorCode.InputInvalid, 'the recipient key must be an X25519 SPKI PEM', {
      field: 'recipient.publicKeyPem',
    });
  }
  const eph = generateKeyPairSync('x25519');
  const epk = eph.publicKey.export({ format: 'der', type: 'spki' });
  const shared = diffieHellman({ privateKey: eph.privateKey, publicKey: recipient });
  return {
    key: hkdf(shared, epk, exportId),
    kdf: { name: 'x25519-hkdf-sha256', epk: epk.toString('base64') },
  };
}

/** Encrypt a package body under `key`. */
export function sealPackage(key: Buffer, kdf: PackageKdf, exportId: string, body: Buffer): Buffer {
  const iv = randomBytes(12);
  const header: PackageHeader = {
    format: 'custos-export-1',
    exportId,
    alg: 'A256GCM',
    kdf,
    iv: iv.toString('base64'),
  };
  const h = Buffer.from(JSON.stringify(header), 'utf8');
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(h);
  const ct = Buffer.concat([c.update(body), c.final()]);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(h.length);
  return Buffer.concat([MAGIC, len, h, ct, c.getAuthTag()]);
}

/** Read the header of a package (no key needed). CUSTOS_INPUT_INVALID for anything malformed. */
export function readPackageHeader(pkg: Uint8Array): {
  header: PackageHeader;
  headerBytes: Buffer;
  rest: Buffer;
} {
  const b = Buffer.from(pkg);
  const malformed = (): CustosError =>
    new CustosError(ErrorCode.InputInvalid, 'this is not a Custos export package');
  if (b.length < MAGIC.length + 4 + 16 || !b.subarray(0, MAGIC.length).equals(MAGIC))
    throw malformed();
  const n = b.readUInt32BE(MAGIC.length);
  if (n < 2 || n > MAX_HEADER || MAGIC.length + 4 + n + 16 > b.length) throw malformed();
  const headerBytes = b.subarray(MAGIC.length + 4, MAGIC.length + 4 + n);
  let header: PackageHeader;
  try {
    header = JSON.parse(headerBytes.toString('utf8')) as PackageHeader;
  } catch {
    throw malformed();
  }
  if (
    header?.format !== 'custos-export-1' ||
    header.alg !== 'A256GCM' ||
    typeof header.iv !== 'string'
  )
    throw malformed();
  return { header, headerBytes, rest: b.subarray(MAGIC.length + 4 + n) };
}

/**
 * Decrypt a package with the passphrase or the recipient's X25519 private key (PKCS#8 PEM).
 * A wrong passphrase or key, or any change to the package, is CUSTOS_CRYPTO_FAILURE.
 */
export function openPackage(
  pkg: Uint8Array,
  secret: { passphrase: string } | { privateKeyPem: string },
): Buffer {
  const { header, headerBytes, rest } = readPackageHeader(pkg);
  let key: Buffer;
  const kdf = header.kdf;
  if (kdf?.name === 'scrypt' && 'passphrase' in secret) {
    if (
      ![kdf.N, kdf.r, kdf.p].every((x) => Number.isInteger(x) && x > 0) ||
      kdf.N > 2 ** 20 ||
      kdf.r > 32 ||
      kdf.p > 4
    )
      throw new CustosError(ErrorCode.InputInvalid, 'export package KDF parameters out of range');
    key = scryptKey(secret.passphrase, Buffer.from(kdf.salt, 'base64'), kdf);
  } else if (kdf?.name === 'x25519-hkdf-sha256' && 'privateKeyPem' in secret) {
    try {
      const epk = Buffer.from(kdf.epk, 'base64');
      const shared = diffieHellman({
        privateKey: createPrivateKey(secret.privateKeyPem),
        publicKey: createPublicKey({ key: epk, format: 'der', type: 'spki' }),
      });
      key = hkdf(shared, epk, header.exportId);
    } catch {
      throw new CustosError(
        ErrorCode.CryptoFailure,
        'the export package cannot be opened with this key',
      );
    }
  } else {
    throw new CustosError(ErrorCode.InputInvalid, 'this package needs the other kind of secret');
  }
  try {
    const d = createDecipheriv('aes-256-gcm', key, Buffer.from(header.iv, 'base64'));
    d.setAAD(headerBytes);
    d.setAuthTag(rest.subarray(rest.length - 16));
    return Buffer.concat([d.update(rest.subarray(0, rest.length - 16)), d.final()]);
  } catch {
    throw new CustosError(
      ErrorCode.CryptoFailure,
      'the export package cannot be opened with this secret',
    );
  }
}
