/**
 * Schema of the disclosure path (range 300-349): break-the-glass grants with their review and
 * patient-notification state, and per-tenant blocks of watermark entry references.
 */
import { sql, type Kysely } from 'kysely';
import type { Migration } from '../store/index.ts';

/** Tables of the access module. */
export interface AccessTables {
  access_break_glass_grant: {
    tenant_id: string;
    grant_id: string;
    staff_id: string;
    patient_id: string;
    reason_code: string;
    /** Sealed reason text (may name clinical circumstances). */
    reason_text: Buffer;
    granted_at: Date;
    expires_at: Date;
    workstation_id: string | null;
    ledger_seq: string | number | null;
    review_status: string;
    reviewed_by: string | null;
    reviewed_at: Date | null;
    /** Sealed review note. */
    review_note: Buffer | null;
    patient_notified_at: Date | null;
  };
  access_token_block: {
    tenant_id: string;
    next_block: string | number;
  };
}

/** Access migrations, in order. */
export const accessMigrations: readonly Migration[] = [
  {
    name: '300-access-break-glass',
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      await sql`create table access_break_glass_grant (
        tenant_id text not null,
        grant_id text not null,
        staff_id text not null,
        patient_id text not null,
        reason_code text not null,
        reason_text bytea not null,
        granted_at timestamptz not null,
        expires_at timestamptz not null,
        workstation_id text,
        ledger_seq bigint,
        review_status text not null default 'pending',
        reviewed_by text,
        reviewed_at timestamptz,
        review_note bytea,
        patient_notified_at timestamptz,
        primary key (tenant_id, grant_id)
      )`.execute(db);
      await sql`create index access_bg_staff_patient on access_break_glass_grant
        (tenant_id, staff_id, patient_id, expires_at)`.execute(db);
      await sql`create index access_bg_review on access_break_glass_grant
        (tenant_id, review_status, granted_at)`.execute(db);
      await sql`create index access_bg_patient on access_break_glass_grant
        (tenant_id, patient_id, granted_at)`.execute(db);
    },
  },
  {
    name: '301-access-token-blocks',
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      await sql`create table access_token_block (
        tenant_id text not null primary key,
        next_block bigint not null
      )`.execute(db);
    },
  },
];
