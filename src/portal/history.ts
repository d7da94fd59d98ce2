/**
 * The patient's access history: every ledger entry about their record, in the words a patient
 * reads (who, role, department, purpose and reason, channel, break-the-glass), filtered and
 * paged. Staff names come from identity (sealed at rest) unless the tenant shows only the
 * organisation.
 */
import type { Kysely } from 'kysely';
import { CustosError, ErrorCode } from '../errors/index.ts';
import type { Department, Staff } from '../identity/index.ts';
import {
  queryEntries,
  streamEntries,
  type EntryKind,
  type LedgerEntry,
  type LedgerTables,
} from '../ledger/index.ts';
import type { PortalDeps, SettingsStore } from './context.ts';
import { channelText, purposeText, reasonText, roleText } from './i18n.ts';
import {
  ACCESS_CHANNELS,
  type AccessChannel,
  type AccessLine,
  type HistoryFilter,
  type HistoryPage,
  type PortalLocale,
  type PortalSettings,
} from './types.ts';

const RELATIONSHIP = /^relationship:([a-z-]+)$/;
const BREAK_GLASS_CODES = new Set([
  'EMERGENCY_UNCONSCIOUS',
  'EMERGENCY_LIFE_THREATENING',
  'URGENT_CARE_NO_RELATIONSHIP',
  'CONSULTATION',
  'OTHER',
]);

/** Kinds of entries a channel filter selects. */
const KINDS_OF: Partial<Record<AccessChannel, EntryKind[]>> = {
  screen: ['disclosure.read', 'break-glass'],
  print: ['disclosure.print'],
  export: ['disclosure.export'],
  search: ['disclosure.search'],
};

/** How an entry reached the data, as the patient reads it. */
export function channelOf(e: Pick<LedgerEntry, 'kind' | 'actorType' | 'channel'>): AccessChannel {
  if (e.actorType === 'client' || e.kind === 'disclosure.api') return 'third-party';
  switch (e.kind) {
    case 'disclosure.print':
      return 'print';
    case 'disclosure.export':
      return 'export';
    case 'disclosure.search':
      return 'search';
    case 'disclosure.read':
    case 'break-glass':
    case 'denial':
      return e.channel === 'print' ? 'print' : e.channel === 'export' ? 'export' : 'screen';
    case 'imported':
      return e.channel === 'print'
        ? 'print'
        : e.channel === 'export'
          ? 'export'
          : e.channel === 'api'
            ? 'third-party'
            : 'screen';
    case 'admin':
    case 'login':
    case 'login-failed':
    case 'mfa-change':
      return 'other';
  }
}

/** The reasons of an entry as patient-readable codes (policy ids and versions left out). */
export function reasonsOf(e: Pick<LedgerEntry, 'kind' | 'reasons' | 'decision' | 'action'>) {
  if (e.decision === 'deny') return ['denied'];
  if (e.action === 'portal.notify') return ['notify'];
  const out: string[] = [];
  for (const r of e.reasons) {
    const m = RELATIONSHIP.exec(r);
    if (m) out.push(m[1]!);
    else if (r === 'break-glass' || BREAK_GLASS_CODES.has(r)) out.push(r);
  }
  if (e.kind === 'break-glass' && !out.includes('break-glass')) out.unshift('break-glass');
  return [...new Set(out)];
}

/** Per-request lookups of staff, departments and the organisation's name. */
export class Directory {
  readonly #staff = new Map<string, Promise<Staff | null>>();
  #departments: Promise<Map<string, Department>> | undefined;
  #tenantName: Promise<string> | undefined;

  constructor(
    private readonly deps: PortalDeps,
    private readonly tenant: string,
    private readonly settings: PortalSettings,
  ) {}

  staff(id: string): Promise<Staff | null> {
    let p = this.#staff.get(id);
    if (!p) {
      p = this.deps.identity.getStaff(this.tenant, id).catch(() => null);
      this.#staff.set(id, p);
    }
    return p;
  }

  departments(): Promise<Map<string, Department>> {
    this.#departments ??= this.deps.identity
      .listDepartments(this.tenant)
      .then((list) => new Map(list.map((d) => [d.id, d])));
    return this.#departments;
  }

  organisation(): Promise<string> {
    this.#tenantName ??= this.settings.organisationName
      ? Promise.resolve(this.settings.organisationName)
      : this.deps.identity
          .listTenants()
          .then((ts) => ts.find((t) => t.tenantId === this.tenant)?.name ?? this.tenant);
    return this.#tenantName;
  }

  async departmentName(id: string | null, locale: PortalLocale): Promise<string | null> {
    if (!id) return null;
    const d = (await this.departments()).get(id);
    if (!d) return null;
    return locale === 'en' ? d.nameEn : d.nameZh;
  }

  /** The organisation an entry belongs to: the hospital, a vendor department or a client. */
  async organisationOf(e: LedgerEntry, locale: PortalLocale): Promise<string> {
    if (e.actorType === 'client') return e.actorId;
    if (e.actorType === 'system') return 'Custos';
    const dept = e.department ? (await this.departments()).get(e.department) : undefined;
    if (dept?.kind === 'vendor') return locale === 'en' ? dept.nameEn : dept.nameZh;
    if (e.sourceSystem && e.actorType !== 'staff') return e.sourceSystem;
    return this.organisation();
  }
}

