/**
 * Database access: Kysely over the embedded PGlite (default, persisted in the data folder) or
 * PostgreSQL, versioned migrations, and isolated test databases on either backend.
 */
export { openStore, DATA_DIR_FORMAT, type Store, type StoreOptions } from './open.ts';
export { applyMigrations, type Migration } from './migrate.ts';
export { createTestStore, testBackend, testDatabaseUrl } from './test-store.ts';
export { PGliteDialect } from './pglite-dialect.ts';
