/**
 * The client gateway: OAuth2 client credentials at the token endpoint, and every API-client call
 * held to its contract before it reaches the disclosure path — token (signature, audience, expiry,
 * revocation, mTLS binding), contract in force, network, scope, rate and daily quota, patient
 * scope, and fields. Fields outside the contract are never passed on; asking for them is ledgered
 * as a denial with the reason, and so is every refusal.
 */
import type { Kysely } from 'kysely';
import type { PatientSearchQuery, SearchCandidate } from '../access/index.ts';
import { CustosError, ErrorCode, isCustosError } from '../errors/index.ts';
import { addressInCidr } from '../identity/index.ts';
import type { JsonValue, Ledger, LedgerEntryInput } from '../ledger/index.ts';
import type { Category } from '../policy/index.ts';
import { getCareRelationships, type Vault, type VaultTables } from '../vault/index.ts';
import { toClient, type ClientCredentials, type ClientStore } from './clients.ts';
import { contractStateAt, toContract, type ContractStore } from './contracts.ts';
import type { Discloser } from './discloser.ts';
import { GovernanceReason, refused, unauthenticated } from './errors.ts';
import { expandFieldTokens } from './fields.ts';
import { DailyQuota, RateLimiter } from './limits.ts';
import type { GovernanceTables } from './migrations.ts';
import type { TokenAuthority } from './tokens.ts';
import { PatientScope, type ApiClient, type Contract, type TokenClaims } from './types.ts';

/** Where a client call comes from. */
export interface CallOrigin {
  address: string | null;
  /** x5t#S256 of the TLS client certificate, when the connection presented one. */
  certificateThumbprint?: string;
}

/** A client call that passed the gateway: who, under which contract. */
export interface AuthorizedClient {
  tenant: string;
  claims: TokenClaims;
  client: ApiClient;
  contract: Contract;
  origin: CallOrigin;
}

/** The answer of a client read: the record as the contract and the decision allow it. */
export interface ClientRecord {
  resourceType: 'Patient';
  id: string;
  /** The record in the field vocabulary, masked by the path. */
  record: Record<string, unknown>;
  fields: string[];
  /** Asked for but not returned: outside the contract, or withheld by the decision. */
  withheld: string[];
  meta: { contract: string; ledgerSeq: number; watermark: string };
}

/** Settings of the gateway. */
export interface GatewaySettings {
  /** Orders performed by the party count for the `ordered` scope this many days after. */
  orderScopeDays: number;
}

const SCOPE = /^system\/([A-Za-z]+)\.([rs]{1,2})$/;

/** SMART v2 system scopes a contract gives: `system/<Type>.rs` per resource type. */
export function contractScopes(c: Pick<Contract, 'resourceTypes'>): string[] {
  return c.resourceTypes.map((t) => `system/${t}.rs`);
}

/** True when `scopes` grant permission `perm` (`r` read, `s` search) on `type`. */
export function scopeAllows(scopes: readonly string[], type: string, perm: 'r' | 's'): boolean {
  return scopes.some((s) => {
    const m = SCOPE.exec(s);
    return m !== null && m[1] === type && m[2]!.includes(perm);
  });
}

const CANDIDATE_FIELDS: Readonly<Record<keyof Omit<SearchCandidate, 'patientId'>, Category>> = {
  name: 'demographics.name',
  sex: 'demographics.sex',
  birthYear: 'demographics.birthDate',
  idNumberTail: 'demographics.idNumber',
  mrn: 'demographics.mrn',
};

/** The gateway; one per process. */
export class ClientGateway {
  readonly #db: Kysely<GovernanceTables>;
  readonly #vault: Vault;
  readonly #ledger: Pick<Ledger, 'appendEntry'>;
  readonly #now: () => Date;
  readonly #contracts: ContractStore;
  readonly #clients: ClientStore;
  readonly #tokens: TokenAuthority;
  readonly #discloser: () => Discloser;
  readonly #rate: RateLimiter;
  readonly #quota: DailyQuota;
  readonly #settings: GatewaySettings;

