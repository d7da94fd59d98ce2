import { describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../ledger/index.ts';
import { ledgerEntryToAccess } from './ledger-adapter.ts';

const entry = (over: Partial<LedgerEntry>): LedgerEntry => ({
  tenant: 'h1',
  seq: 7,
  recordedAt: new Date('2025-03-03T02:00:00Z'),
  occurredAt: new Date('2025-03-03T01:59:00Z'),
  kind: 'disclosure.read',
  actorType: 'staff',
  actorId: 's1',
  department: 'obstetrics',
  patientId: 'p1',
  fields: ['name', 'phone', 'dueDate'],
  categories: ['demographic'],
  purpose: 'treatment',
  decision: 'permit',
  reasons: [],
  action: null,
  workstation: 'ws-1',
  networkAddress: '10.1.1.1',
  channel: 'console',
  watermarkToken: null,
  sourceSystem: null,
  sourceKey: null,
  details: null,
  prevHash: Buffer.alloc(32),
  entryHash: Buffer.alloc(32),
  ...over,
});

describe('ledger adapter', () => {
  it('maps a disclosure with its categories, time and network', () => {
    expect(ledgerEntryToAccess(entry({}))).toEqual({
      id: 'h1:7',
      time: Date.parse('2025-03-03T01:59:00Z'),
      actorId: 's1',
      actorKind: 'staff',
      action: 'read',
      fields: ['name', 'phone', 'dueDate'],
      categories: ['demographics', 'contact', 'maternity'],
      patientId: 'p1',
      purpose: 'treatment',
      decision: 'permit',
      workstation: 'ws-1',
      ip: '10.1.1.1',
      channel: 'console',
    });
  });

  it.each([
    [{ kind: 'break-glass' }, { breakGlass: true, action: 'read' }],
    [
      { kind: 'disclosure.export', details: '{"instances":300}' },
      { action: 'export', instances: 300 },
    ],
    [{ kind: 'disclosure.api', actorType: 'client' }, { actorKind: 'client' }],
    [{ details: 'not json' }, { action: 'read' }],
  ] as const)('maps %j', (over, want) => {
    expect(ledgerEntryToAccess(entry(over as Partial<LedgerEntry>))).toMatchObject(want);
  });

  it.each([
    [{ kind: 'login' }],
    [{ kind: 'admin' }],
    [{ actorType: 'patient' }],
    [{ patientId: null }],
  ])('skips %j', (over) => {
    expect(ledgerEntryToAccess(entry(over as Partial<LedgerEntry>))).toBeUndefined();
  });
});
