/**
 * Key lifecycle of the vault: status, KEK rotation with online re-wrapping of data keys,
 * re-encryption when a tenant's cipher suite changes, and crypto-shredding with a destruction
 * record.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import {
  digest,
  generateDataKey,
  isCipherSuite,
  openField,
  sealField,
  unwrapDataKey,
  wrapDataKey,
  type KekInfo,
} from '../crypto/index.ts';
import { CustosError, ErrorCode } from '../errors/index.ts';
import { frameSections, unframeSections } from './body.ts';
import { dataKeyOf, ensureTenant, inTransaction, type Vault } from './vault.ts';

/** Progress of a long key job. */
export interface KeyJobProgress {
  done: number;
  total: number;
}

/** Keys of the vault as `custos keys status` shows them (never key material). */
export interface KeyStatus {
  keyring: { id: string; kind: string; activeKek: KekInfo; keks: KekInfo[] };
  tenants: {
    tenant: string;
    suite: string;
    indexAlgorithm: string;
    dataKeys: Record<string, number>;
    byKek: Record<string, number>;
    bySuite: Record<string, number>;
  }[];
  /** Data keys still wrapped under a KEK that is not the active one. */
  pendingRewrap: number;
  destructions: number;
}

/** Counts of keys per tenant, state, KEK and suite. */
export async function getKeyStatus(vault: Vault): Promise<KeyStatus> {
  const tenants = await vault.db
    .selectFrom('vault_tenant')
    .selectAll()
    .orderBy('tenant_id')
    .execute();
  const counts = await vault.db
    .selectFrom('vault_data_key')
    .select(['tenant_id', 'state', 'kek_id', 'suite', sql<number>`count(*)::int`.as('n')])
    .groupBy(['tenant_id', 'state', 'kek_id', 'suite'])
    .execute();
  const active = vault.keyring.activeKek();
  const destructions = await vault.db
    .selectFrom('vault_destruction')
    .select(sql<number>`count(*)::int`.as('n'))
    .executeTakeFirst();
  return {
    keyring: {
      id: vault.keyring.id,
      kind: vault.keyring.kind,
      activeKek: active,
      keks: vault.keyring.listKeks(),
    },
    tenants: tenants.map((t) => {
      const mine = counts.filter((c) => c.tenant_id === t.tenant_id);
      const sum = (key: (c: (typeof mine)[number]) => string | null) => {
        const o: Record<string, number> = {};
        for (const c of mine) {
          const k = key(c);
          if (k !== null) o[k] = (o[k] ?? 0) + c.n;
        }
        return o;
      };
      return {
        tenant: t.tenant_id,
        suite: t.suite,
        indexAlgorithm: t.index_algorithm,
        dataKeys: sum((c) => c.state),
        byKek: sum((c) => c.kek_id),
        bySuite: sum((c) => (c.state === 'active' ? c.suite : null)),
      };
    }),
    pendingRewrap: counts
      .filter((c) => c.kek_id !== null && c.kek_id !== active.id)
      .reduce((a, c) => a + c.n, 0),
    destructions: destructions?.n ?? 0,
  };
}

/**
 * Re-wraps every data key not under the active KEK, page by page, while the vault stays online
 * (each page is one short update; a key shredded meanwhile is never brought back). Resumable:
 * running it again continues where it stopped.
 */
