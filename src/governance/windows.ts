/**
 * Vendor maintenance windows: a vendor engineer's account works only inside a window a privacy
 * officer approved (start, end, systems, approver, reason). Outside one, every action is refused
 * and the attempt ledgered; inside one, every action is ledgered with the window it used. Vendor
 * engineers see no clinical content in any case (default policy `vendor/no-clinical-content`).
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { CustosError, ErrorCode } from '../errors/index.ts';
import type { Staff } from '../identity/index.ts';
import type { Ledger } from '../ledger/index.ts';
import { GovernanceReason } from './errors.ts';
import type { GovernanceTables } from './migrations.ts';
import type { MaintenanceWindow } from './types.ts';

/** The role held to maintenance windows. */
export const VENDOR_ROLE = 'vendor-engineer';
/** Longest window an officer may approve (hours). */
export const MAX_WINDOW_HOURS = 72;
const SYSTEM = /^[a-z0-9][a-z0-9-]{0,31}$/;

type Row = GovernanceTables['gov_window'];

function toWindow(r: Row): MaintenanceWindow {
  return {
    tenant: r.tenant_id,
    id: r.id,
    staffId: r.staff_id,
    systems: JSON.parse(r.systems) as string[],
    startsAt: new Date(r.starts_at).toISOString(),
    endsAt: new Date(r.ends_at).toISOString(),
    reason: r.reason,
    requestedBy: r.requested_by,
    status: r.status as MaintenanceWindow['status'],
    approvedBy: r.approved_by,
    approvedAt: r.approved_at ? new Date(r.approved_at).toISOString() : null,
  };
}

/** True when a staff member is held to maintenance windows. */
export function isVendor(staff: Pick<Staff, 'roles'>): boolean {
  return (staff.roles as readonly string[]).includes(VENDOR_ROLE);
}

/** Maintenance windows and the check every vendor action passes. */
export class WindowStore {
  readonly #db: Kysely<GovernanceTables>;
  readonly #ledger: Pick<Ledger, 'appendEntry'>;
  readonly #now: () => Date;

  constructor(db: Kysely<GovernanceTables>, ledger: Pick<Ledger, 'appendEntry'>, now: () => Date) {
    this.#db = db;
    this.#ledger = ledger;
    this.#now = now;
  }

