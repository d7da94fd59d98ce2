/**
 * Shift rosters (排班): who worked when, and on which ward. The monitor uses them to explain an
 * access by the department of the shift being worked (float staff, handover) and to tell an access
 * after the shift from one during it ("19 of them after her shift"). Rosters come from the
 * hospital's scheduling system as CSV; an import replaces, for each staff member in the file, the
 * shifts of the period the file covers, so a corrected roster can be imported again.
 */
import { parse } from 'csv-parse/sync';
import type { Kysely } from 'kysely';
import { CustosError, ErrorCode } from '../errors/index.ts';
import type { IdentityService } from '../identity/index.ts';
import type { Ledger } from '../ledger/index.ts';
import type { ShiftFact } from './types.ts';

/** One rostered shift. */
export interface RosterShift {
  staffId: string;
  start: Date;
  end: Date;
  /** The ward or department worked; null when the roster does not say. */
  department: string | null;
}

/** Table of the roster. */
export interface RosterTables {
  monitor_shift: {
    tenant_id: string;
    staff_id: string;
    starts_at: Date;
    ends_at: Date;
    department_id: string | null;
    imported_at: Date;
  };
}

/** What an import did. */
export interface RosterImportReport {
  shifts: number;
  /** Shifts of the same staff in the same period that the import replaced. */
  replaced: number;
  staff: number;
  /** Staff ids that the staff directory does not know (kept: other systems' staff). */
  unknownStaff: number;
  from: Date | null;
  to: Date | null;
}

/** Longest shift accepted (a double shift plus handover). */
const MAX_SHIFT_HOURS = 36;
/** Most rows one import takes. */
const MAX_ROWS = 500_000;

/** Header names accepted for each column (English and the usual Chinese export headings). */
const COLUMNS = {
  staffId: ['staff_id', 'staffid', 'staff', '工号', '员工编号'],
  start: ['start', 'starts_at', 'shift_start', '开始时间', '上班时间'],
  end: ['end', 'ends_at', 'shift_end', '结束时间', '下班时间'],
  department: ['department', 'department_id', 'ward', '科室', '病区'],
} as const;

const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
/** ISO 8601 date-time with an explicit offset: a roster without one is ambiguous. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})$/;

function bad(line: number, what: string): never {
  throw new CustosError(ErrorCode.InputInvalid, `roster line ${line}: ${what}`, {
    field: 'roster',
    line,
  });
}

/**
 * Parses a roster CSV: a header row naming `staff_id`, `start`, `end` and optionally
 * `department` (or 工号, 开始时间, 结束时间, 科室), then one shift per row with times in ISO 8601 and
 * an offset (`2026-11-23T08:00+08:00`). The first bad row stops the import with its line number.
 */
export function parseRosterCsv(text: string): RosterShift[] {
  let rows: string[][];
  try {
    rows = parse(text, { bom: true, trim: true, skip_empty_lines: true, relax_column_count: true });
  } catch (e) {
    const line = (e as { lines?: number }).lines ?? 1;
    return bad(line, 'not valid CSV');
  }
  if (rows.length === 0) bad(1, 'the roster is empty');
  if (rows.length - 1 > MAX_ROWS) bad(MAX_ROWS + 2, `at most ${MAX_ROWS} shifts per import`);
  const header = rows[0]!.map((h) => h.toLowerCase());
  const col = (names: readonly string[]) => header.findIndex((h) => names.includes(h));
  const at = {
    staffId: col(COLUMNS.staffId),
    start: col(COLUMNS.start),
    end: col(COLUMNS.end),
    department: col(COLUMNS.department),
  };
  for (const k of ['staffId', 'start', 'end'] as const)
    if (at[k] < 0) bad(1, `the header has no ${COLUMNS[k][0]} column`);
  const out: RosterShift[] = [];
  for (let i = 1; i < rows.length; i++) {
    const r = rows[i]!;
    const line = i + 1;
    const staffId = r[at.staffId] ?? '';
    if (!ID.test(staffId)) bad(line, 'staff_id is missing or malformed');
    const time = (k: 'start' | 'end'): Date => {
      const v = r[at[k]] ?? '';
      const d = new Date(v.replace(' ', 'T'));
      if (!DATE_TIME.test(v) || Number.isNaN(d.getTime()))
        bad(line, `${k} must be an ISO 8601 time with an offset, e.g. 2026-11-23T08:00+08:00`);
      return d;
    };
    const start = time('start');
    const end = time('end');
    const hours = (end.getTime() - start.getTime()) / 3_600_000;
    if (hours <= 0) bad(line, 'end must be after start');
    if (hours > MAX_SHIFT_HOURS) bad(line, `a shift lasts at most ${MAX_SHIFT_HOURS} hours`);
    const dept = at.department >= 0 ? (r[at.department] ?? '') : '';
    if (dept && !ID.test(dept)) bad(line, 'department is malformed');
    out.push({ staffId, start, end, department: dept || null });
  }
  return out;
}

/** Dependencies of the roster store. */
export interface RosterDeps {
  db: Kysely<RosterTables>;
  ledger: Pick<Ledger, 'appendEntry'>;
  now: () => Date;
  /** Whether a staff id is in the directory (for the report only). */
  knownStaff?: (tenant: string, ids: string[]) => Promise<Set<string>>;
}

