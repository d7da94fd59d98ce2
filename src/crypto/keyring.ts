/**
 * The keyring: key-encryption keys (KEKs) and a few named root secrets behind a KMS-style
 * interface. The local implementation keeps them in one key file in the data folder
 * (`custos-keyring.json`), sealed with AES-256-GCM under a key derived from a passphrase
 * (scrypt). A remote KMS (HashiCorp Vault Transit, cloud KMS) implements the same interface.
 */
import {
  existsSync,
  readFileSync,
  renameSync,
  writeFileSync,
  openSync,
  closeSync,
  fsyncSync,
} from 'node:fs';
import { join } from 'node:path';
import { randomBytes, randomUUID, scrypt as scryptCb } from 'node:crypto';
import { promisify } from 'node:util';
import { CustosError, ErrorCode } from '../errors/index.ts';
import type { CipherSuite } from './suites.ts';
import { KEY_BYTES, open, readCiphertextHeader, seal } from './suites.ts';

const scrypt = promisify(scryptCb) as (
  password: string | Buffer,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

/** Name of the local key file inside the data folder. */
export const KEYRING_FILE = 'custos-keyring.json';

/** Environment variable holding the passphrase of the local key file. */
export const PASSPHRASE_ENV = 'CUSTOS_KEY_PASSPHRASE';

/** Public facts about one key-encryption key (never the key itself). */
export interface KekInfo {
  /** Stable id stored next to everything wrapped under it, e.g. `local-kek-3`. */
  id: string;
  version: number;
  createdAt: string;
  active: boolean;
}

/**
 * A key-management service: wraps and unwraps data keys under its key-encryption keys and keeps
 * named root secrets (blind-index root, signing keys). Implementations never hand out a KEK.
 */
export interface Keyring {
  /** Random id of this keyring; the vault records it and refuses data made under another one. */
  readonly id: string;
  /** Implementation name, e.g. `local-file`. */
  readonly kind: string;
  /** The KEK new data keys are wrapped under. */
  activeKek(): KekInfo;
  /** Every KEK still able to unwrap (the active one and not yet retired older ones). */
  listKeks(): KekInfo[];
  /**
   * Wraps a 32-byte data key under the active KEK; `context` (e.g. tenant|owner|key id) is bound
   * as associated data so a wrapped key cannot be moved to another owner.
   */
  wrapKey(key: Uint8Array, context: string, suite?: CipherSuite): Promise<Buffer>;
  /** Unwraps a key made by `wrapKey` with the same context; any mismatch is CUSTOS_CRYPTO_FAILURE. */
  unwrapKey(wrapped: Uint8Array, context: string): Promise<Buffer>;
  /** Id of the KEK a wrapped key was made under (read from its header). */
  kekIdOf(wrapped: Uint8Array): string;
  /** Creates a new KEK and makes it active; older ones stay usable for unwrapping until retired. */
  rotateKek(): Promise<KekInfo>;
  /** Destroys an inactive KEK (after every key under it was re-wrapped). */
  retireKek(id: string): Promise<void>;
  /** A named root secret, or undefined. */
  getSecret(name: string): Buffer | undefined;
  /** Stores a named root secret; refuses to overwrite an existing one. */
  putSecret(name: string, value: Uint8Array): Promise<void>;
}

interface KekRecord {
  id: string;
  version: number;
  key: string;
  createdAt: string;
}

interface Payload {
  keyringId: string;
  active: string;
  keks: KekRecord[];
  secrets: Record<string, { value: string; createdAt: string }>;
}

interface KeyFile {
  format: 'custos-keyring';
  version: 1;
  keyringId: string;
  kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: string };
  sealed: string;
}

/** Cost of the passphrase derivation; tests may lower N (never below 2^10). */
export interface KdfCost {
  N?: number;
  r?: number;
  p?: number;
}

const DEFAULT_KDF = { N: 1 << 15, r: 8, p: 1 };

function unavailable(message: string): CustosError {
  return new CustosError(ErrorCode.KeyUnavailable, message);
}

async function deriveFileKey(passphrase: string, kdf: KeyFile['kdf']): Promise<Buffer> {
  return scrypt(passphrase.normalize('NFC'), Buffer.from(kdf.salt, 'base64'), KEY_BYTES, {
    N: kdf.N,
    r: kdf.r,
    p: kdf.p,
    maxmem: 256 * kdf.N * kdf.r + (1 << 20),
  });
}

function checkPassphrase(passphrase: unknown): asserts passphrase is string {
  if (typeof passphrase !== 'string' || passphrase.length === 0) {
    throw unavailable(`no key passphrase given: set ${PASSPHRASE_ENV}`);
  }
}

