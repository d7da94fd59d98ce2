/**
 * Vault tables. No column holds plaintext personal data: identifying and clinical content is in
 * `body` (encrypted field groups) and `labels` (encrypted classification); the clear columns are
 * ids, periods, statuses and non-identifying categories the care graph needs.
 */
import { sql, type Kysely } from 'kysely';
import type { Migration } from '../store/index.ts';

type Timestamp = Date | string;

export interface VaultTenantTable {
  tenant_id: string;
  suite: string;
  index_algorithm: string;
  keyring_id: string;
  created_at: Timestamp;
}

export interface VaultDataKeyTable {
  tenant_id: string;
  key_id: string;
  /** `Patient/<id>`, `Practitioner/<id>` or `@tenant`. */
  owner: string;
  suite: string;
  kek_id: string | null;
  wrapped: Buffer | null;
  /** active | retiring | destroyed */
  state: string;
  created_at: Timestamp;
  destroyed_at: Timestamp | null;
}

export interface VaultResourceTable {
  tenant_id: string;
  resource_type: string;
  id: string;
  patient_id: string | null;
  owner: string;
  key_id: string;
  encounter_id: string | null;
  organization_id: string | null;
  status: string | null;
  category: string | null;
  confidentiality: string | null;
  period_start: Timestamp | null;
  period_end: Timestamp | null;
  data_category: string;
  base_grade: number;
  version_id: number;
  last_updated: Timestamp;
  body: Buffer;
  labels: Buffer;
}

export interface VaultLinkTable {
  tenant_id: string;
  resource_type: string;
  resource_id: string;
  seq: number;
  patient_id: string | null;
  kind: string;
  practitioner_id: string | null;
  organization_id: string | null;
  period_start: Timestamp | null;
  period_end: Timestamp | null;
}

export interface VaultBlindIndexTable {
  tenant_id: string;
  kind: string;
  hash: Buffer;
  resource_type: string;
  resource_id: string;
}

export interface VaultBlobTable {
  tenant_id: string;
  id: string;
  resource_type: string;
  resource_id: string;
  patient_id: string | null;
  owner: string;
  key_id: string;
  size: number;
  meta: Buffer;
  data: Buffer;
  created_at: Timestamp;
}

export interface VaultDestructionTable {
  tenant_id: string;
  id: string;
  owner: string;
  key_ids: string;
  resources: number;
  blobs: number;
  actor: string;
  reason: string;
  destroyed_at: Timestamp;
  record_digest: string;
}

/** The vault's tables, for `Kysely<VaultTables>`. */
export interface VaultTables {
  vault_tenant: VaultTenantTable;
  vault_data_key: VaultDataKeyTable;
  vault_resource: VaultResourceTable;
  vault_link: VaultLinkTable;
  vault_blind_index: VaultBlindIndexTable;
  vault_blob: VaultBlobTable;
  vault_destruction: VaultDestructionTable;
}

