/**
 * The governance service: contracts, API clients and tokens, the client gateway, vendor
 * maintenance windows, dual-approval exports and the security check, composed on one database,
 * ledger, keyring and disclosure path. Officer actions check the actor's role; every change is
 * ledgered first.
 */
import type { Kysely } from 'kysely';
import type { Keyring } from '../crypto/index.ts';
import { CustosError, ErrorCode } from '../errors/index.ts';
import type { IdentityService, IdentityTables, Staff } from '../identity/index.ts';
import type { Ledger, LedgerEntryInput } from '../ledger/index.ts';
import type { Vault, VaultTables } from '../vault/index.ts';
import { ClientGateway, type GatewaySettings } from './client-gateway.ts';
import { ClientStore, type NewClient } from './clients.ts';
import { ContractStore, contractStateAt } from './contracts.ts';
import type { Discloser } from './discloser.ts';
import { ExportService, type ExportSettings } from './exports.ts';
import type { GovernanceTables } from './migrations.ts';
import {
  runSecurityCheck,
  type SecurityCheckOptions,
  type SecurityReport,
} from './security-check.ts';
import { TokenAuthority } from './tokens.ts';
import { PatientScope, type ApiClient, type Contract } from './types.ts';
import { WindowStore } from './windows.ts';

/** Settings of governance. */
export interface GovernanceSettings {
  /** `iss` of access tokens (default `urn:custos:<tenant>`). */
  issuer: string;
  /** `aud` of access tokens (default `urn:custos:client-api`). */
  audience: string;
  /** Access-token lifetime, seconds (default 300). */
  tokenLifetimeSeconds: number;
  gateway: GatewaySettings;
  exports: Partial<ExportSettings>;
}

/** What governance is composed of. */
export interface GovernanceDeps {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  db: Kysely<any>;
  vault: Vault;
  ledger: Pick<Ledger, 'appendEntry'>;
  keyring: Keyring;
  identity: IdentityService;
  now: () => Date;
  /** The disclosure path (or a getter, when it is composed after governance). */
  discloser: Discloser | (() => Discloser);
  settings?: Partial<GovernanceSettings>;
}

/** Roles that manage contracts and clients. */
const MANAGERS = ['privacy-officer', 'administrator'];

function requireRole(staff: Staff, roles: readonly string[]): void {
  if (staff.status !== 'active' || !staff.roles.some((r) => roles.includes(r)))
    throw new CustosError(ErrorCode.Forbidden, `this needs one of the roles: ${roles.join(', ')}`);
}

/** A monitor-ready description of a client and its contract (structurally `ClientFacts`). */
export interface ClientContractFacts {
  id: string;
  organisation?: string;
  dailyLimit?: number;
  allowedFields?: string[];
  onlyOrderedPatients?: boolean;
  expires?: number;
}

/** The governance service. */
export class GovernanceService {
  readonly contracts: ContractStore;
  readonly clients: ClientStore;
  readonly tokens: TokenAuthority;
  readonly gateway: ClientGateway;
  readonly windows: WindowStore;
  readonly exports: ExportService;
  readonly #deps: GovernanceDeps;
  readonly #db: Kysely<GovernanceTables>;

  constructor(deps: GovernanceDeps, tenantForIssuer = 'default') {
    this.#deps = deps;
    const db = deps.db as Kysely<GovernanceTables>;
    this.#db = db;
    const s = deps.settings ?? {};
    const discloser = (): Discloser =>
      typeof deps.discloser === 'function' ? deps.discloser() : deps.discloser;
    this.contracts = new ContractStore(db, deps.ledger, deps.now);
    this.clients = new ClientStore(db, deps.now);
    this.tokens = new TokenAuthority(db, deps.keyring, deps.now, {
      issuer: s.issuer ?? `urn:custos:${tenantForIssuer}`,
      audience: s.audience ?? 'urn:custos:client-api',
      lifetimeSeconds: s.tokenLifetimeSeconds ?? 300,
    });
    this.windows = new WindowStore(db, deps.ledger, deps.now);
    this.gateway = new ClientGateway({
      db,
      vault: deps.vault,
      ledger: deps.ledger,
      now: deps.now,
      contracts: this.contracts,
      clients: this.clients,
      tokens: this.tokens,
      discloser,
      settings: { orderScopeDays: 30, ...s.gateway },
    });
    this.exports = new ExportService({
      db,
      vaultDb: deps.vault.db as Kysely<VaultTables>,
      ledger: deps.ledger,
      keyring: deps.keyring,
      identity: deps.identity,
      contracts: this.contracts,
      windows: this.windows,
      discloser,
      now: deps.now,
      ...(s.exports ? { settings: s.exports } : {}),
    });
  }

