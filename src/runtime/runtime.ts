import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../config/index.ts';
import type { Keyring } from '../crypto/index.ts';
import { ensureSigningKey, type SigningKey } from '../crypto/index.ts';
import {
  identityMigrations,
  IdentityService,
  type AuditSink,
  type IdentityAuditEvent,
} from '../identity/index.ts';
import {
  createLedger,
  ledgerMigrations,
  type Ledger,
  type LedgerEntryInput,
  type Signer,
} from '../ledger/index.ts';
import { ensureTenant, openVault, vaultMigrations, type Vault } from '../vault/index.ts';
import { getDefaultPolicyEngine, type PolicyEngine } from '../policy/index.ts';
import { applyMigrations, openStore, type Migration, type Store } from '../store/index.ts';
import { AccessService, accessMigrations } from '../access/index.ts';
import { IncidentService, incidentMigrations } from '../incident/index.ts';
import {
  createGovernanceService,
  governanceMigrations,
  type GovernanceService,
} from '../governance/index.ts';
import { monitorMigrations } from '../monitor/index.ts';
import { streamMigrations } from '../stream/index.ts';
import {
  createHttpSender,
  createLogSender,
  PortalService,
  portalMigrations,
} from '../portal/index.ts';
import { openOrCreateKeyring } from './keys.ts';
import { createStaffSealer } from './staff-sealer.ts';

/** Every module's schema steps, in the order they run. */
export const allMigrations: readonly Migration[] = [
  ...identityMigrations,
  ...vaultMigrations,
  ...ledgerMigrations,
  ...accessMigrations,
  ...incidentMigrations,
  ...governanceMigrations,
  ...monitorMigrations,
  ...portalMigrations,
  ...streamMigrations,
];

/** The composed service: one store, one keyring, one ledger, and the modules built on them. */
export interface Runtime {
  config: Config;
  store: Store;
  keyring: Keyring;
  ledger: Ledger;
  identity: IdentityService;
  /** The encrypted record vault. */
  vault: Vault;
  /** The policy engine deciding every disclosure (default policy set in policies/). */
  policy: PolicyEngine;
  /** The disclosure path: every read, search, print and export of patient data. */
  access: AccessService;
  /** Breach response (incidents, scope, containment, notices) and compliance duties. */
  incident: IncidentService;
  /** Third parties: contracts, API clients and tokens, vendor windows, dual-approval exports. */
  governance: GovernanceService;
  /** The patient portal: sign-in, access history, restrictions, notifications, reports. */
  portal: PortalService;
  /** Key of the disclosure tokens' MAC and of the invisible watermarks (from the keyring). */
  watermarkKey: Buffer;
  /** Clock shared by every module (tests inject one). */
  now: () => Date;
  /** Public key of the tree-head signer, for witnesses. */
  signer: Signer;
  log: Logger;
  /** Database answers and the ledger can write. */
  readiness(): Promise<{ database: boolean; ledger: boolean }>;
  close(): Promise<void>;
}

/** Options for composing a runtime (tests inject a store and a clock). */
export interface RuntimeOptions {
  log: Logger;
  env?: Record<string, string | undefined>;
  store?: Store;
  clock?: () => Date;
  /** Tree-head cadence; tests use small values. */
  headEvery?: number;
  headIntervalMs?: number;
}

/**
 * Logger settings shared by the service and tests: requests are logged by method, path (no query
 * string: searches carry names and phone numbers) and status; never bodies or client addresses.
 */
export const LOG_OPTIONS = {
  base: { service: 'custos' },
  serializers: {
    req: (req: { method?: string; url?: string; id?: string }) => ({
      method: req.method,
      path: req.url?.split('?')[0],
      id: req.id,
    }),
    res: (res: { statusCode?: number }) => ({ status: res.statusCode }),
  },
};

const ROLLBACK = Symbol('rollback');

/** True when the ledger tables accept writes: an update inside a transaction that is rolled back. */
async function probeLedgerWritable(store: Store, tenant: string): Promise<boolean> {
  try {
    await store.db.transaction().execute(async (tx) => {
      await sql`update ledger_chain set size = size where tenant_id = ${tenant}`.execute(tx);
      await sql`select 1 from ledger_entry limit 0`.execute(tx);
      throw ROLLBACK;
    });
    return false;
  } catch (e) {
    return e === ROLLBACK;
  }
}

/** Maps an identity audit event to a ledger entry (no personal data: ids and codes only). */
export function identityEventToEntry(e: IdentityAuditEvent): LedgerEntryInput {
  return {
    kind: e.kind === 'logout' ? 'admin' : e.kind,
    actor: e.actorId ? { type: 'staff', id: e.actorId } : { type: 'system', id: 'anonymous' },
    action: e.kind === 'logout' ? 'logout' : e.action,
    decision: e.outcome === 'success' ? 'permit' : 'deny',
    reasons: e.reason ? [e.reason] : [],
    workstation: e.workstationId ?? null,
    networkAddress: e.address ?? null,
    channel: 'console',
    details: { ...(e.details ?? {}), ...(e.targetId ? { target: e.targetId } : {}) },
  };
}

