import type { Kysely } from 'kysely';
import {
  DataKeyCache,
  computeBlindIndex,
  deriveBlindIndexKey,
  generateDataKey,
  keyIdOfCiphertext,
  normalise,
  openField,
  sealField,
  unwrapDataKey,
  wrapDataKey,
  type BlindIndexKey,
  type CipherSuite,
  type DataKey,
  type Keyring,
} from '../crypto/index.ts';
import type { FieldSealer } from '../identity/index.ts';

interface StaffKeyTables {
  staff_data_key: {
    tenant_id: string;
    key_id: string;
    suite: string;
    wrapped: Buffer;
    created_at: Date;
  };
  tenant: { tenant_id: string; crypto_suite: string };
}

const OWNER = 'staff';

/**
 * Seals staff personal data under one data key per tenant (wrapped by the keyring) and indexes
 * national IDs and phones with the tenant's blind-index key.
 */
export function createStaffSealer(db: Kysely<StaffKeyTables>, keyring: Keyring): FieldSealer {
  const cache = new DataKeyCache(256);
  const indexKeys = new Map<string, BlindIndexKey>();
  const active = new Map<string, Promise<DataKey>>();

  const load = async (tenant: string, keyId: string): Promise<DataKey> => {
    const hit = cache.get(tenant, keyId);
    if (hit) return hit;
    const row = await db
      .selectFrom('staff_data_key')
      .selectAll()
      .where('tenant_id', '=', tenant)
      .where('key_id', '=', keyId)
      .executeTakeFirstOrThrow();
    const dek = await unwrapDataKey(
      keyring,
      tenant,
      OWNER,
      keyId,
      row.suite as CipherSuite,
      row.wrapped,
    );
    cache.set(tenant, dek);
    return dek;
  };

  const current = (tenant: string): Promise<DataKey> => {
    let p = active.get(tenant);
    if (!p) {
      p = (async () => {
        const row = await db
          .selectFrom('staff_data_key')
          .select('key_id')
          .where('tenant_id', '=', tenant)
          .orderBy('created_at', 'desc')
          .executeTakeFirst();
        if (row) return load(tenant, row.key_id);
        const t = await db
          .selectFrom('tenant')
          .select('crypto_suite')
          .where('tenant_id', '=', tenant)
          .executeTakeFirst();
        const dek = generateDataKey((t?.crypto_suite ?? 'aes-256-gcm') as CipherSuite);
        await db
          .insertInto('staff_data_key')
          .values({
            tenant_id: tenant,
            key_id: dek.id,
            suite: dek.suite,
            wrapped: await wrapDataKey(keyring, tenant, OWNER, dek),
            created_at: new Date(),
          })
          .execute();
        cache.set(tenant, dek);
        return dek;
      })();
      p.catch(() => active.delete(tenant));
      active.set(tenant, p);
    }
    return p;
  };

  const ctx = (tenant: string, context: string) => {
    const [table = 'staff', column = 'value', ...row] = context.split('|');
    return { tenant, table, column, row: row.join(':') || 'none' };
  };

  return {
    async seal(tenant, plaintext, context) {
      return sealField(await current(tenant), plaintext, ctx(tenant, context));
    },
    async open(tenant, ciphertext, context) {
      return openField(
        await load(tenant, keyIdOfCiphertext(ciphertext)),
        ciphertext,
        ctx(tenant, context),
      );
    },
    async blindIndex(tenant, kind, value) {
      let key = indexKeys.get(tenant);
      if (!key) {
        key = deriveBlindIndexKey(keyring, tenant);
        indexKeys.set(tenant, key);
      }
      const norm =
        kind === 'phone'
          ? normalise.phone(value)
          : kind === 'national-id'
            ? normalise.idNumber(value)
            : value.trim();
      return computeBlindIndex(key, kind, norm);
    },
  };
}
