import { sql, type Kysely } from 'kysely';
import type { Migration } from '../store/index.ts';

/** Schema of identity: tenants, departments, staff, workstations, sessions, one-time setup. */
export const identityMigrations: Migration[] = [
  {
    name: '001-identity-core',
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('tenant')
        .addColumn('tenant_id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('crypto_suite', 'text', (c) => c.notNull().defaultTo('aes-256-gcm'))
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema
        .createTable('department')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('name_zh', 'text', (c) => c.notNull())
        .addColumn('name_en', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('department_pk', ['tenant_id', 'id'])
        .execute();
      await db.schema
        .createTable('staff')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('username', 'text', (c) => c.notNull())
        .addColumn('staff_number', 'text', (c) => c.notNull())
        .addColumn('name_sealed', 'bytea', (c) => c.notNull())
        .addColumn('roles', 'jsonb', (c) => c.notNull())
        .addColumn('department_id', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('status_changed_at', 'timestamptz', (c) => c.notNull())
        .addColumn('hr_sealed', 'bytea')
        .addColumn('national_id_index', 'bytea')
        .addColumn('phone_index', 'bytea')
        .addColumn('password_hash', 'text')
        .addColumn('totp_sealed', 'bytea')
        .addColumn('totp_last_step', 'int8')
        .addColumn('mfa_required', 'boolean', (c) => c.notNull())
        .addColumn('failed_logins', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('locked_until', 'timestamptz')
        .addColumn('training_completed_at', 'timestamptz')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull())
        .addPrimaryKeyConstraint('staff_pk', ['tenant_id', 'id'])
        .addUniqueConstraint('staff_username_uq', ['tenant_id', 'username'])
        .addUniqueConstraint('staff_number_uq', ['tenant_id', 'staff_number'])
        .execute();
      await db.schema
        .createIndex('staff_national_id_ix')
        .on('staff')
        .columns(['tenant_id', 'national_id_index'])
        .execute();
      await db.schema
        .createTable('workstation')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('location', 'text', (c) => c.notNull())
        .addColumn('department_id', 'text')
        .addColumn('network', 'text', (c) => c.notNull())
        .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
        .addPrimaryKeyConstraint('workstation_pk', ['tenant_id', 'id'])
        .execute();
      await db.schema
        .createTable('staff_session')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'bytea', (c) => c.notNull())
        .addColumn('staff_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull())
        .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
        .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull())
        .addColumn('revoked_at', 'timestamptz')
        .addColumn('mfa_verified', 'boolean', (c) => c.notNull())
        .addColumn('enrolment_pending', 'boolean', (c) => c.notNull())
        .addColumn('workstation_id', 'text')
        .addColumn('address', 'text')
        .addPrimaryKeyConstraint('staff_session_pk', ['tenant_id', 'id'])
        .execute();
      await db.schema
        .createIndex('staff_session_token_ix')
        .on('staff_session')
        .column('token_hash')
        .unique()
        .execute();
      await db.schema
        .createIndex('staff_session_staff_ix')
        .on('staff_session')
        .columns(['tenant_id', 'staff_id'])
        .execute();
      await db.schema
        .createTable('setup_token')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'bytea', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull())
        .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
        .addColumn('used_at', 'timestamptz')
        .addPrimaryKeyConstraint('setup_token_pk', ['tenant_id', 'token_hash'])
        .execute();
    },
  },
  {
    name: '002-identity-staff-key',
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>) {
      // One wrapped data key per tenant for staff personal data (names, HR data, TOTP secrets).
      await db.schema
        .createTable('staff_data_key')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('suite', 'text', (c) => c.notNull())
        .addColumn('wrapped', 'bytea', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull())
        .addPrimaryKeyConstraint('staff_data_key_pk', ['tenant_id', 'key_id'])
        .execute();
    },
  },
];
