/**
 * Notifications to patients: a scanner follows the ledger (a cursor per tenant) and queues a
 * notification in the outbox on break-the-glass, on the first access by an organisation or third
 * party, and on access to sections the patient restricted; a dispatcher delivers the outbox over
 * the patient's chosen channel through the pluggable sender, with retries. Old accesses found on
 * a first scan are recorded silently (no flood of notices for history).
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { streamEntries, type LedgerEntry, type LedgerTables } from '../ledger/index.ts';
import { readResource } from '../vault/index.ts';
import { appendOrFail, type PortalDeps, type SettingsStore } from './context.ts';
import { Directory, entryAt } from './history.ts';
import { noticeText } from './i18n.ts';
import { effectiveRestrictions } from './restrictions.ts';
import {
  NOTIFY_CHANNELS,
  type NotificationKind,
  type NotifyChannel,
  type PatientNotification,
  type PortalLocale,
  type PortalTables,
} from './types.ts';

const WATCHED = new Set([
  'disclosure.read',
  'disclosure.print',
  'disclosure.export',
  'disclosure.api',
  'disclosure.search',
  'break-glass',
  'imported',
]);
const MAX_ATTEMPTS = 5;

/** What one scan did. */
export interface ScanReport {
  scanned: number;
  queued: number;
  lastSeq: number;
}

/** What one dispatch did. */
export interface DispatchReport {
  sent: number;
  inPortal: number;
  failed: number;
}

/** A patient's notification preference. */
export interface NotifyPreference {
  channel: NotifyChannel;
  locale: PortalLocale;
}

type Subject = { zh: string; en: string };

/** The organisation key and name of an access (for "first access by a new organisation"). */
async function organisationKey(
  e: LedgerEntry,
  dir: Directory,
): Promise<{ key: string; name: Subject }> {
  if (e.actorType === 'client')
    return { key: `client:${e.actorId}`, name: { zh: e.actorId, en: e.actorId } };
  const dept = e.department ? (await dir.departments()).get(e.department) : undefined;
  if (dept?.kind === 'vendor')
    return { key: `vendor:${dept.id}`, name: { zh: dept.nameZh, en: dept.nameEn } };
  const org = await dir.organisation();
  return { key: 'organisation', name: { zh: org, en: org } };
}

async function whoOf(e: LedgerEntry, dir: Directory): Promise<Subject> {
  const org = await organisationKey(e, dir);
  const dept = e.department ? (await dir.departments()).get(e.department) : undefined;
  if (!dept || org.key !== 'organisation') return org.name;
  return { zh: `${org.name.zh}${dept.nameZh}`, en: `${dept.nameEn}, ${org.name.en}` };
}