/** Turns ledger entries into history lines. */
export async function toLines(
  entries: readonly LedgerEntry[],
  dir: Directory,
  settings: PortalSettings,
  locale: PortalLocale,
  reports: ReadonlyMap<number, string>,
): Promise<AccessLine[]> {
  const out: AccessLine[] = [];
  for (const e of entries) {
    const staff = e.actorType === 'staff' ? await dir.staff(e.actorId) : null;
    const reasons = reasonsOf(e);
    const departmentId = e.department ?? staff?.departmentId ?? null;
    const show = settings.showStaffNames;
    out.push({
      seq: e.seq,
      at: e.occurredAt.toISOString(),
      kind: e.kind,
      actorType: e.actorType,
      actorRef: show && e.actorType === 'staff' ? e.actorId : null,
      name: show && staff ? staff.name : null,
      roles: show && staff ? staff.roles.map((r) => roleText(r, locale)) : [],
      organisation: await dir.organisationOf(e, locale),
      departmentId,
      department: await dir.departmentName(departmentId, locale),
      purpose: e.purpose ? purposeText(e.purpose, locale) : null,
      reasons,
      reasonText:
        reasons.length > 0
          ? reasons.map((r) => reasonText(r, locale)).join(locale === 'en' ? '; ' : '；')
          : reasonText('none', locale),
      channel: channelOf(e),
      decision: e.decision,
      breakGlass: e.kind === 'break-glass' || e.reasons.includes('break-glass'),
      fields: e.fields,
      categories: e.categories,
      reportId: reports.get(e.seq) ?? null,
    });
  }
  return out;
}

/** Channel names for the filter menu. */
export function channelNames(locale: PortalLocale): { id: AccessChannel; name: string }[] {
  return ACCESS_CHANNELS.map((id) => ({ id, name: channelText(id, locale) }));
}

function checkFilter(f: HistoryFilter): void {
  if (f.channel !== undefined && !ACCESS_CHANNELS.includes(f.channel))
    throw new CustosError(ErrorCode.BadRequest, 'unknown channel', { field: 'channel' });
  for (const [k, v] of [
    ['from', f.from],
    ['to', f.to],
  ] as const)
    if (v !== undefined && (!(v instanceof Date) || Number.isNaN(v.getTime())))
      throw new CustosError(ErrorCode.BadRequest, `${k} must be a date`, { field: k });
  if (f.from && f.to && f.from > f.to)
    throw new CustosError(ErrorCode.BadRequest, 'from must not be after to', { field: 'from' });
}

/** The ledger query of a filter. */
function ledgerQuery(tenant: string, patientId: string, f: HistoryFilter) {
  const kinds = f.breakGlassOnly
    ? (['break-glass'] as EntryKind[])
    : f.channel
      ? KINDS_OF[f.channel]
      : undefined;
  return {
    tenant,
    patientId,
    ...(kinds ? { kinds } : {}),
    ...(f.channel === 'third-party' ? { actorType: 'client' as const } : {}),
    ...(f.from ? { from: f.from } : {}),
    ...(f.to ? { to: f.to } : {}),
  };
}

/** Report ids of the patient keyed by ledger seq. */
export async function reportsBySeq(
  deps: PortalDeps,
  tenant: string,
  patientId: string,
): Promise<Map<number, string>> {
  const rows = await deps.db
    .selectFrom('portal_report')
    .select(['entry_seq', 'id'])
    .where('tenant_id', '=', tenant)
    .where('patient_id', '=', patientId)
    .execute();
  return new Map(
    rows.map((r: { entry_seq: string | number; id: string }) => [Number(r.entry_seq), r.id]),
  );
}

/** One page of the patient's access history, newest first. */
export async function readHistory(
  deps: PortalDeps,
  settingsStore: SettingsStore,
  tenant: string,
  patientId: string,
  f: HistoryFilter,
): Promise<HistoryPage> {
  checkFilter(f);
  const settings = await settingsStore.get(tenant);
  const locale = f.locale ?? 'zh-CN';
  const page = await queryEntries(deps.db as Kysely<LedgerTables>, {
    ...ledgerQuery(tenant, patientId, f),
    limit: Math.min(Math.max(f.limit ?? 50, 1), 200),
    ...(f.cursor ? { cursor: f.cursor } : {}),
  });
  const dir = new Directory(deps, tenant, settings);
  const accesses = await toLines(
    page.entries,
    dir,
    settings,
    locale,
    await reportsBySeq(deps, tenant, patientId),
  );
  return { accesses, nextCursor: page.nextCursor };
}

/** Every entry matching a filter (for the downloadable copy), newest first, at most `max`. */
export async function readAllEntries(
  deps: PortalDeps,
  tenant: string,
  patientId: string,
  f: HistoryFilter,
  max: number,
): Promise<{ entries: LedgerEntry[]; truncated: boolean }> {
  checkFilter(f);
  const entries: LedgerEntry[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await queryEntries(deps.db as Kysely<LedgerTables>, {
      ...ledgerQuery(tenant, patientId, f),
      limit: Math.min(500, max - entries.length + 1),
      ...(cursor ? { cursor } : {}),
    });
    entries.push(...page.entries);
    if (entries.length > max) return { entries: entries.slice(0, max), truncated: true };
    if (!page.nextCursor) return { entries, truncated: false };
    cursor = page.nextCursor;
  }
}

/** One ledger entry by sequence number, or null. */
export async function entryAt(
  deps: PortalDeps,
  tenant: string,
  seq: number,
): Promise<LedgerEntry | null> {
  if (!Number.isSafeInteger(seq) || seq < 1) return null;
  for await (const e of streamEntries(deps.db as Kysely<LedgerTables>, {
    tenant,
    fromSeq: seq,
    toSeq: seq,
    pageSize: 1,
  }))
    return e;
  return null;
}
