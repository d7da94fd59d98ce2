/**
 * Short-lived access tokens for API clients (RFC 9068 JWT profile), signed with Ed25519 (EdDSA)
 * keys kept in the keyring. Each tenant has an active key and older keys that still verify until
 * retired; rotation makes a new key active at once. Every issued token's id (jti) is stored, so a
 * single token or all of a client's tokens can be revoked immediately, and a token this service
 * never issued is refused even with a valid signature. Optional mTLS binding (RFC 8705 §3):
 * `cnf.x5t#S256` must equal the thumbprint of the certificate presented with each request.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomUUID,
} from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { SignJWT, jwtVerify, decodeProtectedHeader, errors as joseErrors } from 'jose';
import type { Kysely } from 'kysely';
import type { Keyring } from '../crypto/index.ts';
import { equal } from '../crypto/index.ts';
import { GovernanceReason, unauthenticated } from './errors.ts';
import type { GovernanceTables } from './migrations.ts';
import type { TokenClaims } from './types.ts';

/** Settings of the token service. */
export interface TokenSettings {
  /** `iss` of every token, e.g. `https://custos.example-hospital.cn`. */
  issuer: string;
  /** `aud` of every token: the client API. */
  audience: string;
  /** Lifetime of an access token in seconds (default 300). */
  lifetimeSeconds: number;
}

/** A verifying key, cached. */
interface CachedKey {
  key: KeyObject;
  retired: boolean;
  at: number;
}

const KEY_CACHE_MS = 10_000;

/** The x5t#S256 thumbprint of a DER certificate (base64url SHA-256, RFC 8705 §3.1). */
export function certificateThumbprint(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('base64url');
}

/** The tenant's token signing keys and the tokens issued with them. */
export class TokenAuthority {
  readonly settings: TokenSettings;
  readonly #db: Kysely<GovernanceTables>;
  readonly #keyring: Keyring;
  readonly #now: () => Date;
  readonly #signing = new Map<string, { kid: string; key: KeyObject }>();
  readonly #verifying = new Map<string, CachedKey>();

  constructor(
    db: Kysely<GovernanceTables>,
    keyring: Keyring,
    now: () => Date,
    settings: TokenSettings,
  ) {
    this.#db = db;
    this.#keyring = keyring;
    this.#now = now;
    this.settings = settings;
  }

  /** The active signing key of a tenant, created on first use. */
  async activeKey(tenant: string): Promise<{ kid: string; key: KeyObject }> {
    const hit = this.#signing.get(tenant);
    if (hit) return hit;
    const row = await this.#db
      .selectFrom('gov_signing_key')
      .select(['kid', 'secret_name'])
      .where('tenant_id', '=', tenant)
      .where('active', '=', true)
      .executeTakeFirst();
    if (!row) return this.rotateKey(tenant);
    const key = this.#load(row.secret_name);
    const out = { kid: row.kid, key };
    this.#signing.set(tenant, out);
    return out;
  }