/** The watermark key from the keyring (disclosure-token MAC), created on first start. */
async function ensureWatermarkSecret(keyring: Keyring): Promise<Buffer> {
  const name = 'watermark-token-key';
  const have = keyring.getSecret(name);
  if (have) return have;
  await keyring.putSecret(name, randomBytes(32));
  return keyring.getSecret(name)!;
}

/**
 * Opens everything in order: keyring (created on first start), database and migrations, the
 * ledger with its tree-head signer, then the modules. Any failure closes what was opened.
 */
export async function createRuntime(config: Config, opts: RuntimeOptions): Promise<Runtime> {
  const env = opts.env ?? process.env;
  const { keyring } = await openOrCreateKeyring(config.dataDir, env, config.production);
  const store =
    opts.store ?? (await openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl }));
  try {
    await applyMigrations(store, allMigrations);
    const asSigner = (key: SigningKey): Signer => ({
      keyId: key.keyId,
      algorithm: key.algorithm,
      sign: (d) => key.sign(d),
      verify: (d, s) => key.verify(d, s),
      publicKeyPem: key.publicKeyPem,
    });
    const signer = asSigner(await ensureSigningKey(keyring, 'ledger-tree-head'));
    // Tenants on the SM suite get SM2 tree heads (key created on first use); Ed25519 otherwise.
    const suiteOf: { vault?: Vault } = {};
    let sm2Signer: Signer | undefined;
    const ledger = createLedger(store.db, {
      signer,
      signerFor: async (tenant) => {
        if (
          !suiteOf.vault ||
          (await ensureTenant(suiteOf.vault, tenant)).suite !== 'sm4-ctr-hmac-sm3'
        )
          return undefined;
        return (sm2Signer ??= asSigner(
          await ensureSigningKey(keyring, 'ledger-tree-head-sm2', 'sm2'),
        ));
      },
      ...(opts.clock ? { clock: opts.clock } : {}),
      ...(opts.headEvery ? { headEvery: opts.headEvery } : {}),
      ...(opts.headIntervalMs !== undefined ? { headIntervalMs: opts.headIntervalMs } : {}),
    });
    const audit: AuditSink = {
      async record(e) {
        await ledger.appendEntry(e.tenantId, identityEventToEntry(e));
      },
    };
    const identity = new IdentityService(
      store.db,
      createStaffSealer(store.db, keyring),
      audit,
      opts.clock,
    );
    await identity.ensureTenant(config.tenant, config.tenant);
    const vault = await openVault(store.db, keyring);
    suiteOf.vault = vault;
    const watermarkKey = await ensureWatermarkSecret(keyring);
    const runtime: Runtime = {
      access: undefined as unknown as AccessService,
      incident: undefined as unknown as IncidentService,
      portal: undefined as unknown as PortalService,
      governance: undefined as unknown as GovernanceService,
      watermarkKey,
      vault,
      policy: getDefaultPolicyEngine(),
      now: opts.clock ?? (() => new Date()),
      config,
      store,
      keyring,
      ledger,
      identity,
      signer,
      log: opts.log,
      async readiness() {
        const database = await store.ping().then(
          () => true,
          () => false,
        );
        const ledgerOk = database && (await probeLedgerWritable(store, config.tenant));
        return { database, ledger: ledgerOk };
      },
      async close() {
        await ledger.close().catch(() => {});
        await store.close();
      },
    };
    runtime.access = new AccessService({
      db: store.db,
      vault,
      ledger,
      identity,
      policy: () => runtime.policy,
      now: () => runtime.now(),
      watermarkKey,
      sealer: createStaffSealer(store.db, keyring),
    });
    runtime.incident = new IncidentService({
      db: store.db,
      ledger,
      identity,
      vault,
      now: () => runtime.now(),
      policy: () => runtime.policy,
      ports: { revokeClient: (t, a, c, r) => runtime.governance.revokeClient(t, a, c, r) },
    });
    runtime.governance = createGovernanceService(
      {
        db: store.db,
        vault,
        ledger,
        keyring,
        identity,
        now: () => runtime.now(),
        access: {
          db: store.db,
          vault,
          ledger,
          identity,
          policy: () => runtime.policy,
          now: () => runtime.now(),
          watermarkKey,
          sealer: createStaffSealer(store.db, keyring),
        },
      },
      config.tenant,
    );
    runtime.portal = new PortalService({
      db: store.db,
      vault,
      ledger,
      identity,
      sealer: createStaffSealer(store.db, keyring),
      sender:
        config.messageGatewayUrl && config.messageGatewaySecret
          ? createHttpSender({ url: config.messageGatewayUrl, secret: config.messageGatewaySecret })
          : createLogSender(opts.log, { production: config.production }),
      signer,
      breakGlass: runtime.access,
      now: () => runtime.now(),
      log: opts.log,
    });
    return runtime;
  } catch (e) {
    await store.close().catch(() => {});
    throw e;
  }
}
