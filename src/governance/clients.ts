/**
 * API clients of third parties: registration under a contract, client authentication at the
 * token endpoint (a secret stored only as an argon2id hash, or a private_key_jwt assertion per
 * RFC 7523 whose jti is accepted once), secret rotation, and revocation.
 */
import { randomBytes, randomUUID, createPublicKey } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { jwtVerify, decodeProtectedHeader } from 'jose';
import type { Kysely } from 'kysely';
import { CustosError, ErrorCode } from '../errors/index.ts';
import { GovernanceReason, unauthenticated } from './errors.ts';
import type { GovernanceTables } from './migrations.ts';
import { ClientAuthMethod, type ApiClient } from './types.ts';

/** Argon2id with OWASP's minimum parameters (19 MiB, 2 passes), as for staff passwords. */
const ARGON2 = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;
const CLIENT_ID = /^cl-[a-f0-9-]{36}$/;
/** Most seconds a client assertion may be valid for (RFC 7523 §3: short-lived). */
const MAX_ASSERTION_SECONDS = 300;

let dummy: Promise<string> | undefined;
/** A hash to verify against for unknown clients, so timing does not reveal which ids exist. */
function dummyHash(): Promise<string> {
  dummy ??= hash(randomBytes(16).toString('hex'), ARGON2);
  return dummy;
}

type Row = GovernanceTables['gov_client'];

/** A stored client row as the rest of the module sees it. */
export function toClient(r: Row): ApiClient {
  const iso = (d: Date | null): string | null => (d ? new Date(d).toISOString() : null);
  return {
    tenant: r.tenant_id,
    id: r.id,
    contractId: r.contract_id,
    name: r.name,
    authMethod: r.auth_method as ClientAuthMethod,
    certificateThumbprint: r.certificate_thumbprint,
    status: r.status === 'revoked' ? 'revoked' : 'active',
    createdAt: new Date(r.created_at).toISOString(),
    secretRotatedAt: new Date(r.secret_rotated_at).toISOString(),
    revokedAt: iso(r.revoked_at),
    lastUsedAt: iso(r.last_used_at),
  };
}

/** What registering a client needs. */
export interface NewClient {
  contractId: string;
  name: string;
  /** Default: a generated secret. With a PEM (SPKI, Ed25519 or P-256): private_key_jwt. */
  publicKeyPem?: string;
  /** Bind the client to one certificate (mTLS): its x5t#S256 thumbprint. */
  certificateThumbprint?: string;
}

/** Proof of client identity given at the token endpoint. */
export type ClientCredentials =
  | { kind: 'secret'; clientId: string; secret: string }
  | { kind: 'assertion'; clientId?: string; assertion: string };

/** Client storage and authentication. */
export class ClientStore {
  readonly #db: Kysely<GovernanceTables>;
  readonly #now: () => Date;

  constructor(db: Kysely<GovernanceTables>, now: () => Date) {
    this.#db = db;
    this.#now = now;
  }

  /** Register a client; returns it and, for secret clients, the secret (shown once). */
  async create(tenant: string, input: NewClient): Promise<{ client: ApiClient; secret?: string }> {
    const name = typeof input.name === 'string' ? input.name.trim() : '';
    if (name.length < 1 || name.length > 100)
      throw new CustosError(ErrorCode.InputInvalid, 'client name must be 1 to 100 characters', {
        field: 'name',
      });
    let publicKeyPem: string | null = null;
    if (input.publicKeyPem !== undefined) {
      publicKeyPem = checkPublicKey(input.publicKeyPem);
    }
    if (
      input.certificateThumbprint !== undefined &&
      !/^[A-Za-z0-9_-]{43}$/.test(input.certificateThumbprint)
    )
      throw new CustosError(
        ErrorCode.InputInvalid,
        'certificateThumbprint must be a base64url SHA-256 (43 characters)',
        { field: 'certificateThumbprint' },
      );
    const id = `cl-${randomUUID()}`;
    const secret = publicKeyPem ? undefined : randomBytes(32).toString('base64url');
    const now = this.#now();
    await this.#db
      .insertInto('gov_client')
      .values({
        tenant_id: tenant,
        id,
        contract_id: input.contractId,
        name,
        auth_method: publicKeyPem ? ClientAuthMethod.PrivateKeyJwt : ClientAuthMethod.Secret,
        secret_hash: secret ? await hash(secret, ARGON2) : null,
        public_key_pem: publicKeyPem,
        certificate_thumbprint: input.certificateThumbprint ?? null,
        status: 'active',
        created_at: now,
        secret_rotated_at: now,
        revoked_at: null,
        last_used_at: null,
      })
      .execute();
    const client = (await this.get(tenant, id))!;
    return secret ? { client, secret } : { client };
  }

