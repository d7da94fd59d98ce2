import type { Kysely } from 'kysely';
import type { Migration } from '../store/index.ts';

/** How far each tenant's ledger has been published to each stream. */
export interface StreamTables {
  stream_cursor: {
    tenant_id: string;
    stream: string;
    last_seq: number;
    updated_at: Date;
  };
}

/** Schema of the ledger stream relay: one cursor per tenant and stream. */
export const streamMigrations: Migration[] = [
  {
    name: '250-stream-cursor',
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('stream_cursor')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('stream', 'text', (c) => c.notNull())
        .addColumn('last_seq', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
        .addPrimaryKeyConstraint('stream_cursor_pk', ['tenant_id', 'stream'])
        .execute();
    },
  },
];
