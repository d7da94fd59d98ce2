import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCustosError } from '../errors/index.ts';
import { queryEntries, type LedgerEntry, type LedgerTables } from '../ledger/index.ts';
import {
  GovernanceReason,
  TokenAuthority,
  certificateThumbprint,
  type ApiClient,
  type GovernanceService,
} from './index.ts';
import {
  appContractTerms,
  createGovernanceFixture,
  labContractTerms,
  type GovernanceFixture,
} from './test-fixture.ts';

const LAB_ADDR = '203.0.113.7';
const APP_ADDR = '198.51.100.9';

async function failure(
  p: Promise<unknown>,
): Promise<{ status: number; code: string; reason: unknown }> {
  try {
    await p;
  } catch (e) {
    if (!isCustosError(e)) throw e;
    return { status: e.status, code: e.code, reason: e.extra.reasonCode };
  }
  throw new Error('expected a refusal');
}

describe('contracts, API clients and tokens', () => {
  let f: GovernanceFixture;
  let gov: GovernanceService;
  let lab: { client: ApiClient; secret?: string };
  let contractId: string;

  const entries = async (q: { clientId?: string; kinds?: LedgerEntry['kind'][] } = {}) =>
    (
      await queryEntries(f.rt.store.db as Kysely<LedgerTables>, {
        tenant: f.tenant,
        limit: 1000,
        ...q,
      })
    ).entries;

  const labToken = async (
    scope?: string,
    origin: { address: string; certificateThumbprint?: string } = { address: LAB_ADDR },
  ) =>
    (
      await gov.gateway.issueToken(
        f.tenant,
        {
          grantType: 'client_credentials',
          ...(scope ? { scope } : {}),
          credentials: { kind: 'secret', clientId: lab.client.id, secret: lab.secret! },
        },
        origin,
      )
    ).access_token;

  beforeAll(async () => {
    f = await createGovernanceFixture();
    gov = f.rt.governance;
    const c = await gov.createContract(f.tenant, f.officer, labContractTerms());
    contractId = c.id;
    lab = await gov.registerClient(f.tenant, f.officer, { contractId, name: 'ACME LIS' });
  });
  afterAll(async () => {
    await f.rt.close();
  });

  it('validates contract terms field by field and ledgers every change without personal data', async () => {
    for (const [over, field] of [
      [{ purpose: 'marketing' }, 'purpose'],
      [{ fields: ['demographics.name', 'shoe-size'] }, 'fields[1]'],
      [{ networks: ['10.0.0.0/33'] }, 'networks[0]'],
      [{ validUntil: '2024-01-01T00:00:00Z' }, 'validUntil'],
      [{ actsAs: 'privacy-officer' }, 'actsAs'],
      [{ responsible: { hospital: [], party: [] } }, 'responsible.hospital'],
      [{ deidentify: true }, 'fields'],
      [{ dailyLimit: 0 }, 'dailyLimit'],
    ] as const) {
      const e = await failure(gov.createContract(f.tenant, f.officer, labContractTerms(over)));
      expect(e.code, field).toBe('CUSTOS_INPUT_INVALID');
    }
    expect((await failure(gov.createContract(f.tenant, f.vendor, labContractTerms()))).code).toBe(
      'CUSTOS_FORBIDDEN',
    );
    const created = (await entries()).filter((e) => e.action === 'contract.create');
    expect(created).toHaveLength(1);
    expect(created[0]!.details).toContain(contractId);
    expect(created[0]!.details).not.toContain('Officer Zhou');
    expect(created[0]!.details).not.toContain('Lab Manager');
  });

  it('issues a signed short-lived token with scopes from the contract and reads only ordered patients', async () => {
    const token = await labToken();
    const [, payload] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    expect(claims.scope).toBe('system/Patient.rs system/Observation.rs system/ServiceRequest.rs');
    expect(claims.exp - claims.iat).toBe(300);
    expect(claims.aud).toBe('urn:custos:client-api');
    const auth = await gov.gateway.authorize(
      f.tenant,
      token,
      { address: LAB_ADDR },
      { type: 'Patient', perm: 'r' },
    );
    const r = await gov.gateway.readPatient(auth, 'pt-lab');
    expect(r.fields).toEqual(expect.arrayContaining(['demographics.name', 'observation.lab']));
    expect(JSON.stringify(r.record)).toContain('128');
    expect(r.record).not.toHaveProperty('contact');
    expect(r.meta.watermark).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);
    const read = (await entries({ clientId: lab.client.id })).find(
      (e) => e.kind === 'disclosure.api',
    );
    expect(read).toBeDefined();
    expect(read!.actorType).toBe('client');
    expect(read!.patientId).toBe('pt-lab');
    expect(JSON.parse(read!.details!)).toMatchObject({ contractId, jti: auth.claims.jti });
    // A patient without an order sent to the lab is outside the contract.
    const auth2 = await gov.gateway.authorize(
      f.tenant,
      token,
      { address: LAB_ADDR },
      { type: 'Patient', perm: 'r' },
    );
    const out = await failure(gov.gateway.readPatient(auth2, 'pt-obs'));
    expect(out).toMatchObject({ status: 403, reason: GovernanceReason.PatientOutsideContract });
    const denial = (await entries({ clientId: lab.client.id })).find(
      (e) => e.kind === 'denial' && e.reasons.includes(GovernanceReason.PatientOutsideContract),
    );
    expect(denial?.patientId).toBe('pt-obs');
  });

  it('narrows scopes on request and refuses scopes outside the contract', async () => {
    const token = await labToken('system/Patient.r');
    const denied = await failure(
      gov.gateway.authorize(f.tenant, token, { address: LAB_ADDR }, { type: 'Patient', perm: 's' }),
    );
    expect(denied).toMatchObject({ status: 403, reason: GovernanceReason.ScopeInsufficient });
    const bad = await failure(labToken('system/Claim.r'));
    expect(bad).toMatchObject({ status: 400, reason: GovernanceReason.ScopeInvalid });
  });

  it('refuses expired, revoked, forged, wrong-audience and unknown-network tokens with stable codes, all ledgered', async () => {
    const need = { type: 'Patient', perm: 'r' } as const;
    const origin = { address: LAB_ADDR };
    // expired
    const t1 = await labToken();
    const start = f.clock.now;
    f.clock.now = new Date(start.getTime() + 301_000);
    expect(await failure(gov.gateway.authorize(f.tenant, t1, origin, need))).toMatchObject({
      status: 401,
      code: 'CUSTOS_UNAUTHENTICATED',
      reason: GovernanceReason.TokenExpired,
    });
    f.clock.now = start;
    // revoked
    const t2 = await labToken();
    const jti = JSON.parse(Buffer.from(t2.split('.')[1]!, 'base64url').toString()).jti as string;
    expect(await gov.revokeToken(f.tenant, f.officer, jti)).toBe(true);
    expect(await failure(gov.gateway.authorize(f.tenant, t2, origin, need))).toMatchObject({
      status: 401,
      reason: GovernanceReason.TokenRevoked,
    });
    // forged: right header and claims, signed with another key
    const header = JSON.parse(Buffer.from(t2.split('.')[0]!, 'base64url').toString());
    const claims = JSON.parse(Buffer.from(t2.split('.')[1]!, 'base64url').toString());
    const { privateKey } = generateKeyPairSync('ed25519');
    const forged = await new SignJWT({ ...claims, jti: 'forged-1' })
      .setProtectedHeader(header)
      .sign(privateKey);
    expect(await failure(gov.gateway.authorize(f.tenant, forged, origin, need))).toMatchObject({
      status: 401,
      reason: GovernanceReason.TokenSignatureInvalid,
    });
    // a flipped bit in a valid token
    const t3 = await labToken();
    const flipped = t3.slice(0, -2) + (t3.at(-2) === 'A' ? 'B' : 'A') + t3.at(-1);
    expect((await failure(gov.gateway.authorize(f.tenant, flipped, origin, need))).status).toBe(
      401,
    );
    // wrong audience: signed by this service's key for another API
    const other = new TokenAuthority(gov.db, f.rt.keyring, () => f.clock.now, {
      ...gov.tokens.settings,
      audience: 'urn:custos:other-api',
    });
    const t4 = (
      await other.issue(f.tenant, {
        clientId: lab.client.id,
        contractId,
        contractVersion: 1,
        scopes: ['system/Patient.rs'],
      })
    ).token;
    expect(await failure(gov.gateway.authorize(f.tenant, t4, origin, need))).toMatchObject({
      status: 401,
      reason: GovernanceReason.TokenAudienceMismatch,
    });
    // garbage and missing
    for (const junk of ['', 'abc', 'a.b.c', 'x'.repeat(5000)])
      expect(
        (await failure(gov.gateway.authorize(f.tenant, junk || undefined, origin, need))).status,
      ).toBe(401);
    // a valid token from outside the contract's networks
    const t5 = await labToken();
    expect(
      await failure(gov.gateway.authorize(f.tenant, t5, { address: '192.0.2.1' }, need)),
    ).toMatchObject({ status: 403, reason: GovernanceReason.NetworkOutsideContract });
    const reasons = (await entries({ kinds: ['denial'] })).flatMap((e) => e.reasons);
    for (const r of [
      GovernanceReason.TokenExpired,
      GovernanceReason.TokenRevoked,
      GovernanceReason.TokenSignatureInvalid,
      GovernanceReason.TokenAudienceMismatch,
      GovernanceReason.TokenMissing,
      GovernanceReason.TokenMalformed,
      GovernanceReason.NetworkOutsideContract,
    ])
      expect(reasons, r).toContain(r);
  });

  it('refuses a wrong secret and a replayed private_key_jwt assertion', async () => {
    const bad = await failure(
      gov.gateway.issueToken(
        f.tenant,
        {
          grantType: 'client_credentials',
          credentials: { kind: 'secret', clientId: lab.client.id, secret: 'nope' },
        },
        { address: LAB_ADDR },
      ),
    );
    expect(bad).toMatchObject({ status: 401, reason: GovernanceReason.ClientInvalid });
    const keys = generateKeyPairSync('ed25519');
    const pem = keys.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const { client } = await gov.registerClient(f.tenant, f.officer, {
      contractId,
      name: 'ACME LIS (key)',
      publicKeyPem: pem,
    });
    const iat = Math.floor(f.clock.now.getTime() / 1000);
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'EdDSA' })
      .setIssuer(client.id)
      .setSubject(client.id)
      .setAudience(`${gov.tokens.settings.issuer}/oauth/token`)
      .setIssuedAt(iat)
      .setExpirationTime(iat + 60)
      .setJti('assertion-1')
      .sign(keys.privateKey);
    const ask = () =>
      gov.gateway.issueToken(
        f.tenant,
        { grantType: 'client_credentials', credentials: { kind: 'assertion', assertion } },
        { address: LAB_ADDR },
      );
    expect((await ask()).token_type).toBe('Bearer');
    expect(await failure(ask())).toMatchObject({
      status: 401,
      reason: GovernanceReason.AssertionReplayed,
    });
  });

  it('binds tokens to the client certificate (mTLS) when one is presented', async () => {
    const x5t = certificateThumbprint(Buffer.from('a DER certificate stands here'));
    const token = await labToken(undefined, { address: LAB_ADDR, certificateThumbprint: x5t });
    const need = { type: 'Patient', perm: 'r' } as const;
    expect(
      await failure(gov.gateway.authorize(f.tenant, token, { address: LAB_ADDR }, need)),
    ).toMatchObject({
      status: 401,
      reason: GovernanceReason.TokenBindingMismatch,
    });
    const other = certificateThumbprint(Buffer.from('another certificate'));
    expect(
      (
        await failure(
          gov.gateway.authorize(
            f.tenant,
            token,
            { address: LAB_ADDR, certificateThumbprint: other },
            need,
          ),
        )
      ).reason,
    ).toBe(GovernanceReason.TokenBindingMismatch);
    const ok = await gov.gateway.authorize(
      f.tenant,
      token,
      { address: LAB_ADDR, certificateThumbprint: x5t },
      need,
    );
    expect(ok.claims.certificateThumbprint).toBe(x5t);
  });

  it('rotates the signing key (old tokens verify until retired) and revokes a client at once', async () => {
    const need = { type: 'Patient', perm: 'r' } as const;
    const before = await labToken();
    const { kid } = await gov.rotateTokenKey(f.tenant, f.officer);
    const after = await labToken();
    expect(JSON.parse(Buffer.from(after.split('.')[0]!, 'base64url').toString()).kid).toBe(kid);
    await gov.gateway.authorize(f.tenant, before, { address: LAB_ADDR }, need);
    await gov.rotateTokenKey(f.tenant, f.officer, { retirePrevious: true });
    expect(
      (await failure(gov.gateway.authorize(f.tenant, before, { address: LAB_ADDR }, need))).reason,
    ).toBe(GovernanceReason.TokenSignatureInvalid);
    const live = await labToken();
    await gov.gateway.authorize(f.tenant, live, { address: LAB_ADDR }, need);
    const { client, secret } = await gov.registerClient(f.tenant, f.officer, {
      contractId,
      name: 'to revoke',
    });
    const t = (
      await gov.gateway.issueToken(
        f.tenant,
        {
          grantType: 'client_credentials',
          credentials: { kind: 'secret', clientId: client.id, secret: secret! },
        },
        { address: LAB_ADDR },
      )
    ).access_token;
    expect(await gov.revokeClient(f.tenant, f.officer, client.id, 'vendor offboarded')).toBe(1);
    expect(
      (await failure(gov.gateway.authorize(f.tenant, t, { address: LAB_ADDR }, need))).reason,
    ).toBe(GovernanceReason.ClientRevoked);
  });

  it('incident 5: the check-in app asking for gestational age gets the fields withheld and the attempt recorded', async () => {
    const app = await gov.createContract(f.tenant, f.officer, appContractTerms({ dailyLimit: 4 }));
    const { client, secret } = await gov.registerClient(f.tenant, f.officer, {
      contractId: app.id,
      name: 'Check-in',
    });
    await gov.recordConsent(f.tenant, f.officer, app.id, 'pt-obs', {
      evidence: 'signed form 2025-02-10',
    });
    const token = (
      await gov.gateway.issueToken(
        f.tenant,
        {
          grantType: 'client_credentials',
          credentials: { kind: 'secret', clientId: client.id, secret: secret! },
        },
        { address: APP_ADDR },
      )
    ).access_token;
    const call = () =>
      gov.gateway.authorize(f.tenant, token, { address: APP_ADDR }, { type: 'Patient', perm: 'r' });
    const r = await gov.gateway.readPatient(await call(), 'pt-obs', [
      'name',
      'appointment',
      'gestational-age',
      'due-date',
    ]);
    expect(r.withheld).toEqual(expect.arrayContaining(['observation.vitals', 'reproductive']));
    expect(r.fields).not.toContain('observation.vitals');
    const body = JSON.stringify(r.record);
    expect(body).not.toContain('11884-4');
    expect(body).not.toMatch(/gestational/i);
    expect(body).not.toContain('"32"');
    expect(r.record).toHaveProperty('appointment');
    const attempt = (await entries({ clientId: client.id })).find(
      (e) => e.kind === 'denial' && e.reasons.includes(GovernanceReason.FieldsOutsideContract),
    );
    expect(attempt).toBeDefined();
    expect(attempt!.patientId).toBe('pt-obs');
    expect(attempt!.fields).toEqual(expect.arrayContaining(['observation.vitals', 'reproductive']));
    // Only gestational age: nothing inside the contract is left, so the call is refused.
    expect(
      await failure(gov.gateway.readPatient(await call(), 'pt-obs', ['gestational-age'])),
    ).toMatchObject({ status: 403, reason: GovernanceReason.FieldsOutsideContract });
    // A patient who did not consent is outside the contract.
    expect((await failure(gov.gateway.readPatient(await call(), 'pt-lab'))).reason).toBe(
      GovernanceReason.PatientOutsideContract,
    );
    // Unknown field names are a bad request, not silently ignored.
    expect(
      (await failure(gov.gateway.readPatient(await call(), 'pt-obs', ['shoe-size']))).status,
    ).toBe(400);
    // The daily quota (4) is used up now: 429.
    expect(await failure(call())).toMatchObject({
      status: 429,
      reason: GovernanceReason.DailyQuotaExceeded,
    });
    // The contract ends by itself.
    f.clock.now = new Date('2025-07-01T00:00:00Z');
    try {
      const e = await failure(call());
      expect(
        e.reason === GovernanceReason.ContractExpired || e.reason === GovernanceReason.TokenExpired,
      ).toBe(true);
      expect(
        await failure(
          gov.gateway.issueToken(
            f.tenant,
            {
              grantType: 'client_credentials',
              credentials: { kind: 'secret', clientId: client.id, secret: secret! },
            },
            { address: APP_ADDR },
          ),
        ),
      ).toMatchObject({ status: 403, reason: GovernanceReason.ContractExpired });
    } finally {
      f.clock.now = new Date('2025-03-03T02:00:00Z');
    }
  });
});
