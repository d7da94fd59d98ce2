/**
 * Test helpers for the ledger and for modules that record into it: a fresh database with the ledger
 * schema, a ticking clock, and entry factories.
 */
import { createTestStore, type Store } from '../store/index.ts';
import { ledgerMigrations, type LedgerTables } from './migrations.ts';
import type { Kysely } from 'kysely';
import type { LedgerEntryInput } from './types.ts';

/** A store with the ledger migrations applied, and its typed handle. */
export async function createLedgerTestStore(): Promise<Store & { ledgerDb: Kysely<LedgerTables> }> {
  const store = await createTestStore(ledgerMigrations);
  return Object.assign(store, { ledgerDb: store.db as Kysely<LedgerTables> });
}

/** A clock that starts at `start` and advances `stepMs` on every call. */
export function createTickingClock(
  start = Date.UTC(2025, 0, 15, 8, 0, 0),
  stepMs = 1000,
): () => Date {
  let t = start;
  return () => {
    const d = new Date(t);
    t += stepMs;
    return d;
  };
}

/** A typical disclosure entry, varied by `i`. */
export function sampleEntry(i: number, over: Partial<LedgerEntryInput> = {}): LedgerEntryInput {
  return {
    kind: (
      [
        'disclosure.read',
        'disclosure.search',
        'disclosure.print',
        'disclosure.export',
        'disclosure.api',
      ] as const
    )[i % 5] as LedgerEntryInput['kind'],
    actor: {
      type: i % 9 === 0 ? 'client' : 'staff',
      id: `staff-${i % 13}`,
      department: `dept-${i % 4}`,
    },
    patientId: `patient-${i % 17}`,
    fields: ['name', 'phone', 'diagnosis'].slice(0, 1 + (i % 3)),
    categories: i % 6 === 0 ? ['reproductive-health'] : ['demographics'],
    purpose: 'treatment',
    decision: 'permit',
    reasons: ['care-team'],
    workstation: `ws-${i % 5}`,
    networkAddress: `10.0.${i % 3}.${i % 200}`,
    channel: 'console',
    watermarkToken: `wm-${i}`,
    details: { n: i },
    ...over,
  };
}