function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  const fd = openSync(tmp, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

class LocalKeyring implements Keyring {
  readonly kind = 'local-file';
  readonly #path: string;
  readonly #fileKey: Buffer;
  readonly #kdf: KeyFile['kdf'];
  #payload: Payload;

  constructor(path: string, fileKey: Buffer, kdf: KeyFile['kdf'], payload: Payload) {
    this.#path = path;
    this.#fileKey = fileKey;
    this.#kdf = kdf;
    this.#payload = payload;
  }

  get id(): string {
    return this.#payload.keyringId;
  }

  activeKek(): KekInfo {
    const k = this.#payload.keks.find((x) => x.id === this.#payload.active);
    if (!k) throw unavailable('key file has no active key-encryption key');
    return info(k, true);
  }

  listKeks(): KekInfo[] {
    return this.#payload.keks.map((k) => info(k, k.id === this.#payload.active));
  }

  async wrapKey(
    key: Uint8Array,
    context: string,
    suite: CipherSuite = 'aes-256-gcm',
  ): Promise<Buffer> {
    if (key.byteLength !== KEY_BYTES)
      throw new CustosError(ErrorCode.Internal, 'data key must be 32 bytes');
    const kek = this.#payload.keks.find((x) => x.id === this.#payload.active)!;
    const kekBytes = Buffer.from(kek.key, 'base64');
    try {
      return seal(suite, kekBytes, kek.id, key, Buffer.from(`custos-dek|${context}`, 'utf8'));
    } finally {
      kekBytes.fill(0);
    }
  }

  kekIdOf(wrapped: Uint8Array): string {
    return readCiphertextHeader(wrapped, 'wrapped data key').keyId;
  }

  async unwrapKey(wrapped: Uint8Array, context: string): Promise<Buffer> {
    const h = readCiphertextHeader(wrapped, 'wrapped data key');
    const kek = this.#payload.keks.find((x) => x.id === h.keyId);
    if (!kek) {
      throw unavailable(
        `key-encryption key ${h.keyId} is not in this keyring (retired or another keyring)`,
      );
    }
    const kekBytes = Buffer.from(kek.key, 'base64');
    try {
      return open(
        kekBytes,
        wrapped,
        Buffer.from(`custos-dek|${context}`, 'utf8'),
        'wrapped data key',
        h,
      );
    } finally {
      kekBytes.fill(0);
    }
  }

  async rotateKek(): Promise<KekInfo> {
    const version = Math.max(0, ...this.#payload.keks.map((k) => k.version)) + 1;
    const rec = newKek(version);
    const next: Payload = { ...this.#payload, keks: [...this.#payload.keks, rec], active: rec.id };
    this.#save(next);
    return info(rec, true);
  }

  async retireKek(id: string): Promise<void> {
    if (id === this.#payload.active) {
      throw new CustosError(ErrorCode.Conflict, 'the active key-encryption key cannot be retired');
    }
    if (!this.#payload.keks.some((k) => k.id === id)) {
      throw new CustosError(ErrorCode.NotFound, `no key-encryption key ${id}`);
    }
    this.#save({ ...this.#payload, keks: this.#payload.keks.filter((k) => k.id !== id) });
  }

  getSecret(name: string): Buffer | undefined {
    const s = this.#payload.secrets[name];
    return s ? Buffer.from(s.value, 'base64') : undefined;
  }

  async putSecret(name: string, value: Uint8Array): Promise<void> {
    if (this.#payload.secrets[name]) {
      throw new CustosError(ErrorCode.Conflict, `keyring secret ${name} exists already`);
    }
    const secrets = {
      ...this.#payload.secrets,
      [name]: { value: Buffer.from(value).toString('base64'), createdAt: new Date().toISOString() },
    };
    this.#save({ ...this.#payload, secrets });
  }

  #save(next: Payload): void {
    writeAtomic(this.#path, serialise(next, this.#fileKey, this.#kdf));
    this.#payload = next;
  }
}

function info(k: KekRecord, active: boolean): KekInfo {
  return { id: k.id, version: k.version, createdAt: k.createdAt, active };
}

function newKek(version: number): KekRecord {
  return {
    id: `local-kek-${version}`,
    version,
    key: randomBytes(KEY_BYTES).toString('base64'),
    createdAt: new Date().toISOString(),
  };
}

function fileAad(keyringId: string): Buffer {
  return Buffer.from(`custos-keyring|${keyringId}`, 'utf8');
}

function serialise(payload: Payload, fileKey: Buffer, kdf: KeyFile['kdf']): string {
  const sealed = seal(
    'aes-256-gcm',
    fileKey,
    'keyfile',
    Buffer.from(JSON.stringify(payload), 'utf8'),
    fileAad(payload.keyringId),
  );
  const file: KeyFile = {
    format: 'custos-keyring',
    version: 1,
    keyringId: payload.keyringId,
    kdf,
    sealed: sealed.toString('base64'),
  };
  return JSON.stringify(file, null, 2) + '\n';
}

/** Path of the local key file for a data folder. */
export function keyringPath(dataDir: string): string {
  return join(dataDir, KEYRING_FILE);
}

/**
 * Creates the local key file in `dataDir` with a first KEK and a blind-index root secret.
 * Refuses (CUSTOS_CONFLICT) when a key file exists: a new key over existing data would make it
 * unreadable.
 */
export async function initKeyring(
  dataDir: string,
  passphrase: string,
  options: { kdf?: KdfCost } = {},
): Promise<Keyring> {
  checkPassphrase(passphrase);
  const path = keyringPath(dataDir);
  if (existsSync(path)) {
    throw new CustosError(
      ErrorCode.Conflict,
      `a key file exists already at ${path}; refusing to create a new key over existing data`,
    );
  }
  const kdf: KeyFile['kdf'] = {
    name: 'scrypt',
    N: options.kdf?.N ?? DEFAULT_KDF.N,
    r: options.kdf?.r ?? DEFAULT_KDF.r,
    p: options.kdf?.p ?? DEFAULT_KDF.p,
    salt: randomBytes(16).toString('base64'),
  };
  checkKdf(kdf);
  const fileKey = await deriveFileKey(passphrase, kdf);
  const now = new Date().toISOString();
  const first = newKek(1);
  const payload: Payload = {
    keyringId: randomUUID(),
    active: first.id,
    keks: [first],
    secrets: {
      'blind-index-root': { value: randomBytes(KEY_BYTES).toString('base64'), createdAt: now },
    },
  };
  // `wx` fails if another process created the file in the meantime.
  writeFileSync(path, serialise(payload, fileKey, kdf), { mode: 0o600, flag: 'wx' });
  return new LocalKeyring(path, fileKey, kdf, payload);
}

function checkKdf(kdf: KeyFile['kdf']): void {
  // Bounds keep a crafted key file from asking for absurd memory or time.
  const pow2 = (n: number) => Number.isInteger(n) && n > 1 && (n & (n - 1)) === 0;
  if (
    !pow2(kdf.N) ||
    kdf.N < 1 << 10 ||
    kdf.N > 1 << 20 ||
    kdf.r < 1 ||
    kdf.r > 32 ||
    kdf.p < 1 ||
    kdf.p > 16
  ) {
    throw unavailable('key file has unsupported key-derivation parameters');
  }
}

/**
 * Opens the local key file of `dataDir`. A missing file, a wrong passphrase or a damaged file
 * all throw CUSTOS_KEY_UNAVAILABLE with a message saying which; nothing is ever created here.
 */
export async function openKeyring(
  dataDir: string,
  passphrase: string | undefined,
): Promise<Keyring> {
  const path = keyringPath(dataDir);
  if (!existsSync(path)) {
    throw unavailable(
      `key file ${path} not found; run \`custos init\` for a new installation or restore the key file`,
    );
  }
  checkPassphrase(passphrase);
  let file: KeyFile;
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as KeyFile;
  } catch {
    throw unavailable(`key file ${path} is damaged (not JSON)`);
  }
  if (
    file?.format !== 'custos-keyring' ||
    file.version !== 1 ||
    typeof file.sealed !== 'string' ||
    typeof file.keyringId !== 'string' ||
    file.kdf?.name !== 'scrypt' ||
    typeof file.kdf.salt !== 'string'
  ) {
    throw unavailable(`key file ${path} has an unknown format`);
  }
  checkKdf(file.kdf);
  const fileKey = await deriveFileKey(passphrase, file.kdf);
  let payload: Payload;
  try {
    const plain = open(
      fileKey,
      Buffer.from(file.sealed, 'base64'),
      fileAad(file.keyringId),
      'key file',
    );
    payload = JSON.parse(plain.toString('utf8')) as Payload;
  } catch {
    throw unavailable(`key file ${path} could not be opened: wrong passphrase or damaged file`);
  }
  if (payload.keyringId !== file.keyringId || !Array.isArray(payload.keks)) {
    throw unavailable(`key file ${path} is inconsistent`);
  }
  return new LocalKeyring(path, fileKey, file.kdf, payload);
}

/** Opens the local key file with the passphrase from CUSTOS_KEY_PASSPHRASE. */
export async function openKeyringFromEnv(
  dataDir: string,
  env: Record<string, string | undefined> = process.env,
): Promise<Keyring> {
  return openKeyring(dataDir, env[PASSPHRASE_ENV]);
}