  /**
   * Make a new signing key active. Tokens signed with the previous key stay valid until they
   * expire (or the key is retired); returns the new key id.
   */
  async rotateKey(tenant: string): Promise<{ kid: string; key: KeyObject }> {
    const { privateKey } = generateKeyPairSync('ed25519');
    const der = privateKey.export({ format: 'der', type: 'pkcs8' });
    const kid = createHash('sha256')
      .update(createPublicKey(privateKey).export({ format: 'der', type: 'spki' }))
      .digest('base64url')
      .slice(0, 22);
    const secretName = `governance-token:${tenant}:${kid}`;
    await this.#keyring.putSecret(secretName, der);
    der.fill(0);
    const now = this.#now();
    await this.#db.transaction().execute(async (tx) => {
      await tx
        .updateTable('gov_signing_key')
        .set({ active: false })
        .where('tenant_id', '=', tenant)
        .where('active', '=', true)
        .execute();
      await tx
        .insertInto('gov_signing_key')
        .values({
          tenant_id: tenant,
          kid,
          secret_name: secretName,
          created_at: now,
          retired_at: null,
          active: true,
        })
        .execute();
    });
    const out = { kid, key: privateKey };
    this.#signing.set(tenant, out);
    return out;
  }

  /** Retire every inactive key: tokens signed with them stop verifying at once. */
  async retireInactiveKeys(tenant: string): Promise<number> {
    const res = await this.#db
      .updateTable('gov_signing_key')
      .set({ retired_at: this.#now() })
      .where('tenant_id', '=', tenant)
      .where('active', '=', false)
      .where('retired_at', 'is', null)
      .executeTakeFirst();
    this.#verifying.clear();
    return Number(res.numUpdatedRows);
  }

  /** Keys of a tenant with their age (for the security check), never key material. */
  async listKeys(
    tenant: string,
  ): Promise<{ kid: string; createdAt: Date; active: boolean; retired: boolean }[]> {
    const rows = await this.#db
      .selectFrom('gov_signing_key')
      .select(['kid', 'created_at', 'active', 'retired_at'])
      .where('tenant_id', '=', tenant)
      .execute();
    return rows.map((r) => ({
      kid: r.kid,
      createdAt: new Date(r.created_at),
      active: r.active,
      retired: r.retired_at !== null,
    }));
  }

  /** Sign and record a new access token. */
  async issue(
    tenant: string,
    input: {
      clientId: string;
      contractId: string;
      contractVersion: number;
      scopes: string[];
      certificateThumbprint?: string;
      /** Never later than this (the contract's end). */
      notAfter?: Date | null;
    },
  ): Promise<{ token: string; jti: string; expiresAt: Date }> {
    const { kid, key } = await this.activeKey(tenant);
    const now = this.#now();
    const iat = Math.floor(now.getTime() / 1000);
    let exp = iat + this.settings.lifetimeSeconds;
    if (input.notAfter) exp = Math.min(exp, Math.floor(input.notAfter.getTime() / 1000));
    const jti = randomUUID();
    const claims: Record<string, unknown> = {
      client_id: input.clientId,
      scope: input.scopes.join(' '),
      ctr: input.contractId,
      ctv: input.contractVersion,
      tnt: tenant,
    };
    if (input.certificateThumbprint) claims.cnf = { 'x5t#S256': input.certificateThumbprint };
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'at+jwt' })
      .setIssuer(this.settings.issuer)
      .setAudience(this.settings.audience)
      .setSubject(input.clientId)
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(exp)
      .setJti(jti)
      .sign(key);
    const expiresAt = new Date(exp * 1000);
    await this.#db
      .insertInto('gov_token')
      .values({
        tenant_id: tenant,
        jti,
        client_id: input.clientId,
        issued_at: now,
        expires_at: expiresAt,
        revoked_at: null,
      })
      .execute();
    return { token, jti, expiresAt };
  }

  /**
   * Verify a token's form, signature, issuer, audience and lifetime (the signature first: nothing
   * in an unverified token is trusted). Does not look up revocation; see `checkIssued`.
   */
  async verifySignature(
    tenant: string,
    token: string,
  ): Promise<TokenClaims & { claimedTenant: string }> {
    // Parse defensively: a bearer is untrusted input of any size and shape.
    if (typeof token !== 'string' || token.length > 4096 || !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token))
      throw unauthenticated(GovernanceReason.TokenMalformed, 'the access token is malformed');
    let kid: unknown;
    try {
      const header = decodeProtectedHeader(token);
      if (header.alg !== 'EdDSA') throw new Error('alg');
      kid = header.kid;
    } catch {
      throw unauthenticated(GovernanceReason.TokenMalformed, 'the access token is malformed');
    }
    if (typeof kid !== 'string' || kid.length > 64)
      throw unauthenticated(GovernanceReason.TokenMalformed, 'the access token names no key');
    const key = await this.#verifyingKey(tenant, kid);
    if (!key)
      throw unauthenticated(
        GovernanceReason.TokenSignatureInvalid,
        'the access token was not signed by a current key',
      );
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, key, {
        algorithms: ['EdDSA'],
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        typ: 'at+jwt',
        currentDate: this.#now(),
        requiredClaims: ['jti', 'exp', 'iat', 'sub', 'aud'],
      }));
    } catch (e) {
      if (e instanceof joseErrors.JWTExpired)
        throw unauthenticated(GovernanceReason.TokenExpired, 'the access token has expired');
      if (e instanceof joseErrors.JWTClaimValidationFailed && e.claim === 'aud')
        throw unauthenticated(
          GovernanceReason.TokenAudienceMismatch,
          'the access token is not meant for this API',
        );
      if (e instanceof joseErrors.JWSSignatureVerificationFailed)
        throw unauthenticated(
          GovernanceReason.TokenSignatureInvalid,
          'the access token signature is invalid',
        );
      throw unauthenticated(GovernanceReason.TokenMalformed, 'the access token is not valid');
    }
    const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
    const cnf = payload.cnf as Record<string, unknown> | undefined;
    const out: TokenClaims & { claimedTenant: string } = {
      jti: str(payload.jti) ?? '',
      clientId: str(payload.sub) ?? '',
      contractId: str(payload.ctr) ?? '',
      contractVersion: typeof payload.ctv === 'number' ? payload.ctv : 0,
      scopes: (str(payload.scope) ?? '').split(' ').filter((s) => s !== ''),
      issuedAt: new Date(Number(payload.iat) * 1000),
      expiresAt: new Date(Number(payload.exp) * 1000),
      claimedTenant: str(payload.tnt) ?? '',
    };
    const x5t = cnf ? str(cnf['x5t#S256']) : undefined;
    if (x5t) out.certificateThumbprint = x5t;
    if (out.claimedTenant !== tenant)
      throw unauthenticated(
        GovernanceReason.TokenAudienceMismatch,
        'the access token is for another tenant',
      );
    return out;
  }

  /**
   * Check the mTLS binding: a bound token must come with the same certificate (constant-time
   * comparison of the thumbprints).
   */
  checkBinding(claims: TokenClaims, presented: string | undefined): void {
    if (!claims.certificateThumbprint) return;
    if (!presented || !equal(Buffer.from(presented), Buffer.from(claims.certificateThumbprint)))
      throw unauthenticated(
        GovernanceReason.TokenBindingMismatch,
        'the access token is bound to another client certificate',
      );
  }

  /** Revoke one token at once. */
  async revokeToken(tenant: string, jti: string): Promise<boolean> {
    const res = await this.#db
      .updateTable('gov_token')
      .set({ revoked_at: this.#now() })
      .where('tenant_id', '=', tenant)
      .where('jti', '=', jti)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** Revoke every unexpired token of a client at once. */
  async revokeClientTokens(tenant: string, clientId: string): Promise<number> {
    const now = this.#now();
    const res = await this.#db
      .updateTable('gov_token')
      .set({ revoked_at: now })
      .where('tenant_id', '=', tenant)
      .where('client_id', '=', clientId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return Number(res.numUpdatedRows);
  }

  /** Delete token and assertion records expired more than a day ago (housekeeping). */
  async purgeExpired(tenant: string): Promise<number> {
    const before = new Date(this.#now().getTime() - 86_400_000);
    const a = await this.#db
      .deleteFrom('gov_token')
      .where('tenant_id', '=', tenant)
      .where('expires_at', '<', before)
      .executeTakeFirst();
    const b = await this.#db
      .deleteFrom('gov_seen_assertion')
      .where('tenant_id', '=', tenant)
      .where('expires_at', '<', before)
      .executeTakeFirst();
    return Number(a.numDeletedRows) + Number(b.numDeletedRows);
  }

  #load(secretName: string): KeyObject {
    const der = this.#keyring.getSecret(secretName);
    if (!der)
      throw unauthenticated(GovernanceReason.TokenSignatureInvalid, 'token signing key missing');
    const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    der.fill(0);
    return key;
  }

  async #verifyingKey(tenant: string, kid: string): Promise<KeyObject | null> {
    const cacheKey = `${tenant}|${kid}`;
    const hit = this.#verifying.get(cacheKey);
    const t = Date.now();
    if (hit && t - hit.at < KEY_CACHE_MS) return hit.retired ? null : hit.key;
    const row = await this.#db
      .selectFrom('gov_signing_key')
      .select(['secret_name', 'retired_at'])
      .where('tenant_id', '=', tenant)
      .where('kid', '=', kid)
      .executeTakeFirst();
    if (!row) return null;
    const key = createPublicKey(this.#load(row.secret_name));
    const entry = { key, retired: row.retired_at !== null, at: t };
    this.#verifying.set(cacheKey, entry);
    return entry.retired ? null : key;
  }
}
