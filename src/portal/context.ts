/**
 * What the portal is built on (passed in by the runtime) and small shared helpers: tenant
 * settings, ledger entries of patient actions (fail closed), id checks.
 */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { CustosError, ErrorCode } from '../errors/index.ts';
import type { FieldSealer, IdentityService } from '../identity/index.ts';
import type { AppendedEntry, Ledger, LedgerEntryInput, Signer } from '../ledger/index.ts';
import type { Vault } from '../vault/index.ts';
import type { MessageSender } from './sender.ts';
import { DEFAULT_PORTAL_SETTINGS, NOTIFY_CHANNELS, type PortalSettings } from './types.ts';

/** Break-the-glass bookkeeping of the disclosure path the portal updates when it notifies. */
export interface BreakGlassNotices {
  markPatientNotified(tenant: string, grantId: string): Promise<boolean>;
}

/** What the portal service is composed of. */
export interface PortalDeps {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  db: Kysely<any>;
  vault: Vault;
  ledger: Pick<Ledger, 'appendEntry' | 'signTreeHead'>;
  identity: IdentityService;
  /** Seals report texts; keys the phone, code and ID-number hashes (per-tenant key). */
  sealer: FieldSealer;
  /** Delivers sign-in codes and notifications. */
  sender: MessageSender;
  /** Public key of the tree-head signer (printed in downloads for verification). */
  signer?: Pick<Signer, 'keyId' | 'publicKeyPem'>;
  /** Marks break-the-glass grants as told to the patient (the access module). */
  breakGlass?: BreakGlassNotices;
  now: () => Date;
  log: Logger;
}

/** The ledger channel of everything the patient does in the portal. */
export const PORTAL_CHANNEL = 'portal';

/** Ids the portal accepts from clients (FHIR id alphabet, bounded). */
export function isWellFormedId(v: unknown): v is string {
  return typeof v === 'string' && /^[A-Za-z0-9\-._:]{1,128}$/.test(v);
}

/** Appends a ledger entry; any failure becomes CUSTOS_LEDGER_UNAVAILABLE (fail closed). */
export async function appendOrFail(
  deps: PortalDeps,
  tenant: string,
  entry: LedgerEntryInput,
): Promise<AppendedEntry> {
  try {
    return await deps.ledger.appendEntry(tenant, entry);
  } catch {
    throw new CustosError(
      ErrorCode.LedgerUnavailable,
      'the access ledger cannot record this now; nothing was done',
    );
  }
}

function checkSettings(s: PortalSettings): PortalSettings {
  const ints: (keyof PortalSettings)[] = [
    'codeMinutes',
    'maxCodeAttempts',
    'maxCodesPerWindow',
    'maxFailuresPerWindow',
    'windowMinutes',
    'lockoutMinutes',
    'sessionIdleMinutes',
    'sessionMaxMinutes',
    'notifyWindowDays',
  ];
  for (const k of ints) {
    const v = s[k];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1 || v > 100_000)
      throw new CustosError(ErrorCode.InputInvalid, `${k} must be a whole number 1..100000`, {
        field: k,
      });
  }
  if (typeof s.showStaffNames !== 'boolean')
    throw new CustosError(ErrorCode.InputInvalid, 'showStaffNames must be true or false', {
      field: 'showStaffNames',
    });
  if (!NOTIFY_CHANNELS.includes(s.defaultChannel))
    throw new CustosError(ErrorCode.InputInvalid, 'defaultChannel must be sms, email or portal', {
      field: 'defaultChannel',
    });
  if (
    s.organisationName !== undefined &&
    (typeof s.organisationName !== 'string' || s.organisationName.length > 200)
  )
    throw new CustosError(ErrorCode.InputInvalid, 'organisationName is too long', {
      field: 'organisationName',
    });
  return s;
}

/** Reads and writes the tenant settings (cached per process for a few seconds). */
export class SettingsStore {
  readonly #cache = new Map<string, { at: number; value: PortalSettings }>();
  constructor(private readonly deps: PortalDeps) {}

  async get(tenant: string): Promise<PortalSettings> {
    const hit = this.#cache.get(tenant);
    if (hit && Date.now() - hit.at < 5000) return hit.value;
    const row = await this.deps.db
      .selectFrom('portal_settings')
      .select('settings')
      .where('tenant_id', '=', tenant)
      .executeTakeFirst();
    const stored =
      row === undefined
        ? {}
        : typeof row.settings === 'string'
          ? (JSON.parse(row.settings) as object)
          : (row.settings as object);
    const value = { ...DEFAULT_PORTAL_SETTINGS, ...stored };
    this.#cache.set(tenant, { at: Date.now(), value });
    return value;
  }

  /** Changes settings (an administrator's action: ledgered first). */
  async set(
    tenant: string,
    change: Partial<PortalSettings>,
    actor: { staffId: string | null; address?: string | null },
  ): Promise<PortalSettings> {
    const next = checkSettings({ ...(await this.get(tenant)), ...change });
    await appendOrFail(this.deps, tenant, {
      kind: 'admin',
      actor: actor.staffId
        ? { type: 'staff', id: actor.staffId }
        : { type: 'system', id: 'portal-settings' },
      action: 'portal.settings.update',
      decision: 'permit',
      networkAddress: actor.address ?? null,
      channel: 'console',
      details: { changed: Object.keys(change).sort() },
    });
    await this.deps.db
      .insertInto('portal_settings')
      .values({
        tenant_id: tenant,
        settings: JSON.stringify(next),
        updated_at: this.deps.now(),
      })
      .onConflict((oc) =>
        oc.column('tenant_id').doUpdateSet({
          settings: JSON.stringify(next),
          updated_at: this.deps.now(),
        }),
      )
      .execute();
    this.#cache.delete(tenant);
    return next;
  }
}
