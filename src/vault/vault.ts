/**
 * The vault handle and its key management: tenant settings (cipher suite, blind-index key),
 * per-owner data keys created, wrapped, cached and unwrapped on demand.
 */
import { sql, type Kysely } from 'kysely';
import {
  DataKeyCache,
  computeBlindIndex,
  deriveBlindIndexKey,
  generateDataKey,
  isCipherSuite,
  normalise,
  unwrapDataKey,
  wrapDataKey,
  type BlindIndexAlgorithm,
  type BlindIndexKey,
  type CipherSuite,
  type DataKey,
  type Keyring,
} from '../crypto/index.ts';
import { CustosError, ErrorCode } from '../errors/index.ts';
import {
  defaultClassification,
  type ClassificationConfig,
  type SensitiveCategory,
} from './classification.ts';
import { defaultIdentifierConfig, type IdentifierConfig } from './fhir-model.ts';
import type { VaultTables } from './schema.ts';

/** Options of `openVault`. */
export interface VaultOptions {
  classification?: ClassificationConfig;
  identifiers?: IdentifierConfig;
  /** Unwrapped data keys kept in memory (LRU); default 4096. */
  dekCacheSize?: number;
  /**
   * How long a cached data key is used without looking at its row again (default 60 s): the
   * longest time a key shredded by another process stays usable in this one.
   */
  dekCacheMaxAgeMs?: number;
  /** Clock for the cache (tests). */
  now?: () => number;
  /** Suite of tenants created without one; default AES-256-GCM. */
  defaultSuite?: CipherSuite;
}

/** A tenant's vault settings. */
export interface TenantSettings {
  tenant: string;
  suite: CipherSuite;
  indexAlgorithm: BlindIndexAlgorithm;
}

interface Shared {
  cache: DataKeyCache;
  tenants: Map<string, { settings: TenantSettings; indexKey: BlindIndexKey }>;
  departments: Map<string, Set<SensitiveCategory>>;
}

/**
 * An open vault: database, keyring, classification and caches. `withDb` gives the same vault
 * over a transaction.
 */
export class Vault {
  readonly db: Kysely<VaultTables>;
  readonly keyring: Keyring;
  readonly classification: ClassificationConfig;
  readonly identifiers: IdentifierConfig;
  readonly defaultSuite: CipherSuite;
  /** @internal */
  readonly shared: Shared;

  /** @internal use openVault */
  constructor(
    db: Kysely<VaultTables>,
    keyring: Keyring,
    classification: ClassificationConfig,
    identifiers: IdentifierConfig,
    defaultSuite: CipherSuite,
    shared: Shared,
  ) {
    this.db = db;
    this.keyring = keyring;
    this.classification = classification;
    this.identifiers = identifiers;
    this.defaultSuite = defaultSuite;
    this.shared = shared;
  }

  /** The same vault over another connection or transaction. */
  withDb(db: Kysely<VaultTables>): Vault {
    return new Vault(
      db,
      this.keyring,
      this.classification,
      this.identifiers,
      this.defaultSuite,
      this.shared,
    );
  }

  /** Drops every cached data key and tenant key (e.g. after a rotation elsewhere). */
  clearCaches(): void {
    this.shared.cache.clear();
    this.shared.tenants.clear();
    this.shared.departments.clear();
  }
}

/**
 * Opens the vault over a migrated database. Refuses (CUSTOS_KEY_UNAVAILABLE) a keyring other than
 * the one the data was written with, or one lacking a KEK that data keys are wrapped under.
 */