const coreSchema = [
  `create table vault_tenant (
    tenant_id text primary key,
    suite text not null,
    index_algorithm text not null,
    keyring_id text not null,
    created_at timestamptz not null default now()
    )`,
  `create table vault_data_key (
    tenant_id text not null,
    key_id text not null,
    owner text not null,
    suite text not null,
    kek_id text,
    wrapped bytea,
    state text not null,
    created_at timestamptz not null default now(),
    destroyed_at timestamptz,
    primary key (tenant_id, key_id)
    )`,
  `create unique index vault_data_key_active on vault_data_key (tenant_id, owner) where state = 'active'`,
  `create index vault_data_key_owner on vault_data_key (tenant_id, owner)`,
  `create index vault_data_key_kek on vault_data_key (kek_id) where wrapped is not null`,
  `create table vault_resource (
    tenant_id text not null,
    resource_type text not null,
    id text not null,
    patient_id text,
    owner text not null,
    key_id text not null,
    encounter_id text,
    organization_id text,
    status text,
    category text,
    confidentiality text,
    period_start timestamptz,
    period_end timestamptz,
    data_category text not null,
    base_grade smallint not null,
    version_id integer not null default 1,
    last_updated timestamptz not null default now(),
    body bytea not null,
    labels bytea not null,
    primary key (tenant_id, resource_type, id)
    )`,
  `create index vault_resource_patient on vault_resource (tenant_id, patient_id, resource_type)`,
  `create index vault_resource_org on vault_resource (tenant_id, organization_id, resource_type, status)`,
  `create index vault_resource_owner on vault_resource (tenant_id, owner)`,
  `create table vault_link (
    tenant_id text not null,
    resource_type text not null,
    resource_id text not null,
    seq smallint not null,
    patient_id text,
    kind text not null,
    practitioner_id text,
    organization_id text,
    period_start timestamptz,
    period_end timestamptz,
    primary key (tenant_id, resource_type, resource_id, seq)
    )`,
  `create index vault_link_practitioner on vault_link (tenant_id, practitioner_id, patient_id)`,
  `create index vault_link_org on vault_link (tenant_id, organization_id, patient_id)`,
  `create index vault_link_patient on vault_link (tenant_id, patient_id)`,
  `create table vault_blind_index (
    tenant_id text not null,
    kind text not null,
    hash bytea not null,
    resource_type text not null,
    resource_id text not null,
    primary key (tenant_id, kind, hash, resource_type, resource_id)
    )`,
  `create index vault_blind_index_resource on vault_blind_index (tenant_id, resource_type, resource_id)`,
  `create table vault_blob (
    tenant_id text not null,
    id text not null,
    resource_type text not null,
    resource_id text not null,
    patient_id text,
    owner text not null,
    key_id text not null,
    size integer not null,
    meta bytea not null,
    data bytea not null,
    created_at timestamptz not null default now(),
    primary key (tenant_id, id)
    )`,
  `create index vault_blob_resource on vault_blob (tenant_id, resource_type, resource_id)`,
  `create index vault_blob_owner on vault_blob (tenant_id, owner)`,
  `create table vault_destruction (
    tenant_id text not null,
    id text not null,
    owner text not null,
    key_ids text not null,
    resources integer not null,
    blobs integer not null,
    actor text not null,
    reason text not null,
    destroyed_at timestamptz not null,
    record_digest text not null,
    primary key (tenant_id, id)
    )`,
];

/** Schema steps of the vault (number range 100-199). */
export const vaultMigrations: Migration[] = [
  {
    name: '100-vault-core',
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>) {
      for (const statement of coreSchema) await sql.raw(statement).execute(db);
    },
  },
  {
    name: '101-vault-packed-meta',
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>) {
      // The clear columns a read returns, packed once per write instead of on every read (the
      // embedded database's cost is per field and per function call far more than per byte).
      // A trigger keeps it in step with every insert and update, whoever writes.
      await sql`alter table vault_resource add column meta text`.execute(db);
      await sql
        .raw(
          `create function vault_resource_pack_meta() returns trigger
        language plpgsql as $$
        begin
          new.meta := ${PACKED_META.replaceAll('r.', 'new.')};
          return new;
        end $$`,
        )
        .execute(db);
      await sql`create trigger vault_resource_meta before insert or update on vault_resource
        for each row execute function vault_resource_pack_meta()`.execute(db);
      await sql.raw(`update vault_resource r set meta = ${PACKED_META}`).execute(db);
    },
  },
];

/**
 * The packed clear columns of a resource row (alias `r`), in the order of the vault's `MetaTuple`:
 * type, id, patient, encounter, organisation, status, category, confidentiality, period start
 * and end, data category, base grade, version, last updated, key id.
 */
export const PACKED_META = `json_build_array(r.resource_type, r.id, r.patient_id, r.encounter_id,
  r.organization_id, r.status, r.category, r.confidentiality, r.period_start, r.period_end,
  r.data_category, r.base_grade, r.version_id, r.last_updated, r.key_id)::text`;