/** Scans new ledger entries (at most `max`) and queues notifications. */
export async function scanForNotifications(
  deps: PortalDeps,
  settingsStore: SettingsStore,
  tenant: string,
  max = 5000,
): Promise<ScanReport> {
  const settings = await settingsStore.get(tenant);
  const now = deps.now();
  const recentFrom = now.getTime() - settings.notifyWindowDays * 86_400_000;
  const cur = await deps.db
    .selectFrom('portal_notify_cursor')
    .select('last_seq')
    .where('tenant_id', '=', tenant)
    .executeTakeFirst();
  let lastSeq = cur ? Number(cur.last_seq) : 0;
  const dir = new Directory(deps, tenant, settings);
  const hiddenOf = new Map<string, Promise<Set<string>>>();
  const hidden = (patientId: string): Promise<Set<string>> => {
    let p = hiddenOf.get(patientId);
    if (!p) {
      p = effectiveRestrictions(deps, tenant, patientId).then(
        (r) => new Set<string>(r.hiddenSections),
        () => new Set<string>(),
      );
      hiddenOf.set(patientId, p);
    }
    return p;
  };
  let scanned = 0;
  let queued = 0;
  const queue = async (e: LedgerEntry, kind: NotificationKind, subject: Subject) => {
    const res = await deps.db
      .insertInto('portal_notification')
      .values({
        tenant_id: tenant,
        id: `pn_${randomUUID()}`,
        patient_id: e.patientId!,
        kind,
        entry_seq: e.seq,
        subject: JSON.stringify(subject),
        created_at: now,
        status: 'pending',
        channel: null,
        attempts: 0,
        next_attempt_at: now,
        sent_at: null,
        last_error: null,
        read_at: null,
      })
      .onConflict((oc) => oc.columns(['tenant_id', 'patient_id', 'kind', 'entry_seq']).doNothing())
      .executeTakeFirst();
    queued += Number(res.numInsertedOrUpdatedRows ?? 0);
  };
  for await (const e of streamEntries(deps.db as Kysely<LedgerTables>, {
    tenant,
    fromSeq: lastSeq + 1,
    toSeq: lastSeq + max,
    pageSize: 500,
  })) {
    scanned++;
    lastSeq = e.seq;
    if (!e.patientId || !WATCHED.has(e.kind) || e.decision === 'deny') continue;
    if (e.actorType !== 'staff' && e.actorType !== 'client') continue;
    const recent = e.occurredAt.getTime() >= recentFrom;
    const org = await organisationKey(e, dir);
    const first = await deps.db
      .insertInto('portal_org_seen')
      .values({
        tenant_id: tenant,
        patient_id: e.patientId,
        org_key: org.key,
        first_seq: e.seq,
        first_at: e.occurredAt,
      })
      .onConflict((oc) => oc.columns(['tenant_id', 'patient_id', 'org_key']).doNothing())
      .executeTakeFirst();
    if (!recent) continue;
    if (Number(first.numInsertedOrUpdatedRows ?? 0) > 0)
      await queue(e, 'new-organisation', org.name);
    if (e.kind === 'break-glass') await queue(e, 'break-glass', await whoOf(e, dir));
    if (e.categories.length > 0 || e.fields.length > 0) {
      const h = await hidden(e.patientId);
      if (h.size > 0 && [...e.categories, ...e.fields].some((c) => h.has(c)))
        await queue(e, 'restricted-access', await whoOf(e, dir));
    }
  }
  if (scanned > 0)
    await deps.db
      .insertInto('portal_notify_cursor')
      .values({ tenant_id: tenant, last_seq: lastSeq, updated_at: now })
      .onConflict((oc) =>
        oc.column('tenant_id').doUpdateSet({ last_seq: lastSeq, updated_at: now }),
      )
      .execute();
  return { scanned, queued, lastSeq };
}

/** The patient's preference, or the tenant default. */
export async function getPreference(
  deps: PortalDeps,
  settingsStore: SettingsStore,
  tenant: string,
  patientId: string,
): Promise<NotifyPreference> {
  const row = await deps.db
    .selectFrom('portal_preference')
    .selectAll()
    .where('tenant_id', '=', tenant)
    .where('patient_id', '=', patientId)
    .executeTakeFirst();
  if (row) return { channel: row.channel as NotifyChannel, locale: row.locale as PortalLocale };
  return { channel: (await settingsStore.get(tenant)).defaultChannel, locale: 'zh-CN' };
}

/** Saves the patient's preference. */
export async function savePreference(
  deps: PortalDeps,
  tenant: string,
  patientId: string,
  p: NotifyPreference,
): Promise<void> {
  const now = deps.now();
  await deps.db
    .insertInto('portal_preference')
    .values({
      tenant_id: tenant,
      patient_id: patientId,
      channel: p.channel,
      locale: p.locale,
      updated_at: now,
    })
    .onConflict((oc) =>
      oc
        .columns(['tenant_id', 'patient_id'])
        .doUpdateSet({ channel: p.channel, locale: p.locale, updated_at: now }),
    )
    .execute();
}

/** The address of a channel from the Patient's telecom (decrypting only the contact section). */
async function addressOf(
  deps: PortalDeps,
  tenant: string,
  patientId: string,
  channel: 'sms' | 'email',
): Promise<string | null> {
  const p = await readResource(deps.vault, tenant, 'Patient', patientId, {
    sections: ['contact'],
  }).catch(() => null);
  const telecom = Array.isArray(p?.resource.telecom) ? (p.resource.telecom as unknown[]) : [];
  const want = channel === 'sms' ? ['sms', 'phone'] : ['email'];
  for (const system of want)
    for (const t of telecom) {
      const o = t as { system?: unknown; value?: unknown; use?: unknown };
      if (o?.system === system && typeof o.value === 'string' && o.use !== 'old') return o.value;
    }
  return null;
}

/**
 * Delivers due notifications (at most `limit`): in the portal only, or by SMS / e-mail through
 * the sender. Reading the patient's phone or e-mail is ledgered first (actor `system`). Failures
 * are retried with backoff, then left as `failed` (still shown in the portal).
 */
