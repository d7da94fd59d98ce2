import type { Kysely } from 'kysely';
import type { Migration } from '../store/index.ts';

/**
 * Schema of the patient portal: sign-in challenges (one-time codes, hashed), throttles and
 * lockouts, patient sessions (hashed bearer tokens), tenant settings, notification preferences,
 * the notification outbox and its ledger cursor, organisations already seen per patient, and the
 * patients' reports of suspicious access. Every table is keyed by tenant first.
 */
export const portalMigrations: Migration[] = [
  {
    name: '900-portal-core',
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('portal_challenge')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('phone_key', 'bytea', (c) => c.notNull())
        .addColumn('patient_ids', 'jsonb', (c) => c.notNull())
        .addColumn('code_hash', 'bytea', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull())
        .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('closed_at', 'timestamptz')
        .addPrimaryKeyConstraint('portal_challenge_pk', ['tenant_id', 'id'])
        .execute();
      await db.schema
        .createIndex('portal_challenge_phone_ix')
        .on('portal_challenge')
        .columns(['tenant_id', 'phone_key', 'created_at'])
        .execute();
      await db.schema
        .createTable('portal_throttle')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('window_start', 'timestamptz', (c) => c.notNull())
        .addColumn('requests', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('locked_until', 'timestamptz')
        .addPrimaryKeyConstraint('portal_throttle_pk', ['tenant_id', 'key'])
        .execute();
      await db.schema
        .createTable('portal_session')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'bytea', (c) => c.notNull())
        .addColumn('patient_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull())
        .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
        .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull())
        .addColumn('revoked_at', 'timestamptz')
        .addColumn('address', 'text')
        .addPrimaryKeyConstraint('portal_session_pk', ['tenant_id', 'id'])
        .execute();
      await db.schema
        .createIndex('portal_session_token_ix')
        .on('portal_session')
        .columns(['tenant_id', 'token_hash'])
        .unique()
        .execute();
      await db.schema
        .createTable('portal_settings')
        .addColumn('tenant_id', 'text', (c) => c.notNull().primaryKey())
        .addColumn('settings', 'jsonb', (c) => c.notNull())
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('portal_preference')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('patient_id', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('locale', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
        .addPrimaryKeyConstraint('portal_preference_pk', ['tenant_id', 'patient_id'])
        .execute();
      await db.schema
        .createTable('portal_notification')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('patient_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('entry_seq', 'bigint', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('channel', 'text')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull())
        .addColumn('sent_at', 'timestamptz')
        .addColumn('last_error', 'text')
        .addColumn('read_at', 'timestamptz')
        .addPrimaryKeyConstraint('portal_notification_pk', ['tenant_id', 'id'])
        .addUniqueConstraint('portal_notification_once', [
          'tenant_id',
          'patient_id',
          'kind',
          'entry_seq',
        ])
        .execute();
      await db.schema
        .createIndex('portal_notification_due_ix')
        .on('portal_notification')
        .columns(['tenant_id', 'status', 'next_attempt_at'])
        .execute();
      await db.schema
        .createIndex('portal_notification_patient_ix')
        .on('portal_notification')
        .columns(['tenant_id', 'patient_id', 'created_at'])
        .execute();
      await db.schema
        .createTable('portal_notify_cursor')
        .addColumn('tenant_id', 'text', (c) => c.notNull().primaryKey())
        .addColumn('last_seq', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('portal_org_seen')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('patient_id', 'text', (c) => c.notNull())
        .addColumn('org_key', 'text', (c) => c.notNull())
        .addColumn('first_seq', 'bigint', (c) => c.notNull())
        .addColumn('first_at', 'timestamptz', (c) => c.notNull())
        .addPrimaryKeyConstraint('portal_org_seen_pk', ['tenant_id', 'patient_id', 'org_key'])
        .execute();
      await db.schema
        .createTable('portal_report')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('patient_id', 'text', (c) => c.notNull())
        .addColumn('entry_seq', 'bigint', (c) => c.notNull())
        .addColumn('text_sealed', 'bytea', (c) => c.notNull())
        .addColumn('case_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull())
        .addPrimaryKeyConstraint('portal_report_pk', ['tenant_id', 'id'])
        .addUniqueConstraint('portal_report_once', ['tenant_id', 'patient_id', 'entry_seq'])
        .execute();
    },
  },
];
