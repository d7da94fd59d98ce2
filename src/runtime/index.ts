/**
 * The composition root: opens the keyring, the database and the ledger and builds the modules on
 * them. The HTTP API and the CLI both start from here.
 */
export {
  createRuntime,
  allMigrations,
  identityEventToEntry,
  LOG_OPTIONS,
  type Runtime,
  type RuntimeOptions,
} from './runtime.ts';
export { openOrCreateKeyring, LOCAL_PASSPHRASE_FILE, type KeyringOpening } from './keys.ts';
export { createStaffSealer } from './staff-sealer.ts';
export { createTestRuntime } from './testing.ts';