export async function dispatchNotifications(
  deps: PortalDeps,
  settingsStore: SettingsStore,
  tenant: string,
  limit = 100,
): Promise<DispatchReport> {
  const now = deps.now();
  const due = await (deps.db as Kysely<PortalTables>)
    .selectFrom('portal_notification')
    .selectAll()
    .where('tenant_id', '=', tenant)
    .where('status', 'in', ['pending', 'retry'])
    .where('next_attempt_at', '<=', now)
    .orderBy('created_at')
    .limit(Math.max(1, Math.min(limit, 1000)))
    .execute();
  const report: DispatchReport = { sent: 0, inPortal: 0, failed: 0 };
  for (const n of due) {
    const pref = await getPreference(deps, settingsStore, tenant, n.patient_id);
    const mark = (set: Record<string, unknown>) =>
      deps.db
        .updateTable('portal_notification')
        .set(set)
        .where('tenant_id', '=', tenant)
        .where('id', '=', n.id)
        .execute();
    const channel = NOTIFY_CHANNELS.includes(pref.channel) ? pref.channel : 'portal';
    const to = channel === 'portal' ? null : await addressOf(deps, tenant, n.patient_id, channel);
    if (channel === 'portal' || !to) {
      await mark({ status: 'in-portal', channel: 'portal', sent_at: now });
      await markGrant(deps, tenant, n);
      report.inPortal++;
      continue;
    }
    await appendOrFail(deps, tenant, {
      kind: 'admin',
      actor: { type: 'system', id: 'portal-notifier' },
      patientId: n.patient_id,
      action: 'portal.notify',
      fields: [channel === 'sms' ? 'contact.phone' : 'contact.email'],
      purpose: 'patient-request',
      decision: 'permit',
      reasons: [n.kind],
      channel: 'portal',
      details: { notification: n.id, kind: n.kind, channel, entry: Number(n.entry_seq) },
    });
    const subject = JSON.parse(n.subject) as Subject;
    const entry = await entryAt(deps, tenant, Number(n.entry_seq));
    try {
      await deps.sender.send({
        channel,
        to,
        purpose: n.kind,
        text: noticeText(
          n.kind as NotificationKind,
          pref.locale,
          pref.locale === 'en' ? subject.en : subject.zh,
          entry?.occurredAt ?? new Date(n.created_at),
        ),
      });
      await mark({ status: 'sent', channel, sent_at: now, attempts: n.attempts + 1 });
      await markGrant(deps, tenant, n, entry);
      report.sent++;
    } catch (e) {
      const attempts = n.attempts + 1;
      const code = (e as { code?: string })?.code ?? 'send-failed';
      await mark({
        status: attempts >= MAX_ATTEMPTS ? 'failed' : 'retry',
        channel,
        attempts,
        last_error: String(code).slice(0, 100),
        next_attempt_at: new Date(now.getTime() + 2 ** attempts * 60_000),
      });
      report.failed++;
    }
  }
  return report;
}

/** Tells the access module that the patient was told about a break-the-glass grant. */
async function markGrant(
  deps: PortalDeps,
  tenant: string,
  n: { kind: string; entry_seq: number | string },
  known?: LedgerEntry | null,
): Promise<void> {
  if (n.kind !== 'break-glass' || !deps.breakGlass) return;
  const entry = known ?? (await entryAt(deps, tenant, Number(n.entry_seq)));
  if (!entry?.details) return;
  const grantId = (JSON.parse(entry.details) as { grantId?: unknown }).grantId;
  if (typeof grantId === 'string')
    await deps.breakGlass.markPatientNotified(tenant, grantId).catch(() => false);
}

/** The patient's notifications, newest first. */
export async function listNotifications(
  deps: PortalDeps,
  tenant: string,
  patientId: string,
  locale: PortalLocale,
  limit = 50,
): Promise<PatientNotification[]> {
  const rows = await (deps.db as Kysely<PortalTables>)
    .selectFrom('portal_notification')
    .selectAll()
    .where('tenant_id', '=', tenant)
    .where('patient_id', '=', patientId)
    .orderBy('created_at', 'desc')
    .orderBy('entry_seq', 'desc')
    .limit(Math.max(1, Math.min(limit, 200)))
    .execute();
  const out: PatientNotification[] = [];
  for (const n of rows) {
    const subject = JSON.parse(n.subject) as Subject;
    const entry = await entryAt(deps, tenant, Number(n.entry_seq));
    const at = entry?.occurredAt ?? new Date(n.created_at);
    out.push({
      id: n.id,
      kind: n.kind as NotificationKind,
      seq: Number(n.entry_seq),
      at: at.toISOString(),
      text: noticeText(
        n.kind as NotificationKind,
        locale,
        locale === 'en' ? subject.en : subject.zh,
        at,
      ),
      status: n.status,
      channel: n.channel,
      read: n.read_at !== null,
    });
  }
  return out;
}
