import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCustosError } from '../errors/index.ts';
import { verifyInclusion } from '../ledger/index.ts';
import { getCase, listCases, resolveCase } from '../monitor/index.ts';
import { readResource } from '../vault/index.ts';
import { effectiveRestrictions, consentIds } from './restrictions.ts';
import { createPortalFixture, PATIENTS, STAFF, signIn } from './test-fixture.ts';
import type { PatientSession } from './types.ts';

type Fixture = Awaited<ReturnType<typeof createPortalFixture>>;

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (e) {
    if (isCustosError(e)) return e.code;
    throw e;
  }
}

describe('patient portal', () => {
  let f: Fixture;
  let a: PatientSession;
  let b: PatientSession;
  beforeAll(async () => {
    f = await createPortalFixture();
    a = (await signIn(f, PATIENTS.a)).session;
    b = (await signIn(f, PATIENTS.b)).session;
  });
  afterAll(async () => {
    await f?.close();
  });

  it('shows a patient exactly the accesses to their own record and no one else’s', async () => {
    const ha = await f.portal.getHistory(a, { locale: 'en' });
    expect(ha.accesses.map((x) => x.seq).sort((x, y) => x - y)).toEqual(f.expected.a);
    const hb = await f.portal.getHistory(b, { locale: 'en' });
    expect(hb.accesses.map((x) => x.seq).sort((x, y) => x - y)).toEqual(f.expected.b);
    // The portal's own sign-ins and views are not accesses to the record.
    const again = await f.portal.getHistory(a, { locale: 'en' });
    expect(again.accesses.length).toBe(f.expected.a.length);
  });

  it('says who, role, department, purpose, reason, channel and break-the-glass', async () => {
    const h = await f.portal.getHistory(a, { locale: 'en' });
    const bySeq = new Map(h.accesses.map((x) => [x.seq, x]));
    const nurse = bySeq.get(f.seqs[0]!)!;
    expect(nurse).toMatchObject({
      name: '刘洋',
      roles: ['nurse'],
      department: 'Obstetrics',
      purpose: 'treatment',
      reasons: ['care-team'],
      channel: 'screen',
      breakGlass: false,
      actorRef: STAFF.nurse,
    });
    expect(bySeq.get(f.seqs[1]!)).toMatchObject({
      channel: 'print',
      purpose: 'payment',
      name: '陈静',
    });
    const bg = bySeq.get(f.seqs[3]!)!;
    expect(bg.breakGlass).toBe(true);
    expect(bg.reasons).toEqual(['break-glass', 'EMERGENCY_UNCONSCIOUS']);
    expect(bg.reasonText).toContain('unconscious');
    expect(bySeq.get(f.seqs[4]!)!.breakGlass).toBe(true);
    expect(bySeq.get(f.seqs[5]!)).toMatchObject({
      channel: 'third-party',
      organisation: 'lab-vendor-x',
    });
    const zh = await f.portal.getHistory(a, { locale: 'zh-CN' });
    expect(zh.accesses.find((x) => x.seq === f.seqs[0])!.department).toBe('产科');
  });

  it('filters and pages the history', async () => {
    const print = await f.portal.getHistory(a, { channel: 'print' });
    expect(print.accesses.map((x) => x.seq)).toEqual([f.seqs[1]]);
    const bg = await f.portal.getHistory(a, { breakGlassOnly: true });
    expect(bg.accesses.map((x) => x.seq)).toEqual([f.seqs[3]]);
    const third = await f.portal.getHistory(a, { channel: 'third-party' });
    expect(third.accesses.map((x) => x.seq)).toEqual([f.seqs[5]]);
    const recent = await f.portal.getHistory(a, {
      from: new Date(f.now().getTime() - 24 * 3600_000),
    });
    expect(recent.accesses.map((x) => x.seq).sort((x, y) => x - y)).toEqual([
      f.seqs[3],
      f.seqs[4],
      f.seqs[5],
    ]);
    const seen: number[] = [];
    let cursor: string | undefined;
    do {
      const p = await f.portal.getHistory(a, { limit: 2, ...(cursor ? { cursor } : {}) });
      expect(p.accesses.length).toBeLessThanOrEqual(2);
      seen.push(...p.accesses.map((x) => x.seq));
      cursor = p.nextCursor ?? undefined;
    } while (cursor);
    expect(seen.sort((x, y) => x - y)).toEqual(f.expected.a);
    expect(await codeOf(f.portal.getHistory(a, { cursor: 'not-a-cursor' }))).toBe(
      'CUSTOS_BAD_REQUEST',
    );
    expect(await codeOf(f.portal.getHistory(a, { channel: 'fax' as never }))).toBe(
      'CUSTOS_BAD_REQUEST',
    );
  });

  it('shows only the organisation when the tenant hides staff names', async () => {
    await f.portal.settings.set(
      f.tenant,
      { showStaffNames: false, organisationName: 'Demo Hospital' },
      { staffId: 'admin-1' },
    );
    const h = await f.portal.getHistory(a, { locale: 'en' });
    for (const x of h.accesses) {
      expect(x.name).toBeNull();
      expect(x.roles).toEqual([]);
      expect(x.actorRef).toBeNull();
    }
    expect(h.accesses.find((x) => x.seq === f.seqs[0])).toMatchObject({
      organisation: 'Demo Hospital',
      department: 'Obstetrics',
    });
    await f.portal.settings.set(f.tenant, { showStaffNames: true }, { staffId: 'admin-1' });
    expect(
      await codeOf(f.portal.settings.set(f.tenant, { codeMinutes: 0 }, { staffId: null })),
    ).toBe('CUSTOS_INPUT_INVALID');
  });

  it('downloads the history as CSV, JSON and PDF, each entry with a verifiable inclusion proof', async () => {
    const json = await f.portal.exportHistory(a, 'json', { locale: 'en' });
    const doc = JSON.parse(json.body.toString('utf8')) as {
      treeHead: { treeSize: number; rootHash: string; signature: string } | null;
      rootHash: string;
      entries: {
        seq: number;
        proof: { entryHash: string; leafIndex: number; treeSize: number; path: string[] };
      }[];
    };
    expect(doc.entries.map((e) => e.seq).sort((x, y) => x - y)).toEqual(f.expected.a);
    expect(doc.treeHead).not.toBeNull();
    const root = Buffer.from(doc.rootHash, 'hex');
    for (const e of doc.entries) {
      const ok = verifyInclusion(
        e.proof.leafIndex,
        e.proof.treeSize,
        Buffer.from(e.proof.entryHash, 'hex'),
        e.proof.path.map((h) => Buffer.from(h, 'hex')),
        root,
      );
      expect(ok.ok).toBe(true);
      const flipped = Buffer.from(e.proof.entryHash, 'hex');
      flipped[0] = flipped[0]! ^ 1;
      expect(
        verifyInclusion(
          e.proof.leafIndex,
          e.proof.treeSize,
          flipped,
          e.proof.path.map((h) => Buffer.from(h, 'hex')),
          root,
        ).ok,
      ).toBe(false);
    }
    const csv = await f.portal.exportHistory(a, 'csv', { locale: 'zh-CN' });
    const text = csv.body.toString('utf8');
    expect(text.startsWith('\ufeffseq,time,')).toBe(true);
    const rows = text.trim().split('\r\n');
    expect(rows.length).toBe(1 + f.expected.a.length);
    expect(text).toContain('产科');
    expect(text).not.toContain(PATIENTS.b.id);
    const pdf = await f.portal.exportHistory(a, 'pdf', { locale: 'zh-CN' });
    expect(pdf.contentType).toBe('application/pdf');
    expect(pdf.body.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.body.toString('latin1')).toContain('NotoSansSC');
    expect(await codeOf(f.portal.exportHistory(a, 'docx' as never))).toBe('CUSTOS_BAD_REQUEST');
  });

  it('stores restrictions as FHIR Consent that the disclosure path reads', async () => {
    const r = await f.portal.updateRestrictions(a, {
      hiddenSections: ['psychiatry', 'reproductive'],
      blockEntrySeq: f.seqs[1]!,
      researchOptOut: true,
    });
    expect(r.hiddenSections).toEqual(['psychiatry', 'reproductive']);
    expect(r.blockedStaff).toEqual([{ ref: STAFF.billing, name: '陈静' }]);
    expect(r.researchOptOut).toBe(true);
    const eff = await effectiveRestrictions(
      { vault: f.rt.vault, now: f.now } as never,
      f.tenant,
      PATIENTS.a.id,
    );
    expect(eff.blockedStaffIds).toEqual([STAFF.billing]);
    expect(eff.hiddenSections).toEqual(expect.arrayContaining(['psychiatry', 'reproductive']));
    expect(eff.researchOptOut).toBe(true);
    const consent = await readResource(
      f.rt.vault,
      f.tenant,
      'Consent',
      consentIds(f.tenant, PATIENTS.a.id).block,
    );
    expect(consent.resource.status).toBe('active');
    expect(consent.meta.patientId).toBe(PATIENTS.a.id);
    // Another patient's entry cannot be used to block someone; bad sections are refused.
    expect(await codeOf(f.portal.updateRestrictions(a, { blockEntrySeq: f.seqs[2]! }))).toBe(
      'CUSTOS_NOT_FOUND',
    );
    expect(await codeOf(f.portal.updateRestrictions(a, { hiddenSections: ['dermatology'] }))).toBe(
      'CUSTOS_INPUT_INVALID',
    );
    const lifted = await f.portal.updateRestrictions(a, {
      unblock: STAFF.billing,
      researchOptOut: false,
    });
    expect(lifted.blockedStaff).toEqual([]);
    const eff2 = await effectiveRestrictions(
      { vault: f.rt.vault, now: f.now } as never,
      f.tenant,
      PATIENTS.a.id,
    );
    expect(eff2.blockedStaffIds).toEqual([]);
    expect(eff2.researchOptOut).toBe(false);
    // Patient B is untouched.
    const effB = await effectiveRestrictions(
      { vault: f.rt.vault, now: f.now } as never,
      f.tenant,
      PATIENTS.b.id,
    );
    expect(effB).toEqual({ hiddenSections: [], blockedStaffIds: [], researchOptOut: false });
  });

  it('notifies on break-the-glass, a new organisation and restricted sections, over the chosen channel', async () => {
    // psychiatry is hidden for A since the previous test.
    const scan = await f.portal.scanLedger(f.tenant);
    expect(scan.scanned).toBeGreaterThan(0);
    const rows = await f.rt.store.db
      .selectFrom('portal_notification')
      .select(['patient_id', 'kind', 'entry_seq'])
      .execute();
    const forA = rows
      .filter((r) => r.patient_id === PATIENTS.a.id)
      .map((r) => `${r.kind}@${Number(r.entry_seq)}`)
      .sort();
    expect(forA).toEqual(
      [
        `new-organisation@${f.seqs[0]}`,
        `break-glass@${f.seqs[3]}`,
        `restricted-access@${f.seqs[4]}`,
        `new-organisation@${f.seqs[5]}`,
      ].sort(),
    );
    expect(
      rows
        .filter((r) => r.patient_id === PATIENTS.b.id)
        .map((r) => r.kind)
        .sort(),
    ).toEqual(['new-organisation', 'new-organisation']);
    // A scan again queues nothing new.
    expect((await f.portal.scanLedger(f.tenant)).queued).toBe(0);
    await f.portal.setPreference(b, { channel: 'portal', locale: 'en' });
    const before = f.sender.sent.length;
    const d = await f.portal.dispatch(f.tenant);
    // A's four by SMS, C's first access by SMS (C shares A's phone), B's two in the portal.
    expect(d).toMatchObject({ sent: 5, inPortal: 2, failed: 0 });
    const sms = f.sender.sent.slice(before);
    expect(sms.every((m) => m.to === PATIENTS.a.phone && m.channel === 'sms')).toBe(true);
    expect(sms.some((m) => m.text.includes('紧急访问'))).toBe(true);
    const list = await f.portal.listNotifications(a, 'en');
    expect(list.map((n) => n.kind).sort()).toEqual([
      'break-glass',
      'new-organisation',
      'new-organisation',
      'restricted-access',
    ]);
    expect(list.find((n) => n.kind === 'break-glass')!.text).toContain('Emergency');
    // Delivering read the patient's phone: that is in their history, as Custos.
    const h = await f.portal.getHistory(a, { locale: 'en' });
    expect(h.accesses.some((x) => x.actorType === 'system' && x.reasons.includes('notify'))).toBe(
      true,
    );
  });

  it('retries a failed delivery', async () => {
    await f.rt.ledger.appendEntry(f.tenant, {
      kind: 'break-glass',
      actor: { type: 'staff', id: STAFF.doctor, department: 'dept-emd' },
      patientId: PATIENTS.a.id,
      decision: 'permit',
      reasons: ['EMERGENCY_LIFE_THREATENING'],
      channel: 'console',
    });
    await f.portal.scanLedger(f.tenant);
    f.sender.failing = true;
    expect((await f.portal.dispatch(f.tenant)).failed).toBe(1);
    f.sender.failing = false;
    expect((await f.portal.dispatch(f.tenant)).sent).toBe(0); // not due yet
    f.advance(3 * 60_000);
    expect((await f.portal.dispatch(f.tenant)).sent).toBe(1);
  });

  it('opens a monitor case from a report, visible to the officer, and shows the patient its outcome', async () => {
    a = await f.portal.authenticate(f.tenant, (await signIn(f, PATIENTS.a)).token);
    const words = '我从未在收费处办理过业务，却有人打印了我的电话。';
    const r = await f.portal.fileReport(a, f.seqs[1]!, words);
    const cases = await listCases(f.rt.store.db, f.tenant, {});
    const c = cases.find((x) => x.id === r.caseId);
    expect(c).toBeDefined();
    expect(c).toMatchObject({
      actorId: STAFF.billing,
      patientIds: [PATIENTS.a.id],
      status: 'open',
    });
    const detail = await getCase(f.rt.store.db, f.tenant, r.caseId);
    expect(detail.timeline.some((t) => t.type === 'note' && t.body.text === words)).toBe(true);
    expect(detail.alerts[0]!.eventIds).toEqual([String(f.seqs[1])]);
    let mine = await f.portal.listReports(a, 'en');
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ seq: f.seqs[1], status: 'open', outcome: 'pending' });
    const h = await f.portal.getHistory(a, {});
    expect(h.accesses.find((x) => x.seq === f.seqs[1])!.reportId).toBe(r.reportId);
    await resolveCase(f.rt.store.db, {
      tenantId: f.tenant,
      caseId: r.caseId,
      by: 'officer-1',
      disposition: 'sanction',
      sanction: 'written-warning',
      escalateTo: 'head-of-billing',
      note: 'confirmed: no billing task for this patient',
    });
    mine = await f.portal.listReports(a, 'en');
    expect(mine[0]).toMatchObject({ status: 'resolved', outcome: 'sanction' });
    expect(mine[0]!.outcomeText).toMatch(/violation was confirmed/);
    // Reporting twice, or someone else's access, is refused.
    expect(await codeOf(f.portal.fileReport(a, f.seqs[1]!, 'again'))).toBe('CUSTOS_CONFLICT');
    expect(await codeOf(f.portal.fileReport(a, f.seqs[2]!, 'not mine'))).toBe('CUSTOS_NOT_FOUND');
    expect(await codeOf(f.portal.fileReport(a, f.seqs[0]!, ''))).toBe('CUSTOS_INPUT_INVALID');
    expect(await codeOf(f.portal.fileReport(a, 'x' as never, 'text'))).toBe('CUSTOS_NOT_FOUND');
  });
});