  /**
   * Ask for a window for a vendor engineer (by the vendor or an officer). It does nothing until
   * a privacy officer other than the requester approves it.
   */
  async request(
    tenant: string,
    requester: Staff,
    input: { staffId: string; startsAt: string; endsAt: string; systems: string[]; reason: string },
  ): Promise<MaintenanceWindow> {
    const starts = Date.parse(input.startsAt);
    const ends = Date.parse(input.endsAt);
    if (Number.isNaN(starts) || Number.isNaN(ends) || ends <= starts)
      throw new CustosError(ErrorCode.InputInvalid, 'a window needs a start before its end', {
        field: 'endsAt',
      });
    if (ends - starts > MAX_WINDOW_HOURS * 3_600_000)
      throw new CustosError(
        ErrorCode.InputInvalid,
        `a window lasts at most ${MAX_WINDOW_HOURS} hours`,
        { field: 'endsAt' },
      );
    if (ends <= this.#now().getTime())
      throw new CustosError(ErrorCode.InputInvalid, 'the window has already ended', {
        field: 'endsAt',
      });
    if (
      !Array.isArray(input.systems) ||
      input.systems.length === 0 ||
      input.systems.length > 16 ||
      !input.systems.every((s) => typeof s === 'string' && (s === '*' || SYSTEM.test(s)))
    )
      throw new CustosError(ErrorCode.InputInvalid, 'systems must list 1 to 16 system names', {
        field: 'systems',
      });
    const reason = typeof input.reason === 'string' ? input.reason.trim() : '';
    if (reason.length < 10 || reason.length > 1000)
      throw new CustosError(ErrorCode.InputInvalid, 'give a reason of 10 to 1000 characters', {
        field: 'reason',
      });
    if (!isVendor(requester) && !requester.roles.includes('privacy-officer'))
      throw new CustosError(
        ErrorCode.Forbidden,
        'only vendor engineers or officers ask for windows',
      );
    if (isVendor(requester) && input.staffId !== requester.id)
      throw new CustosError(ErrorCode.Forbidden, 'a vendor engineer asks for their own window');
    const id = `win-${randomUUID()}`;
    await this.#ledger.appendEntry(tenant, {
      kind: 'admin',
      actor: { type: 'staff', id: requester.id },
      action: 'vendor.window.request',
      decision: 'permit',
      channel: 'console',
      details: {
        windowId: id,
        staffId: input.staffId,
        startsAt: new Date(starts).toISOString(),
        endsAt: new Date(ends).toISOString(),
        systems: input.systems,
      },
    });
    await this.#db
      .insertInto('gov_window')
      .values({
        tenant_id: tenant,
        id,
        staff_id: input.staffId,
        systems: JSON.stringify([...new Set(input.systems)]),
        starts_at: new Date(starts),
        ends_at: new Date(ends),
        reason,
        requested_by: requester.id,
        status: 'requested',
        approved_by: null,
        approved_at: null,
        created_at: this.#now(),
      })
      .execute();
    return (await this.get(tenant, id))!;
  }

  /** A privacy officer approves or rejects a window; never the requester or the vendor. */
  async decide(
    tenant: string,
    officer: Staff,
    id: string,
    outcome: 'approved' | 'rejected',
  ): Promise<MaintenanceWindow> {
    if (!officer.roles.includes('privacy-officer'))
      throw new CustosError(ErrorCode.Forbidden, 'a privacy officer approves maintenance windows', {
        reasonCode: GovernanceReason.ApproverNotOfficer,
      });
    const w = await this.get(tenant, id);
    if (!w) throw new CustosError(ErrorCode.NotFound, 'maintenance window not found');
    if (w.requestedBy === officer.id || w.staffId === officer.id)
      throw new CustosError(ErrorCode.Forbidden, 'a window is approved by someone else', {
        reasonCode: GovernanceReason.SelfApproval,
      });
    if (w.status !== 'requested')
      throw new CustosError(ErrorCode.Conflict, `the window is ${w.status} already`);
    await this.#ledger.appendEntry(tenant, {
      kind: 'admin',
      actor: { type: 'staff', id: officer.id },
      action: `vendor.window.${outcome === 'approved' ? 'approve' : 'reject'}`,
      decision: 'permit',
      channel: 'console',
      details: { windowId: id, staffId: w.staffId },
    });
    await this.#db
      .updateTable('gov_window')
      .set({ status: outcome, approved_by: officer.id, approved_at: this.#now() })
      .where('tenant_id', '=', tenant)
      .where('id', '=', id)
      .where('status', '=', 'requested')
      .execute();
    return (await this.get(tenant, id))!;
  }

  /** A window, or null. */
  async get(tenant: string, id: string): Promise<MaintenanceWindow | null> {
    if (typeof id !== 'string' || id.length > 64) return null;
    const r = await this.#db
      .selectFrom('gov_window')
      .selectAll()
      .where('tenant_id', '=', tenant)
      .where('id', '=', id)
      .executeTakeFirst();
    return r ? toWindow(r) : null;
  }

  /** Windows that have not ended yet (or every window of one staff member). */
  async list(tenant: string, opts: { staffId?: string } = {}): Promise<MaintenanceWindow[]> {
    let q = this.#db.selectFrom('gov_window').selectAll().where('tenant_id', '=', tenant);
    q = opts.staffId
      ? q.where('staff_id', '=', opts.staffId)
      : q.where('ends_at', '>', this.#now());
    return (await q.orderBy('starts_at').limit(1000).execute()).map(toWindow);
  }

  /** The approved window covering now for this staff member and system, or null. */
  async activeWindow(
    tenant: string,
    staffId: string,
    system: string,
  ): Promise<MaintenanceWindow | null> {
    const now = this.#now();
    const rows = await this.#db
      .selectFrom('gov_window')
      .selectAll()
      .where('tenant_id', '=', tenant)
      .where('staff_id', '=', staffId)
      .where('status', '=', 'approved')
      .where('starts_at', '<=', now)
      .where('ends_at', '>', now)
      .execute();
    const w = rows.map(toWindow).find((x) => x.systems.includes('*') || x.systems.includes(system));
    return w ?? null;
  }

  /**
   * The check before every action of a vendor engineer: inside an approved window the action is
   * ledgered with the window id (fail closed) and allowed; outside one it is ledgered as a
   * denial and refused with 403 OUTSIDE_MAINTENANCE_WINDOW. Other staff pass untouched.
   */
  async checkVendorAction(
    tenant: string,
    staff: Staff,
    action: {
      system: string;
      operation: string;
      address?: string | null;
      workstationId?: string | null;
    },
  ): Promise<MaintenanceWindow | null> {
    if (!isVendor(staff)) return null;
    const w = await this.activeWindow(tenant, staff.id, action.system);
    await this.#ledger.appendEntry(tenant, {
      kind: w ? 'admin' : 'denial',
      actor: { type: 'staff', id: staff.id, department: staff.departmentId },
      action: 'vendor.action',
      decision: w ? 'permit' : 'deny',
      reasons: w ? [] : [GovernanceReason.OutsideMaintenanceWindow],
      networkAddress: action.address ?? null,
      workstation: action.workstationId ?? null,
      channel: 'console',
      details: {
        system: action.system,
        operation: action.operation.slice(0, 200),
        ...(w ? { windowId: w.id } : {}),
      },
    });
    if (!w)
      throw new CustosError(
        ErrorCode.Forbidden,
        'vendor accounts work only inside an approved maintenance window',
        { reasonCode: GovernanceReason.OutsideMaintenanceWindow },
      );
    return w;
  }
}