export async function rewrapDataKeys(
  vault: Vault,
  options: { onProgress?: (p: KeyJobProgress) => void; pageSize?: number } = {},
): Promise<{ rewrapped: number }> {
  const active = vault.keyring.activeKek().id;
  const pageSize = options.pageSize ?? 500;
  const totalRow = await vault.db
    .selectFrom('vault_data_key')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('wrapped', 'is not', null)
    .where('kek_id', '!=', active)
    .executeTakeFirst();
  const total = totalRow?.n ?? 0;
  let done = 0;
  options.onProgress?.({ done, total });
  let after: [string, string] = ['', ''];
  for (;;) {
    const rows = await vault.db
      .selectFrom('vault_data_key')
      .select(['tenant_id', 'key_id', 'owner', 'suite', 'wrapped'])
      .where('wrapped', 'is not', null)
      .where('kek_id', '!=', active)
      .where(sql<boolean>`(tenant_id, key_id) > (${after[0]}, ${after[1]})`)
      .orderBy('tenant_id')
      .orderBy('key_id')
      .limit(pageSize)
      .execute();
    if (rows.length === 0) break;
    const values = [];
    for (const r of rows) {
      if (!isCipherSuite(r.suite))
        throw new CustosError(ErrorCode.StoreDamaged, `data key ${r.key_id} has an unknown suite`);
      const dek = await unwrapDataKey(
        vault.keyring,
        r.tenant_id,
        r.owner,
        r.key_id,
        r.suite,
        r.wrapped!,
      );
      const wrapped = await wrapDataKey(vault.keyring, r.tenant_id, r.owner, dek);
      dek.key.fill(0);
      values.push(
        sql`(${r.tenant_id}, ${r.key_id}, ${wrapped}::bytea, ${vault.keyring.kekIdOf(wrapped)})`,
      );
    }
    await sql`
      update vault_data_key as k set wrapped = v.wrapped, kek_id = v.kek_id
      from (values ${sql.join(values)}) as v(tenant_id, key_id, wrapped, kek_id)
      where k.tenant_id = v.tenant_id and k.key_id = v.key_id and k.wrapped is not null and k.state <> 'destroyed'
    `.execute(vault.db);
    done += rows.length;
    options.onProgress?.({ done, total: Math.max(total, done) });
    const last = rows[rows.length - 1]!;
    after = [last.tenant_id, last.key_id];
  }
  return { rewrapped: done };
}

/**
 * `custos keys rotate`: creates a new KEK, re-wraps every data key under it with progress, then
 * (by default) destroys the old KEKs no data key needs any more.
 */
export async function rotateKeys(
  vault: Vault,
  options: {
    onProgress?: (p: KeyJobProgress) => void;
    pageSize?: number;
    retireOld?: boolean;
  } = {},
): Promise<{ kek: KekInfo; rewrapped: number; retired: string[] }> {
  const kek = await vault.keyring.rotateKek();
  const { rewrapped } = await rewrapDataKeys(vault, options);
  const retired: string[] = [];
  if (options.retireOld !== false) {
    for (const old of vault.keyring.listKeks().filter((k) => !k.active)) {
      const left = await vault.db
        .selectFrom('vault_data_key')
        .select(sql<number>`count(*)::int`.as('n'))
        .where('kek_id', '=', old.id)
        .where('wrapped', 'is not', null)
        .executeTakeFirst();
      if ((left?.n ?? 0) === 0) {
        await vault.keyring.retireKek(old.id);
        retired.push(old.id);
      }
    }
  }
  return { kek, rewrapped, retired };
}

/**
 * Re-encrypts a tenant's data whose data keys use another suite than the tenant's current one
 * (after `setTenantSuite`): per owner, a new data key in the new suite, every field, label and
 * blob re-sealed, the old key destroyed; one transaction per owner.
 */