  // ---- contracts ---------------------------------------------------------------------------

  /** Create a contract (privacy officer or administrator); ledgered. */
  async createContract(
    tenant: string,
    actor: Staff,
    terms: unknown,
    address?: string | null,
  ): Promise<Contract> {
    requireRole(actor, MANAGERS);
    return this.contracts.create(tenant, terms, { staffId: actor.id, address: address ?? null });
  }

  /** Change a contract's terms (new version, effective at the next call); ledgered. */
  async updateContract(
    tenant: string,
    actor: Staff,
    id: string,
    terms: unknown,
    address?: string | null,
  ): Promise<Contract> {
    requireRole(actor, MANAGERS);
    return this.contracts.update(tenant, id, terms, {
      staffId: actor.id,
      address: address ?? null,
    });
  }

  /** Terminate a contract and revoke its clients and their tokens at once; ledgered. */
  async terminateContract(
    tenant: string,
    actor: Staff,
    id: string,
    reason: string,
    address?: string | null,
  ): Promise<Contract> {
    requireRole(actor, MANAGERS);
    const c = await this.contracts.terminate(tenant, id, reason, {
      staffId: actor.id,
      address: address ?? null,
    });
    for (const cl of await this.clients.list(tenant))
      if (cl.contractId === id && cl.status === 'active')
        await this.revokeClient(tenant, actor, cl.id, 'contract terminated');
    return c;
  }

  // ---- clients and tokens ------------------------------------------------------------------

  /** Register an API client under a contract; the secret (if any) is returned once. */
  async registerClient(
    tenant: string,
    actor: Staff,
    input: NewClient,
  ): Promise<{ client: ApiClient; secret?: string }> {
    requireRole(actor, MANAGERS);
    const contract = await this.contracts.require(tenant, input.contractId);
    if (contractStateAt(contract, this.#deps.now()) === 'terminated')
      throw new CustosError(ErrorCode.Conflict, 'the contract is terminated');
    const out = await this.clients.create(tenant, input);
    await this.#append(tenant, {
      kind: 'admin',
      actor: { type: 'staff', id: actor.id },
      action: 'client.register',
      decision: 'permit',
      channel: 'console',
      details: {
        clientId: out.client.id,
        contractId: contract.id,
        authMethod: out.client.authMethod,
        certificateBound: out.client.certificateThumbprint !== null,
      },
    });
    return out;
  }

