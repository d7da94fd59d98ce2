/**
 * Patient sign-in: a one-time code sent to the phone on the record, then the code with a second
 * factor (the ID number, full or its last 6 characters). Known and unknown phones get the same
 * answers; codes are hashed, short-lived and attempt-limited; phones are throttled and locked
 * after repeated wrong answers; every attempt is ledgered with actor type `patient`.
 */
import { createHash, randomBytes, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import { sql } from 'kysely';
import { normalise } from '../crypto/index.ts';
import { CustosError, ErrorCode } from '../errors/index.ts';
import { findPatients, readResources, type FhirResource } from '../vault/index.ts';
import { appendOrFail, PORTAL_CHANNEL, type PortalDeps, type SettingsStore } from './context.ts';
import { codeText } from './i18n.ts';
import type { PatientSession, PortalLocale, PortalSettings } from './types.ts';

/** What the first step answers, the same for every phone number. */
export interface CodeChallenge {
  challengeId: string;
  expiresAt: Date;
}

/** A new patient session: the bearer token is shown once and stored only as a hash. */
export interface PatientSignIn {
  token: string;
  session: PatientSession;
}

const WRONG = 'the code or the ID number is not right';

function wrong(): CustosError {
  return new CustosError(ErrorCode.Unauthenticated, WRONG);
}

function locked(): CustosError {
  return new CustosError(
    ErrorCode.AccountLocked,
    'too many wrong answers for this phone number; try again later',
  );
}

/** Digits of a phone number as the vault indexes them; refuses what cannot be a phone number. */
export function normalisePatientPhone(phone: unknown): string {
  if (typeof phone !== 'string' || phone.length > 40)
    throw new CustosError(ErrorCode.InputInvalid, 'phone must be a phone number', {
      field: 'phone',
    });
  const d = normalise.phone(phone);
  if (!/^\d{6,15}$/.test(d))
    throw new CustosError(ErrorCode.InputInvalid, 'phone must be a phone number', {
      field: 'phone',
    });
  return d;
}

/** The second factor as typed: a full ID number or its last 6 characters. */
function normaliseIdAnswer(v: unknown): string {
  if (typeof v !== 'string' || v.length > 40)
    throw new CustosError(ErrorCode.InputInvalid, 'idNumber must be an ID number or its last 6', {
      field: 'idNumber',
    });
  const n = normalise.idNumber(v);
  if (!/^[0-9A-Z]{6,32}$/.test(n))
    throw new CustosError(ErrorCode.InputInvalid, 'idNumber must be an ID number or its last 6', {
      field: 'idNumber',
    });
  return n;
}

const tokenHash = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/** Sign-in and sessions of patients. */
export class PatientLogin {
  constructor(
    private readonly deps: PortalDeps,
    private readonly settings: SettingsStore,
  ) {}

  /**
   * Step 1: ask for a code. The answer is the same for a phone on record and any other phone;
   * only a phone on record receives a code. CUSTOS_RATE_LIMITED (429) after too many requests
   * for one phone, CUSTOS_ACCOUNT_LOCKED (423) while the phone is locked — for unknown phones too.
   */
  async requestCode(
    tenant: string,
    input: { phone: unknown; address?: string | null; locale?: PortalLocale },
  ): Promise<CodeChallenge> {
    const phone = normalisePatientPhone(input.phone);
    const s = await this.settings.get(tenant);
    const now = this.deps.now();
    const phoneKey = await this.#key(tenant, 'portal-phone', phone);
    const throttle = await this.#throttle(tenant, `phone:${phoneKey.toString('hex')}`, s, now);
    const base = {
      actor: { type: 'patient' as const, id: 'anonymous' },
      networkAddress: input.address ?? null,
      channel: PORTAL_CHANNEL,
    };
    if (throttle.lockedUntil && throttle.lockedUntil > now) {
      await appendOrFail(this.deps, tenant, {
        ...base,
        kind: 'login-failed',
        action: 'portal.code-request',
        decision: 'deny',
        reasons: ['locked'],
        details: { phoneKey: phoneKey.toString('hex').slice(0, 16) },
      });
      throw locked();
    }
    if (throttle.requests >= s.maxCodesPerWindow) {
      await appendOrFail(this.deps, tenant, {
        ...base,
        kind: 'login-failed',
        action: 'portal.code-request',
        decision: 'deny',
        reasons: ['rate-limited'],
        details: { phoneKey: phoneKey.toString('hex').slice(0, 16) },
      });
      throw new CustosError(
        ErrorCode.RateLimited,
        'too many codes were asked for this phone number; wait a few minutes',
      );
    }
    const patients = await findPatients(this.deps.vault, tenant, { phone });
    const id = `pc_${randomUUID()}`;
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const codeHash = await this.#key(tenant, 'portal-code', `${id}|${code}`);
    const expiresAt = new Date(now.getTime() + s.codeMinutes * 60_000);
    await appendOrFail(this.deps, tenant, {
      ...base,
      kind: 'login',
      action: 'portal.code-request',
      decision: 'permit',
      reasons: [],
      details: {
        phoneKey: phoneKey.toString('hex').slice(0, 16),
        challenge: id,
        known: patients.length > 0,
      },
    });
    await this.deps.db.transaction().execute(async (tx) => {
      await tx
        .updateTable('portal_throttle')
        .set({ requests: sql`requests + 1` })
        .where('tenant_id', '=', tenant)
        .where('key', '=', `phone:${phoneKey.toString('hex')}`)
        .execute();
      // Only the newest code of a phone is valid: older ones stop counting as guesses.
      await tx
        .updateTable('portal_challenge')
        .set({ closed_at: now })
        .where('tenant_id', '=', tenant)
        .where('phone_key', '=', phoneKey)
        .where('closed_at', 'is', null)
        .execute();
      await tx
        .insertInto('portal_challenge')
        .values({
          tenant_id: tenant,
          id,
          phone_key: phoneKey,
          patient_ids: JSON.stringify(patients),
          code_hash: codeHash,
          created_at: now,
          expires_at: expiresAt,
          attempts: 0,
          closed_at: null,
        })
        .execute();
    });
    if (patients.length > 0) {
      // Not awaited: a phone on record must not answer slower than any other phone.
      this.deps.sender
        .send({
          channel: 'sms',
          to: phone,
          purpose: 'login-code',
          text: codeText(code, s.codeMinutes, input.locale ?? 'zh-CN'),
          code,
        })
        .catch((e: unknown) =>
          this.deps.log.warn(
            { err: { code: (e as { code?: string })?.code ?? 'send-failed' } },
            'portal: sign-in code could not be sent',
          ),
        );
    }
    return { challengeId: id, expiresAt };
  }

  /**
   * Step 2: the code and the ID number. Exactly one patient on record with that phone and ID
   * number signs in. Every wrong answer uses up one of the code's attempts and counts against the
   * phone; the same answers come back whether or not the phone is on record.
   */
  async verify(
    tenant: string,
    input: { challengeId: unknown; code: unknown; idNumber: unknown; address?: string | null },
  ): Promise<PatientSignIn> {
    if (typeof input.challengeId !== 'string' || !/^pc_[0-9a-f-]{36}$/.test(input.challengeId))
      throw new CustosError(ErrorCode.InputInvalid, 'challengeId is malformed', {
        field: 'challengeId',
      });
    if (typeof input.code !== 'string' || !/^\d{6}$/.test(input.code))
      throw new CustosError(ErrorCode.InputInvalid, 'code must be 6 digits', { field: 'code' });
    const answer = normaliseIdAnswer(input.idNumber);
    const s = await this.settings.get(tenant);
    const now = this.deps.now();
    const address = input.address ?? null;
    const fail = async (reason: string, phoneKey: Buffer | null): Promise<never> => {
      await appendOrFail(this.deps, tenant, {
        kind: 'login-failed',
        actor: { type: 'patient', id: 'anonymous' },
        action: 'portal.sign-in',
        decision: 'deny',
        reasons: [reason],
        networkAddress: address,
        channel: PORTAL_CHANNEL,
        details: {
          challenge: input.challengeId as string,
          ...(phoneKey ? { phoneKey: phoneKey.toString('hex').slice(0, 16) } : {}),
        },
      });
      if (phoneKey && reason !== 'locked' && reason !== 'expired') {
        const lockedNow = await this.#countFailure(tenant, phoneKey, s, now);
        if (lockedNow) throw locked();
      }
      if (reason === 'locked') throw locked();
      if (reason === 'expired')
        throw new CustosError(
          ErrorCode.Unauthenticated,
          'this code has expired or was used up; ask for a new one',
        );
      throw wrong();
    };

    const ch = await this.deps.db
      .selectFrom('portal_challenge')
      .selectAll()
      .where('tenant_id', '=', tenant)
      .where('id', '=', input.challengeId)
      .executeTakeFirst();
    if (!ch) return fail('unknown-challenge', null);
    const phoneKey: Buffer = ch.phone_key;
    const t = await this.#throttle(tenant, `phone:${phoneKey.toString('hex')}`, s, now);
    if (t.lockedUntil && t.lockedUntil > now) return fail('locked', phoneKey);
    // Use up an attempt before comparing, so parallel guesses cannot exceed the limit.
    const used = await this.deps.db
      .updateTable('portal_challenge')
      .set({ attempts: sql`attempts + 1` })
      .where('tenant_id', '=', tenant)
      .where('id', '=', ch.id)
      .where('closed_at', 'is', null)
      .where('expires_at', '>', now)
      .where('attempts', '<', s.maxCodeAttempts)
      .returning('attempts')
      .executeTakeFirst();
    if (!used) return fail('expired', phoneKey);
    if (Number(used.attempts) >= s.maxCodeAttempts) await this.#close(tenant, ch.id, now); // last attempt: the code is spent whatever happens
    const given = await this.#key(tenant, 'portal-code', `${ch.id}|${input.code}`);
    const stored: Buffer = ch.code_hash;
    if (given.length !== stored.length || !timingSafeEqual(given, stored))
      return fail('bad-code', phoneKey);
    const candidates = parseIds(ch.patient_ids);
    const patientId = await this.#matchId(tenant, candidates, answer);
    if (!patientId) return fail('bad-id-number', phoneKey);

    await this.#close(tenant, ch.id, now);
    const token = randomBytes(32).toString('base64url');
    const session: PatientSession = {
      tenant,
      sessionId: `ps_${randomUUID()}`,
      patientId,
      expiresAt: new Date(now.getTime() + s.sessionMaxMinutes * 60_000),
    };
    await appendOrFail(this.deps, tenant, {
      kind: 'login',
      actor: { type: 'patient', id: patientId },
      action: 'portal.sign-in',
      decision: 'permit',
      reasons: [answer.length === 6 ? 'id-last-6' : 'id-full'],
      networkAddress: address,
      channel: PORTAL_CHANNEL,
      details: { challenge: ch.id, session: session.sessionId },
    });
    await this.deps.db
      .insertInto('portal_session')
      .values({
        tenant_id: tenant,
        id: session.sessionId,
        token_hash: tokenHash(token),
        patient_id: patientId,
        created_at: now,
        expires_at: session.expiresAt,
        last_seen_at: now,
        revoked_at: null,
        address,
      })
      .execute();
    await this.deps.db
      .updateTable('portal_throttle')
      .set({ failures: 0 })
      .where('tenant_id', '=', tenant)
      .where('key', '=', `phone:${phoneKey.toString('hex')}`)
      .execute();
    return { token, session };
  }

  /** The patient behind a bearer token; CUSTOS_UNAUTHENTICATED when unknown, ended or idle. */
  async authenticate(tenant: string, token: string | undefined): Promise<PatientSession> {
    if (typeof token !== 'string' || token.length < 20 || token.length > 200)
      throw new CustosError(ErrorCode.Unauthenticated, 'sign in first');
    const s = await this.settings.get(tenant);
    const now = this.deps.now();
    const row = await this.deps.db
      .selectFrom('portal_session')
      .selectAll()
      .where('tenant_id', '=', tenant)
      .where('token_hash', '=', tokenHash(token))
      .executeTakeFirst();
    if (!row || row.revoked_at || new Date(row.expires_at) <= now)
      throw new CustosError(ErrorCode.Unauthenticated, 'the session has ended; sign in again');
    if (now.getTime() - new Date(row.last_seen_at).getTime() > s.sessionIdleMinutes * 60_000) {
      await this.deps.db
        .updateTable('portal_session')
        .set({ revoked_at: now })
        .where('tenant_id', '=', tenant)
        .where('id', '=', row.id)
        .execute();
      throw new CustosError(ErrorCode.Unauthenticated, 'the session timed out; sign in again');
    }
    await this.deps.db
      .updateTable('portal_session')
      .set({ last_seen_at: now })
      .where('tenant_id', '=', tenant)
      .where('id', '=', row.id)
      .execute();
    return {
      tenant,
      sessionId: row.id,
      patientId: row.patient_id,
      expiresAt: new Date(row.expires_at),
    };
  }

  /** Ends a session (ledgered); unknown tokens are ignored. */
  async logout(tenant: string, token: string | undefined): Promise<void> {
    if (typeof token !== 'string' || token.length > 200) return;
    const row = await this.deps.db
      .selectFrom('portal_session')
      .selectAll()
      .where('tenant_id', '=', tenant)
      .where('token_hash', '=', tokenHash(token))
      .executeTakeFirst();
    if (!row || row.revoked_at) return;
    await appendOrFail(this.deps, tenant, {
      kind: 'admin',
      actor: { type: 'patient', id: row.patient_id },
      action: 'portal.sign-out',
      decision: 'permit',
      channel: PORTAL_CHANNEL,
      details: { session: row.id },
    });
    await this.deps.db
      .updateTable('portal_session')
      .set({ revoked_at: this.deps.now() })
      .where('tenant_id', '=', tenant)
      .where('id', '=', row.id)
      .execute();
  }

  // ---- internals -------------------------------------------------------------------------

  async #key(tenant: string, kind: string, value: string): Promise<Buffer> {
    const k = await this.deps.sealer.blindIndex(tenant, kind, value);
    if (!k) throw new CustosError(ErrorCode.InputInvalid, 'empty value');
    return k;
  }

  /** The throttle row of a key, its window restarted when it is over. */
  async #throttle(
    tenant: string,
    key: string,
    s: PortalSettings,
    now: Date,
  ): Promise<{ requests: number; failures: number; lockedUntil: Date | null }> {
    await this.deps.db
      .insertInto('portal_throttle')
      .values({
        tenant_id: tenant,
        key,
        window_start: now,
        requests: 0,
        failures: 0,
        locked_until: null,
      })
      .onConflict((oc) => oc.columns(['tenant_id', 'key']).doNothing())
      .execute();
    const windowStart = new Date(now.getTime() - s.windowMinutes * 60_000);
    await this.deps.db
      .updateTable('portal_throttle')
      .set({ window_start: now, requests: 0, failures: 0 })
      .where('tenant_id', '=', tenant)
      .where('key', '=', key)
      .where('window_start', '<', windowStart)
      .execute();
    const row = await this.deps.db
      .selectFrom('portal_throttle')
      .selectAll()
      .where('tenant_id', '=', tenant)
      .where('key', '=', key)
      .executeTakeFirstOrThrow();
    return {
      requests: Number(row.requests),
      failures: Number(row.failures),
      lockedUntil: row.locked_until ? new Date(row.locked_until) : null,
    };
  }

  /** Counts a wrong answer against the phone; true when this one locked it. */
  async #countFailure(
    tenant: string,
    phoneKey: Buffer,
    s: PortalSettings,
    now: Date,
  ): Promise<boolean> {
    const key = `phone:${phoneKey.toString('hex')}`;
    await this.#throttle(tenant, key, s, now);
    const row = await this.deps.db
      .updateTable('portal_throttle')
      .set({ failures: sql`failures + 1` })
      .where('tenant_id', '=', tenant)
      .where('key', '=', key)
      .returning('failures')
      .executeTakeFirstOrThrow();
    if (Number(row.failures) < s.maxFailuresPerWindow) return false;
    await this.deps.db
      .updateTable('portal_throttle')
      .set({ locked_until: new Date(now.getTime() + s.lockoutMinutes * 60_000), failures: 0 })
      .where('tenant_id', '=', tenant)
      .where('key', '=', key)
      .execute();
    await this.deps.db
      .updateTable('portal_challenge')
      .set({ closed_at: now })
      .where('tenant_id', '=', tenant)
      .where('phone_key', '=', phoneKey)
      .where('closed_at', 'is', null)
      .execute();
    await appendOrFail(this.deps, tenant, {
      kind: 'admin',
      actor: { type: 'system', id: 'portal' },
      action: 'portal.phone-locked',
      decision: 'deny',
      reasons: ['too-many-failures'],
      channel: PORTAL_CHANNEL,
      details: { phoneKey: phoneKey.toString('hex').slice(0, 16), minutes: s.lockoutMinutes },
    });
    return true;
  }

  async #close(tenant: string, id: string, now: Date): Promise<void> {
    await this.deps.db
      .updateTable('portal_challenge')
      .set({ closed_at: now })
      .where('tenant_id', '=', tenant)
      .where('id', '=', id)
      .where('closed_at', 'is', null)
      .execute();
  }

  /**
   * The one candidate whose ID number matches: a full number through the national-ID blind
   * index; the last 6 characters by comparing the decrypted identifiers in constant time.
   */
  async #matchId(tenant: string, candidates: string[], answer: string): Promise<string | null> {
    if (candidates.length === 0) return null;
    // The candidates are the patients on record with the phone: few, so their identity documents
    // are read and compared (whole number, or its last 6) rather than looked up by blind index,
    // which covers patients with only a passport or residence permit too.
    const records = await readResources(
      this.deps.vault,
      tenant,
      candidates.map((id) => ({ resourceType: 'Patient', id })),
      { sections: ['identifiers'] },
    );
    const systems = new Set(this.deps.vault.identifiers.nationalIdSystems);
    const want = Buffer.from(answer);
    const matches = records.filter((r) =>
      identityDocumentsOf(r.resource, systems).some((v) => {
        const have = Buffer.from(answer.length === 6 ? v.slice(-6) : v);
        return have.length === want.length && timingSafeEqual(have, want);
      }),
    );
    return matches.length === 1 ? matches[0]!.meta.id : null;
  }
}

