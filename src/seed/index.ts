/**
 * Seeding: writes the synthetic demo hospital through the real modules (identity, encrypted
 * vault, ledger) exactly as imported hospital data would arrive.
 */
export {
  seedDemoHospital,
  accessEventToEntry,
  type DemoLogin,
  type SeedProgress,
  type SeedReport,
} from './load.ts';
export { demoToFhir, NATIONAL_ID_SYSTEM, MRN_SYSTEM, STAFF_NUMBER_SYSTEM } from './to-fhir.ts';
