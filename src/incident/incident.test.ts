import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../api/index.ts';
// eslint-disable-next-line no-restricted-imports -- the API's own sign-in helper for tests
import { signInAs } from '../api/testing.ts';
import { generateDemoHospital, type DemoHospital, type DemoIncidentLabel } from '../demo/index.ts';
import {
  streamEntries,
  queryEntries,
  type LedgerEntry,
  type LedgerTables,
} from '../ledger/index.ts';
import {
  createMonitor,
  demoMonitorConfig,
  demoToFacts,
  openCasesFromCandidates,
  type AccessEvent,
  type DataCategory,
  type MonitorTables,
} from '../monitor/index.ts';
import { createTestRuntime, type Runtime } from '../runtime/index.ts';
import { seedDemoHospital } from '../seed/index.ts';
import { verifyLedger } from '../ledger/index.ts';
import { IncidentReason, type IncidentActor } from './index.ts';

const PARAMS = { patients: 800, staff: 100, days: 5, seed: 'incident-test' };

// Imported demo audit entries carry the source system's categories and action; the monitor
// reads the same vocabulary (see monitor/demo-adapter.ts).
const CATEGORY: Record<string, DataCategory> = {
  demographic: 'demographics',
  identifier: 'demographics',
  contact: 'contact',
  clinical: 'clinical',
  maternity: 'maternity',
  imaging: 'imaging',
  financial: 'billing',
  'mental-health': 'sensitive',
  substance: 'sensitive',
  hiv: 'sensitive',
  reproductive: 'sensitive',
};

function entryToAccess(e: LedgerEntry): AccessEvent | null {
  if (!e.kind.startsWith('disclosure.') && e.kind !== 'break-glass') return null;
  const d = e.details ? (JSON.parse(e.details) as { action?: string; instances?: number }) : {};
  const action = (
    ['read', 'search', 'print', 'export', 'image-download'].includes(d.action ?? '')
      ? d.action
      : 'read'
  ) as AccessEvent['action'];
  const out: AccessEvent = {
    id: String(e.seq),
    time: e.occurredAt.getTime(),
    actorId: e.actorId,
    actorKind: e.actorType === 'client' ? 'client' : 'staff',
    action,
    categories: [...new Set(e.categories.map((c) => CATEGORY[c] ?? 'clinical'))],
    fields: e.fields,
    ...(e.purpose ? { purpose: e.purpose } : {}),
    ...(e.workstation ? { workstation: e.workstation } : {}),
    ...(e.networkAddress ? { ip: e.networkAddress } : {}),
    ...(e.channel ? { channel: e.channel } : {}),
    ...(d.instances ? { instances: d.instances } : {}),
    ...(e.kind === 'break-glass' ? { breakGlass: true } : {}),
  };
  if (e.patientId) out.patientId = e.patientId;
  return out;
}