/**
 * Imports parsed shifts: ledgers the import first (admin `roster.import`, counts and the period,
 * no names), then in one transaction replaces, for each staff member in the file, the shifts that
 * start inside the file's period or overlap one of their new shifts, and inserts the new ones.
 */
export async function importRoster(
  deps: RosterDeps,
  tenant: string,
  shifts: readonly RosterShift[],
  actor: { type: 'staff' | 'system'; id: string },
): Promise<RosterImportReport> {
  const staff = [...new Set(shifts.map((s) => s.staffId))];
  if (shifts.length === 0)
    return { shifts: 0, replaced: 0, staff: 0, unknownStaff: 0, from: null, to: null };
  const from = new Date(Math.min(...shifts.map((s) => s.start.getTime())));
  const to = new Date(Math.max(...shifts.map((s) => s.end.getTime())));
  const known = deps.knownStaff ? await deps.knownStaff(tenant, staff) : new Set(staff);
  const unknownStaff = staff.filter((s) => !known.has(s)).length;
  await deps.ledger.appendEntry(tenant, {
    kind: 'admin',
    actor,
    action: 'roster.import',
    decision: 'permit',
    channel: actor.type === 'staff' ? 'console' : 'cli',
    details: {
      shifts: shifts.length,
      staff: staff.length,
      unknownStaff,
      from: from.toISOString(),
      to: to.toISOString(),
    },
  });
  const importedAt = deps.now();
  const byStaff = new Map<string, RosterShift[]>();
  for (const s of shifts) byStaff.set(s.staffId, [...(byStaff.get(s.staffId) ?? []), s]);
  const replaced = await deps.db.transaction().execute(async (trx) => {
    // Replaced: a staff member's shifts that start inside the file's period, or that overlap one
    // of their new shifts (a corrected shift that now starts a little later or earlier).
    const stale: { staff_id: string; starts_at: Date }[] = [];
    const lookBack = new Date(from.getTime() - MAX_SHIFT_HOURS * 3_600_000);
    for (let i = 0; i < staff.length; i += 1000) {
      const existing = await trx
        .selectFrom('monitor_shift')
        .select(['staff_id', 'starts_at', 'ends_at'])
        .where('tenant_id', '=', tenant)
        .where('staff_id', 'in', staff.slice(i, i + 1000))
        .where('starts_at', '>=', lookBack)
        .where('starts_at', '<', to)
        .execute();
      for (const e of existing) {
        const start = new Date(e.starts_at).getTime();
        const end = new Date(e.ends_at).getTime();
        const inPeriod = start >= from.getTime();
        const conflicts = (byStaff.get(e.staff_id) ?? []).some(
          (n) => start < n.end.getTime() && end > n.start.getTime(),
        );
        if (inPeriod || conflicts) stale.push({ staff_id: e.staff_id, starts_at: e.starts_at });
      }
    }
    for (let i = 0; i < stale.length; i += 500)
      await trx
        .deleteFrom('monitor_shift')
        .where('tenant_id', '=', tenant)
        .where((eb) =>
          eb.or(
            stale
              .slice(i, i + 500)
              .map((k) =>
                eb.and([eb('staff_id', '=', k.staff_id), eb('starts_at', '=', k.starts_at)]),
              ),
          ),
        )
        .execute();
    // Later rows of the file win over earlier ones with the same staff and start.
    const unique = new Map(shifts.map((s) => [`${s.staffId}\u0000${s.start.getTime()}`, s]));
    const values = [...unique.values()].map((s) => ({
      tenant_id: tenant,
      staff_id: s.staffId,
      starts_at: s.start,
      ends_at: s.end,
      department_id: s.department,
      imported_at: importedAt,
    }));
    for (let i = 0; i < values.length; i += 1000)
      await trx
        .insertInto('monitor_shift')
        .values(values.slice(i, i + 1000))
        .execute();
    return stale.length;
  });
  return { shifts: shifts.length, replaced, staff: staff.length, unknownStaff, from, to };
}

/** The shifts overlapping [from, to), as the monitor's facts. */
export async function loadShifts(
  db: Kysely<RosterTables>,
  tenant: string,
  from: Date,
  to: Date,
): Promise<ShiftFact[]> {
  const rows = await db
    .selectFrom('monitor_shift')
    .select(['staff_id', 'starts_at', 'ends_at', 'department_id'])
    .where('tenant_id', '=', tenant)
    .where('starts_at', '<', to)
    .where('ends_at', '>', from)
    .orderBy('starts_at')
    .execute();
  return rows.map((r) => ({
    staffId: r.staff_id,
    start: new Date(r.starts_at).getTime(),
    end: new Date(r.ends_at).getTime(),
    ...(r.department_id ? { department: r.department_id } : {}),
  }));
}

/** `knownStaff` over the staff directory: pages through it once per import. */
export function directoryStaff(
  identity: Pick<IdentityService, 'listStaff'>,
): (tenant: string, ids: string[]) => Promise<Set<string>> {
  return async (tenant, ids) => {
    const wanted = new Set(ids);
    const known = new Set<string>();
    let after: string | undefined;
    for (;;) {
      const page = await identity.listStaff(tenant, { limit: 1000, ...(after ? { after } : {}) });
      for (const s of page) if (wanted.has(s.id)) known.add(s.id);
      if (page.length < 1000) return known;
      after = page[page.length - 1]!.id;
    }
  };
}
