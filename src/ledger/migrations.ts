/**
 * Ledger schema. The entry table is range-partitioned by month of recording (PostgreSQL and the
 * embedded PGlite alike); partitions are created on demand by the appender and dropped whole by
 * retention. Every key includes tenant_id so the chain of each tenant can live on its own node.
 */
import { sql, type Kysely } from 'kysely';
import type { Migration } from '../store/index.ts';

/** Ledger migrations (range 200-299), in order. */
export const ledgerMigrations: readonly Migration[] = [
  {
    name: '200-ledger-core',
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      // One row per tenant chain: its head, the compact Merkle range, and the last signed size.
      // `select … for update` on this row is the lock that keeps concurrent appenders (even in
      // other processes) from forking the chain.
      await sql`create table ledger_chain (
        tenant_id text not null primary key,
        size bigint not null default 0,
        last_hash bytea not null,
        frontier bytea not null,
        head_size bigint not null default 0,
        head_at timestamptz,
        base_seq bigint not null default 0,
        base_hash bytea not null,
        base_frontier bytea not null
      )`.execute(db);
      await sql`create table ledger_entry (
        tenant_id text not null,
        seq bigint not null,
        recorded_at timestamptz not null,
        occurred_at timestamptz not null,
        kind text not null,
        actor_type text not null,
        actor_id text not null,
        department text,
        patient_id text,
        fields jsonb not null,
        categories jsonb not null,
        purpose text,
        decision text,
        reasons jsonb not null,
        action text,
        workstation text,
        network_address text,
        channel text,
        watermark_token text,
        source_system text,
        source_key text,
        details text,
        prev_hash bytea not null,
        entry_hash bytea not null,
        primary key (tenant_id, seq, recorded_at)
      ) partition by range (recorded_at)`.execute(db);
      await sql`create index ledger_entry_patient on ledger_entry (tenant_id, patient_id, occurred_at)`.execute(
        db,
      );
      await sql`create index ledger_entry_actor on ledger_entry (tenant_id, actor_id, occurred_at)`.execute(
        db,
      );
      await sql`create index ledger_entry_department on ledger_entry (tenant_id, department, occurred_at)`.execute(
        db,
      );
      await sql`create index ledger_entry_time on ledger_entry (tenant_id, occurred_at)`.execute(
        db,
      );
      await sql`create index ledger_entry_watermark on ledger_entry (tenant_id, watermark_token)`.execute(
        db,
      );
      // Perfect Merkle subtrees of 256 leaves and more, so proofs read O(log n) rows.
      await sql`create table ledger_tree_node (
        tenant_id text not null,
        level smallint not null,
        idx bigint not null,
        hash bytea not null,
        primary key (tenant_id, level, idx)
      )`.execute(db);
      await sql`create table ledger_tree_head (
        tenant_id text not null,
        tree_size bigint not null,
        root_hash bytea not null,
        signed_at timestamptz not null,
        key_id text not null,
        algorithm text not null,
        signature bytea not null,
        primary key (tenant_id, tree_size)
      )`.execute(db);
      await sql`create table ledger_key (
        tenant_id text not null,
        key_id text not null,
        algorithm text not null,
        public_key text not null,
        first_used timestamptz not null,
        primary key (tenant_id, key_id)
      )`.execute(db);
      // Imported entries: (source system, key) is unique per tenant, so re-import adds nothing.
      await sql`create table ledger_import_key (
        tenant_id text not null,
        source_system text not null,
        source_key text not null,
        seq bigint not null,
        primary key (tenant_id, source_system, source_key)
      )`.execute(db);
      await sql`create table ledger_setting (
        tenant_id text not null primary key,
        retention_months integer not null
      )`.execute(db);
    },
  },
  {
    name: '201-ledger-chain-time',
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      // recorded_at of the chain's last entry, read under the chain row's lock, so an appender
      // never records its entries earlier than the entries (and heads) before them.
      await sql`alter table ledger_chain add column last_recorded_at timestamptz`.execute(db);
      await sql`update ledger_chain c set last_recorded_at = (select max(e.recorded_at)
        from ledger_entry e where e.tenant_id = c.tenant_id and e.seq = c.size)`.execute(db);
    },
  },
];

/** Row types of the ledger tables (for Kysely). */
export interface LedgerTables {
  ledger_chain: {
    tenant_id: string;
    size: number;
    last_hash: Buffer;
    frontier: Buffer;
    head_size: number;
    head_at: Date | null;
    base_seq: number;
    base_hash: Buffer;
    base_frontier: Buffer;
    last_recorded_at: Date | null;
  };
  ledger_entry: {
    tenant_id: string;
    seq: number;
    recorded_at: Date;
    occurred_at: Date;
    kind: string;
    actor_type: string;
    actor_id: string;
    department: string | null;
    patient_id: string | null;
    fields: string[];
    categories: string[];
    purpose: string | null;
    decision: string | null;
    reasons: string[];
    action: string | null;
    workstation: string | null;
    network_address: string | null;
    channel: string | null;
    watermark_token: string | null;
    source_system: string | null;
    source_key: string | null;
    details: string | null;
    prev_hash: Buffer;
    entry_hash: Buffer;
  };
  ledger_tree_node: { tenant_id: string; level: number; idx: number; hash: Buffer };
  ledger_tree_head: {
    tenant_id: string;
    tree_size: number;
    root_hash: Buffer;
    signed_at: Date;
    key_id: string;
    algorithm: string;
    signature: Buffer;
  };
  ledger_key: {
    tenant_id: string;
    key_id: string;
    algorithm: string;
    public_key: string;
    first_used: Date;
  };
  ledger_import_key: { tenant_id: string; source_system: string; source_key: string; seq: number };
  ledger_setting: { tenant_id: string; retention_months: number };
}