export async function openVault(
  db: Kysely<VaultTables>,
  keyring: Keyring,
  options: VaultOptions = {},
): Promise<Vault> {
  const foreign = await db
    .selectFrom('vault_tenant')
    .select('keyring_id')
    .where('keyring_id', '!=', keyring.id)
    .limit(1)
    .executeTakeFirst();
  if (foreign) {
    throw new CustosError(
      ErrorCode.KeyUnavailable,
      'the vault was written with another keyring; restore the matching key file',
    );
  }
  const known = new Set(keyring.listKeks().map((k) => k.id));
  const keks = await db
    .selectFrom('vault_data_key')
    .select('kek_id')
    .distinct()
    .where('wrapped', 'is not', null)
    .execute();
  const missing = keks.map((k) => k.kek_id).filter((k): k is string => !!k && !known.has(k));
  if (missing.length > 0) {
    throw new CustosError(
      ErrorCode.KeyUnavailable,
      `data keys are wrapped under key-encryption keys this keyring lacks (${missing.slice(0, 3).join(', ')})`,
    );
  }
  return new Vault(
    db,
    keyring,
    options.classification ?? defaultClassification,
    options.identifiers ?? defaultIdentifierConfig,
    options.defaultSuite ?? 'aes-256-gcm',
    {
      cache: new DataKeyCache(
        options.dekCacheSize ?? 4096,
        options.dekCacheMaxAgeMs ?? 60_000,
        options.now ?? Date.now,
      ),
      tenants: new Map(),
      departments: new Map(),
    },
  );
}

/** Runs `fn` in a transaction (or in the caller's transaction when already inside one). */
export async function inTransaction<T>(vault: Vault, fn: (v: Vault) => Promise<T>): Promise<T> {
  if (vault.db.isTransaction) return fn(vault);
  try {
    return await vault.db.transaction().execute((trx) => fn(vault.withDb(trx)));
  } catch (e) {
    // Caches may hold facts from the rolled-back transaction (a tenant row, department labels).
    vault.shared.departments.clear();
    vault.shared.tenants.clear();
    throw e;
  }
}

const TENANT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

function checkTenant(tenant: string): void {
  if (typeof tenant !== 'string' || !TENANT_ID.test(tenant)) {
    throw new CustosError(
      ErrorCode.BadRequest,
      'tenant id must be 1-63 letters, digits, dot, dash or underscore',
    );
  }
}

/**
 * The tenant's settings, creating them on first use with `suite` (or the vault's default).
 * The blind-index algorithm follows the suite chosen at creation and never changes.
 */
export async function ensureTenant(
  vault: Vault,
  tenant: string,
  suite?: CipherSuite,
): Promise<TenantSettings> {
  checkTenant(tenant);
  const cached = vault.shared.tenants.get(tenant);
  if (cached) return cached.settings;
  let row = await vault.db
    .selectFrom('vault_tenant')
    .selectAll()
    .where('tenant_id', '=', tenant)
    .executeTakeFirst();
  if (!row) {
    const s = suite ?? vault.defaultSuite;
    await vault.db
      .insertInto('vault_tenant')
      .values({
        tenant_id: tenant,
        suite: s,
        index_algorithm: s === 'sm4-ctr-hmac-sm3' ? 'hmac-sm3' : 'hmac-sha256',
        keyring_id: vault.keyring.id,
        created_at: new Date(),
      })
      .onConflict((oc) => oc.column('tenant_id').doNothing())
      .execute();
    row = await vault.db
      .selectFrom('vault_tenant')
      .selectAll()
      .where('tenant_id', '=', tenant)
      .executeTakeFirstOrThrow();
  }
  if (row.keyring_id !== vault.keyring.id) {
    throw new CustosError(ErrorCode.KeyUnavailable, 'tenant data was written with another keyring');
  }
  if (!isCipherSuite(row.suite))
    throw new CustosError(ErrorCode.StoreDamaged, 'tenant has an unknown cipher suite');
  const settings: TenantSettings = {
    tenant,
    suite: row.suite,
    indexAlgorithm: row.index_algorithm === 'hmac-sm3' ? 'hmac-sm3' : 'hmac-sha256',
  };
  vault.shared.tenants.set(tenant, {
    settings,
    indexKey: deriveBlindIndexKey(vault.keyring, tenant, settings.indexAlgorithm),
  });
  return settings;
}

