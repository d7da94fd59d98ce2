/**
 * Child process of the fault test (not part of the public surface): appends disclosures under
 * concurrent load to an on-disk database and prints "ok <seq> <token>" for every append the
 * ledger reported committed, until it is killed.
 */
import { applyMigrations, openStore } from '../store/index.ts';
import { ledgerMigrations, type LedgerTables } from './migrations.ts';
import { createLedger } from './ledger.ts';
import { createTestSigner } from './signer.ts';
import type { Kysely } from 'kysely';

const [dataDir, databaseUrl, tenant] = process.argv.slice(2);
const store = await openStore(databaseUrl ? { databaseUrl } : { dataDir: dataDir as string });
await applyMigrations(store, ledgerMigrations);
const ledger = createLedger(store.db as Kysely<LedgerTables>, {
  signer: createTestSigner(),
  headEvery: 200,
  headIntervalMs: 0,
});
let i = 0;
process.stdout.write('ready\n');
const worker = async (): Promise<never> => {
  for (;;) {
    const token = `wm-${process.pid}-${i++}`;
    const r = await ledger.appendEntry(tenant as string, {
      kind: 'disclosure.read',
      actor: { type: 'staff', id: 'nurse-1', department: 'obstetrics' },
      patientId: `p-${i % 50}`,
      fields: ['name', 'phone'],
      purpose: 'treatment',
      decision: 'permit',
      watermarkToken: token,
    });
    // Only now would the disclosure be allowed to proceed: report it as seen by the client.
    process.stdout.write(`ok ${r.seq} ${token}\n`);
  }
};
await Promise.all(Array.from({ length: 8 }, worker));