  constructor(deps: {
    db: Kysely<GovernanceTables>;
    vault: Vault;
    ledger: Pick<Ledger, 'appendEntry'>;
    now: () => Date;
    contracts: ContractStore;
    clients: ClientStore;
    tokens: TokenAuthority;
    discloser: () => Discloser;
    settings: GatewaySettings;
  }) {
    this.#db = deps.db;
    this.#vault = deps.vault;
    this.#ledger = deps.ledger;
    this.#now = deps.now;
    this.#contracts = deps.contracts;
    this.#clients = deps.clients;
    this.#tokens = deps.tokens;
    this.#discloser = deps.discloser;
    this.#rate = new RateLimiter(deps.now);
    this.#quota = new DailyQuota(deps.db);
    this.#settings = deps.settings;
  }

  /**
   * The token endpoint (client credentials grant): authenticate the client, check its contract
   * is in force and the caller's network, narrow the scope, and issue a short-lived token bound
   * to the client certificate when one was presented. Every outcome is ledgered.
   */
  async issueToken(
    tenant: string,
    input: {
      grantType: string | undefined;
      scope?: string | undefined;
      credentials: ClientCredentials;
    },
    origin: CallOrigin,
  ): Promise<{ access_token: string; token_type: 'Bearer'; expires_in: number; scope: string }> {
    let client: ApiClient | undefined;
    try {
      if (input.grantType !== 'client_credentials')
        throw new CustosError(
          ErrorCode.BadRequest,
          'only the client_credentials grant is supported',
          {
            error: 'unsupported_grant_type',
          },
        );
      client = await this.#clients.authenticate(tenant, input.credentials, [
        this.#tokens.settings.issuer,
        `${this.#tokens.settings.issuer}/oauth/token`,
      ]);
      if (client.status === 'revoked')
        throw unauthenticated(
          GovernanceReason.ClientRevoked,
          'the client is revoked',
          'invalid_client',
        );
      if (
        client.certificateThumbprint &&
        client.certificateThumbprint !== origin.certificateThumbprint
      )
        throw unauthenticated(
          GovernanceReason.CertificateRequired,
          'this client must present its registered certificate',
          'invalid_client',
        );
      const contract = await this.#contracts.require(tenant, client.contractId);
      this.#checkContract(contract, origin);
      const granted = contractScopes(contract);
      let scopes = granted;
      if (input.scope !== undefined && input.scope.trim() !== '') {
        const asked = [...new Set(input.scope.trim().split(/\s+/))];
        if (asked.length > 32) throw invalidScope();
        for (const s of asked) {
          const m = SCOPE.exec(s);
          if (!m || ![...m[2]!].every((p) => scopeAllows(granted, m[1]!, p as 'r' | 's')))
            throw invalidScope();
        }
        scopes = asked;
      }
      const issued = await this.#tokens.issue(tenant, {
        clientId: client.id,
        contractId: contract.id,
        contractVersion: contract.version,
        scopes,
        ...(origin.certificateThumbprint
          ? { certificateThumbprint: origin.certificateThumbprint }
          : {}),
        notAfter: contract.validUntil ? new Date(contract.validUntil) : null,
      });
      await this.#clients.touch(tenant, client.id);
      await this.#append(tenant, {
        kind: 'admin',
        actor: { type: 'client', id: client.id },
        action: 'token.issue',
        decision: 'permit',
        networkAddress: origin.address,
        channel: 'api',
        details: {
          jti: issued.jti,
          contractId: contract.id,
          scopes,
          bound: origin.certificateThumbprint !== undefined,
        },
      });
      const expiresIn = Math.max(
        0,
        Math.round((issued.expiresAt.getTime() - this.#now().getTime()) / 1000),
      );
      return {
        access_token: issued.token,
        token_type: 'Bearer',
        expires_in: expiresIn,
        scope: scopes.join(' '),
      };
    } catch (e) {
      await this.#recordRefusal(tenant, e, 'token.issue', client?.id, origin, {});
      throw e;
    }
  }

  /**
   * Authorise a client call: the bearer token, the client, the contract in force, the network,
   * the scope, then the rate and the daily quota (in that order, so refused calls do not use
   * quota). Every refusal is ledgered as a denial with its reason code.
   */
  async authorize(
    tenant: string,
    bearer: string | undefined,
    origin: CallOrigin,
    need: { type: string; perm: 'r' | 's' },
  ): Promise<AuthorizedClient> {
    let claims: TokenClaims | undefined;
    try {
      if (!bearer)
        throw unauthenticated(GovernanceReason.TokenMissing, 'a bearer token is required');
      claims = await this.#tokens.verifySignature(tenant, bearer);
      this.#tokens.checkBinding(claims, origin.certificateThumbprint);
      // One round trip: the token's record, its client and the client's contract.
      const row = await this.#db
        .selectFrom('gov_token as t')
        .innerJoin('gov_client as c', (j) =>
          j.onRef('c.tenant_id', '=', 't.tenant_id').onRef('c.id', '=', 't.client_id'),
        )
        .innerJoin('gov_contract as k', (j) =>
          j.onRef('k.tenant_id', '=', 'c.tenant_id').onRef('k.id', '=', 'c.contract_id'),
        )
        .selectAll('c')
        .select([
          't.revoked_at as token_revoked_at',
          'k.version as k_version',
          'k.terms as k_terms',
          'k.status as k_status',
          'k.valid_from as k_valid_from',
          'k.valid_until as k_valid_until',
          'k.created_at as k_created_at',
          'k.updated_at as k_updated_at',
          'k.terminated_at as k_terminated_at',
        ])
        .where('t.tenant_id', '=', tenant)
        .where('t.jti', '=', claims.jti)
        .executeTakeFirst();
      if (!row || row.id !== claims.clientId)
        throw unauthenticated(GovernanceReason.TokenUnknown, 'the access token is not known here');
      if (row.status !== 'active')
        throw unauthenticated(GovernanceReason.ClientRevoked, 'the client is revoked');
      if (row.token_revoked_at !== null)
        throw unauthenticated(GovernanceReason.TokenRevoked, 'the access token was revoked');
      const client = toClient(row);
      const contract = toContract({
        tenant_id: row.tenant_id,
        id: row.contract_id,
        version: row.k_version,
        terms: row.k_terms,
        status: row.k_status,
        valid_from: row.k_valid_from,
        valid_until: row.k_valid_until,
        created_at: row.k_created_at,
        updated_at: row.k_updated_at,
        terminated_at: row.k_terminated_at,
      });
      this.#checkContract(contract, origin);
      if (
        !scopeAllows(claims.scopes, need.type, need.perm) ||
        !scopeAllows(contractScopes(contract), need.type, need.perm)
      )
        throw new CustosError(ErrorCode.Forbidden, 'the token does not grant this', {
          reasonCode: GovernanceReason.ScopeInsufficient,
          error: 'insufficient_scope',
          scope: `system/${need.type}.${need.perm}`,
        });
      this.#rate.take(client.id, contract.ratePerMinute);
      await this.#quota.take(tenant, client.id, contract.dailyLimit, this.#now());
      return { tenant, claims, client, contract, origin };
    } catch (e) {
      await this.#recordRefusal(tenant, e, 'client.authorize', claims?.clientId, origin, {
        ...(claims ? { jti: claims.jti } : {}),
      });
      throw e;
    }
  }

  /**
   * Read one patient for an authorised client: the patient must be inside the contract's scope;
   * fields outside the contract are withheld and the attempt ledgered; the rest goes through the
   * disclosure path, which may withhold more.
   */
  async readPatient(
    auth: AuthorizedClient,
    patientId: string,
    fieldTokens?: readonly string[],
  ): Promise<ClientRecord> {
    const { tenant, contract, client } = auth;
    const requested = fieldTokens ? expandFieldTokens(fieldTokens) : [...contract.fields];
    const allowed = new Set<string>(contract.fields);
    const inside = requested.filter((f) => allowed.has(f));
    const outside = requested.filter((f) => !allowed.has(f));
    if (!(await this.#inScope(contract, client.id, patientId))) {
      await this.#append(
        tenant,
        this.#denial(auth, GovernanceReason.PatientOutsideContract, {
          patientId: safeId(patientId),
          fields: requested,
          details: { action: 'read' },
        }),
      );
      throw refused(
        GovernanceReason.PatientOutsideContract,
        'this patient is outside the contract of this client',
      );
    }
    if (outside.length > 0)
      await this.#append(
        tenant,
        this.#denial(auth, GovernanceReason.FieldsOutsideContract, {
          patientId,
          fields: outside,
          details: { action: 'read', withheld: outside },
        }),
      );
    if (inside.length === 0)
      throw refused(
        GovernanceReason.FieldsOutsideContract,
        'none of the fields asked for is in the contract',
        { withheld: outside },
      );
    const d = await this.#discloser().readRecord(
      this.#request(auth),
      patientId,
      inside as Category[],
    );
    const returned = d.fields.filter((f) => allowed.has(f));
    return {
      resourceType: 'Patient',
      id: d.patientId,
      record: pick(d.record as Record<string, unknown>, allowed),
      fields: returned,
      withheld: [...new Set([...outside, ...d.withheld])].sort(),
      meta: { contract: contract.id, ledgerSeq: d.ledgerSeq, watermark: d.mark.token },
    };
  }

  /**
   * Search by exact identifier for an authorised client: only patients inside the contract's
   * scope come back, with only the candidate fields the contract allows.
   */
  async searchPatients(
    auth: AuthorizedClient,
    query: PatientSearchQuery,
  ): Promise<{ candidates: Partial<SearchCandidate>[]; truncated: boolean; watermark: string }> {
    const r = await this.#discloser().searchPatients(this.#request(auth), query);
    const allowed = new Set<string>(auth.contract.fields);
    const out: Partial<SearchCandidate>[] = [];
    for (const c of r.candidates) {
      if (!(await this.#inScope(auth.contract, auth.client.id, c.patientId))) continue;
      const kept: Partial<SearchCandidate> = { patientId: c.patientId };
      for (const [k, f] of Object.entries(CANDIDATE_FIELDS) as [
        keyof typeof CANDIDATE_FIELDS,
        Category,
      ][])
        if (c[k] !== undefined && allowed.has(f)) kept[k] = c[k];
      out.push(kept);
    }
    return { candidates: out, truncated: r.truncated, watermark: r.mark.token };
  }

  /** Record that a patient consented to sharing under a contract (scope `consented`). */
  async recordConsent(
    tenant: string,
    contractId: string,
    patientId: string,
    actorStaffId: string,
    evidence: string | null,
    withdraw = false,
  ): Promise<void> {
    await this.#contracts.require(tenant, contractId);
    if (!/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(patientId))
      throw new CustosError(ErrorCode.InputInvalid, 'malformed patient id', { field: 'patientId' });
    await this.#append(tenant, {
      kind: 'admin',
      actor: { type: 'staff', id: actorStaffId },
      patientId,
      action: withdraw ? 'contract.consent.withdraw' : 'contract.consent.grant',
      decision: 'permit',
      channel: 'console',
      details: { contractId },
    });
    const now = this.#now();
    await this.#db
      .insertInto('gov_consent')
      .values({
        tenant_id: tenant,
        contract_id: contractId,
        patient_id: patientId,
        granted_at: now,
        withdrawn_at: withdraw ? now : null,
        evidence: evidence ? evidence.slice(0, 500) : null,
      })
      .onConflict((oc) =>
        oc
          .columns(['tenant_id', 'contract_id', 'patient_id'])
          .doUpdateSet(withdraw ? { withdrawn_at: now } : { granted_at: now, withdrawn_at: null }),
      )
      .execute();
  }

  #request(auth: AuthorizedClient) {
    return {
      tenant: auth.tenant,
      principal: { client: { clientId: auth.client.id, contract: auth.contract } },
      purpose: auth.contract.purpose,
      ...(auth.contract.reference ? { reference: auth.contract.reference } : {}),
      address: auth.origin.address,
      context: { jti: auth.claims.jti },
    };
  }

  #checkContract(contract: Contract, origin: CallOrigin): void {
    const state = contractStateAt(contract, this.#now());
    if (state === 'expired')
      throw refused(GovernanceReason.ContractExpired, 'the contract of this client has expired');
    if (state === 'terminated')
      throw refused(
        GovernanceReason.ContractTerminated,
        'the contract of this client was terminated',
      );
    if (state === 'pending')
      throw refused(
        GovernanceReason.ContractNotYetValid,
        'the contract of this client is not yet valid',
      );
    const address = origin.address;
    if (!address || !contract.networks.some((n) => addressInCidr(address, n)))
      throw refused(
        GovernanceReason.NetworkOutsideContract,
        'calls from this network are outside the contract',
      );
  }

  async #inScope(contract: Contract, clientId: string, patientId: string): Promise<boolean> {
    if (!/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(patientId)) return false;
    switch (contract.patientScope) {
      case PatientScope.All:
        return true;
      case PatientScope.Consented: {
        const r = await this.#db
          .selectFrom('gov_consent')
          .select('withdrawn_at')
          .where('tenant_id', '=', contract.tenant)
          .where('contract_id', '=', contract.id)
          .where('patient_id', '=', patientId)
          .executeTakeFirst();
        return r !== undefined && r.withdrawn_at === null;
      }
      case PatientScope.Ordered: {
        const now = this.#now();
        const rels = await getCareRelationships(
          this.#vault.db as Kysely<VaultTables>,
          contract.tenant,
          patientId,
          clientId,
          now,
          { departments: [contract.party.organizationId] },
        );
        const horizon = now.getTime() - this.#settings.orderScopeDays * 86_400_000;
        return rels.some((r) => {
          if (r.kind !== 'department-order' || r.resourceType !== 'ServiceRequest') return false;
          if (r.status && ['cancelled', 'entered-in-error', 'revoked', 'draft'].includes(r.status))
            return false;
          if (r.current) return true;
          const at = r.periodEnd ?? r.periodStart;
          return at !== null && at.getTime() >= horizon;
        });
      }
      default:
        return false;
    }
  }

  #denial(
    auth: AuthorizedClient,
    reason: GovernanceReason,
    e: { patientId: string | null; fields: string[]; details: Record<string, JsonValue> },
  ): LedgerEntryInput {
    return {
      kind: 'denial',
      actor: { type: 'client', id: auth.client.id, department: auth.contract.party.organizationId },
      patientId: e.patientId,
      fields: e.fields,
      purpose: auth.contract.purpose,
      decision: 'deny',
      reasons: [reason],
      networkAddress: auth.origin.address,
      channel: 'api',
      details: { ...e.details, contractId: auth.contract.id, jti: auth.claims.jti },
    };
  }

  async #recordRefusal(
    tenant: string,
    e: unknown,
    action: string,
    clientId: string | undefined,
    origin: CallOrigin,
    details: Record<string, JsonValue>,
  ): Promise<void> {
    if (!isCustosError(e) || e.status >= 500) return;
    const reason = typeof e.extra.reasonCode === 'string' ? e.extra.reasonCode : e.code;
    await this.#append(tenant, {
      kind: 'denial',
      actor:
        clientId && /^cl-[a-f0-9-]{36}$/.test(clientId)
          ? { type: 'client', id: clientId }
          : { type: 'system', id: 'unauthenticated-client' },
      action,
      decision: 'deny',
      reasons: [reason],
      networkAddress: origin.address,
      channel: 'api',
      details,
    });
  }

  /** Append to the ledger; any failure is CUSTOS_LEDGER_UNAVAILABLE (fail closed). */
  async #append(tenant: string, entry: LedgerEntryInput): Promise<void> {
    try {
      await this.#ledger.appendEntry(tenant, entry);
    } catch (e) {
      if (isCustosError(e) && e.status < 500 && e.code !== ErrorCode.LedgerUnavailable) throw e;
      throw new CustosError(
        ErrorCode.LedgerUnavailable,
        'the access ledger cannot record this call now; nothing was disclosed',
      );
    }
  }
}

function invalidScope(): CustosError {
  return new CustosError(ErrorCode.BadRequest, 'the scope asked for is not in the contract', {
    reasonCode: GovernanceReason.ScopeInvalid,
    error: 'invalid_scope',
  });
}

function safeId(id: string): string | null {
  return /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(id) ? id : null;
}

/** Keep only the record sections and fields in `allowed` (`section.field` or whole sections). */
function pick(
  record: Record<string, unknown>,
  allowed: ReadonlySet<string>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [section, value] of Object.entries(record)) {
    if (allowed.has(section)) {
      out[section] = value;
      continue;
    }
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const sub: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>))
        if (allowed.has(`${section}.${k}`)) sub[k] = v;
      if (Object.keys(sub).length > 0) out[section] = sub;
    }
  }
  return out;
}