  /** A new client secret (the old one stops at once); ledgered; returned once. */
  async rotateClientSecret(tenant: string, actor: Staff, clientId: string): Promise<string> {
    requireRole(actor, MANAGERS);
    const secret = await this.clients.rotateSecret(tenant, clientId);
    await this.#append(tenant, {
      kind: 'admin',
      actor: { type: 'staff', id: actor.id },
      action: 'client.secret.rotate',
      decision: 'permit',
      channel: 'console',
      details: { clientId },
    });
    return secret;
  }

  /** Revoke a client and every token it holds, effective at its next call; ledgered. */
  async revokeClient(
    tenant: string,
    actor: Staff,
    clientId: string,
    reason: string,
  ): Promise<number> {
    requireRole(actor, MANAGERS);
    const c = await this.clients.get(tenant, clientId);
    if (!c) throw new CustosError(ErrorCode.NotFound, 'client not found');
    await this.#append(tenant, {
      kind: 'admin',
      actor: { type: 'staff', id: actor.id },
      action: 'client.revoke',
      decision: 'permit',
      channel: 'console',
      details: { clientId, reasonLength: String(reason ?? '').length },
    });
    await this.clients.revoke(tenant, clientId);
    return this.tokens.revokeClientTokens(tenant, clientId);
  }

  /** Revoke one access token by its id; ledgered. */
  async revokeToken(tenant: string, actor: Staff, jti: string): Promise<boolean> {
    requireRole(actor, MANAGERS);
    await this.#append(tenant, {
      kind: 'admin',
      actor: { type: 'staff', id: actor.id },
      action: 'token.revoke',
      decision: 'permit',
      channel: 'console',
      details: { jti: String(jti).slice(0, 64) },
    });
    return this.tokens.revokeToken(tenant, jti);
  }

  /**
   * Rotate the token signing key: new tokens are signed with a new key at once; with
   * `retirePrevious` older keys stop verifying too (all their tokens die). Ledgered.
   */
  async rotateTokenKey(
    tenant: string,
    actor: Staff,
    opts: { retirePrevious?: boolean } = {},
  ): Promise<{ kid: string; retired: number }> {
    requireRole(actor, MANAGERS);
    const { kid } = await this.tokens.rotateKey(tenant);
    const retired = opts.retirePrevious ? await this.tokens.retireInactiveKeys(tenant) : 0;
    await this.#append(tenant, {
      kind: 'admin',
      actor: { type: 'staff', id: actor.id },
      action: 'key.rotate',
      decision: 'permit',
      channel: 'console',
      details: { key: 'client-token', kid, retired },
    });
    return { kid, retired };
  }

  /** Record a patient's consent to sharing under a contract (or its withdrawal); ledgered. */
  async recordConsent(
    tenant: string,
    actor: Staff,
    contractId: string,
    patientId: string,
    opts: { evidence?: string; withdraw?: boolean } = {},
  ): Promise<void> {
    requireRole(actor, [...MANAGERS, 'registration-clerk']);
    await this.gateway.recordConsent(
      tenant,
      contractId,
      patientId,
      actor.id,
      opts.evidence ?? null,
      opts.withdraw === true,
    );
  }

  /** Clients and contracts as the privacy monitor's third-party detector needs them. */
  async clientFacts(tenant: string): Promise<ClientContractFacts[]> {
    const contracts = new Map((await this.contracts.list(tenant)).map((c) => [c.id, c]));
    const out: ClientContractFacts[] = [];
    for (const cl of await this.clients.list(tenant)) {
      const c = contracts.get(cl.contractId);
      if (!c) {
        out.push({ id: cl.id });
        continue;
      }
      const f: ClientContractFacts = {
        id: cl.id,
        organisation: c.party.organizationId,
        dailyLimit: c.dailyLimit,
        allowedFields: [...c.fields],
        onlyOrderedPatients: c.patientScope === PatientScope.Ordered,
      };
      const end = c.terminatedAt ?? c.validUntil;
      if (end) f.expires = Date.parse(end);
      out.push(f);
    }
    return out;
  }

  // ---- security check ----------------------------------------------------------------------

  /** Run the security check for a tenant. */
  async securityCheck(
    tenant: string,
    options: Partial<SecurityCheckOptions> = {},
  ): Promise<SecurityReport> {
    return runSecurityCheck(
      {
        identityDb: this.#deps.db as Kysely<IdentityTables>,
        keyring: this.#deps.keyring,
        contracts: this.contracts,
        clients: this.clients,
        tokens: this.tokens,
        now: this.#deps.now,
      },
      tenant,
      options,
    );
  }

  /** Housekeeping: expired token records and export packages. */
  async purgeExpired(tenant: string): Promise<{ tokens: number; exports: number }> {
    return {
      tokens: await this.tokens.purgeExpired(tenant),
      exports: await this.exports.purgeExpired(tenant),
    };
  }

  async #append(tenant: string, entry: LedgerEntryInput): Promise<void> {
    await this.#deps.ledger.appendEntry(tenant, entry);
  }

  /** The database (for tests and the CLI). */
  get db(): Kysely<GovernanceTables> {
    return this.#db;
  }
}