  /** A client, or null (malformed ids are null too). */
  async get(tenant: string, id: string): Promise<ApiClient | null> {
    if (typeof id !== 'string' || !CLIENT_ID.test(id)) return null;
    const r = await this.#db
      .selectFrom('gov_client')
      .selectAll()
      .where('tenant_id', '=', tenant)
      .where('id', '=', id)
      .executeTakeFirst();
    return r ? toClient(r) : null;
  }

  /** Every client of a tenant. */
  async list(tenant: string): Promise<ApiClient[]> {
    const rows = await this.#db
      .selectFrom('gov_client')
      .selectAll()
      .where('tenant_id', '=', tenant)
      .orderBy('created_at')
      .limit(10_000)
      .execute();
    return rows.map(toClient);
  }

  /** A new secret for a secret client (the old one stops at once); returns it once. */
  async rotateSecret(tenant: string, id: string): Promise<string> {
    const c = await this.get(tenant, id);
    if (!c) throw new CustosError(ErrorCode.NotFound, 'client not found');
    if (c.authMethod !== ClientAuthMethod.Secret)
      throw new CustosError(
        ErrorCode.Conflict,
        'this client authenticates with a key, not a secret',
      );
    if (c.status === 'revoked') throw new CustosError(ErrorCode.Conflict, 'the client is revoked');
    const secret = randomBytes(32).toString('base64url');
    await this.#db
      .updateTable('gov_client')
      .set({ secret_hash: await hash(secret, ARGON2), secret_rotated_at: this.#now() })
      .where('tenant_id', '=', tenant)
      .where('id', '=', id)
      .execute();
    return secret;
  }

  /** Mark a client revoked (its tokens are revoked by the caller in the same step). */
  async revoke(tenant: string, id: string): Promise<boolean> {
    const res = await this.#db
      .updateTable('gov_client')
      .set({ status: 'revoked', revoked_at: this.#now(), secret_hash: null })
      .where('tenant_id', '=', tenant)
      .where('id', '=', id)
      .where('status', '=', 'active')
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** Record that a client obtained a token now. */
  async touch(tenant: string, id: string): Promise<void> {
    await this.#db
      .updateTable('gov_client')
      .set({ last_used_at: this.#now() })
      .where('tenant_id', '=', tenant)
      .where('id', '=', id)
      .execute();
  }

  /**
   * Authenticate a client at the token endpoint. Unknown clients, wrong secrets and bad
   * assertions all answer 401 CLIENT_INVALID / ASSERTION_INVALID (timing-equalised for
   * secrets); a replayed assertion jti answers ASSERTION_REPLAYED.
   */
  async authenticate(
    tenant: string,
    creds: ClientCredentials,
    audience: readonly string[],
  ): Promise<ApiClient> {
    if (creds.kind === 'secret') {
      const row = CLIENT_ID.test(creds.clientId)
        ? await this.#db
            .selectFrom('gov_client')
            .selectAll()
            .where('tenant_id', '=', tenant)
            .where('id', '=', creds.clientId)
            .executeTakeFirst()
        : undefined;
      const secretOk = await verify(
        row?.secret_hash ?? (await dummyHash()),
        typeof creds.secret === 'string' ? creds.secret.slice(0, 512) : '',
      ).catch(() => false);
      if (!row || !row.secret_hash || !secretOk)
        throw unauthenticated(
          row?.status === 'revoked'
            ? GovernanceReason.ClientRevoked
            : GovernanceReason.ClientInvalid,
          'client authentication failed',
          'invalid_client',
        );
      return toClient(row);
    }
    return this.#authenticateAssertion(tenant, creds, audience);
  }

  async #authenticateAssertion(
    tenant: string,
    creds: { clientId?: string; assertion: string },
    audience: readonly string[],
  ): Promise<ApiClient> {
    const fail = (): CustosError =>
      unauthenticated(
        GovernanceReason.AssertionInvalid,
        'client assertion is not valid',
        'invalid_client',
      );
    const a = creds.assertion;
    if (typeof a !== 'string' || a.length > 8192 || !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(a))
      throw fail();
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(a).alg;
    } catch {
      throw fail();
    }
    if (alg !== 'EdDSA' && alg !== 'ES256') throw fail();
    // The subject is read only to find the key; nothing is trusted before the signature checks.
    const claimed = creds.clientId ?? unverifiedSubject(a);
    if (!claimed || !CLIENT_ID.test(claimed)) throw fail();
    const row = await this.#db
      .selectFrom('gov_client')
      .selectAll()
      .where('tenant_id', '=', tenant)
      .where('id', '=', claimed)
      .executeTakeFirst();
    if (!row || !row.public_key_pem) throw fail();
    if (row.status === 'revoked')
      throw unauthenticated(
        GovernanceReason.ClientRevoked,
        'the client is revoked',
        'invalid_client',
      );
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(a, createPublicKey(row.public_key_pem), {
        algorithms: ['EdDSA', 'ES256'],
        issuer: row.id,
        subject: row.id,
        audience: [...audience],
        currentDate: this.#now(),
        requiredClaims: ['jti', 'exp', 'iat'],
        maxTokenAge: MAX_ASSERTION_SECONDS,
      }));
    } catch {
      throw fail();
    }
    const jti = payload.jti;
    const exp = Number(payload.exp);
    if (typeof jti !== 'string' || jti.length > 128) throw fail();
    if (exp * 1000 - this.#now().getTime() > MAX_ASSERTION_SECONDS * 1000) throw fail();
    // Single use (RFC 7523 §3, item 7): the jti is kept until the assertion expires.
    const inserted = await this.#db
      .insertInto('gov_seen_assertion')
      .values({ tenant_id: tenant, client_id: row.id, jti, expires_at: new Date(exp * 1000) })
      .onConflict((oc) => oc.columns(['tenant_id', 'client_id', 'jti']).doNothing())
      .returning('jti')
      .executeTakeFirst();
    if (!inserted)
      throw unauthenticated(
        GovernanceReason.AssertionReplayed,
        'this client assertion was used before',
        'invalid_client',
      );
    return toClient(row);
  }
}

function unverifiedSubject(jwt: string): string | undefined {
  try {
    const body = JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as {
      sub?: unknown;
    };
    return typeof body.sub === 'string' ? body.sub : undefined;
  } catch {
    return undefined;
  }
}

/** Accept an SPKI PEM of an Ed25519 or P-256 key; returns it normalised. */
function checkPublicKey(pem: string): string {
  try {
    if (typeof pem !== 'string' || pem.length > 4096) throw new Error('size');
    const k = createPublicKey(pem);
    const ok =
      k.asymmetricKeyType === 'ed25519' ||
      (k.asymmetricKeyType === 'ec' && k.asymmetricKeyDetails?.namedCurve === 'prime256v1');
    if (!ok) throw new Error('type');
    return k.export({ format: 'pem', type: 'spki' }).toString();
  } catch {
    throw new CustosError(
      ErrorCode.InputInvalid,
      'publicKeyPem must be an SPKI PEM of an Ed25519 or P-256 key',
      { field: 'publicKeyPem' },
    );
  }
}
