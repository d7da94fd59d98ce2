/**
 * Envelope encryption: per-owner data keys (DEKs) wrapped by the keyring, and field sealing with
 * associated data tenant|table|column|row id so that a ciphertext only opens in the row and
 * column it was written for.
 */
import { randomBytes } from 'node:crypto';
import { CustosError, ErrorCode } from '../errors/index.ts';
import type { Keyring } from './keyring.ts';
import { LruCache } from './lru.ts';
import {
  KEY_BYTES,
  open,
  readCiphertextHeader,
  seal,
  type CipherSuite,
  type CiphertextHeader,
} from './suites.ts';

/** An unwrapped data key. Keep it in memory only; never log or persist `key`. */
export interface DataKey {
  /** Stable id written into every ciphertext made with it. */
  id: string;
  suite: CipherSuite;
  key: Buffer;
}

/** Where a field lives; bound into the ciphertext as `tenant|table|column|row`. */
export interface FieldContext {
  tenant: string;
  table: string;
  column: string;
  row: string;
}

/** A fresh random data key with a random id (`dk_` + 16 base64url characters). */
export function generateDataKey(suite: CipherSuite): DataKey {
  return { id: `dk_${randomBytes(12).toString('base64url')}`, suite, key: randomBytes(KEY_BYTES) };
}

/** The associated data of a field: tenant|table|column|row (no part may contain `|`). */
export function fieldAad(ctx: FieldContext): Buffer {
  checkAadPart(ctx.tenant);
  checkAadPart(ctx.table);
  checkAadPart(ctx.column);
  checkAadPart(ctx.row);
  return Buffer.from(`${ctx.tenant}|${ctx.table}|${ctx.column}|${ctx.row}`, 'utf8');
}

function checkAadPart(part: string): void {
  if (typeof part !== 'string' || part.length === 0 || part.includes('|')) {
    throw new CustosError(
      ErrorCode.Internal,
      'field context parts must be non-empty and free of "|"',
    );
  }
}

function describe(ctx: FieldContext): string {
  return `${ctx.table}.${ctx.column} of ${ctx.row}`;
}

/** Seals one field value (bytes or UTF-8 text) under a data key. */
export function sealField(dek: DataKey, plaintext: Uint8Array | string, ctx: FieldContext): Buffer {
  const bytes = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
  return seal(dek.suite, dek.key, dek.id, bytes, fieldAad(ctx));
}

/**
 * Opens a field sealed by `sealField`. A ciphertext moved from another row or column, made with
 * another key, or altered in any byte throws CUSTOS_CRYPTO_FAILURE naming table, column and row.
 */
export function openField(dek: DataKey, ciphertext: Uint8Array, ctx: FieldContext): Buffer {
  // The record's description is only built when something fails: the same deterministic check
  // runs again with it, so the error names table, column and row.
  let h: CiphertextHeader;
  try {
    h = readCiphertextHeader(ciphertext);
  } catch {
    readCiphertextHeader(ciphertext, describe(ctx));
    throw new CustosError(ErrorCode.Internal, 'ciphertext header check is not deterministic');
  }
  if (h.keyId !== dek.id) {
    const what = describe(ctx);
    throw new CustosError(
      ErrorCode.CryptoFailure,
      `integrity check failed for ${what}: made with key ${h.keyId}, expected ${dek.id}`,
      { record: what },
    );
  }
  const aad = fieldAad(ctx);
  try {
    return open(dek.key, ciphertext, aad, undefined, h);
  } catch (e) {
    if (!(e instanceof CustosError) || e.code !== ErrorCode.CryptoFailure) throw e;
    open(dek.key, ciphertext, aad, describe(ctx), h); // fails again, naming the record
    throw e;
  }
}

/** The id of the data key a field ciphertext was made with. */
export function keyIdOfCiphertext(ciphertext: Uint8Array): string {
  return readCiphertextHeader(ciphertext).keyId;
}

/** Wrap context of a data key: binds tenant, owner and key id. */
function wrapContext(tenant: string, owner: string, keyId: string): string {
  return `${tenant}|${owner}|${keyId}`;
}

/** Wraps a data key under the keyring's active KEK (suite of the data key). */
export async function wrapDataKey(
  keyring: Keyring,
  tenant: string,
  owner: string,
  dek: DataKey,
): Promise<Buffer> {
  return keyring.wrapKey(dek.key, wrapContext(tenant, owner, dek.id), dek.suite);
}

/** Unwraps a data key made by `wrapDataKey` for the same tenant, owner and key id. */
export async function unwrapDataKey(
  keyring: Keyring,
  tenant: string,
  owner: string,
  keyId: string,
  suite: CipherSuite,
  wrapped: Uint8Array,
): Promise<DataKey> {
  const key = await keyring.unwrapKey(wrapped, wrapContext(tenant, owner, keyId));
  return { id: keyId, suite, key };
}

/**
 * A bounded LRU of unwrapped data keys so that hot reads do not unwrap every time. Entries expire
 * after `maxAgeMs` (so a key destroyed by another process stops being usable here within that
 * time). Keys are not wiped on eviction: a write batch may still be sealing with a key the cache
 * has just dropped, and a zeroed key would silently encrypt under a known key. `now` is injectable.
 */
export class DataKeyCache {
  readonly #lru: LruCache<string, { dek: DataKey; at: number }>;
  /** `tenant|owner` -> id of the owner's key last cached (a hint; the key may have left). */
  readonly #owners: LruCache<string, string>;
  readonly #maxAgeMs: number;
  readonly #now: () => number;

  constructor(maxEntries = 4096, maxAgeMs = 60_000, now: () => number = Date.now) {
    this.#lru = new LruCache<string, { dek: DataKey; at: number }>(maxEntries);
    this.#owners = new LruCache<string, string>(maxEntries);
    this.#maxAgeMs = maxAgeMs;
    this.#now = now;
  }

  get size(): number {
    return this.#lru.size;
  }

  get(tenant: string, keyId: string): DataKey | undefined {
    const k = `${tenant}|${keyId}`;
    const e = this.#lru.get(k);
    if (!e) return undefined;
    if (this.#now() - e.at > this.#maxAgeMs) {
      this.#lru.delete(k);
      return undefined;
    }
    return e.dek;
  }

  /** Caches a key; with its `owner`, `hasOwner` can tell that owner's key is at hand. */
  set(tenant: string, dek: DataKey, owner?: string): void {
    const k = `${tenant}|${dek.id}`;
    const old = this.#lru.get(k);
    if (old) old.at = this.#now();
    else this.#lru.set(k, { dek, at: this.#now() });
    if (owner !== undefined) this.#owners.set(`${tenant}|${owner}`, dek.id);
  }

  /** True when the key last cached for `owner` is still cached and fresh. */
  hasOwner(tenant: string, owner: string): boolean {
    const id = this.#owners.get(`${tenant}|${owner}`);
    return id !== undefined && this.get(tenant, id) !== undefined;
  }

  /** Forgets one key, e.g. when it is destroyed. */
  delete(tenant: string, keyId: string): void {
    this.#lru.delete(`${tenant}|${keyId}`);
  }

  clear(): void {
    this.#lru.clear();
    this.#owners.clear();
  }
}
