/**
 * Reports of suspicious access: the patient picks an entry of their history and says why in their
 * own words; a case opens in the privacy monitor (visible to the privacy officer with the entry,
 * the staff member and the patient's words), and the patient follows its status and outcome.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { CustosError, ErrorCode } from '../errors/index.ts';
import {
  addCaseNote,
  getCase,
  openCase,
  saveAlerts,
  type Alert,
  type IncidentKind,
  type MonitorTables,
} from '../monitor/index.ts';
import { appendOrFail, PORTAL_CHANNEL, type PortalDeps } from './context.ts';
import { entryAt } from './history.ts';
import { caseStatusText, outcomeText } from './i18n.ts';
import type { PatientReport, PortalLocale } from './types.ts';

/** The access a patient reports, as the case desk needs it (no personal data but the words). */
export interface ReportedAccess {
  tenant: string;
  reportId: string;
  patientId: string;
  seq: number;
  actorType: string;
  actorId: string;
  at: Date;
  /** The patient's words. */
  text: string;
  now: Date;
}

/** Where reports become cases: the privacy monitor's case management. */
export interface CaseDesk {
  /** Opens a case for a patient's report; returns its id. */
  openReportCase(r: ReportedAccess): Promise<string>;
  /** The case's state, or null when it no longer exists. */
  caseState(
    tenant: string,
    caseId: string,
  ): Promise<{ status: string; disposition: string | null; resolvedAt: Date | null } | null>;
}

/** Kind of the monitor alert a patient's report raises. */
export const PATIENT_REPORT_KIND = 'patient-report';

/**
 * The case desk over the monitor's tables: the report becomes an alert (kind `patient-report`,
 * score 0.9, the ledger entry as its event) opened as a case by the patient, with the patient's
 * words as the first note of the timeline.
 */
export function createMonitorCaseDesk(db: Kysely<MonitorTables>): CaseDesk {
  return {
    async openReportCase(r) {
      const alert: Alert = {
        id: `patient-report-${r.reportId}`,
        actorId: r.actorId,
        actorKind: r.actorType === 'client' ? 'client' : 'staff',
        // The monitor's case list shows it as what it is: a patient's report.
        kind: PATIENT_REPORT_KIND as IncidentKind,
        kinds: [PATIENT_REPORT_KIND as IncidentKind],
        patientIds: [r.patientId],
        start: r.at.getTime(),
        end: r.at.getTime(),
        score: 0.9,
        evidence: [
          {
            code: 'patient-report',
            en: `The patient reported ledger entry ${r.seq} as suspicious access to their record.`,
            zh: `患者举报账本条目 ${r.seq} 为可疑的病历访问。`,
          },
        ],
        eventIds: [String(r.seq)],
        detectors: ['patient-report'],
      };
      await saveAlerts(db, r.tenant, [alert]);
      const c = await openCase(db, {
        tenantId: r.tenant,
        alertIds: [alert.id],
        openedBy: `patient:${r.patientId}`,
        now: r.now,
      });
      await addCaseNote(db, {
        tenantId: r.tenant,
        caseId: c.id,
        by: `patient:${r.patientId}`,
        text: r.text,
        now: r.now,
      });
      return c.id;
    },
    async caseState(tenant, caseId) {
      try {
        const d = await getCase(db, tenant, caseId);
        return {
          status: d.case.status,
          disposition: d.case.disposition,
          resolvedAt: d.case.resolvedAt,
        };
      } catch (e) {
        if (e instanceof CustosError && e.code === ErrorCode.NotFound) return null;
        throw e;
      }
    },
  };
}

function checkWords(text: unknown): string {
  if (typeof text !== 'string' || text.trim().length === 0 || [...text].length > 2000)
    throw new CustosError(ErrorCode.InputInvalid, 'say in 1 to 2000 characters what is wrong', {
      field: 'text',
    });
  return text.trim();
}

/**
 * Files a report on ledger entry `seq` of the patient's own history. 404 when the entry is not
 * about this patient (the same answer as for no entry), 409 when it was reported already.
 */
export async function fileReport(
  deps: PortalDeps,
  desk: CaseDesk,
  tenant: string,
  patientId: string,
  seq: unknown,
  text: unknown,
): Promise<{ reportId: string; caseId: string }> {
  const words = checkWords(text);
  const n = typeof seq === 'number' ? seq : Number.NaN;
  const entry = Number.isSafeInteger(n) ? await entryAt(deps, tenant, n) : null;
  if (!entry || entry.patientId !== patientId || entry.actorType === 'patient')
    throw new CustosError(ErrorCode.NotFound, 'no such access in your history');
  const existing = await deps.db
    .selectFrom('portal_report')
    .select('id')
    .where('tenant_id', '=', tenant)
    .where('patient_id', '=', patientId)
    .where('entry_seq', '=', entry.seq)
    .executeTakeFirst();
  if (existing)
    throw new CustosError(ErrorCode.Conflict, 'you reported this access already', {
      reportId: existing.id,
    });
  const reportId = `pr_${randomUUID()}`;
  const now = deps.now();
  await appendOrFail(deps, tenant, {
    kind: 'admin',
    actor: { type: 'patient', id: patientId },
    action: 'portal.report',
    decision: 'permit',
    reasons: ['suspicious-access'],
    channel: PORTAL_CHANNEL,
    details: { report: reportId, entry: entry.seq },
  });
  const caseId = await desk.openReportCase({
    tenant,
    reportId,
    patientId,
    seq: entry.seq,
    actorType: entry.actorType,
    actorId: entry.actorId,
    at: entry.occurredAt,
    text: words,
    now,
  });
  await deps.db
    .insertInto('portal_report')
    .values({
      tenant_id: tenant,
      id: reportId,
      patient_id: patientId,
      entry_seq: entry.seq,
      text_sealed: await deps.sealer.seal(
        tenant,
        Buffer.from(words, 'utf8'),
        `portal_report|text|${reportId}`,
      ),
      case_id: caseId,
      created_at: now,
    })
    .execute();
  return { reportId, caseId };
}

/** The patient's reports with their case status and outcome, newest first. */
export async function listReports(
  deps: PortalDeps,
  desk: CaseDesk,
  tenant: string,
  patientId: string,
  locale: PortalLocale,
): Promise<PatientReport[]> {
  const rows = await deps.db
    .selectFrom('portal_report')
    .selectAll()
    .where('tenant_id', '=', tenant)
    .where('patient_id', '=', patientId)
    .orderBy('created_at', 'desc')
    .limit(200)
    .execute();
  const out: PatientReport[] = [];
  for (const r of rows) {
    const state = await desk.caseState(tenant, r.case_id);
    const status = state?.status ?? 'open';
    const outcome = status === 'resolved' && state?.disposition ? state.disposition : 'pending';
    const text = (
      await deps.sealer.open(tenant, r.text_sealed, `portal_report|text|${r.id}`)
    ).toString('utf8');
    out.push({
      id: r.id,
      seq: Number(r.entry_seq),
      createdAt: new Date(r.created_at).toISOString(),
      caseId: r.case_id,
      status,
      statusText: caseStatusText(status, locale),
      outcome,
      outcomeText: outcomeText(outcome, locale),
      resolvedAt: state?.resolvedAt ? state.resolvedAt.toISOString() : null,
      text,
    });
  }
  return out;
}
