import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCustosError, type CustosError } from '../errors/index.ts';
import { queryEntries } from '../ledger/index.ts';
import { createStaffSealer, createTestRuntime, type Runtime } from '../runtime/index.ts';
import { verifyToken } from '../watermark/index.ts';
import { AccessService, type AccessRequest, type AccessStep } from './index.ts';
import { NOW, seedFixture, WORKSTATIONS } from './test-fixture.ts';

/** A disclosed record as the tests inspect it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Rec = Record<string, any>;

let clock = NOW;
let rt: Runtime & { logLines: string[] };
let steps: AccessStep[] = [];
let access: AccessService;

beforeAll(async () => {
  rt = await createTestRuntime({ clock: () => clock });
  await seedFixture(rt);
  access = new AccessService({
    db: rt.store.db,
    vault: rt.vault,
    ledger: rt.ledger,
    identity: rt.identity,
    policy: () => rt.policy,
    now: () => rt.now(),
    watermarkKey: rt.watermarkKey,
    sealer: createStaffSealer(rt.store.db, rt.keyring),
    onStep: (s) => steps.push(s),
  });
}, 60_000);
afterAll(async () => {
  await rt?.close();
});

async function reqOf(
  staffId: string,
  ws: keyof typeof WORKSTATIONS | null,
  purpose: string | undefined,
): Promise<AccessRequest> {
  const staff = await rt.identity.getStaff(rt.config.tenant, staffId);
  if (!staff) throw new Error(`no staff ${staffId}`);
  return {
    tenant: rt.config.tenant,
    staff,
    purpose,
    workstationId: ws,
    address: ws ? WORKSTATIONS[ws].ip : '203.0.113.7',
  };
}

async function failure(p: Promise<unknown>): Promise<CustosError> {
  try {
    await p;
  } catch (e) {
    if (isCustosError(e)) return e;
    throw e;
  }
  throw new Error('expected a CustosError');
}

async function entriesOf(patientId?: string) {
  const page = await queryEntries(rt.store.db, {
    tenant: rt.config.tenant,
    ...(patientId ? { patientId } : {}),
    limit: 1000,
  });
  return page.entries;
}

describe('the disclosure path', () => {
  it('permits the attending physician: clinical record incl. sensitive content, masked contacts, watermark of its ledger entry', async () => {
    steps = [];
    const r = await access.readRecord(await reqOf('doc-int', 'ws-int', 'treatment'), 'p-1');
    expect(steps).toEqual(['identify', 'decide', 'record', 'read', 'mask', 'mark']);
    expect(r.fields).toEqual(
      expect.arrayContaining(['diagnosis', 'note', 'demographics.idNumber']),
    );
    expect(r.decision.relationships).toContain('active-encounter');
    const rec = r.record as Rec;
    expect(rec.demographics.name).toBe('张三丰');
    expect(rec.demographics.idNumber).toBe('110105********0021');
    expect(rec.contact.phone).toBe('138****5678');
    // Physicians get the phone and emergency contacts, not the home address (not in their grant).
    expect(rec.contact.address).toBeUndefined();
    expect(rec.contact.emergencyContact[0].phone).toBe('139****1111');
    expect(rec.contact.emergencyContact[0].name).not.toBe('王小红');
    expect(rec.diagnosis.map((d: { code: string }) => d.code).sort()).toEqual(['F32.1', 'I10']);
    expect(r.sensitiveCategories).toEqual(['psychiatry']);
    expect(rec.note[0].text).toContain('血压控制可');
    // The token names the ledger entry, which recorded fields, purpose and reasons before the read.
    const token = verifyToken(rt.watermarkKey, r.mark.token);
    expect(token).not.toBeNull();
    const entry = await access.resolveWatermarkToken(rt.config.tenant, r.mark.token);
    expect(entry).toMatchObject({
      seq: r.ledgerSeq,
      kind: 'disclosure.read',
      actorId: 'doc-int',
      patientId: 'p-1',
      purpose: 'treatment',
      decision: 'permit',
      workstation: 'ws-int',
      networkAddress: WORKSTATIONS['ws-int'].ip,
      channel: 'console',
    });
    expect(entry!.fields).toEqual(r.fields);
    expect(entry!.categories).toEqual(['psychiatry']);
    expect(entry!.reasons).toEqual(
      expect.arrayContaining(['treatment/physician', `policy-version:${r.decision.policyVersion}`]),
    );
    expect(r.mark.visible.lines[0]).toBe('李医生 S0001');
    expect(r.mark.visible.lines[2]).toBe(r.mark.token);
  });

  it('withholds sensitive content from a nurse whose relationship is only the department', async () => {
    const r = await access.readRecord(await reqOf('nurse-int', 'ws-int', 'treatment'), 'p-1');
    const rec = r.record as Rec;
    expect(r.decision.relationships).toEqual(['in-department']);
    expect(rec.diagnosis.map((d: { code: string }) => d.code)).toEqual(['I10']);
    expect(r.resourcesWithheld).toBeGreaterThanOrEqual(1);
    expect(r.withheld).toContain('psychiatry');
    expect(rec.demographics.idNumber).toBeUndefined();
    expect(JSON.stringify(rec)).not.toContain('F32');
  });

  it('gives a registration clerk demographics and contacts but no diagnoses', async () => {
    const r = await access.readRecord(await reqOf('clerk-reg', 'ws-reg', 'operations'), 'p-1');
    const rec = r.record as Rec;
    expect(rec.demographics.idNumber).toBe('110105194912310021');
    expect(rec.contact.phone).toBe('13812345678');
    for (const k of ['diagnosis', 'note', 'observation', 'imaging', 'encounter'])
      expect(rec[k]).toBeUndefined();
    expect(r.fields).not.toContain('diagnosis');
    expect(JSON.stringify(rec)).not.toMatch(/I10|F32|血糖|CT/);
  });

  it('limits a radiology technician to the studies ordered from radiology', async () => {
    const r = await access.readRecord(await reqOf('rad-tech', 'ws-rad', 'treatment'), 'p-1');
    const rec = r.record as Rec;
    expect(rec.imaging.study.map((s: { id: string }) => s.id)).toEqual(['img-ct']);
    expect(rec.imaging.order.map((s: { id: string }) => s.id)).toEqual(['sr-ct']);
    expect(rec.diagnosis).toBeUndefined();
  });

  it('denies without a relationship, opens after break-the-glass, and puts the grant in the review queue', async () => {
    const req = await reqOf('doc-emd', 'ws-emd', 'treatment');
    const denied = await failure(access.readRecord(req, 'p-1'));
    expect(denied.status).toBe(403);
    expect(denied.code).toBe('CUSTOS_ACCESS_DENIED');
    expect(denied.extra).toMatchObject({
      reasonCode: 'NO_TREATMENT_RELATIONSHIP',
      breakGlassAvailable: true,
    });
    const denial = (await entriesOf('p-1')).find(
      (e) => e.actorId === 'doc-emd' && e.kind === 'denial',
    );
    expect(denial?.reasons).toContain('NO_TREATMENT_RELATIONSHIP');

    const tooShort = await failure(
      access.requestBreakGlass(req, 'p-1', {
        reasonCode: 'EMERGENCY_UNCONSCIOUS',
        reasonText: 'x',
      }),
    );
    expect(tooShort.status).toBe(400);

    const grant = await access.requestBreakGlass(req, 'p-1', {
      reasonCode: 'EMERGENCY_UNCONSCIOUS',
      reasonText: 'Unconscious on arrival, need medication history',
    });
    expect(grant).toMatchObject({ staffId: 'doc-emd', patientId: 'p-1', review: 'pending' });
    expect(Date.parse(grant.expiresAt) - Date.parse(grant.grantedAt)).toBe(4 * 3_600_000);
    const bg = (await entriesOf('p-1')).find((e) => e.kind === 'break-glass');
    expect(bg?.seq).toBe(grant.ledgerSeq);
    expect(bg?.details).not.toContain('Unconscious');

    const r = await access.readRecord(req, 'p-1');
    expect(r.decision.breakGlassUsed).toBe(true);
    expect(r.breakGlass?.grantId).toBe(grant.grantId);
    const read = await access.resolveWatermarkToken(rt.config.tenant, r.mark.token);
    expect(read?.reasons).toContain('break-glass');

    // Printing is never opened by break-the-glass.
    const print = await failure(access.printRecord(req, 'p-1'));
    expect(print.code).toBe('CUSTOS_ACCESS_DENIED');

    const po = await reqOf('po-1', 'ws-po', 'operations');
    const queue = await access.listBreakGlassReviews(po);
    expect(queue.map((g) => g.grantId)).toContain(grant.grantId);
    expect(queue.find((g) => g.grantId === grant.grantId)?.reasonText).toBe(
      'Unconscious on arrival, need medication history',
    );
    const notForClinicians = await failure(access.listBreakGlassReviews(req));
    expect(notForClinicians.status).toBe(403);
    const reviewed = await access.reviewBreakGlass(po, grant.grantId, {
      outcome: 'approved',
      note: 'Emergency admission confirmed',
    });
    expect(reviewed).toMatchObject({ review: 'approved', reviewedBy: 'po-1' });
    expect((await access.listBreakGlassReviews(po)).map((g) => g.grantId)).not.toContain(
      grant.grantId,
    );
    const twice = await failure(access.reviewBreakGlass(po, grant.grantId, { outcome: 'flagged' }));
    expect(twice.status).toBe(409);
    expect(
      (await access.listBreakGlassForPatient(rt.config.tenant, 'p-1', { notified: false })).map(
        (g) => g.grantId,
      ),
    ).toContain(grant.grantId);
    expect(await access.markPatientNotified(rt.config.tenant, grant.grantId)).toBe(true);
    expect(await access.markPatientNotified(rt.config.tenant, grant.grantId)).toBe(false);

    // After the grant expires the record closes again and says why.
    clock = new Date(NOW.getTime() + 5 * 3_600_000);
    try {
      const expired = await failure(access.readRecord(req, 'p-1'));
      expect(expired.extra).toMatchObject({ reasonCode: 'BREAK_GLASS_EXPIRED' });
    } finally {
      clock = NOW;
    }
  });

  it('refuses break-the-glass to roles that may not use it and to reviewers of their own grant', async () => {
    const clerk = await reqOf('clerk-bill', 'ws-reg', 'treatment');
    const e = await failure(
      access.requestBreakGlass(clerk, 'p-1', {
        reasonCode: 'OTHER',
        reasonText: 'I would like to see this record please',
      }),
    );
    expect(e.status).toBe(403);
  });

  it('denies a VIP record to staff without a direct relationship and permits the attending physician', async () => {
    const nurse = await failure(
      access.readRecord(await reqOf('nurse-int', 'ws-int', 'treatment'), 'p-vip'),
    );
    expect(nurse.status).toBe(403);
    expect(nurse.extra).toMatchObject({
      reasonCode: 'PATIENT_RESTRICTED',
      breakGlassAvailable: true,
    });
    const obs = await failure(
      access.readRecord(await reqOf('nurse-obs', 'ws-obs', 'treatment'), 'p-vip'),
    );
    expect(obs.status).toBe(403);
    const ok = await access.readRecord(await reqOf('doc-int', 'ws-int', 'treatment'), 'p-vip');
    expect((ok.record as Rec).demographics.name).toBe('欧阳娜娜');
  });

  it('answers 404 alike for unknown, malformed and hidden restricted patients', async () => {
    const clerk = await reqOf('clerk-reg', 'ws-reg', 'operations');
    const unknown = await failure(access.readRecord(clerk, 'p-does-not-exist'));
    const malformed = await failure(access.readRecord(clerk, '../../etc/passwd'));
    const hidden = await failure(access.readRecord(clerk, 'p-r'));
    for (const e of [unknown, malformed, hidden]) {
      expect(e.status).toBe(404);
      expect(e.message).toBe(unknown.message);
      expect(e.extra).toEqual(unknown.extra);
    }
    // Every one was still an access attempt: it is in the ledger as a denial.
    const tried = (await entriesOf('p-r')).find((x) => x.actorId === 'clerk-reg');
    expect(tried?.kind).toBe('denial');
    const missing = (await entriesOf('p-does-not-exist')).filter((x) => x.actorId === 'clerk-reg');
    expect(missing.map((x) => [x.kind, x.decision, x.reasons])).toEqual([
      ['denial', 'deny', ['PATIENT_NOT_FOUND']],
    ]);
    // The malformed value itself is not recorded (it could be anything a user typed).
    const all = await entriesOf();
    const bad = all.filter(
      (x) => x.actorId === 'clerk-reg' && x.reasons.includes('PATIENT_ID_MALFORMED'),
    );
    expect(bad).toHaveLength(1);
    expect(bad[0]!.patientId).toBeNull();
    expect(JSON.stringify(all)).not.toContain('etc/passwd');
    // Breaking the glass for a patient who does not exist is an attempt as well.
    const declaration = {
      reasonCode: 'OTHER',
      reasonText: 'Patient brought in, no records found',
    } as const;
    for (const id of ['p-nobody-here', 'bad id!']) {
      const e = await failure(access.requestBreakGlass(clerk, id, declaration));
      expect(e.status).toBe(404);
      expect(e.message).toBe(unknown.message);
    }
    const glass = (await entriesOf()).filter(
      (x) => x.actorId === 'clerk-reg' && (x.details ?? '').includes('"action":"break-glass"'),
    );
    expect(glass.map((x) => [x.kind, x.patientId, x.reasons]).sort()).toEqual(
      [
        ['denial', 'p-nobody-here', ['PATIENT_NOT_FOUND']],
        ['denial', null, ['PATIENT_ID_MALFORMED']],
      ].sort(),
    );
  });

  it('rejects a missing or unknown purpose with 400 before anything is looked up', async () => {
    const none = await failure(
      access.readRecord(await reqOf('doc-int', 'ws-int', undefined), 'p-1'),
    );
    const bad = await failure(
      access.readRecord(await reqOf('doc-int', 'ws-int', 'curiosity'), 'p-1'),
    );
    expect(none.status).toBe(400);
    expect(bad.status).toBe(400);
    expect(bad.extra).toMatchObject({ field: 'purpose' });
  });

  it('closes records to departed and untrained staff, unregistered workstations and outside networks', async () => {
    const cases: [string, keyof typeof WORKSTATIONS | null, string][] = [
      ['doc-left', 'ws-int', 'STAFF_INACTIVE'],
      ['doc-untrained', 'ws-int', 'TRAINING_EXPIRED'],
      ['doc-int', null, 'NETWORK_NOT_ALLOWED'],
      ['doc-int', 'ws-lobby', 'WORKSTATION_LOCATION_NOT_ALLOWED'],
    ];
    for (const [who, ws, code] of cases) {
      const e = await failure(access.readRecord(await reqOf(who, ws, 'treatment'), 'p-1'));
      expect(e.extra.reasonCode, `${who}@${ws}`).toBe(code);
    }
    const req = await reqOf('doc-int', 'ws-int', 'treatment');
    req.workstationId = 'ws-unknown';
    const e = await failure(access.readRecord(req, 'p-1'));
    expect(e.extra.reasonCode).toBe('WORKSTATION_NOT_REGISTERED');
  });

  it('prints with the print masking and ledgers a print', async () => {
    const r = await access.printRecord(await reqOf('doc-int', 'ws-int', 'treatment'), 'p-1');
    expect((r.record as Rec).demographics.name).toBe('张*丰');
    const e = await access.resolveWatermarkToken(rt.config.tenant, r.mark.token);
    expect(e?.kind).toBe('disclosure.print');
  });

  it('never shows a vendor engineer clinical content or contacts', async () => {
    const r = await access.readRecord(await reqOf('vendor-1', 'ws-po', 'operations'), 'p-1');
    const rec = r.record as Rec;
    expect(Object.keys(rec).sort()).toEqual(['demographics', 'technical']);
    expect(rec.demographics).toEqual({ mrn: 'MRN0001' });
    expect(JSON.stringify(rec)).not.toMatch(/张三丰|138|I10|F32/);
  });
});

describe('minimum-necessary search', () => {
  it('returns masked candidates only, ledgered as a search with the candidates', async () => {
    steps = [];
    const req = await reqOf('clerk-reg', 'ws-reg', 'operations');
    const r = await access.searchPatients(req, { name: '张三丰' });
    expect(r.candidates).toEqual([
      {
        patientId: 'p-1',
        name: '张*丰',
        sex: 'male',
        birthYear: '1949',
        idNumberTail: '**************0021',
        mrn: 'MRN0001',
      },
    ]);
    expect(steps.indexOf('record')).toBeLessThan(steps.indexOf('read'));
    const entry = await access.resolveWatermarkToken(rt.config.tenant, r.mark.token);
    expect(entry).toMatchObject({ kind: 'disclosure.search', patientId: null, seq: r.ledgerSeq });
    expect(entry?.details).toContain('p-1');
    expect(entry?.details).not.toContain('张');
    const byPhone = await access.searchPatients(req, { phone: '138 1234 5678' });
    expect(byPhone.candidates.map((c) => c.patientId)).toEqual(['p-1']);
    const byId = await access.searchPatients(req, { idNumber: '110105194912310021' });
    expect(byId.candidates.map((c) => c.patientId)).toEqual(['p-1']);
  });

  it('leaves out restricted patients the user could not open, and refuses vendors', async () => {
    const clerk = await reqOf('clerk-reg', 'ws-reg', 'operations');
    expect((await access.searchPatients(clerk, { mrn: 'MRN0003' })).candidates).toEqual([]);
    const doc = await reqOf('doc-emd', 'ws-emd', 'treatment');
    // Emergency physicians may break the glass for a VIP: they can find the patient.
    expect((await access.searchPatients(doc, { mrn: 'MRN0002' })).candidates).toHaveLength(1);
    const vendor = await failure(
      access.searchPatients(await reqOf('vendor-1', 'ws-po', 'operations'), { name: '张三丰' }),
    );
    expect(vendor.status).toBe(403);
    const empty = await failure(access.searchPatients(clerk, {}));
    expect(empty.status).toBe(400);
    const long = await failure(access.searchPatients(clerk, { name: 'x'.repeat(65) }));
    expect(long.status).toBe(400);
  });
});

describe('the ledger comes first', () => {
  it('fails with 503 and decrypts nothing when the ledger cannot write', async () => {
    const original = rt.ledger.appendEntry;
    const req = await reqOf('doc-int', 'ws-int', 'treatment');
    const before = (await entriesOf('p-1')).length;
    for (const failure_ of [
      () => Promise.reject(new Error('disk full')),
      async () => {
        const { CustosError } = await import('../errors/index.ts');
        throw new CustosError('CUSTOS_LEDGER_UNAVAILABLE', 'down');
      },
    ]) {
      rt.ledger.appendEntry = failure_ as typeof original;
      steps = [];
      try {
        const e = await failure(access.readRecord(req, 'p-1'));
        expect(e.status).toBe(503);
        expect(e.code).toBe('CUSTOS_LEDGER_UNAVAILABLE');
        expect(steps).not.toContain('read');
        expect(steps).not.toContain('mark');
        const s = await failure(access.searchPatients(req, { name: '张三丰' }));
        expect(s.code).toBe('CUSTOS_LEDGER_UNAVAILABLE');
        // An attempt on an unknown patient cannot go unrecorded either.
        const u = await failure(access.readRecord(req, 'p-does-not-exist'));
        expect(u.code).toBe('CUSTOS_LEDGER_UNAVAILABLE');
        expect(steps).not.toContain('read');
      } finally {
        rt.ledger.appendEntry = original;
      }
    }
    expect((await entriesOf('p-1')).length).toBe(before);
  });
});

describe('explain', () => {
  it('tells a privacy officer whether X could see Y and why, in English and Chinese, ledgered', async () => {
    const po = await reqOf('po-1', 'ws-po', 'operations');
    const yes = await access.explain(po, {
      staffId: 'doc-int',
      patientId: 'p-1',
      purpose: 'treatment',
    });
    expect(yes.decision.decision).toBe('permit');
    const no = await access.explain(po, {
      staffId: 'nurse-obs',
      patientId: 'p-1',
      purpose: 'treatment',
    });
    expect(no.decision.reasonCode).toBe('NO_TREATMENT_RELATIONSHIP');
    expect(no.summary.en.length).toBeGreaterThan(0);
    expect(no.summary['zh-CN']).toMatch(/[\u4e00-\u9fff]/);
    const logged = (await entriesOf('p-1')).find(
      (e) => e.kind === 'admin' && e.action === 'access.explain',
    );
    expect(logged?.actorId).toBe('po-1');
    const notOfficer = await failure(
      access.explain(await reqOf('doc-int', 'ws-int', 'treatment'), {
        staffId: 'doc-int',
        patientId: 'p-1',
        purpose: 'treatment',
      }),
    );
    expect(notOfficer.status).toBe(403);
    const unknown = await failure(
      access.explain(po, { staffId: 'nobody', patientId: 'p-1', purpose: 'treatment' }),
    );
    expect(unknown.status).toBe(404);
  });
});