function parseIds(v: unknown): string[] {
  const x: unknown = typeof v === 'string' ? JSON.parse(v) : v;
  return Array.isArray(x) ? x.filter((i): i is string => typeof i === 'string') : [];
}

/**
 * Identifier types (HL7 v2 table 0203) of identity documents a patient may answer with: national
 * ID (NI, NNCHN), passport (PPN), permanent-resident card (PRC), citizenship card (CZ). Medical
 * record numbers are printed on cards and wristbands and are never a second factor.
 */
const IDENTITY_DOCUMENT_TYPES = new Set(['NI', 'NNCHN', 'PPN', 'PRC', 'CZ']);

/** Identity-document numbers of a Patient (national ID systems, or the document types above). */
function identityDocumentsOf(p: FhirResource, systems: Set<string>): string[] {
  const out: string[] = [];
  for (const idf of Array.isArray(p.identifier) ? (p.identifier as unknown[]) : []) {
    const o = idf as {
      system?: unknown;
      value?: unknown;
      type?: { coding?: { code?: unknown }[] };
    };
    if (typeof o?.value !== 'string') continue;
    const codes = (o.type?.coding ?? []).map((c) => c?.code);
    if (
      (typeof o.system === 'string' && systems.has(o.system)) ||
      codes.some((c) => typeof c === 'string' && IDENTITY_DOCUMENT_TYPES.has(c))
    )
      out.push(normalise.idNumber(o.value));
  }
  return out;
}
