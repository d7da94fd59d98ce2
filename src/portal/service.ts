/**
 * The patient portal service: sign-in, access history and its downloadable proof-carrying copy,
 * restrictions (FHIR Consent), notification preferences and the notification outbox, and reports
 * of suspicious access. Every patient action is ledgered (actor type `patient`, channel `portal`)
 * before it takes effect.
 */
import type { Kysely } from 'kysely';
import { CustosError, ErrorCode } from '../errors/index.ts';
import type { LedgerTables } from '../ledger/index.ts';
import type { MonitorTables } from '../monitor/index.ts';
import {
  appendOrFail,
  isWellFormedId,
  PORTAL_CHANNEL,
  SettingsStore,
  type PortalDeps,
} from './context.ts';
import { proveLines, renderCsv, renderJson, renderPdf, type HistoryCopy } from './export.ts';
import {
  Directory,
  entryAt,
  readAllEntries,
  readHistory,
  reportsBySeq,
  toLines,
} from './history.ts';
import { PatientLogin, type CodeChallenge, type PatientSignIn } from './login.ts';
import {
  dispatchNotifications,
  getPreference,
  listNotifications,
  savePreference,
  scanForNotifications,
  type DispatchReport,
  type NotifyPreference,
  type ScanReport,
} from './notify.ts';
import { createMonitorCaseDesk, fileReport, listReports, type CaseDesk } from './reports.ts';
import { HIDEABLE_SECTIONS, readChoices, writeChoices } from './restrictions.ts';
import {
  NOTIFY_CHANNELS,
  type HistoryFilter,
  type HistoryPage,
  type PatientNotification,
  type PatientReport,
  type PatientRestrictions,
  type PatientSession,
  type PortalLocale,
} from './types.ts';

/** A change of restrictions asked for by the patient. */
export interface RestrictionChange {
  hiddenSections?: string[];
  /** Block the staff member behind this entry of the patient's history. */
  blockEntrySeq?: number;
  /** Lift the block of this staff member (a `ref` from the restrictions). */
  unblock?: string;
  researchOptOut?: boolean;
}

/** A downloadable file. */
export interface DownloadFile {
  contentType: string;
  filename: string;
  body: Buffer;
  entries: number;
  truncated: boolean;
}

/** Most entries in one downloadable copy. */
export const MAX_EXPORT_ENTRIES = 500;