/** Changes the suite new data keys of a tenant use; run `reencryptTenant` to convert old data. */
export async function setTenantSuite(
  vault: Vault,
  tenant: string,
  suite: CipherSuite,
): Promise<void> {
  if (!isCipherSuite(suite)) throw new CustosError(ErrorCode.BadRequest, 'unknown cipher suite');
  await ensureTenant(vault, tenant, suite);
  await vault.db
    .updateTable('vault_tenant')
    .set({ suite })
    .where('tenant_id', '=', tenant)
    .execute();
  vault.shared.tenants.delete(tenant);
}

/** @internal The tenant's blind-index key. */
export async function indexKeyOf(vault: Vault, tenant: string): Promise<BlindIndexKey> {
  await ensureTenant(vault, tenant);
  return vault.shared.tenants.get(tenant)!.indexKey;
}

/** Index kinds and their normaliser. */
export const INDEX_NORMALISERS: Record<string, (v: string) => string> = {
  'national-id': normalise.idNumber,
  'id-number': normalise.idNumber,
  mrn: normalise.mrn,
  phone: normalise.phone,
  name: normalise.name,
  'family-name': normalise.name,
  address: normalise.address,
  email: (v) => v.normalize('NFKC').trim().toLowerCase(),
  identifier: normalise.exact,
};

/** @internal Blind index of a raw (not yet normalised) value of a kind. */
export function blindIndexOf(
  key: BlindIndexKey,
  kind: string,
  raw: string,
  alreadyNormalised = false,
): Buffer | undefined {
  const n = alreadyNormalised ? raw : (INDEX_NORMALISERS[kind] ?? normalise.exact)(raw);
  return computeBlindIndex(key, kind, n);
}

/** @internal A data-key row as reads fetch it. */
export interface KeyRow {
  key_id: string;
  owner: string;
  suite: string;
  wrapped: Buffer | null;
  state: string;
}

/** @internal Unwraps (or takes from the cache) the data key of a key row. */
export async function dataKeyOf(
  vault: Vault,
  tenant: string,
  row: KeyRow,
  what: string,
): Promise<DataKey> {
  const cached = vault.shared.cache.get(tenant, row.key_id);
  if (cached && row.wrapped) return cached;
  if (row.state === 'destroyed' || !row.wrapped) {
    throw new CustosError(ErrorCode.NotFound, `${what} was destroyed (its data key was shredded)`, {
      shredded: true,
    });
  }
  if (!isCipherSuite(row.suite))
    throw new CustosError(ErrorCode.StoreDamaged, `data key of ${what} has an unknown suite`);
  const dek = await unwrapDataKey(
    vault.keyring,
    tenant,
    row.owner,
    row.key_id,
    row.suite,
    row.wrapped,
  );
  vault.shared.cache.set(tenant, dek, row.owner);
  return dek;
}

/**
 * @internal Data keys by id: from the cache, else from `prefetched` rows (read in the caller's
 * statement), else read (one query) and unwrapped. A destroyed key maps to the CUSTOS_NOT_FOUND
 * error that reading its data must raise.
 */
export async function dataKeysById(
  vault: Vault,
  tenant: string,
  keyIds: Iterable<string>,
  prefetched: readonly KeyRow[] = [],
): Promise<Map<string, DataKey | CustosError>> {
  const out = new Map<string, DataKey | CustosError>();
  const absent = new Set<string>();
  for (const id of keyIds) {
    if (out.has(id) || absent.has(id)) continue;
    const k = vault.shared.cache.get(tenant, id);
    if (k) out.set(id, k);
    else absent.add(id);
  }
  // The common case on a hot path: every key cached (no closures, no statement).
  if (absent.size === 0) return out;
  let missing = [...absent];
  if (prefetched.length > 0) {
    const wanted = new Set(missing);
    for (const r of prefetched) if (wanted.has(r.key_id)) await unwrapInto(out, vault, tenant, r);
    missing = missing.filter((id) => !out.has(id));
  }
  for (let i = 0; i < missing.length; i += 1000) {
    const rows = await vault.db
      .selectFrom('vault_data_key')
      .select(['key_id', 'owner', 'suite', 'wrapped', 'state'])
      .where('tenant_id', '=', tenant)
      .where('key_id', 'in', missing.slice(i, i + 1000))
      .execute();
    for (const r of rows) await unwrapInto(out, vault, tenant, r);
  }
  for (const id of missing) {
    if (!out.has(id))
      out.set(id, new CustosError(ErrorCode.StoreDamaged, `data key ${id} is missing`));
  }
  return out;
}

