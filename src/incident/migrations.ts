/**
 * Schema of breach response and compliance (number range 800-899). Every table carries
 * `tenant_id` and every key includes it. No table holds personal data in clear: patients and
 * staff appear by id only; notices with names are generated on demand and only their digest is
 * kept.
 */
import { sql, type Kysely } from 'kysely';
import type { Migration } from '../store/index.ts';

/** Incident migrations (range 800-899), in order. */
export const incidentMigrations: readonly Migration[] = [
  {
    name: '800-incident-core',
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      await sql`create table incident (
        tenant_id text not null,
        id text not null,
        title text not null,
        status text not null,
        severity text not null,
        source_type text not null,
        source_ref text,
        suspect_type text,
        suspect_id text,
        window_from timestamptz,
        window_to timestamptz,
        cause text not null default '',
        harm text not null default '',
        remedies text not null default '',
        opened_by text not null,
        opened_at timestamptz not null,
        closed_at timestamptz,
        primary key (tenant_id, id)
      )`.execute(db);
      await sql`create index incident_opened on incident (tenant_id, opened_at)`.execute(db);
      await sql`create table incident_member (
        tenant_id text not null,
        incident_id text not null,
        staff_id text not null,
        role text not null,
        added_by text not null,
        added_at timestamptz not null,
        primary key (tenant_id, incident_id, staff_id, role)
      )`.execute(db);
      // The timeline: every action on the incident, in order, never updated.
      await sql`create table incident_event (
        tenant_id text not null,
        incident_id text not null,
        seq integer not null,
        at timestamptz not null,
        by_id text not null,
        type text not null,
        body jsonb not null,
        ledger_seq bigint,
        primary key (tenant_id, incident_id, seq)
      )`.execute(db);
      await sql`create table incident_scope (
        tenant_id text not null,
        incident_id text not null,
        id text not null,
        at timestamptz not null,
        by_id text not null,
        query jsonb not null,
        summary jsonb not null,
        patients jsonb not null,
        primary key (tenant_id, incident_id, id)
      )`.execute(db);
      await sql`create table incident_action (
        tenant_id text not null,
        incident_id text not null,
        id text not null,
        kind text not null,
        target text not null,
        status text not null,
        at timestamptz not null,
        by_id text not null,
        result jsonb not null,
        completed_at timestamptz,
        primary key (tenant_id, incident_id, id)
      )`.execute(db);
      await sql`create table incident_notification (
        tenant_id text not null,
        incident_id text not null,
        id text not null,
        recipient_type text not null,
        recipient_id text not null,
        channel text not null,
        language text not null,
        sha256 text not null,
        generated_at timestamptz not null,
        generated_by text not null,
        notified_at timestamptz,
        notified_by text,
        primary key (tenant_id, incident_id, id)
      )`.execute(db);
      await sql`create index incident_notification_recipient on incident_notification (tenant_id, incident_id, recipient_id)`.execute(
        db,
      );
      await sql`create table incident_setting (
        tenant_id text not null primary key,
        settings jsonb not null,
        updated_by text not null,
        updated_at timestamptz not null
      )`.execute(db);
    },
  },
  {
    name: '810-incident-compliance',
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      // PIPL Art. 55/56: impact assessments, versioned, kept at least three years.
      await sql`create table pia_version (
        tenant_id text not null,
        assessment_id text not null,
        version integer not null,
        created_at timestamptz not null,
        created_by text not null,
        note text not null,
        document jsonb not null,
        digest text not null,
        retain_until timestamptz not null,
        primary key (tenant_id, assessment_id, version)
      )`.execute(db);
      // Monthly summaries of processing from the ledger; they outlive ledger retention.
      await sql`create table processing_record (
        tenant_id text not null,
        month text not null,
        summary jsonb not null,
        digest text not null,
        created_at timestamptz not null,
        retain_until timestamptz not null,
        primary key (tenant_id, month)
      )`.execute(db);
      await sql`create table retention_rule (
        tenant_id text not null,
        category text not null,
        years integer not null,
        basis text not null,
        updated_by text not null,
        updated_at timestamptz not null,
        primary key (tenant_id, category)
      )`.execute(db);
      await sql`create table legal_hold (
        tenant_id text not null,
        id text not null,
        patient_id text,
        reason text not null,
        incident_id text,
        placed_by text not null,
        placed_at timestamptz not null,
        released_by text,
        released_at timestamptz,
        primary key (tenant_id, id)
      )`.execute(db);
      await sql`create index legal_hold_patient on legal_hold (tenant_id, patient_id)`.execute(db);
      await sql`create table destruction_certificate (
        tenant_id text not null,
        id text not null,
        kind text not null,
        issued_at timestamptz not null,
        issued_by text not null,
        document jsonb not null,
        digest text not null,
        key_id text not null,
        signature text not null,
        primary key (tenant_id, id)
      )`.execute(db);
      await sql`create table media_destruction (
        tenant_id text not null,
        id text not null,
        patient_id text,
        record_ref text,
        media text not null,
        quantity integer not null,
        method text not null,
        performed_by text not null,
        witness text not null,
        contractor text,
        performed_at timestamptz not null,
        recorded_by text not null,
        certificate_id text not null,
        primary key (tenant_id, id)
      )`.execute(db);
      await sql`create index media_destruction_patient on media_destruction (tenant_id, patient_id)`.execute(
        db,
      );
      await sql`create table training_record (
        tenant_id text not null,
        id text not null,
        staff_id text not null,
        course text not null,
        completed_at timestamptz not null,
        expires_at timestamptz not null,
        recorded_by text not null,
        evidence text,
        primary key (tenant_id, id)
      )`.execute(db);
      await sql`create index training_record_staff on training_record (tenant_id, staff_id, course, completed_at)`.execute(
        db,
      );
      await sql`create table access_review (
        tenant_id text not null,
        id text not null,
        department_id text not null,
        reviewer_id text not null,
        created_by text not null,
        created_at timestamptz not null,
        due_at timestamptz not null,
        closed_at timestamptz,
        primary key (tenant_id, id)
      )`.execute(db);
      await sql`create table access_review_item (
        tenant_id text not null,
        review_id text not null,
        staff_id text not null,
        roles jsonb not null,
        decision text,
        new_roles jsonb,
        note text,
        decided_by text,
        decided_at timestamptz,
        primary key (tenant_id, review_id, staff_id)
      )`.execute(db);
    },
  },
];

