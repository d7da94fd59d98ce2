import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCustosError } from '../errors/index.ts';
import { createTestStore, type Store } from '../store/index.ts';
import {
  addCaseNote,
  addSuppression,
  applySuppressions,
  assignCase,
  getCase,
  getPrivacyRecord,
  listActiveSuppressions,
  listCases,
  listMonitorAudit,
  listNewAlerts,
  openCase,
  openCasesFromCandidates,
  resolveCase,
  revokeSuppression,
  saveAlerts,
  type MonitorTables,
} from './cases.ts';
import { runMonitor } from './engine.ts';
import { monitorMigrations } from './migrations.ts';
import { T0, HOUR, baseFacts, ev, many, range, testConfig } from './test-fixture.ts';
import { DataCategory, IncidentKind } from './types.ts';

let store: Store;
let db: Kysely<MonitorTables>;
const tenantId = 'h1';
const now = new Date(T0 + 48 * HOUR);

const incidents = () =>
  runMonitor(
    [
      ev('s-nurse', 'p-vip', { time: T0 + HOUR }),
      ...many('s-rad', range('m', 1, 12), T0 + 2 * HOUR, {
        categories: [DataCategory.Contact],
      }),
    ],
    { facts: baseFacts(), config: testConfig },
  );

async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isCustosError(err) ? err.code : err).toBe(code);
}

beforeAll(async () => {
  store = await createTestStore(monitorMigrations);
  db = store.db as Kysely<MonitorTables>;
});
afterAll(async () => {
  await store.close();
});