describe('incident 1 replayed: the maternity-harvesting head nurse', () => {
  let rt: Runtime;
  let app: FastifyInstance;
  let h: DemoHospital;
  let label: DemoIncidentLabel;
  let officer: { headers: { authorization: string }; staffId: string };
  let actor: IncidentActor;
  let incidentId = '';

  beforeAll(async () => {
    rt = await createTestRuntime();
    await seedDemoHospital(rt, PARAMS);
    h = generateDemoHospital({ ...PARAMS, tenant: rt.config.tenant });
    label = h.labels.incidents.find((l) => l.kind === 'maternity-harvesting')!;
    officer = await signInAs(rt, ['privacy-officer']);
    actor = { id: officer.staffId, address: '10.0.0.5' };
    app = await buildApp(rt);
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await rt?.close();
  });

  it('detects, opens, scopes exactly the mothers, contains and notifies', async () => {
    const tenant = rt.config.tenant;
    const db = rt.store.db;
    expect(label.patientIds.length).toBeGreaterThanOrEqual(8);

    // The nurse holds a session before containment.
    await rt.identity.setPassword(tenant, label.staffId!, 'a long test password 42', { id: null });
    const nurse = h.staff.find((s) => s.id === label.staffId)!;
    const login = await rt.identity.login({
      tenantId: tenant,
      username: nurse.username,
      password: 'a long test password 42',
    });
    await rt.identity.authenticate(login.token);

    // 1. Detect: the monitor's detectors over the ledger stream.
    const monitor = createMonitor({ facts: demoToFacts(h), config: demoMonitorConfig(h) });
    for await (const e of streamEntries(db as Kysely<LedgerTables>, { tenant })) {
      const a = entryToAccess(e);
      if (a) monitor.observe(a);
    }
    const result = monitor.finish();
    // Maternity contact harvesting: a harvesting case whose evidence names maternity records.
    const maternal = result.cases.filter((c) =>
      c.alerts.some(
        (a) =>
          a.kinds.includes('harvesting') && a.evidence.some((e) => e.code === 'harvest.maternity'),
      ),
    );
    const candidate = maternal.find((c) => c.actorId === label.staffId);
    expect(candidate).toBeDefined();
    // Any other such case is another planted incident, not a false alarm.
    const planted = new Set(h.labels.incidents.map((l) => l.staffId ?? l.clientId));
    for (const c of maternal) expect(planted.has(c.actorId)).toBe(true);

    // 2. Open an incident from the saved case.
    const [saved] = await openCasesFromCandidates(
      db as Kysely<MonitorTables>,
      tenant,
      [candidate!],
      officer.staffId,
      rt.now(),
    );
    const opened = await rt.incident.openFromCase(tenant, actor, saved!.id);
    incidentId = opened.incident.id;
    expect(opened.incident.suspect).toEqual({ type: 'staff', id: label.staffId });
    expect(opened.members).toEqual([
      expect.objectContaining({ staffId: officer.staffId, role: 'incident-lead' }),
    ]);

    // 3. Scope: everything the account touched in the window, then whose contact details.
    const all = await rt.incident.scopeIncident(tenant, actor, incidentId);
    const allIds = new Set(all.patients.map((p) => p.patientId));
    for (const p of label.patientIds) expect(allIds.has(p)).toBe(true);
    const progress: number[] = [];
    const scope = await rt.incident.scopeIncident(
      tenant,
      actor,
      incidentId,
      { categories: ['contact'] },
      (p) => progress.push(p.fraction),
    );
    expect(scope.patients.map((p) => p.patientId).sort()).toEqual([...label.patientIds].sort());
    expect(progress.at(-1)).toBe(1);
    const mothers = new Set(h.maternity.map((m) => m.motherId));
    for (const p of scope.patients) {
      expect(p.contact).toBe(true);
      expect(p.grade).toBe(5); // maternity details are reproductive health: grade 5
      expect(p.sensitive).toContain('reproductive');
      if (mothers.has(p.patientId))
        expect(p.kinds).toEqual(expect.arrayContaining(['name', 'phone', 'address', 'maternity']));
    }
    expect(scope.summary.workstations.length).toBeGreaterThan(0);

    // 4. Contain: suspend the account and revoke its sessions; revoke-client is pending or done.
    await rt.incident.contain(tenant, actor, incidentId, { kind: 'revoke-sessions' });
    const suspended = await rt.incident.contain(tenant, actor, incidentId, {
      kind: 'suspend-account',
    });
    expect(suspended.status).toBe('done');
    expect((await rt.identity.getStaff(tenant, label.staffId!))!.status).toBe('suspended');
    await expect(rt.identity.authenticate(login.token)).rejects.toThrow();
    const pending = await rt.incident.contain(tenant, actor, incidentId, {
      kind: 'expire-exports',
    });
    expect(pending.status).toBe('pending');

    // 5. Notify every affected patient, in Chinese and English.
    await rt.incident.updateIncident(tenant, actor, incidentId, {
      cause: '产科一名护士长在无诊疗需要的情况下批量查看产妇联系方式。',
    });
    const notices = await rt.incident.generatePatientNotices(tenant, actor, incidentId);
    expect(notices.map((n) => n.patientId).sort()).toEqual([...label.patientIds].sort());
    for (const n of notices) {
      const p = h.patients.find((x) => x.id === n.patientId)!;
      const zh = n.texts.find((t) => t.language === 'zh')!;
      const en = n.texts.find((t) => t.language === 'en')!;
      expect(zh.letter).toContain(`尊敬的${p.name}`);
      expect(zh.letter).toContain('联系电话');
      expect(zh.letter).toContain('停用了涉事账号');
      expect(zh.sms.length).toBeLessThan(200);
      expect(en.letter).toContain(`Dear ${p.name}`);
      expect(en.letter).toContain('Article 57');
      // The notice never names the staff member.
      expect(zh.letter).not.toContain(nurse.name);
    }
    const pdf = await rt.incident.renderPatientNoticePdf(
      tenant,
      actor,
      incidentId,
      label.patientIds[0]!,
    );
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');

    const report = await rt.incident.regulatorReport(tenant, actor, incidentId);
    expect(report.zh).toContain(`受影响个人：${label.patientIds.length}人`);
    expect(report.zh).toContain('第5级');
    expect(report.en).toContain('Cause');
    await rt.incident.recordNotified(tenant, actor, incidentId, {
      recipientType: 'patient',
      recipientId: label.patientIds[0]!,
      channel: 'sms',
    });
    await rt.incident.recordNotified(tenant, actor, incidentId, {
      recipientType: 'regulator',
      channel: 'report',
    });

    // 6. The timeline holds every action, each with its ledger entry; the ledger still verifies.
    const detail = await rt.incident.getIncident(tenant, incidentId);
    expect(detail.timeline.map((e) => e.type)).toEqual([
      'opened',
      'scoped',
      'scoped',
      'contained',
      'contained',
      'contained',
      'updated',
      'notices-generated',
      'notices-generated',
      'report-generated',
      'notified',
      'notified',
    ]);
    expect(detail.timeline.every((e) => e.ledgerSeq !== null)).toBe(true);
    expect(detail.incident.status).toBe('notified');
    expect(detail.notifications.patientsNotified).toBe(1);
    const names = await queryEntries(db as Kysely<LedgerTables>, {
      tenant,
      actorId: officer.staffId,
      kinds: ['disclosure.print'],
      limit: 1000,
    });
    // Reading names for notices is itself ledgered, one entry per patient and notice run.
    expect(names.entries.length).toBe(label.patientIds.length + 1);
    const verified = await verifyLedger(db as Kysely<LedgerTables>, {
      tenant,
      signers: [rt.signer],
    });
    expect(verified.firstBad).toBeNull();
    expect(verified.ok).toBe(true);
  }, 120_000);

  it('serves the incident over HTTP', async () => {
    const r = await app.inject({
      method: 'GET',
      url: `/api/incidents/${incidentId}`,
      headers: officer.headers,
    });
    expect(r.statusCode).toBe(200);
    expect(r.json().incident.id).toBe(incidentId);
    const s = await app.inject({
      method: 'POST',
      url: '/api/incidents/scope',
      headers: officer.headers,
      payload: {
        cidr: '10.0.0.0/8',
        staffId: label.staffId,
        from: label.from,
        to: new Date(Date.parse(label.to) + 60_000).toISOString(),
        categories: ['contact'],
      },
    });
    expect(s.statusCode).toBe(200);
    expect(
      s
        .json()
        .patients.map((p: { patientId: string }) => p.patientId)
        .sort(),
    ).toEqual([...label.patientIds].sort());
    const pdf = await app.inject({
      method: 'GET',
      url: `/api/incidents/${incidentId}/report/pdf`,
      headers: officer.headers,
    });
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
  });

  it.each([
    [
      'unknown staff',
      { staffId: 'stf-nobody', from: '2025-06-01T00:00:00Z', to: '2025-06-30T00:00:00Z' },
      404,
      'CUSTOS_NOT_FOUND',
      IncidentReason.UnknownStaff,
    ],
    [
      'bad CIDR',
      { cidr: '10.1.2.300/24', from: '2025-06-01T00:00:00Z', to: '2025-06-30T00:00:00Z' },
      422,
      'CUSTOS_INPUT_INVALID',
      IncidentReason.BadCidr,
    ],
    [
      'CIDR prefix too long',
      { cidr: '10.0.0.0/33', from: '2025-06-01T00:00:00Z', to: '2025-06-30T00:00:00Z' },
      422,
      'CUSTOS_INPUT_INVALID',
      IncidentReason.BadCidr,
    ],
    [
      'inverted window',
      { staffId: 'stf-00001', from: '2025-06-30T00:00:00Z', to: '2025-06-01T00:00:00Z' },
      422,
      'CUSTOS_INPUT_INVALID',
      IncidentReason.InvertedWindow,
    ],
    [
      'unparseable date',
      { staffId: 'stf-00001', from: 'yesterday', to: '2025-06-01T00:00:00Z' },
      422,
      'CUSTOS_INPUT_INVALID',
      IncidentReason.BadWindow,
    ],
    [
      'no target',
      { from: '2025-06-01T00:00:00Z', to: '2025-06-30T00:00:00Z' },
      422,
      'CUSTOS_INPUT_INVALID',
      IncidentReason.NoScopeTarget,
    ],
    [
      'window over 800 days',
      { staffId: 'stf-00001', from: '2020-01-01T00:00:00Z', to: '2025-06-01T00:00:00Z' },
      422,
      'CUSTOS_INPUT_INVALID',
      IncidentReason.WindowTooLong,
    ],
  ])('refuses %s with problem+json', async (_name, payload, status, code, reason) => {
    const r = await app.inject({
      method: 'POST',
      url: '/api/incidents/scope',
      headers: officer.headers,
      payload,
    });
    expect(r.statusCode).toBe(status);
    expect(r.headers['content-type']).toContain('application/problem+json');
    expect(r.json()).toMatchObject({ code, reason });
  });

  it('refuses unknown incidents, suspects and callers without the role', async () => {
    const none = await app.inject({
      method: 'GET',
      url: '/api/incidents/INC-0-nope',
      headers: officer.headers,
    });
    expect(none.statusCode).toBe(404);
    expect(none.json()).toMatchObject({
      code: 'CUSTOS_NOT_FOUND',
      reason: IncidentReason.UnknownIncident,
    });
    const unknown = await app.inject({
      method: 'POST',
      url: `/api/incidents/${incidentId}/scope`,
      headers: officer.headers,
      payload: { staffId: 'stf-nobody' },
    });
    expect(unknown.json()).toMatchObject({
      code: 'CUSTOS_NOT_FOUND',
      reason: IncidentReason.UnknownStaff,
    });
    const open = await app.inject({
      method: 'POST',
      url: '/api/incidents',
      headers: officer.headers,
      payload: { title: 'report', suspect: { type: 'staff', id: 'stf-ghost' } },
    });
    expect(open.json()).toMatchObject({
      code: 'CUSTOS_NOT_FOUND',
      reason: IncidentReason.UnknownStaff,
    });
    const nurse = await signInAs(rt, ['nurse']);
    const denied = await app.inject({
      method: 'GET',
      url: '/api/incidents',
      headers: nurse.headers,
    });
    expect(denied.statusCode).toBe(403);
    const anon = await app.inject({ method: 'GET', url: '/api/incidents' });
    expect(anon.statusCode).toBe(401);
    const bad = await app.inject({
      method: 'POST',
      url: `/api/incidents/${incidentId}/contain`,
      headers: officer.headers,
      payload: { kind: 'delete-everything' },
    });
    expect(bad.statusCode).toBe(400);
  });
});