type Json = unknown;

/** Row types of the incident and compliance tables (for Kysely). */
export interface IncidentTables {
  incident: {
    tenant_id: string;
    id: string;
    title: string;
    status: string;
    severity: string;
    source_type: string;
    source_ref: string | null;
    suspect_type: string | null;
    suspect_id: string | null;
    window_from: Date | null;
    window_to: Date | null;
    cause: string;
    harm: string;
    remedies: string;
    opened_by: string;
    opened_at: Date;
    closed_at: Date | null;
  };
  incident_member: {
    tenant_id: string;
    incident_id: string;
    staff_id: string;
    role: string;
    added_by: string;
    added_at: Date;
  };
  incident_event: {
    tenant_id: string;
    incident_id: string;
    seq: number;
    at: Date;
    by_id: string;
    type: string;
    body: Json;
    ledger_seq: number | null;
  };
  incident_scope: {
    tenant_id: string;
    incident_id: string;
    id: string;
    at: Date;
    by_id: string;
    query: Json;
    summary: Json;
    patients: Json;
  };
  incident_action: {
    tenant_id: string;
    incident_id: string;
    id: string;
    kind: string;
    target: string;
    status: string;
    at: Date;
    by_id: string;
    result: Json;
    completed_at: Date | null;
  };
  incident_notification: {
    tenant_id: string;
    incident_id: string;
    id: string;
    recipient_type: string;
    recipient_id: string;
    channel: string;
    language: string;
    sha256: string;
    generated_at: Date;
    generated_by: string;
    notified_at: Date | null;
    notified_by: string | null;
  };
  incident_setting: { tenant_id: string; settings: Json; updated_by: string; updated_at: Date };
  pia_version: {
    tenant_id: string;
    assessment_id: string;
    version: number;
    created_at: Date;
    created_by: string;
    note: string;
    document: Json;
    digest: string;
    retain_until: Date;
  };
  processing_record: {
    tenant_id: string;
    month: string;
    summary: Json;
    digest: string;
    created_at: Date;
    retain_until: Date;
  };
  retention_rule: {
    tenant_id: string;
    category: string;
    years: number;
    basis: string;
    updated_by: string;
    updated_at: Date;
  };
  legal_hold: {
    tenant_id: string;
    id: string;
    patient_id: string | null;
    reason: string;
    incident_id: string | null;
    placed_by: string;
    placed_at: Date;
    released_by: string | null;
    released_at: Date | null;
  };
  destruction_certificate: {
    tenant_id: string;
    id: string;
    kind: string;
    issued_at: Date;
    issued_by: string;
    document: Json;
    digest: string;
    key_id: string;
    signature: string;
  };
  media_destruction: {
    tenant_id: string;
    id: string;
    patient_id: string | null;
    record_ref: string | null;
    media: string;
    quantity: number;
    method: string;
    performed_by: string;
    witness: string;
    contractor: string | null;
    performed_at: Date;
    recorded_by: string;
    certificate_id: string;
  };
  training_record: {
    tenant_id: string;
    id: string;
    staff_id: string;
    course: string;
    completed_at: Date;
    expires_at: Date;
    recorded_by: string;
    evidence: string | null;
  };
  access_review: {
    tenant_id: string;
    id: string;
    department_id: string;
    reviewer_id: string;
    created_by: string;
    created_at: Date;
    due_at: Date;
    closed_at: Date | null;
  };
  access_review_item: {
    tenant_id: string;
    review_id: string;
    staff_id: string;
    roles: Json;
    decision: string | null;
    new_roles: Json;
    note: string | null;
    decided_by: string | null;
    decided_at: Date | null;
  };
}
