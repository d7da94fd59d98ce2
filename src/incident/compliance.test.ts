import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRuntime, type Runtime } from '../runtime/index.ts';
import { readResource, writeResources, type FhirResource } from '../vault/index.ts';
import { isCustosError } from '../errors/index.ts';
import { IncidentReason, verifyCertificate, type IncidentActor } from './index.ts';

const NOW = new Date('2025-07-15T02:00:00Z');

const patient = (id: string): FhirResource => ({
  resourceType: 'Patient',
  id,
  name: [{ text: `测试${id}` }],
  gender: 'female',
});
const encounter = (id: string, patientId: string, cls: string, end: string): FhirResource => ({
  resourceType: 'Encounter',
  id,
  status: 'finished',
  class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: cls },
  subject: { reference: `Patient/${patientId}` },
  period: { start: end, end },
});

async function refusal(p: Promise<unknown>): Promise<{ code: string; reason: unknown }> {
  try {
    await p;
  } catch (e) {
    if (isCustosError(e)) return { code: e.code, reason: e.extra.reason };
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('compliance: retention, holds, certificates, media, training, reviews, assessments', () => {
  let rt: Runtime;
  let tenant: string;
  let officer: IncidentActor;
  let head = '';
  let nurse = '';

  beforeAll(async () => {
    rt = await createTestRuntime({ clock: () => NOW });
    tenant = rt.config.tenant;
    await rt.identity.saveDepartments([
      { tenantId: tenant, id: 'dep-obs', kind: 'obstetrics', nameZh: '产科', nameEn: 'Obstetrics' },
    ]);
    const ids = await rt.identity.createStaff(
      tenant,
      [
        {
          username: 'po',
          staffNumber: 'S1',
          name: 'Officer',
          roles: ['privacy-officer'],
          departmentId: null,
        },
        {
          username: 'head',
          staffNumber: 'S2',
          name: 'Head',
          roles: ['head-nurse'],
          departmentId: 'dep-obs',
        },
        {
          username: 'nurse',
          staffNumber: 'S3',
          name: 'Nurse',
          roles: ['nurse'],
          departmentId: 'dep-obs',
        },
      ],
      { id: null },
    );
    officer = { id: ids[0]!, address: '10.0.0.9' };
    head = ids[1]!;
    nurse = ids[2]!;
    await writeResources(
      rt.vault,
      tenant,
      [
        patient('p-old-out'),
        encounter('e1', 'p-old-out', 'AMB', '2005-03-01T08:00:00Z'),
        patient('p-old-in'),
        encounter('e2', 'p-old-in', 'IMP', '2005-03-01T08:00:00Z'),
        patient('p-recent'),
        encounter('e3', 'p-recent', 'AMB', '2024-03-01T08:00:00Z'),
        patient('p-held'),
        encounter('e4', 'p-held', 'AMB', '2001-01-01T08:00:00Z'),
      ],
      { mutate: true, checkReferences: false },
    );
  }, 60_000);
  afterAll(async () => {
    await rt?.close();
  });

  it('shreds only due, unheld records and signs a certificate', async () => {
    const c = rt.incident.compliance;
    const hold = await c.placeLegalHold(tenant, officer, {
      patientId: 'p-held',
      reason: 'litigation',
    });
    const due = await c.findDueRecords(tenant);
    // 15 years after an outpatient visit; 30 after an inpatient stay; the held one is listed.
    expect(due.map((d) => [d.patientId, d.held]).sort()).toEqual([
      ['p-held', true],
      ['p-old-out', false],
    ]);
    expect(
      await refusal(c.destroyDueRecords(tenant, officer, { patientIds: ['p-recent'] })),
    ).toEqual({
      code: 'CUSTOS_CONFLICT',
      reason: IncidentReason.RetentionNotDue,
    });
    expect(await refusal(c.destroyDueRecords(tenant, officer, { patientIds: ['p-held'] }))).toEqual(
      {
        code: 'CUSTOS_CONFLICT',
        reason: IncidentReason.LegalHold,
      },
    );
    const run = await c.destroyDueRecords(tenant, officer);
    expect(run.destroyed).toEqual(['p-old-out']);
    expect(run.skippedHeld).toEqual(['p-held']);
    expect(verifyCertificate(run.certificate!)).toBe(true);
    expect(
      verifyCertificate({
        ...run.certificate!,
        document: { ...run.certificate!.document, tenant: 'x' },
      }),
    ).toBe(false);
    await expect(readResource(rt.vault, tenant, 'Encounter', 'e1')).rejects.toThrow();
    expect((await readResource(rt.vault, tenant, 'Encounter', 'e3')).resource.id).toBe('e3');
    const stored = await c.getCertificate(tenant, run.certificate!.id);
    expect(verifyCertificate(stored)).toBe(true);
    // Releasing the hold makes the record due for destruction again.
    await c.releaseLegalHold(tenant, officer, hold.id);
    expect((await c.findDueRecords(tenant)).map((d) => d.patientId)).toEqual(['p-held']);
    // A longer rule keeps it.
    await c.setRetentionRule(tenant, officer, {
      category: 'default',
      years: 30,
      basis: 'hospital rule',
    });
    expect(await c.findDueRecords(tenant)).toEqual([]);
  });

  it('records media destruction with a witness, refused under a legal hold', async () => {
    const c = rt.incident.compliance;
    const input = {
      patientId: 'p-recent',
      media: 'film' as const,
      quantity: 12,
      method: 'silver-recovery' as const,
      performedBy: 'Waste contractor crew A',
      witness: 'Radiology head',
      contractor: 'Licensed contractor 3',
      performedAt: '2025-07-01T03:00:00Z',
    };
    expect(
      await refusal(
        c.recordMediaDestruction(tenant, officer, { ...input, witness: input.performedBy }),
      ),
    ).toMatchObject({
      reason: IncidentReason.BadMedia,
    });
    const r = await c.recordMediaDestruction(tenant, officer, input);
    expect(verifyCertificate(r.certificate)).toBe(true);
    expect(await c.listMediaDestruction(tenant, 'p-recent')).toHaveLength(1);
    await c.placeLegalHold(tenant, officer, { reason: 'regulator inquiry' });
    expect(await refusal(c.recordMediaDestruction(tenant, officer, input))).toMatchObject({
      code: 'CUSTOS_CONFLICT',
      reason: IncidentReason.LegalHold,
    });
  });

  it('keeps training with expiry and lists gaps', async () => {
    const c = rt.incident.compliance;
    await c.recordTraining(tenant, officer, {
      staffId: nurse,
      course: 'privacy-basics',
      completedAt: '2024-06-01T00:00:00Z',
    });
    await c.recordTraining(tenant, officer, {
      staffId: head,
      course: 'privacy-basics',
      completedAt: '2025-06-01T00:00:00Z',
    });
    const st = await c.trainingStatus(tenant, nurse);
    expect(st.map((s) => s.status)).toEqual(['expired', 'none']);
    expect((await rt.identity.getStaff(tenant, head))!.trainingCompletedAt?.toISOString()).toBe(
      '2025-06-01T00:00:00.000Z',
    );
    const gaps = await c.listTrainingGaps(tenant, 'privacy-basics', { departmentId: 'dep-obs' });
    expect(gaps).toEqual([expect.objectContaining({ staffId: nurse, status: 'expired' })]);
    expect(
      await refusal(
        c.recordTraining(tenant, officer, {
          staffId: 'ghost',
          course: 'privacy-basics',
          completedAt: NOW,
        }),
      ),
    ).toMatchObject({
      code: 'CUSTOS_NOT_FOUND',
      reason: IncidentReason.UnknownStaff,
    });
  });

  it('lets the department head recertify roles', async () => {
    const c = rt.incident.compliance;
    expect(
      await refusal(
        c.startAccessReview(tenant, officer, {
          departmentId: 'dep-obs',
          reviewerId: officer.id,
          dueAt: '2025-08-01T00:00:00Z',
        }),
      ),
    ).toMatchObject({
      reason: IncidentReason.ReviewerNotHead,
    });
    const review = await c.startAccessReview(tenant, officer, {
      departmentId: 'dep-obs',
      reviewerId: head,
      dueAt: '2025-08-01T00:00:00Z',
    });
    expect(review.items.map((i) => i.staffId)).toEqual([nurse]);
    await expect(
      c.decideAccessReview(tenant, officer, review.id, nurse, { decision: 'keep' }),
    ).rejects.toThrow();
    await expect(c.closeAccessReview(tenant, officer, review.id)).rejects.toThrow();
    await c.decideAccessReview(tenant, { id: head }, review.id, nurse, {
      decision: 'change',
      roles: ['nurse', 'head-nurse'],
    });
    expect((await rt.identity.getStaff(tenant, nurse))!.roles).toEqual(['nurse', 'head-nurse']);
    const closed = await c.closeAccessReview(tenant, officer, review.id);
    expect(closed.closedAt).not.toBeNull();
    expect(await c.listOverdueReviews(tenant, new Date('2025-09-01T00:00:00Z'))).toEqual([]);
  });

  it('generates, edits and versions impact assessments; keeps processing records three years', async () => {
    const c = rt.incident.compliance;
    const v1 = await c.generateImpactAssessment(tenant, officer);
    expect(v1.version).toBe(1);
    expect(v1.facts.dataHeld.length).toBeGreaterThan(0);
    expect(v1.facts.policies?.count).toBeGreaterThan(0);
    expect(v1.facts.safeguards.encryption.activeKek).toBeTruthy();
    expect(v1.retainUntil.getTime() - v1.createdAt.getTime()).toBeGreaterThanOrEqual(
      3 * 365 * 86_400_000,
    );
    const v2 = await c.editImpactAssessment(
      tenant,
      officer,
      v1.assessmentId,
      { conclusion: '风险可控' },
      'DPO review',
    );
    expect(v2.version).toBe(2);
    expect(v2.text.conclusion).toBe('风险可控');
    expect((await c.getImpactAssessment(tenant, v1.assessmentId, 1)).text.conclusion).toBe('');
    const v3 = await c.generateImpactAssessment(tenant, officer, { assessmentId: v1.assessmentId });
    expect(v3.text.conclusion).toBe('风险可控');
    expect((await c.listImpactAssessments(tenant)).length).toBe(3);

    const month = await c.recordProcessingMonth(tenant, officer, '2025-06');
    expect(month.summary.entries).toBeGreaterThanOrEqual(0);
    expect((await c.recordProcessingMonth(tenant, officer, '2025-06')).digest).toBe(month.digest);
    expect(await refusal(c.recordProcessingMonth(tenant, officer, '2025-07'))).toMatchObject({
      reason: IncidentReason.BadWindow,
    });
    expect(await refusal(c.purgeProcessingRecord(tenant, officer, '2025-06'))).toMatchObject({
      code: 'CUSTOS_CONFLICT',
      reason: IncidentReason.KeptThreeYears,
    });
  });
});