export async function reencryptTenant(
  vault: Vault,
  tenant: string,
  options: { onProgress?: (p: KeyJobProgress) => void } = {},
): Promise<{ owners: number; resources: number; blobs: number }> {
  const settings = await ensureTenant(vault, tenant);
  const stale = await vault.db
    .selectFrom('vault_data_key')
    .select(['owner'])
    .where('tenant_id', '=', tenant)
    .where('state', '=', 'active')
    .where('suite', '!=', settings.suite)
    .orderBy('owner')
    .execute();
  let resources = 0;
  let blobs = 0;
  let done = 0;
  options.onProgress?.({ done, total: stale.length });
  for (const { owner } of stale) {
    await inTransaction(vault, async (v) => {
      const old = await v.db
        .selectFrom('vault_data_key')
        .select(['key_id', 'owner', 'suite', 'wrapped', 'state'])
        .where('tenant_id', '=', tenant)
        .where('owner', '=', owner)
        .where('state', '=', 'active')
        .forUpdate()
        .executeTakeFirst();
      if (!old || old.suite === settings.suite) return;
      const oldKey = await dataKeyOf(v, tenant, old, owner);
      const fresh = generateDataKey(settings.suite);
      const wrapped = await wrapDataKey(v.keyring, tenant, owner, fresh);
      await v.db
        .updateTable('vault_data_key')
        .set({ state: 'retiring' })
        .where('tenant_id', '=', tenant)
        .where('key_id', '=', old.key_id)
        .execute();
      await v.db
        .insertInto('vault_data_key')
        .values({
          tenant_id: tenant,
          key_id: fresh.id,
          owner,
          suite: fresh.suite,
          kek_id: v.keyring.kekIdOf(wrapped),
          wrapped,
          state: 'active',
          created_at: new Date(),
          destroyed_at: null,
        })
        .execute();
      const rows = await v.db
        .selectFrom('vault_resource')
        .select(['resource_type', 'id', 'body', 'labels'])
        .where('tenant_id', '=', tenant)
        .where('key_id', '=', old.key_id)
        .execute();
      for (const r of rows) {
        const row = `${r.resource_type}/${r.id}`;
        const sections = [...unframeSections(r.body, `vault_resource.body of ${row}`)].map(
          ([name, ct]): [string, Buffer] => {
            const ctx = { tenant, table: 'vault_resource', column: `body.${name}`, row };
            return [name, sealField(fresh, openField(oldKey, ct, ctx), ctx)];
          },
        );
        const lctx = { tenant, table: 'vault_resource', column: 'labels', row };
        await v.db
          .updateTable('vault_resource')
          .set({
            key_id: fresh.id,
            body: frameSections(sections),
            labels: sealField(fresh, openField(oldKey, r.labels, lctx), lctx),
          })
          .where('tenant_id', '=', tenant)
          .where('resource_type', '=', r.resource_type)
          .where('id', '=', r.id)
          .execute();
      }
      const blobRows = await v.db
        .selectFrom('vault_blob')
        .select(['id', 'resource_type', 'resource_id', 'meta', 'data'])
        .where('tenant_id', '=', tenant)
        .where('key_id', '=', old.key_id)
        .execute();
      for (const b of blobRows) {
        const row = `${b.resource_type}/${b.resource_id}/${b.id}`;
        const dctx = { tenant, table: 'vault_blob', column: 'data', row };
        const mctx = { tenant, table: 'vault_blob', column: 'meta', row };
        await v.db
          .updateTable('vault_blob')
          .set({
            key_id: fresh.id,
            data: sealField(fresh, openField(oldKey, b.data, dctx), dctx),
            meta: sealField(fresh, openField(oldKey, b.meta, mctx), mctx),
          })
          .where('tenant_id', '=', tenant)
          .where('id', '=', b.id)
          .execute();
      }
      await v.db
        .updateTable('vault_data_key')
        .set({ state: 'retired', wrapped: null, kek_id: null, destroyed_at: new Date() })
        .where('tenant_id', '=', tenant)
        .where('key_id', '=', old.key_id)
        .execute();
      v.shared.cache.delete(tenant, old.key_id);
      v.shared.cache.set(tenant, fresh, owner);
      resources += rows.length;
      blobs += blobRows.length;
    });
    done++;
    options.onProgress?.({ done, total: stale.length });
  }
  return { owners: stale.length, resources, blobs };
}

/** Evidence that a patient's (or another owner's) data was destroyed by shredding its keys. */
export interface DestructionRecord {
  id: string;
  tenant: string;
  /** `Patient/<id>` (or `Practitioner/<id>`). */
  owner: string;
  keyIds: string[];
  resources: number;
  blobs: number;
  actor: string;
  reason: string;
  destroyedAt: Date;
  /** Hex SHA-256 over the canonical JSON of the fields above: cite it in certificates. */
  recordDigest: string;
}

function recordDigest(r: Omit<DestructionRecord, 'recordDigest'>): string {
  const canonical = JSON.stringify([
    r.id,
    r.tenant,
    r.owner,
    r.keyIds,
    r.resources,
    r.blobs,
    r.actor,
    r.reason,
    r.destroyedAt.toISOString(),
  ]);
  return digest(canonical).toString('hex');
}

/**
 * Crypto-shredding: destroys every data key of a patient (wrapped copies are erased), so each
 * field, label and blob encrypted under them becomes unreadable everywhere, backups included
 * once they age out. Blind-index entries of the patient are deleted too. Returns and stores a
 * destruction record. CUSTOS_NOT_FOUND when the patient has no keys; CUSTOS_CONFLICT when already
 * destroyed. `reason` must not contain personal data.
 */