/** The patient portal. Construct once per process with the runtime's modules. */
export class PortalService {
  readonly settings: SettingsStore;
  readonly login: PatientLogin;
  readonly desk: CaseDesk;
  readonly #deps: PortalDeps;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(deps: PortalDeps, opts: { caseDesk?: CaseDesk } = {}) {
    this.#deps = deps;
    this.settings = new SettingsStore(deps);
    this.login = new PatientLogin(deps, this.settings);
    this.desk = opts.caseDesk ?? createMonitorCaseDesk(deps.db as Kysely<MonitorTables>);
  }

  // ---- sign-in ------------------------------------------------------------------------------

  /** Step 1 of sign-in (see PatientLogin.requestCode). */
  requestCode(
    tenant: string,
    input: { phone: unknown; address?: string | null; locale?: PortalLocale },
  ): Promise<CodeChallenge> {
    return this.login.requestCode(tenant, input);
  }

  /** Step 2 of sign-in (see PatientLogin.verify). */
  verifyCode(
    tenant: string,
    input: { challengeId: unknown; code: unknown; idNumber: unknown; address?: string | null },
  ): Promise<PatientSignIn> {
    return this.login.verify(tenant, input);
  }

  /** The signed-in patient of a bearer token. */
  authenticate(tenant: string, token: string | undefined): Promise<PatientSession> {
    return this.login.authenticate(tenant, token);
  }

  /** Signs out. */
  logout(tenant: string, token: string | undefined): Promise<void> {
    return this.login.logout(tenant, token);
  }

  // ---- history ------------------------------------------------------------------------------

  /** A page of the patient's access history (the view is ledgered). */
  async getHistory(s: PatientSession, filter: HistoryFilter = {}): Promise<HistoryPage> {
    await this.#record(s, 'portal.history.view', {});
    return readHistory(this.#deps, this.settings, s.tenant, s.patientId, filter);
  }

  /**
   * The downloadable copy (csv, pdf or json) of the history matching `filter`, each entry with
   * its inclusion proof against a signed tree head. The download is ledgered first.
   */
  async exportHistory(
    s: PatientSession,
    format: 'csv' | 'pdf' | 'json',
    filter: HistoryFilter = {},
  ): Promise<DownloadFile> {
    if (!['csv', 'pdf', 'json'].includes(format))
      throw new CustosError(ErrorCode.BadRequest, 'format must be csv, pdf or json', {
        field: 'format',
      });
    await this.#record(s, 'portal.history.export', { format });
    const locale = filter.locale ?? 'zh-CN';
    const settings = await this.settings.get(s.tenant);
    const { entries, truncated } = await readAllEntries(
      this.#deps,
      s.tenant,
      s.patientId,
      filter,
      MAX_EXPORT_ENTRIES,
    );
    const lines = await toLines(
      entries,
      new Directory(this.#deps, s.tenant, settings),
      settings,
      locale,
      await reportsBySeq(this.#deps, s.tenant, s.patientId),
    );
    const proven = await proveLines(
      this.#deps.db as Kysely<LedgerTables>,
      s.tenant,
      lines,
      () => this.#deps.ledger.signTreeHead(s.tenant),
      this.#deps.signer?.publicKeyPem,
    );
    const copy: HistoryCopy = {
      tenant: s.tenant,
      patientId: s.patientId,
      generatedAt: this.#deps.now(),
      locale,
      truncated,
      ...proven,
    };
    const stamp = copy.generatedAt.toISOString().slice(0, 10);
    const body =
      format === 'csv'
        ? renderCsv(copy)
        : format === 'json'
          ? renderJson(copy)
          : await renderPdf(copy);
    return {
      contentType:
        format === 'csv'
          ? 'text/csv; charset=utf-8'
          : format === 'json'
            ? 'application/json; charset=utf-8'
            : 'application/pdf',
      filename: `access-history-${stamp}.${format}`,
      body,
      entries: lines.length,
      truncated,
    };
  }

  // ---- restrictions -------------------------------------------------------------------------

  /** The patient's restrictions with the names of blocked staff (when the tenant shows names). */
  async getRestrictions(s: PatientSession): Promise<PatientRestrictions> {
    const c = await readChoices(this.#deps, s.tenant, s.patientId);
    const settings = await this.settings.get(s.tenant);
    const blockedStaff = [];
    for (const id of c.blockedStaffIds) {
      const staff = settings.showStaffNames
        ? await this.#deps.identity.getStaff(s.tenant, id).catch(() => null)
        : null;
      blockedStaff.push({ ref: id, name: staff?.name ?? null });
    }
    return {
      hiddenSections: c.hiddenSections,
      blockedStaff,
      researchOptOut: c.researchOptOut,
    };
  }

  /**
   * Changes restrictions: hide sections, block the staff member behind an entry of the history,
   * lift a block, opt out of research. Ledgered (counts only) before the Consents are written.
   */
  async updateRestrictions(
    s: PatientSession,
    change: RestrictionChange,
  ): Promise<PatientRestrictions> {
    const c = await readChoices(this.#deps, s.tenant, s.patientId);
    if (change.hiddenSections !== undefined) {
      if (
        !Array.isArray(change.hiddenSections) ||
        change.hiddenSections.some((x) => typeof x !== 'string' || !(x in HIDEABLE_SECTIONS))
      )
        throw new CustosError(
          ErrorCode.InputInvalid,
          'hiddenSections may hold psychiatry, reproductive, hiv-sti, substance, genetics',
          { field: 'hiddenSections' },
        );
      c.hiddenSections = [...new Set(change.hiddenSections)].sort();
    }
    if (change.blockEntrySeq !== undefined) {
      const e = await entryAt(this.#deps, s.tenant, change.blockEntrySeq);
      if (!e || e.patientId !== s.patientId || e.actorType !== 'staff')
        throw new CustosError(
          ErrorCode.NotFound,
          'no staff access with that number in your history',
        );
      if (!c.blockedStaffIds.includes(e.actorId)) c.blockedStaffIds.push(e.actorId);
    }
    if (change.unblock !== undefined) {
      if (!isWellFormedId(change.unblock))
        throw new CustosError(ErrorCode.InputInvalid, 'unblock must be a reference', {
          field: 'unblock',
        });
      c.blockedStaffIds = c.blockedStaffIds.filter((x) => x !== change.unblock);
    }
    if (change.researchOptOut !== undefined) {
      if (typeof change.researchOptOut !== 'boolean')
        throw new CustosError(ErrorCode.InputInvalid, 'researchOptOut must be true or false', {
          field: 'researchOptOut',
        });
      c.researchOptOut = change.researchOptOut;
    }
    await this.#record(s, 'portal.restrictions.update', {
      hidden: c.hiddenSections.length,
      blocked: c.blockedStaffIds.length,
      researchOptOut: c.researchOptOut,
    });
    await writeChoices(this.#deps, s.tenant, s.patientId, c);
    return this.getRestrictions(s);
  }

  // ---- notifications ------------------------------------------------------------------------

  /** The patient's notification preference. */
  getPreference(s: PatientSession): Promise<NotifyPreference> {
    return getPreference(this.#deps, this.settings, s.tenant, s.patientId);
  }

  /** Changes the patient's notification channel and language (ledgered). */
  async setPreference(s: PatientSession, p: NotifyPreference): Promise<NotifyPreference> {
    if (!NOTIFY_CHANNELS.includes(p.channel))
      throw new CustosError(ErrorCode.InputInvalid, 'channel must be sms, email or portal', {
        field: 'channel',
      });
    if (p.locale !== 'zh-CN' && p.locale !== 'en')
      throw new CustosError(ErrorCode.InputInvalid, 'locale must be zh-CN or en', {
        field: 'locale',
      });
    await this.#record(s, 'portal.preference.update', { channel: p.channel, locale: p.locale });
    await savePreference(this.#deps, s.tenant, s.patientId, p);
    return p;
  }

  /** The patient's notifications, newest first; marks them read. */
  async listNotifications(s: PatientSession, locale: PortalLocale): Promise<PatientNotification[]> {
    const list = await listNotifications(this.#deps, s.tenant, s.patientId, locale);
    await this.#deps.db
      .updateTable('portal_notification')
      .set({ read_at: this.#deps.now() })
      .where('tenant_id', '=', s.tenant)
      .where('patient_id', '=', s.patientId)
      .where('read_at', 'is', null)
      .execute();
    return list;
  }

  /** Queues notifications for new ledger entries of a tenant. */
  scanLedger(tenant: string, max?: number): Promise<ScanReport> {
    return scanForNotifications(this.#deps, this.settings, tenant, max);
  }

  /** Delivers due notifications of a tenant. */
  dispatch(tenant: string, limit?: number): Promise<DispatchReport> {
    return dispatchNotifications(this.#deps, this.settings, tenant, limit);
  }

  /** One round: scan, then dispatch. */
  async runNotifications(tenant: string): Promise<ScanReport & DispatchReport> {
    const scan = await this.scanLedger(tenant);
    const sent = await this.dispatch(tenant);
    return { ...scan, ...sent };
  }

  /**
   * Runs notification rounds for `tenants` every `intervalMs` (timer unref'd, rounds never
   * overlap; failures are logged without personal data). `stop()` ends it.
   */
  start(tenants: readonly string[], intervalMs = 30_000): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      if (this.#running) return;
      this.#running = (async () => {
        for (const t of tenants) {
          try {
            await this.runNotifications(t);
          } catch (e) {
            this.#deps.log.warn(
              { err: { code: (e as { code?: string })?.code ?? 'error' } },
              'portal: notification round failed',
            );
          }
        }
      })().finally(() => (this.#running = undefined));
    }, intervalMs);
    this.#timer.unref();
  }

  /** Stops the notification rounds and waits for a running one. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  // ---- reports ------------------------------------------------------------------------------

  /** Reports an access of the patient's history as suspicious: opens a case in the monitor. */
  fileReport(
    s: PatientSession,
    seq: unknown,
    text: unknown,
  ): Promise<{ reportId: string; caseId: string }> {
    return fileReport(this.#deps, this.desk, s.tenant, s.patientId, seq, text);
  }

  /** The patient's reports with the status and outcome of their cases. */
  listReports(s: PatientSession, locale: PortalLocale): Promise<PatientReport[]> {
    return listReports(this.#deps, this.desk, s.tenant, s.patientId, locale);
  }

  async #record(
    s: PatientSession,
    action: string,
    details: Record<string, string | number | boolean>,
  ) {
    await appendOrFail(this.#deps, s.tenant, {
      kind: 'admin',
      actor: { type: 'patient', id: s.patientId },
      action,
      decision: 'permit',
      channel: PORTAL_CHANNEL,
      details: { session: s.sessionId, ...details },
    });
  }
}