/** Unwraps one stored key into `out`; a destroyed key becomes its NotFound error. */
async function unwrapInto(
  out: Map<string, DataKey | CustosError>,
  vault: Vault,
  tenant: string,
  r: KeyRow,
): Promise<void> {
  try {
    out.set(r.key_id, await dataKeyOf(vault, tenant, r, r.owner));
  } catch (e) {
    if (e instanceof CustosError && e.code === ErrorCode.NotFound) out.set(r.key_id, e);
    else throw e;
  }
}

/**
 * @internal The active data key of each owner, created (generated, wrapped, stored) when missing.
 * Refuses owners whose data was destroyed.
 */
export async function ensureDataKeys(
  vault: Vault,
  tenant: string,
  owners: readonly string[],
): Promise<Map<string, DataKey>> {
  const settings = await ensureTenant(vault, tenant);
  const out = new Map<string, DataKey>();
  const unique = [...new Set(owners)];
  for (let i = 0; i < unique.length; i += 1000) {
    const chunk = unique.slice(i, i + 1000);
    const rows = await vault.db
      .selectFrom('vault_data_key')
      .select(['key_id', 'owner', 'suite', 'wrapped', 'state'])
      .where('tenant_id', '=', tenant)
      .where('owner', 'in', chunk)
      .where('state', 'in', ['active', 'destroyed'])
      .execute();
    const destroyed = new Set<string>();
    for (const r of rows) {
      if (r.state === 'active') out.set(r.owner, await dataKeyOf(vault, tenant, r, r.owner));
      else destroyed.add(r.owner);
    }
    const shredded = chunk.filter((o) => destroyed.has(o) && !out.has(o));
    if (shredded.length > 0) {
      throw new CustosError(
        ErrorCode.Conflict,
        `the data of ${shredded[0]} was destroyed; new data cannot be stored for it`,
        {
          shredded: true,
        },
      );
    }
    const missing = chunk.filter((o) => !out.has(o));
    if (missing.length === 0) continue;
    const fresh = new Map<string, DataKey>();
    const values = [];
    for (const owner of missing) {
      const dek = generateDataKey(settings.suite);
      fresh.set(owner, dek);
      const wrapped = await wrapDataKey(vault.keyring, tenant, owner, dek);
      values.push({
        tenant_id: tenant,
        key_id: dek.id,
        owner,
        suite: dek.suite,
        kek_id: vault.keyring.kekIdOf(wrapped),
        wrapped,
        state: 'active',
        created_at: new Date(),
        destroyed_at: null,
      });
    }
    const inserted = await vault.db
      .insertInto('vault_data_key')
      .values(values)
      .onConflict((oc) =>
        oc.columns(['tenant_id', 'owner']).where('state', '=', sql.lit('active')).doNothing(),
      )
      .returning('owner')
      .execute();
    const won = new Set(inserted.map((r) => r.owner));
    for (const [owner, dek] of fresh) {
      if (won.has(owner)) {
        vault.shared.cache.set(tenant, dek, owner);
        out.set(owner, dek);
      }
    }
    const lost = missing.filter((o) => !won.has(o));
    if (lost.length > 0) {
      // Another writer created these keys at the same time: use theirs.
      const again = await ensureDataKeys(vault, tenant, lost);
      for (const [o, k] of again) out.set(o, k);
    }
  }
  return out;
}
