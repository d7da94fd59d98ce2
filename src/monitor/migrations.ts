import { sql, type Kysely } from 'kysely';
import type { Migration } from '../store/index.ts';

/**
 * Schema of the monitor: alerts, cases with their alerts and timeline, the staff privacy record,
 * suppression rules and the audit of changes to them, shift rosters. Every table is keyed by
 * tenant first.
 */
export const monitorMigrations: Migration[] = [
  {
    name: '400-monitor-cases',
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('monitor_alert')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'text', (c) => c.notNull())
        .addColumn('actor_kind', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('kinds', 'jsonb', (c) => c.notNull())
        .addColumn('score', 'float8', (c) => c.notNull())
        .addColumn('patient_ids', 'jsonb', (c) => c.notNull())
        .addColumn('event_ids', 'jsonb', (c) => c.notNull())
        .addColumn('evidence', 'jsonb', (c) => c.notNull())
        .addColumn('detectors', 'jsonb', (c) => c.notNull())
        .addColumn('start_at', 'timestamptz', (c) => c.notNull())
        .addColumn('end_at', 'timestamptz', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('new'))
        .addColumn('case_id', 'text')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('monitor_alert_pk', ['tenant_id', 'id'])
        .execute();
      await db.schema
        .createIndex('monitor_alert_status_ix')
        .on('monitor_alert')
        .columns(['tenant_id', 'status', 'score'])
        .execute();
      await db.schema
        .createIndex('monitor_alert_actor_ix')
        .on('monitor_alert')
        .columns(['tenant_id', 'actor_id', 'start_at'])
        .execute();
      await db.schema
        .createTable('monitor_case')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'text', (c) => c.notNull())
        .addColumn('actor_kind', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('score', 'float8', (c) => c.notNull())
        .addColumn('kinds', 'jsonb', (c) => c.notNull())
        .addColumn('patient_ids', 'jsonb', (c) => c.notNull())
        .addColumn('start_at', 'timestamptz', (c) => c.notNull())
        .addColumn('end_at', 'timestamptz', (c) => c.notNull())
        .addColumn('assignee', 'text')
        .addColumn('opened_by', 'text', (c) => c.notNull())
        .addColumn('opened_at', 'timestamptz', (c) => c.notNull())
        .addColumn('disposition', 'text')
        .addColumn('resolved_by', 'text')
        .addColumn('resolved_at', 'timestamptz')
        .addPrimaryKeyConstraint('monitor_case_pk', ['tenant_id', 'id'])
        .execute();
      await db.schema
        .createIndex('monitor_case_status_ix')
        .on('monitor_case')
        .columns(['tenant_id', 'status', 'score'])
        .execute();
      await db.schema
        .createTable('monitor_case_entry')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('case_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('at', 'timestamptz', (c) => c.notNull())
        .addColumn('by', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('body', 'jsonb', (c) => c.notNull())
        .addPrimaryKeyConstraint('monitor_case_entry_pk', ['tenant_id', 'case_id', 'seq'])
        .execute();
      await db.schema
        .createTable('monitor_privacy_record')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('staff_id', 'text', (c) => c.notNull())
        .addColumn('case_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('sanction', 'text')
        .addColumn('note', 'text', (c) => c.notNull())
        .addColumn('escalated_to', 'text')
        .addColumn('recorded_by', 'text', (c) => c.notNull())
        .addColumn('recorded_at', 'timestamptz', (c) => c.notNull())
        .addPrimaryKeyConstraint('monitor_privacy_record_pk', ['tenant_id', 'id'])
        .execute();
      await db.schema
        .createIndex('monitor_privacy_record_staff_ix')
        .on('monitor_privacy_record')
        .columns(['tenant_id', 'staff_id', 'recorded_at'])
        .execute();
      await db.schema
        .createTable('monitor_suppression')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'text')
        .addColumn('kind', 'text')
        .addColumn('patient_id', 'text')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull())
        .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
        .addColumn('revoked_at', 'timestamptz')
        .addColumn('revoked_by', 'text')
        .addPrimaryKeyConstraint('monitor_suppression_pk', ['tenant_id', 'id'])
        .execute();
      await db.schema
        .createTable('monitor_audit')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('at', 'timestamptz', (c) => c.notNull())
        .addColumn('by', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('subject', 'jsonb', (c) => c.notNull())
        .addPrimaryKeyConstraint('monitor_audit_pk', ['tenant_id', 'id'])
        .execute();
    },
  },
  {
    name: '401-monitor-roster',
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('monitor_shift')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('staff_id', 'text', (c) => c.notNull())
        .addColumn('starts_at', 'timestamptz', (c) => c.notNull())
        .addColumn('ends_at', 'timestamptz', (c) => c.notNull())
        .addColumn('department_id', 'text')
        .addColumn('imported_at', 'timestamptz', (c) => c.notNull())
        .addPrimaryKeyConstraint('monitor_shift_pk', ['tenant_id', 'staff_id', 'starts_at'])
        .execute();
      await db.schema
        .createIndex('monitor_shift_time_ix')
        .on('monitor_shift')
        .columns(['tenant_id', 'starts_at'])
        .execute();
    },
  },
];