export async function shredPatient(
  vault: Vault,
  tenant: string,
  patientId: string,
  options: { actor: string; reason: string; at?: Date },
): Promise<DestructionRecord> {
  return shredOwner(vault, tenant, `Patient/${patientId}`, options);
}

/** Crypto-shredding of any key owner (`Patient/<id>`, `Practitioner/<id>`). */
export async function shredOwner(
  vault: Vault,
  tenant: string,
  owner: string,
  options: { actor: string; reason: string; at?: Date },
): Promise<DestructionRecord> {
  const record = await inTransaction(vault, async (v) => {
    const keys = await v.db
      .selectFrom('vault_data_key')
      .select(['key_id', 'state'])
      .where('tenant_id', '=', tenant)
      .where('owner', '=', owner)
      .forUpdate()
      .execute();
    if (keys.length === 0)
      throw new CustosError(ErrorCode.NotFound, `${owner} has no data in the vault`);
    const live = keys.filter((k) => k.state !== 'destroyed' && k.state !== 'retired');
    if (live.length === 0)
      throw new CustosError(ErrorCode.Conflict, `${owner} was destroyed already`);
    const destroyedAt = options.at ?? new Date();
    await v.db
      .updateTable('vault_data_key')
      .set({ state: 'destroyed', wrapped: null, kek_id: null, destroyed_at: destroyedAt })
      .where('tenant_id', '=', tenant)
      .where('owner', '=', owner)
      .where('state', '!=', 'destroyed')
      .execute();
    const res = await v.db
      .selectFrom('vault_resource')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('tenant_id', '=', tenant)
      .where('owner', '=', owner)
      .executeTakeFirst();
    const blobs = await v.db
      .selectFrom('vault_blob')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('tenant_id', '=', tenant)
      .where('owner', '=', owner)
      .executeTakeFirst();
    await sql`
      delete from vault_blind_index b using vault_resource r
      where b.tenant_id = ${tenant} and r.tenant_id = b.tenant_id and r.owner = ${owner}
        and b.resource_type = r.resource_type and b.resource_id = r.id`.execute(v.db);
    await sql`
      delete from vault_blind_index b using vault_blob x
      where b.tenant_id = ${tenant} and x.tenant_id = b.tenant_id and x.owner = ${owner}
        and b.resource_type = 'Binary' and b.resource_id = x.id`.execute(v.db);
    const base = {
      id: randomUUID(),
      tenant,
      owner,
      keyIds: live.map((k) => k.key_id).sort(),
      resources: res?.n ?? 0,
      blobs: blobs?.n ?? 0,
      actor: options.actor,
      reason: options.reason,
      destroyedAt,
    };
    const rec: DestructionRecord = { ...base, recordDigest: recordDigest(base) };
    await v.db
      .insertInto('vault_destruction')
      .values({
        tenant_id: tenant,
        id: rec.id,
        owner,
        key_ids: JSON.stringify(rec.keyIds),
        resources: rec.resources,
        blobs: rec.blobs,
        actor: rec.actor,
        reason: rec.reason,
        destroyed_at: destroyedAt,
        record_digest: rec.recordDigest,
      })
      .execute();
    return rec;
  });
  for (const k of record.keyIds) vault.shared.cache.delete(tenant, k);
  return record;
}

/** Destruction records of a tenant (optionally of one owner), newest first. */
export async function listDestructionRecords(
  vault: Vault,
  tenant: string,
  owner?: string,
): Promise<DestructionRecord[]> {
  let q = vault.db.selectFrom('vault_destruction').selectAll().where('tenant_id', '=', tenant);
  if (owner) q = q.where('owner', '=', owner);
  const rows = await q.orderBy('destroyed_at', 'desc').execute();
  return rows.map((r) => ({
    id: r.id,
    tenant: r.tenant_id,
    owner: r.owner,
    keyIds: JSON.parse(r.key_ids) as string[],
    resources: r.resources,
    blobs: r.blobs,
    actor: r.actor,
    reason: r.reason,
    destroyedAt: r.destroyed_at instanceof Date ? r.destroyed_at : new Date(r.destroyed_at),
    recordDigest: r.record_digest,
  }));
}