describe('cases', () => {
  it('stores alerts idempotently and opens, assigns, notes and resolves a case to a sanction', async () => {
    const r = incidents();
    expect(await saveAlerts(db, tenantId, r.alerts)).toBe(r.alerts.length);
    expect(await saveAlerts(db, tenantId, r.alerts)).toBe(0);
    const fresh = await listNewAlerts(db, tenantId);
    expect(fresh.map((a) => a.id).sort()).toEqual(r.alerts.map((a) => a.id).sort());
    const vip = fresh.find((a) => a.kinds.includes(IncidentKind.VipSnooping))!;
    const c = await openCase(db, { tenantId, alertIds: [vip.id], openedBy: 'officer-1', now });
    expect(c.status).toBe('open');
    expect(c.actorId).toBe('s-nurse');
    await expectCode(
      openCase(db, { tenantId, alertIds: [vip.id], openedBy: 'officer-1' }),
      'CUSTOS_CONFLICT',
    );
    const assigned = await assignCase(db, {
      tenantId,
      caseId: c.id,
      assignee: 'officer-2',
      by: 'officer-1',
      now,
    });
    expect(assigned).toMatchObject({ status: 'assigned', assignee: 'officer-2' });
    await addCaseNote(db, {
      tenantId,
      caseId: c.id,
      by: 'officer-2',
      text: 'Interviewed; no reason given.',
      now,
    });
    const resolved = await resolveCase(db, {
      tenantId,
      caseId: c.id,
      by: 'officer-2',
      disposition: 'sanction',
      sanction: 'written-warning',
      escalateTo: 'head-obstetrics',
      note: 'Looked up a celebrity out of curiosity.',
      now,
    });
    expect(resolved).toMatchObject({
      status: 'resolved',
      disposition: 'sanction',
      resolvedBy: 'officer-2',
    });
    const detail = await getCase(db, tenantId, c.id);
    expect(detail.alerts.map((a) => a.id)).toEqual([vip.id]);
    expect(detail.timeline.map((e) => e.type)).toEqual([
      'evidence',
      'opened',
      'assigned',
      'note',
      'resolved',
      'sanction',
      'escalated',
    ]);
    const evidence = detail.timeline[0]!.body as { evidence: { zh: string }[] };
    expect(evidence.evidence[0]!.zh).toContain('重点保护患者');
    const record = await getPrivacyRecord(db, tenantId, 's-nurse');
    expect(record).toHaveLength(1);
    expect(record[0]).toMatchObject({
      kind: 'sanction',
      sanction: 'written-warning',
      escalatedTo: 'head-obstetrics',
    });
    await expectCode(
      resolveCase(db, { tenantId, caseId: c.id, by: 'x', disposition: 'education', note: 'again' }),
      'CUSTOS_CONFLICT',
    );
    await expectCode(
      assignCase(db, { tenantId, caseId: c.id, assignee: 'y', by: 'x' }),
      'CUSTOS_CONFLICT',
    );
  });

  it('opens one case per candidate and skips alerts already in a case', async () => {
    const r = incidents();
    const t = 'h2';
    const opened = await openCasesFromCandidates(db, t, r.cases, 'monitor', now);
    expect(opened.length).toBe(r.cases.length);
    expect(await openCasesFromCandidates(db, t, r.cases, 'monitor', now)).toEqual([]);
    const list = await listCases(db, t);
    expect(list.map((c) => c.id).sort()).toEqual(opened.map((c) => c.id).sort());
    expect(list[0]!.score).toBeGreaterThanOrEqual(list[list.length - 1]!.score);
    // Education goes on the record too; a false positive does not.
    const [a, b] = opened;
    await resolveCase(db, {
      tenantId: t,
      caseId: a!.id,
      by: 'o',
      disposition: 'education',
      note: 'Retrained.',
      now,
    });
    await resolveCase(db, {
      tenantId: t,
      caseId: b!.id,
      by: 'o',
      disposition: 'false-positive',
      note: 'Covering a colleague.',
      now,
    });
    const recA = await getPrivacyRecord(db, t, a!.actorId);
    expect(recA.map((e) => e.kind)).toEqual(['education']);
    const recB = await getPrivacyRecord(db, t, b!.actorId);
    expect(recB).toEqual([]);
    expect(await listCases(db, t, { status: 'resolved' })).toHaveLength(2);
    // Tenants are isolated.
    expect(await listCases(db, 'other')).toEqual([]);
  });

  it('rejects bad input with stable codes', async () => {
    await expectCode(
      openCase(db, { tenantId, alertIds: [], openedBy: 'o' }),
      'CUSTOS_INPUT_INVALID',
    );
    await expectCode(
      openCase(db, { tenantId, alertIds: ['nope'], openedBy: 'o' }),
      'CUSTOS_NOT_FOUND',
    );
    await expectCode(getCase(db, tenantId, 'nope'), 'CUSTOS_NOT_FOUND');
    await expectCode(
      addCaseNote(db, { tenantId, caseId: 'nope', by: 'o', text: 'x' }),
      'CUSTOS_NOT_FOUND',
    );
    const r = incidents();
    await saveAlerts(db, 'h3', r.alerts);
    const ids = r.alerts.map((a) => a.id);
    await expectCode(
      openCase(db, { tenantId: 'h3', alertIds: ids, openedBy: 'o' }),
      'CUSTOS_INPUT_INVALID',
    );
    const c = await openCase(db, { tenantId: 'h3', alertIds: [ids[0]!], openedBy: 'o' });
    await expectCode(
      addCaseNote(db, { tenantId: 'h3', caseId: c.id, by: 'o', text: '  ' }),
      'CUSTOS_INPUT_INVALID',
    );
    await expectCode(
      resolveCase(db, {
        tenantId: 'h3',
        caseId: c.id,
        by: 'o',
        disposition: 'sanction',
        note: 'n',
      }),
      'CUSTOS_INPUT_INVALID',
    );
    await expectCode(
      resolveCase(db, {
        tenantId: 'h3',
        caseId: c.id,
        by: 'o',
        disposition: 'banish' as 'sanction',
        note: 'n',
      }),
      'CUSTOS_INPUT_INVALID',
    );
  });

  it('suppressions have an owner and an expiry, filter alerts, and are audited', async () => {
    const t = 'h4';
    await expectCode(
      addSuppression(db, {
        tenantId: t,
        owner: 'o',
        reason: 'r',
        expiresAt: new Date(now.getTime() + HOUR),
        now,
      }),
      'CUSTOS_INPUT_INVALID',
    );
    await expectCode(
      addSuppression(db, {
        tenantId: t,
        owner: 'o',
        reason: 'r',
        actorId: 's-rad',
        expiresAt: new Date(now.getTime() - HOUR),
        now,
      }),
      'CUSTOS_INPUT_INVALID',
    );
    const s = await addSuppression(db, {
      tenantId: t,
      owner: 'officer-1',
      reason: 'Radiology recall project, approved by the medical director',
      actorId: 's-rad',
      kind: IncidentKind.Harvesting,
      expiresAt: new Date(now.getTime() + 24 * HOUR),
      now,
    });
    const active = await listActiveSuppressions(db, t, now);
    expect(active.map((x) => x.id)).toEqual([s.id]);
    const r = incidents();
    const kept = applySuppressions(r.alerts, active, now);
    expect(kept.some((a) => a.actorId === 's-rad')).toBe(false);
    expect(kept.some((a) => a.actorId === 's-nurse')).toBe(true);
    // Expired rules no longer apply.
    expect(applySuppressions(r.alerts, active, new Date(now.getTime() + 48 * HOUR))).toHaveLength(
      r.alerts.length,
    );
    await revokeSuppression(db, { tenantId: t, id: s.id, by: 'officer-2', now });
    expect(await listActiveSuppressions(db, t, now)).toEqual([]);
    await expectCode(
      revokeSuppression(db, { tenantId: t, id: s.id, by: 'officer-2', now }),
      'CUSTOS_NOT_FOUND',
    );
    const trail = await listMonitorAudit(db, t);
    expect(trail.map((x) => x.action).sort()).toEqual(['suppression.add', 'suppression.revoke']);
  });
});
