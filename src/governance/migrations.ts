/**
 * Schema of third-party governance (range 700-799): contracts, API clients and their issued
 * tokens, single-use client-assertion ids, daily usage counters, consents to a contract, token
 * signing keys, vendor maintenance windows, and dual-approval exports with their packages.
 */
import { sql, type Kysely } from 'kysely';
import type { Migration } from '../store/index.ts';

/** Tables of the governance module. */
export interface GovernanceTables {
  gov_contract: {
    tenant_id: string;
    id: string;
    version: number;
    /** The contract as validated JSON (see ContractTerms). */
    terms: string;
    status: string;
    valid_from: Date;
    valid_until: Date | null;
    created_at: Date;
    updated_at: Date;
    terminated_at: Date | null;
  };
  gov_client: {
    tenant_id: string;
    id: string;
    contract_id: string;
    name: string;
    auth_method: string;
    secret_hash: string | null;
    public_key_pem: string | null;
    /** x5t#S256 of the certificate this client must present (mTLS), or null. */
    certificate_thumbprint: string | null;
    status: string;
    created_at: Date;
    secret_rotated_at: Date;
    revoked_at: Date | null;
    last_used_at: Date | null;
  };
  gov_token: {
    tenant_id: string;
    jti: string;
    client_id: string;
    issued_at: Date;
    expires_at: Date;
    revoked_at: Date | null;
  };
  gov_seen_assertion: {
    tenant_id: string;
    client_id: string;
    jti: string;
    expires_at: Date;
  };
  gov_usage: {
    tenant_id: string;
    client_id: string;
    day: string;
    calls: number;
  };
  gov_consent: {
    tenant_id: string;
    contract_id: string;
    patient_id: string;
    granted_at: Date;
    withdrawn_at: Date | null;
    evidence: string | null;
  };
  gov_signing_key: {
    tenant_id: string;
    kid: string;
    secret_name: string;
    created_at: Date;
    retired_at: Date | null;
    active: boolean;
  };
  gov_window: {
    tenant_id: string;
    id: string;
    staff_id: string;
    systems: string;
    starts_at: Date;
    ends_at: Date;
    reason: string;
    requested_by: string;
    status: string;
    approved_by: string | null;
    approved_at: Date | null;
    created_at: Date;
  };
  gov_export: {
    tenant_id: string;
    id: string;
    requested_by: string;
    /** Request as validated JSON (purpose, recipient, patients, kind, workstation, address). */
    request: string;
    item_count: number;
    status: string;
    approved_by: string | null;
    approval_reason: string | null;
    approved_at: Date | null;
    /** The package key (scrypt-derived or random), wrapped by the keyring until the package is made. */
    wrapped_key: Buffer | null;
    /** Encryption header (JSON: kdf and salt, or the recipient's ephemeral public key). */
    encryption: string;
    package: Buffer | null;
    package_sha256: string | null;
    manifest: string | null;
    expires_at: Date;
    downloads: number;
    created_at: Date;
  };
}

/** Governance migrations, in order. */
export const governanceMigrations: readonly Migration[] = [
  {
    name: '700-governance-core',
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      await sql`create table gov_contract (
        tenant_id text not null,
        id text not null,
        version integer not null,
        terms text not null,
        status text not null,
        valid_from timestamptz not null,
        valid_until timestamptz,
        created_at timestamptz not null,
        updated_at timestamptz not null,
        terminated_at timestamptz,
        primary key (tenant_id, id)
      )`.execute(db);
      await sql`create table gov_client (
        tenant_id text not null,
        id text not null,
        contract_id text not null,
        name text not null,
        auth_method text not null,
        secret_hash text,
        public_key_pem text,
        certificate_thumbprint text,
        status text not null,
        created_at timestamptz not null,
        secret_rotated_at timestamptz not null,
        revoked_at timestamptz,
        last_used_at timestamptz,
        primary key (tenant_id, id),
        foreign key (tenant_id, contract_id) references gov_contract (tenant_id, id)
      )`.execute(db);
      await sql`create index gov_client_contract on gov_client (tenant_id, contract_id)`.execute(
        db,
      );
      await sql`create table gov_token (
        tenant_id text not null,
        jti text not null,
        client_id text not null,
        issued_at timestamptz not null,
        expires_at timestamptz not null,
        revoked_at timestamptz,
        primary key (tenant_id, jti)
      )`.execute(db);
      await sql`create index gov_token_client on gov_token (tenant_id, client_id, expires_at)`.execute(
        db,
      );
      await sql`create table gov_seen_assertion (
        tenant_id text not null,
        client_id text not null,
        jti text not null,
        expires_at timestamptz not null,
        primary key (tenant_id, client_id, jti)
      )`.execute(db);
      await sql`create table gov_usage (
        tenant_id text not null,
        client_id text not null,
        day text not null,
        calls integer not null,
        primary key (tenant_id, client_id, day)
      )`.execute(db);
      await sql`create table gov_consent (
        tenant_id text not null,
        contract_id text not null,
        patient_id text not null,
        granted_at timestamptz not null,
        withdrawn_at timestamptz,
        evidence text,
        primary key (tenant_id, contract_id, patient_id)
      )`.execute(db);
      await sql`create table gov_signing_key (
        tenant_id text not null,
        kid text not null,
        secret_name text not null,
        created_at timestamptz not null,
        retired_at timestamptz,
        active boolean not null,
        primary key (tenant_id, kid)
      )`.execute(db);
      await sql`create table gov_window (
        tenant_id text not null,
        id text not null,
        staff_id text not null,
        systems text not null,
        starts_at timestamptz not null,
        ends_at timestamptz not null,
        reason text not null,
        requested_by text not null,
        status text not null,
        approved_by text,
        approved_at timestamptz,
        created_at timestamptz not null,
        primary key (tenant_id, id)
      )`.execute(db);
      await sql`create index gov_window_staff on gov_window (tenant_id, staff_id, ends_at)`.execute(
        db,
      );
      await sql`create table gov_export (
        tenant_id text not null,
        id text not null,
        requested_by text not null,
        request text not null,
        item_count integer not null,
        status text not null,
        approved_by text,
        approval_reason text,
        approved_at timestamptz,
        wrapped_key bytea,
        encryption text not null,
        package bytea,
        package_sha256 text,
        manifest text,
        expires_at timestamptz not null,
        downloads integer not null default 0,
        created_at timestamptz not null,
        primary key (tenant_id, id)
      )`.execute(db);
    },
  },
];
