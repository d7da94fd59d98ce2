import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCustosError } from '../errors/index.ts';
import type { LedgerEntryInput } from '../ledger/index.ts';
import { createTestStore, type Store } from '../store/index.ts';
import { monitorMigrations } from './migrations.ts';
import { importRoster, loadShifts, parseRosterCsv, type RosterTables } from './roster.ts';

function failure(fn: () => unknown): { message: string; line: unknown } {
  try {
    fn();
  } catch (e) {
    if (isCustosError(e, 'CUSTOS_INPUT_INVALID')) return { message: e.message, line: e.extra.line };
    throw e;
  }
  throw new Error('expected the roster to be refused');
}

describe('roster CSV', () => {
  it('reads English or Chinese headings, times with offsets and an optional ward', () => {
    const en = parseRosterCsv(
      'staff_id,start,end,department\n' +
        'n-1,2026-11-23T08:00+08:00,2026-11-23T16:00+08:00,obs-ward\n' +
        'n-2,2026-11-23 16:00:00+08:00,2026-11-24T00:00:00+08:00,\n',
    );
    expect(en).toEqual([
      {
        staffId: 'n-1',
        start: new Date('2026-11-23T00:00:00Z'),
        end: new Date('2026-11-23T08:00:00Z'),
        department: 'obs-ward',
      },
      {
        staffId: 'n-2',
        start: new Date('2026-11-23T08:00:00Z'),
        end: new Date('2026-11-23T16:00:00Z'),
        department: null,
      },
    ]);
    const zh = parseRosterCsv(
      '\uFEFF工号,开始时间,结束时间,科室\nn-1,2026-11-23T00:00Z,2026-11-23T08:00Z,obs\n',
    );
    expect(zh[0]).toMatchObject({ staffId: 'n-1', department: 'obs' });
  });

  it('refuses a bad row naming its line, and never half-reads a file', () => {
    const head = 'staff_id,start,end\n';
    const ok = 'n-1,2026-11-23T08:00+08:00,2026-11-23T16:00+08:00\n';
    expect(
      failure(() => parseRosterCsv(head + ok + 'n-2,2026-11-23T08:00,2026-11-23T16:00\n')),
    ).toMatchObject({ line: 3, message: expect.stringContaining('offset') });
    expect(
      failure(() =>
        parseRosterCsv(head + ok + ok + 'n-3,2026-11-23T16:00+08:00,2026-11-23T08:00+08:00\n'),
      ),
    ).toMatchObject({ line: 4, message: expect.stringContaining('after start') });
    expect(
      failure(() => parseRosterCsv(head + 'n-4,2026-11-23T08:00Z,2026-11-25T08:00Z\n')).message,
    ).toContain('36 hours');
    expect(
      failure(() => parseRosterCsv(head + ' ,2026-11-23T08:00Z,2026-11-23T09:00Z\n')).line,
    ).toBe(2);
    expect(
      failure(() => parseRosterCsv('staff_id,start\nn-1,2026-11-23T08:00Z\n')).message,
    ).toContain('no end column');
    expect(failure(() => parseRosterCsv('')).message).toContain('empty');
    expect(failure(() => parseRosterCsv('staff_id,start,end\n"n-1,2026')).message).toContain(
      'not valid CSV',
    );
  });
});

describe('roster store', () => {
  let store: Store;
  const appended: LedgerEntryInput[] = [];
  const deps = () => ({
    db: store.db as Kysely<RosterTables>,
    ledger: {
      appendEntry: async (_t: string, e: LedgerEntryInput) => {
        appended.push(e);
        return { seq: appended.length } as never;
      },
    },
    now: () => new Date('2026-11-23T12:00:00Z'),
    knownStaff: async (_t: string, ids: string[]) => new Set(ids.filter((i) => i !== 'agency-9')),
  });
  beforeAll(async () => {
    store = await createTestStore(monitorMigrations);
  });
  afterAll(async () => {
    await store?.close();
  });

  it('ledgers the import, replaces the period it covers per staff member, and loads by overlap', async () => {
    const week = parseRosterCsv(
      'staff_id,start,end,department\n' +
        'n-1,2026-11-23T00:00Z,2026-11-23T08:00Z,obs\n' +
        'n-1,2026-11-24T00:00Z,2026-11-24T08:00Z,obs\n' +
        'n-2,2026-11-23T08:00Z,2026-11-23T16:00Z,icu\n' +
        'agency-9,2026-11-23T16:00Z,2026-11-24T00:00Z,obs\n',
    );
    const first = await importRoster(deps(), 'h1', week, { type: 'staff', id: 'po-1' });
    expect(first).toMatchObject({ shifts: 4, replaced: 0, staff: 3, unknownStaff: 1 });
    const entry = appended.at(-1)!;
    expect(entry).toMatchObject({ kind: 'admin', action: 'roster.import', decision: 'permit' });
    expect(entry.details).toMatchObject({ shifts: 4, staff: 3, unknownStaff: 1 });

    // A corrected roster for n-1 on the 23rd: the old shift of that period is replaced, the
    // other staff's shifts and n-1's shift on the 24th stay.
    const fix = parseRosterCsv(
      'staff_id,start,end,department\nn-1,2026-11-23T02:00Z,2026-11-23T10:00Z,icu\n',
    );
    const second = await importRoster(deps(), 'h1', fix, { type: 'system', id: 'cli' });
    expect(second.replaced).toBe(1);
    const all = await loadShifts(
      deps().db,
      'h1',
      new Date('2026-11-22T00:00Z'),
      new Date('2026-11-25T00:00Z'),
    );
    expect(
      all.map((s) => `${s.staffId}@${new Date(s.start).toISOString()}:${s.department}`),
    ).toEqual([
      'n-1@2026-11-23T02:00:00.000Z:icu',
      'n-2@2026-11-23T08:00:00.000Z:icu',
      'agency-9@2026-11-23T16:00:00.000Z:obs',
      'n-1@2026-11-24T00:00:00.000Z:obs',
    ]);
    // Overlap, not containment: a window inside one shift finds it; another tenant sees nothing.
    const inside = await loadShifts(
      deps().db,
      'h1',
      new Date('2026-11-23T09:00Z'),
      new Date('2026-11-23T09:30Z'),
    );
    expect(inside.map((s) => s.staffId).sort()).toEqual(['n-1', 'n-2']);
    expect(
      await loadShifts(
        deps().db,
        'h2',
        new Date('2026-11-22T00:00Z'),
        new Date('2026-11-25T00:00Z'),
      ),
    ).toEqual([]);
  });

  it('does not touch the roster when the ledger cannot record the import', async () => {
    const before = await loadShifts(
      deps().db,
      'h1',
      new Date('2026-11-20T00:00Z'),
      new Date('2026-12-01T00:00Z'),
    );
    const failing = {
      ...deps(),
      ledger: {
        appendEntry: async () => {
          throw new Error('ledger unavailable');
        },
      },
    };
    await expect(
      importRoster(
        failing,
        'h1',
        parseRosterCsv('staff_id,start,end\nn-1,2026-11-23T00:00Z,2026-11-23T12:00Z\n'),
        { type: 'system', id: 'cli' },
      ),
    ).rejects.toThrow('ledger unavailable');
    expect(
      await loadShifts(
        deps().db,
        'h1',
        new Date('2026-11-20T00:00Z'),
        new Date('2026-12-01T00:00Z'),
      ),
    ).toEqual(before);
  });
});
