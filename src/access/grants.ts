/**
 * Break-the-glass grants persisted in the access module's own table. Grants are not signed: they
 * are only ever loaded from this store, never accepted from a request. Reason texts and review
 * notes are sealed (they may describe clinical circumstances).
 */
import type { Kysely } from 'kysely';
import { CustosError, ErrorCode } from '../errors/index.ts';
import type { FieldSealer } from '../identity/index.ts';
import type { BreakGlassGrant, BreakGlassReasonCode } from '../policy/index.ts';
import type { AccessTables } from './migrations.ts';
import { GrantReview, type StoredGrant } from './types.ts';

type Row = AccessTables['access_break_glass_grant'];

const toDate = (v: Date | string): Date => (v instanceof Date ? v : new Date(v));
const iso = (v: Date | string | null): string | null =>
  v === null ? null : toDate(v).toISOString();

/** Store of break-the-glass grants. */
export class GrantStore {
  readonly #db: Kysely<AccessTables>;
  readonly #sealer: FieldSealer;

  constructor(db: Kysely<AccessTables>, sealer: FieldSealer) {
    this.#db = db;
    this.#sealer = sealer;
  }

  /** Persist a new grant (with the ledger sequence of its break-glass entry). */
  async save(
    tenant: string,
    g: BreakGlassGrant,
    extra: { workstationId: string | null; ledgerSeq: number },
  ): Promise<void> {
    const reason = await this.#sealer.seal(
      tenant,
      Buffer.from(g.reasonText, 'utf8'),
      `access_break_glass_grant.reason_text|${g.grantId}`,
    );
    await this.#db
      .insertInto('access_break_glass_grant')
      .values({
        tenant_id: tenant,
        grant_id: g.grantId,
        staff_id: g.staffId,
        patient_id: g.patientId,
        reason_code: g.reasonCode,
        reason_text: reason,
        granted_at: new Date(g.grantedAt),
        expires_at: new Date(g.expiresAt),
        workstation_id: extra.workstationId,
        ledger_seq: extra.ledgerSeq,
        review_status: GrantReview.Pending,
        reviewed_by: null,
        reviewed_at: null,
        review_note: null,
        patient_notified_at: null,
      })
      .execute();
  }

  /**
   * The most recent grant of a staff member for a patient that has not been expired for longer
   * than `graceMs` (so a denial can say "break-the-glass expired"), as a policy grant.
   */
  async latestFor(
    tenant: string,
    staffId: string,
    patientId: string,
    now: Date,
    graceMs = 24 * 3_600_000,
  ): Promise<BreakGlassGrant | undefined> {
    const row = await this.#db
      .selectFrom('access_break_glass_grant')
      .selectAll()
      .where('tenant_id', '=', tenant)
      .where('staff_id', '=', staffId)
      .where('patient_id', '=', patientId)
      .where('expires_at', '>', new Date(now.getTime() - graceMs))
      .where('granted_at', '<=', now)
      .orderBy('expires_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!row) return undefined;
    // The policy needs the grant's facts, not its text: the reason stays sealed here.
    return {
      grantId: row.grant_id,
      staffId: row.staff_id,
      patientId: row.patient_id,
      reasonCode: row.reason_code as BreakGlassReasonCode,
      reasonText: '',
      grantedAt: toDate(row.granted_at).toISOString(),
      expiresAt: toDate(row.expires_at).toISOString(),
      reviewRequired: true,
      notifyPatient: true,
    };
  }

  /** One grant with its review state, or undefined. */
  async get(tenant: string, grantId: string): Promise<StoredGrant | undefined> {
    const row = await this.#db
      .selectFrom('access_break_glass_grant')
      .selectAll()
      .where('tenant_id', '=', tenant)
      .where('grant_id', '=', grantId)
      .executeTakeFirst();
    return row ? this.#toStored(tenant, row) : undefined;
  }

  /**
   * Grants, newest first: by review state (the review queue is `pending`), by patient (for the
   * patient's notification and portal) or by staff member; at most `limit` (≤ 500).
   */
  async list(
    tenant: string,
    filter: {
      review?: GrantReview;
      patientId?: string;
      staffId?: string;
      notified?: boolean;
      limit?: number;
    } = {},
  ): Promise<StoredGrant[]> {
    let q = this.#db
      .selectFrom('access_break_glass_grant')
      .selectAll()
      .where('tenant_id', '=', tenant);
    if (filter.review) q = q.where('review_status', '=', filter.review);
    if (filter.patientId) q = q.where('patient_id', '=', filter.patientId);
    if (filter.staffId) q = q.where('staff_id', '=', filter.staffId);
    if (filter.notified === false) q = q.where('patient_notified_at', 'is', null);
    if (filter.notified === true) q = q.where('patient_notified_at', 'is not', null);
    const rows = await q
      .orderBy('granted_at', 'desc')
      .orderBy('grant_id')
      .limit(Math.max(1, Math.min(filter.limit ?? 100, 500)))
      .execute();
    return Promise.all(rows.map((r) => this.#toStored(tenant, r)));
  }

  /** Record a review; only a pending grant can be reviewed (CUSTOS_CONFLICT otherwise). */
  async review(
    tenant: string,
    grantId: string,
    outcome: Exclude<GrantReview, 'pending'>,
    reviewer: string,
    note: string,
    at: Date,
  ): Promise<void> {
    const sealed = note
      ? await this.#sealer.seal(
          tenant,
          Buffer.from(note, 'utf8'),
          `access_break_glass_grant.review_note|${grantId}`,
        )
      : null;
    const r = await this.#db
      .updateTable('access_break_glass_grant')
      .set({ review_status: outcome, reviewed_by: reviewer, reviewed_at: at, review_note: sealed })
      .where('tenant_id', '=', tenant)
      .where('grant_id', '=', grantId)
      .where('review_status', '=', GrantReview.Pending)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1)
      throw new CustosError(ErrorCode.Conflict, 'this break-the-glass access was reviewed already');
  }

  /** Mark the patient as notified of a grant. */
  async markNotified(tenant: string, grantId: string, at: Date): Promise<boolean> {
    const r = await this.#db
      .updateTable('access_break_glass_grant')
      .set({ patient_notified_at: at })
      .where('tenant_id', '=', tenant)
      .where('grant_id', '=', grantId)
      .where('patient_notified_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async #toStored(tenant: string, r: Row): Promise<StoredGrant> {
    const open = async (b: Buffer | null, what: string): Promise<string | null> =>
      b
        ? (
            await this.#sealer.open(tenant, b, `access_break_glass_grant.${what}|${r.grant_id}`)
          ).toString('utf8')
        : null;
    return {
      grantId: r.grant_id,
      staffId: r.staff_id,
      patientId: r.patient_id,
      reasonCode: r.reason_code as BreakGlassReasonCode,
      reasonText: (await open(r.reason_text, 'reason_text')) ?? '',
      grantedAt: toDate(r.granted_at).toISOString(),
      expiresAt: toDate(r.expires_at).toISOString(),
      workstationId: r.workstation_id,
      ledgerSeq: r.ledger_seq === null ? null : Number(r.ledger_seq),
      review: r.review_status as GrantReview,
      reviewedBy: r.reviewed_by,
      reviewedAt: iso(r.reviewed_at),
      reviewNote: await open(r.review_note, 'review_note'),
      patientNotifiedAt: iso(r.patient_notified_at),
    };
  }
}
