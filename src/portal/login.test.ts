import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCustosError } from '../errors/index.ts';
import { queryEntries } from '../ledger/index.ts';
import { writeResources } from '../vault/index.ts';
import { createPortalFixture, PATIENTS, signIn } from './test-fixture.ts';

type Fixture = Awaited<ReturnType<typeof createPortalFixture>>;

const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';

/** The error a call ends with, reduced to what a client sees. */
async function outcome(
  p: Promise<unknown>,
): Promise<{ code: string; status: number; message: string }> {
  try {
    await p;
  } catch (e) {
    if (isCustosError(e)) return { code: e.code, status: e.status, message: e.message };
    throw e;
  }
  return { code: 'OK', status: 200, message: '' };
}

describe('patient sign-in', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await createPortalFixture();
  });
  afterAll(async () => {
    await f?.close();
  });

  it('signs a patient in with the code and the last 6 of the ID number, or the full number', async () => {
    const a = await signIn(f, PATIENTS.a);
    expect(a.session.patientId).toBe(PATIENTS.a.id);
    const s = await f.portal.authenticate(f.tenant, a.token);
    expect(s.patientId).toBe(PATIENTS.a.id);
    const b = await signIn(f, PATIENTS.b, PATIENTS.b.nationalId);
    expect(b.session.patientId).toBe(PATIENTS.b.id);
  });

  it('signs in a patient without a national ID by passport number, never by the record number', async () => {
    const visitor = {
      id: 'pat-passport',
      phone: '13700137000',
      nationalId: 'E12345678',
      name: 'Anna Schmidt',
    } as const;
    await writeResources(f.rt.vault, f.tenant, [
      {
        resourceType: 'Patient',
        id: visitor.id,
        identifier: [
          {
            type: { coding: [{ system: V2_0203, code: 'PPN' }] },
            system: 'urn:custos:passport:DEU',
            value: visitor.nationalId,
          },
          {
            type: { coding: [{ system: V2_0203, code: 'MR' }] },
            system: 'urn:custos:test:mrn',
            value: 'MRN765432',
          },
        ],
        name: [{ text: visitor.name }],
        telecom: [{ system: 'phone', use: 'mobile', value: visitor.phone }],
      },
    ]);
    const ch = await f.portal.requestCode(f.tenant, { phone: visitor.phone });
    const code = f.sender.lastCodeFor(visitor.phone)!;
    const answer = (idNumber: string) =>
      f.portal.verifyCode(f.tenant, { challengeId: ch.challengeId, code, idNumber });
    // The medical record number is on the patient's card and wristband: not a second factor.
    expect((await outcome(answer('MRN765432'))).status).toBe(401);
    expect((await outcome(answer('765432'))).status).toBe(401);
    const full = await answer('e 1234-5678');
    expect(full.session.patientId).toBe(visitor.id);
    const tail = await signIn(f, visitor as never, '345678');
    expect(tail.session.patientId).toBe(visitor.id);
  });

  it('tells apart two patients sharing a phone by the ID number', async () => {
    const c = await signIn(f, PATIENTS.c);
    expect(c.session.patientId).toBe(PATIENTS.c.id);
    const a = await signIn(f, PATIENTS.a);
    expect(a.session.patientId).toBe(PATIENTS.a.id);
  });

  it('never puts the code in the ledger or the logs, and stores only its hash', async () => {
    const ch = await f.portal.requestCode(f.tenant, { phone: PATIENTS.b.phone });
    const code = f.sender.lastCodeFor(PATIENTS.b.phone)!;
    const row = await f.rt.store.db
      .selectFrom('portal_challenge')
      .selectAll()
      .where('id', '=', ch.challengeId)
      .executeTakeFirstOrThrow();
    expect(Buffer.from(row.code_hash).toString('utf8')).not.toContain(code);
    const page = await queryEntries(f.rt.store.db, {
      tenant: f.tenant,
      actorType: 'patient',
      limit: 1000,
    });
    for (const e of page.entries) expect(JSON.stringify(e)).not.toContain(PATIENTS.b.phone);
    for (const l of f.rt.logLines) expect(l).not.toContain(PATIENTS.b.phone);
  });

  it('answers known and unknown phones identically, and ledgers every attempt', async () => {
    f.advance(16 * 60_000);
    const before = (
      await queryEntries(f.rt.store.db, { tenant: f.tenant, actorType: 'patient', limit: 1000 })
    ).entries.length;
    const sentBefore = f.sender.sent.length;
    const known = await f.portal.requestCode(f.tenant, { phone: PATIENTS.b.phone });
    const unknown = await f.portal.requestCode(f.tenant, { phone: '13700000001' });
    expect(Object.keys(known).sort()).toEqual(Object.keys(unknown).sort());
    expect(known.challengeId).toMatch(/^pc_[0-9a-f-]{36}$/);
    expect(unknown.challengeId).toMatch(/^pc_[0-9a-f-]{36}$/);
    expect(known.expiresAt.getTime()).toBe(unknown.expiresAt.getTime());
    // Only the phone on record got a code.
    expect(f.sender.sent.length).toBe(sentBefore + 1);
    // Wrong code, wrong ID number: the same answer for both.
    const k = await outcome(
      f.portal.verifyCode(f.tenant, {
        challengeId: known.challengeId,
        code: '000000',
        idNumber: '123456',
      }),
    );
    const u = await outcome(
      f.portal.verifyCode(f.tenant, {
        challengeId: unknown.challengeId,
        code: '000000',
        idNumber: '123456',
      }),
    );
    expect(k).toEqual(u);
    expect(k.status).toBe(401);
    // A right code with a wrong ID number gives that same answer too.
    const again = await f.portal.requestCode(f.tenant, { phone: PATIENTS.b.phone });
    const right = f.sender.lastCodeFor(PATIENTS.b.phone)!;
    expect(
      await outcome(
        f.portal.verifyCode(f.tenant, {
          challengeId: again.challengeId,
          code: right,
          idNumber: '999999',
        }),
      ),
    ).toEqual(k);
    const after = (
      await queryEntries(f.rt.store.db, { tenant: f.tenant, actorType: 'patient', limit: 1000 })
    ).entries;
    expect(after.length - before).toBe(6);
    expect(new Set(after.map((e) => e.kind))).toEqual(new Set(['login', 'login-failed']));
  });

  it('rate-limits code requests per phone the same way for known and unknown phones', async () => {
    await f.portal.settings.set(f.tenant, { maxCodesPerWindow: 2 }, { staffId: null });
    const phones = ['13900139000', '13700000002'];
    const answers = [];
    for (const phone of phones) {
      const r = [];
      for (let i = 0; i < 3; i++)
        r.push((await outcome(f.portal.requestCode(f.tenant, { phone }))).code);
      answers.push(r);
    }
    // 13900139000 already asked twice in this window above: all three are refused.
    expect(answers[1]).toEqual(['OK', 'OK', 'CUSTOS_RATE_LIMITED']);
    expect(answers[0]!.at(-1)).toBe('CUSTOS_RATE_LIMITED');
    f.advance(16 * 60_000);
    expect((await outcome(f.portal.requestCode(f.tenant, { phone: phones[1]! }))).code).toBe('OK');
    await f.portal.settings.set(f.tenant, { maxCodesPerWindow: 3 }, { staffId: null });
  });

  it('closes a code after 5 wrong answers and locks the phone after repeated failures', async () => {
    await f.portal.settings.set(
      f.tenant,
      { maxFailuresPerWindow: 7, maxCodesPerWindow: 10 },
      { staffId: null },
    );
    f.advance(16 * 60_000);
    const ch = await f.portal.requestCode(f.tenant, { phone: PATIENTS.b.phone });
    const right = f.sender.lastCodeFor(PATIENTS.b.phone)!;
    const wrongCode = right === '111111' ? '222222' : '111111';
    for (let i = 0; i < 5; i++)
      expect(
        (
          await outcome(
            f.portal.verifyCode(f.tenant, {
              challengeId: ch.challengeId,
              code: wrongCode,
              idNumber: PATIENTS.b.nationalId,
            }),
          )
        ).code,
      ).toBe('CUSTOS_UNAUTHENTICATED');
    // The right code no longer works on this challenge.
    const spent = await outcome(
      f.portal.verifyCode(f.tenant, {
        challengeId: ch.challengeId,
        code: right,
        idNumber: PATIENTS.b.nationalId,
      }),
    );
    expect(spent.code).toBe('CUSTOS_UNAUTHENTICATED');
    expect(spent.message).toMatch(/expired|used up/);
    // Two more wrong answers on a new code reach 7 failures: the phone locks, for known and unknown.
    const ch2 = await f.portal.requestCode(f.tenant, { phone: PATIENTS.b.phone });
    const right2 = f.sender.lastCodeFor(PATIENTS.b.phone)!;
    const w2 = right2 === '111111' ? '222222' : '111111';
    await outcome(
      f.portal.verifyCode(f.tenant, { challengeId: ch2.challengeId, code: w2, idNumber: '123456' }),
    );
    const lockedNow = await outcome(
      f.portal.verifyCode(f.tenant, { challengeId: ch2.challengeId, code: w2, idNumber: '123456' }),
    );
    expect(lockedNow.code).toBe('CUSTOS_ACCOUNT_LOCKED');
    expect((await outcome(f.portal.requestCode(f.tenant, { phone: PATIENTS.b.phone }))).code).toBe(
      'CUSTOS_ACCOUNT_LOCKED',
    );
    // The same number of failures on an unknown phone gives the same lock.
    const unknownPhone = '13700000009';
    let last = '';
    for (let round = 0; round < 2 && last !== 'CUSTOS_ACCOUNT_LOCKED'; round++) {
      const u = await f.portal.requestCode(f.tenant, { phone: unknownPhone });
      for (let i = 0; i < 5 && last !== 'CUSTOS_ACCOUNT_LOCKED'; i++)
        last = (
          await outcome(
            f.portal.verifyCode(f.tenant, {
              challengeId: u.challengeId,
              code: '111111',
              idNumber: '123456',
            }),
          )
        ).code;
    }
    expect(last).toBe('CUSTOS_ACCOUNT_LOCKED');
    expect((await outcome(f.portal.requestCode(f.tenant, { phone: unknownPhone }))).code).toBe(
      'CUSTOS_ACCOUNT_LOCKED',
    );
    // After the lockout the phone works again.
    f.advance(61 * 60_000);
    const ok = await signIn(f, PATIENTS.b);
    expect(ok.session.patientId).toBe(PATIENTS.b.id);
  });

  it('refuses malformed input with clear errors and ends idle sessions', async () => {
    expect((await outcome(f.portal.requestCode(f.tenant, { phone: 'abc' }))).code).toBe(
      'CUSTOS_INPUT_INVALID',
    );
    expect((await outcome(f.portal.requestCode(f.tenant, { phone: 42 }))).code).toBe(
      'CUSTOS_INPUT_INVALID',
    );
    expect(
      (
        await outcome(
          f.portal.verifyCode(f.tenant, { challengeId: 'x', code: '123456', idNumber: '123456' }),
        )
      ).code,
    ).toBe('CUSTOS_INPUT_INVALID');
    expect(
      (
        await outcome(
          f.portal.verifyCode(f.tenant, {
            challengeId: 'pc_00000000-0000-0000-0000-000000000000',
            code: '12',
            idNumber: '123456',
          }),
        )
      ).code,
    ).toBe('CUSTOS_INPUT_INVALID');
    expect(
      (await outcome(f.portal.authenticate(f.tenant, 'nonsense-token-that-is-long-enough'))).code,
    ).toBe('CUSTOS_UNAUTHENTICATED');
    const a = await signIn(f, PATIENTS.a);
    f.advance(16 * 60_000);
    expect((await outcome(f.portal.authenticate(f.tenant, a.token))).code).toBe(
      'CUSTOS_UNAUTHENTICATED',
    );
    const a2 = await signIn(f, PATIENTS.a);
    await f.portal.logout(f.tenant, a2.token);
    expect((await outcome(f.portal.authenticate(f.tenant, a2.token))).code).toBe(
      'CUSTOS_UNAUTHENTICATED',
    );
  });
});
