import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../api/index.ts';
// eslint-disable-next-line no-restricted-imports -- the API's own sign-in helper for tests
import { signInAs } from '../api/testing.ts';
import { generateDemoHospital } from '../demo/index.ts';
import { CustosError } from '../errors/index.ts';
import { queryEntries } from '../ledger/index.ts';
import { createTestRuntime, type Runtime } from '../runtime/index.ts';
import { seedDemoHospital } from '../seed/index.ts';
import { DEMO_KIND_MAP } from './demo-adapter.ts';
import {
  buildMonitorFacts,
  getMonitorDashboard,
  runMonitorOnLedger,
  startMonitorWorker,
  streamLedgerWindow,
  type MonitorRunStats,
} from './service.ts';
import { listCases, type CaseRecord } from './cases.ts';

const DAY = 86_400_000;
const PARAMS = { patients: 300, staff: 100, days: 2, seed: 'monitor-service' };

describe('monitor in the service', () => {
  let rt: Runtime & { logLines: string[] };
  let app: FastifyInstance;
  let stats: MonitorRunStats;
  let from: Date;
  let to: Date;
  const tenantOf = () => rt.config.tenant;
  let demo: ReturnType<typeof generateDemoHospital>;

  beforeAll(async () => {
    // The clock stands just after the demo's activity window (the dashboard looks back from now).
    const probe = generateDemoHospital({ ...PARAMS, tenant: 'probe' });
    let last = 0;
    for (const e of probe.accessEvents()) last = Math.max(last, e.at);
    const clock = new Date(last + 3_600_000);
    rt = await createTestRuntime({ clock: () => new Date(clock) });
    demo = generateDemoHospital({ ...PARAMS, tenant: rt.config.tenant });
    await seedDemoHospital(rt, { ...PARAMS, tenant: rt.config.tenant });
    let min = Infinity;
    let max = -Infinity;
    for (const e of demo.accessEvents()) {
      min = Math.min(min, e.at);
      max = Math.max(max, e.at);
    }
    from = new Date(min - DAY);
    to = new Date(max + 1);
    stats = await runMonitorOnLedger(rt, { tenant: tenantOf(), from, to });
    app = await buildApp(rt);
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await rt?.close();
  });

  it('builds facts from the vault and the staff directory with contact data only as keys', async () => {
    const { facts, report } = await buildMonitorFacts(rt, tenantOf(), { skipLedger: true });
    expect(facts.patients.length).toBe(demo.patients.length);
    expect(facts.staff.length).toBe(demo.staff.length);
    expect(report.staffWithHr).toBe(demo.staff.length);
    expect(facts.care.encounters.length).toBe(demo.encounters.length);
    expect(report.unreadable).toBe(0);
    // Maternity comes from encounters in obstetrics; VIPs from the confidentiality label.
    expect(facts.patients.some((p) => p.maternity)).toBe(true);
    expect(facts.patients.filter((p) => p.vip).length).toBe(
      demo.patients.filter((p) => p.confidentiality === 'V').length,
    );
    const withHr = facts.staff.filter((s) => s.addressKey && s.phoneKey && s.nationalIdKey);
    expect(withHr.length).toBe(demo.staff.length);
    const text = JSON.stringify(facts);
    for (const p of demo.patients.slice(0, 50)) {
      if (p.phone) expect(text).not.toContain(p.phone);
      expect(text).not.toContain(p.address.text);
    }
    for (const s of demo.staff.slice(0, 20)) expect(text).not.toContain(s.hr.phone);
  });

  it('ledgers every run as a system admin action', async () => {
    const page = await queryEntries(rt.store.db, {
      tenant: tenantOf(),
      kinds: ['admin'],
      actorType: 'system',
      limit: 100,
    });
    const runs = page.entries.filter((e) => e.action === 'monitor.run');
    expect(runs.length).toBeGreaterThanOrEqual(1);
    expect(runs[0]!.actorId).toBe('monitor');
    expect(JSON.parse(runs[runs.length - 1]!.details!)).toMatchObject({
      from: from.toISOString(),
      to: to.toISOString(),
    });
  });

  it('puts a planted VIP-snooping or maternity-harvesting incident in a case', async () => {
    expect(stats.events).toBeGreaterThan(400);
    expect(stats.accesses).toBeGreaterThan(400);
    expect(stats.detectorErrors).toEqual({});
    expect(stats.explained.total).toBeGreaterThan(0);
    expect(stats.explained.share).toBeGreaterThan(0.3);
    expect(Object.keys(stats.byDepartment).length).toBeGreaterThan(3);
    expect(Object.keys(stats.byRole).length).toBeGreaterThan(2);
    expect(stats.cases).toBeGreaterThan(0);
    const cases = await listCases(rt.store.db, tenantOf(), { limit: 1000 });
    const found = demo.labels.incidents.filter(
      (l) =>
        (l.kind === 'vip-snooping' || l.kind === 'maternity-harvesting') &&
        cases.some(
          (c: CaseRecord) =>
            c.actorId === l.staffId && c.kinds.some((k) => DEMO_KIND_MAP[l.kind].includes(k)),
        ),
    );
    expect(found.length).toBeGreaterThan(0);
  });

  it('re-running the same window stores nothing twice', async () => {
    const again = await runMonitorOnLedger(rt, { tenant: tenantOf(), from, to });
    expect(again.alerts).toBe(stats.alerts);
    expect(again.newAlerts).toBe(0);
    expect(again.cases).toBe(0);
  });

  it('streams the ledger window oldest first, exactly [from, to)', async () => {
    const seen: number[] = [];
    for await (const e of streamLedgerWindow(rt.store.db, tenantOf(), from, to, 60_000))
      seen.push(e.occurredAt.getTime());
    expect(seen.length).toBe(stats.events);
    expect(seen.length).toBeGreaterThanOrEqual([...demo.accessEvents()].length);
    expect(
      seen.every(
        (t, i) => t >= from.getTime() && t < to.getTime() && (i === 0 || t >= seen[i - 1]!),
      ),
    ).toBe(true);
    // A window that ends just before the last access leaves it out.
    let n = 0;
    for await (const _ of streamLedgerWindow(
      rt.store.db,
      tenantOf(),
      from,
      new Date(to.getTime() - 1),
    ))
      n++;
    expect(n).toBeLessThan(seen.length);
  });

  it('refuses bad windows by field', async () => {
    const bad = [
      { from: to, to: from, field: 'to' },
      { from: new Date(Number.NaN), to, field: 'from' },
      { from: new Date(0), to: new Date(400 * DAY), field: 'to' },
    ];
    for (const b of bad) {
      const err = await runMonitorOnLedger(rt, {
        tenant: tenantOf(),
        from: b.from,
        to: b.to,
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CustosError);
      expect((err as CustosError).extra).toMatchObject({ field: b.field });
    }
  });

  it('the worker runs on demand and stops', async () => {
    expect(() => startMonitorWorker(rt, { tenant: tenantOf(), intervalMs: 5 })).toThrow(
      CustosError,
    );
    const w = startMonitorWorker(rt, {
      tenant: tenantOf(),
      intervalMs: 3_600_000,
      lookbackMs: 2 * DAY,
    });
    const r = await w.runNow();
    await w.stop();
    // The demo window lies in the past: the worker's window is the last two days.
    expect(r?.to).toBe(w.lastRun?.to);
    expect(await w.runNow()).toBeUndefined();
  });

  it('the dashboard counts alerts and the explained share without double counting re-runs', async () => {
    const d = await getMonitorDashboard(rt, tenantOf(), { days: 5 });
    expect(d.alerts.total).toBeGreaterThanOrEqual(stats.alerts);
    expect(Object.values(d.alerts.byDay).reduce((a, b) => a + b, 0)).toBe(d.alerts.total);
    expect(Object.values(d.alerts.byDepartment).reduce((a, b) => a + b, 0)).toBe(d.alerts.total);
    // Three runs so far, all over overlapping windows: only the newest counts.
    expect(d.explained.runs).toBe(1);
    expect(d.explained.overall.total).toBeGreaterThan(0);
    expect(d.cases.open).toBeGreaterThan(0);
    expect(d.topUsers.length).toBeGreaterThan(0);
  });

  it('officer lists, opens, assigns, notes and resolves a case with a sanction; a nurse is refused', async () => {
    const officer = await signInAs(rt, ['privacy-officer']);
    const nurse = await signInAs(rt, ['nurse']);
    const denied = await app.inject({
      method: 'GET',
      url: '/api/monitor/cases',
      headers: nurse.headers,
    });
    expect(denied.statusCode).toBe(403);
    expect(denied.headers['content-type']).toContain('application/problem+json');
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/api/monitor/run',
          headers: nurse.headers,
          payload: { from: from.toISOString(), to: to.toISOString() },
        })
      ).statusCode,
    ).toBe(403);

    const list = await app.inject({
      method: 'GET',
      url: '/api/monitor/cases?status=open',
      headers: officer.headers,
    });
    expect(list.statusCode).toBe(200);
    const cases = list.json<{ cases: CaseRecord[] }>().cases;
    expect(cases.length).toBeGreaterThan(0);
    const staffCase = cases.find((c) => c.actorKind === 'staff')!;
    const id = staffCase.id;

    const open = await app.inject({
      method: 'GET',
      url: `/api/monitor/cases/${id}`,
      headers: officer.headers,
    });
    expect(open.statusCode).toBe(200);
    const detail = open.json<{ alerts: unknown[]; timeline: { type: string }[] }>();
    expect(detail.alerts.length).toBeGreaterThan(0);
    expect(detail.timeline.map((e) => e.type)).toContain('evidence');

    const assigned = await app.inject({
      method: 'POST',
      url: `/api/monitor/cases/${id}/assign`,
      headers: officer.headers,
      payload: {},
    });
    expect(assigned.statusCode).toBe(200);
    expect(assigned.json()).toMatchObject({ status: 'assigned', assignee: officer.staffId });

    const note = await app.inject({
      method: 'POST',
      url: `/api/monitor/cases/${id}/notes`,
      headers: officer.headers,
      payload: { text: 'Interviewed; no care relationship.' },
    });
    expect(note.statusCode).toBe(201);

    const badDisposition = await app.inject({
      method: 'POST',
      url: `/api/monitor/cases/${id}/resolve`,
      headers: officer.headers,
      payload: { disposition: 'fired', note: 'x' },
    });
    expect(badDisposition.statusCode).toBe(400);
    expect(badDisposition.json()).toMatchObject({ field: 'disposition' });
    const noSanction = await app.inject({
      method: 'POST',
      url: `/api/monitor/cases/${id}/resolve`,
      headers: officer.headers,
      payload: { disposition: 'sanction', note: 'x' },
    });
    expect(noSanction.statusCode).toBe(400);
    expect(noSanction.json()).toMatchObject({ field: 'sanction' });
    const unknown = await app.inject({
      method: 'GET',
      url: '/api/monitor/cases/case_nope',
      headers: officer.headers,
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.headers['content-type']).toContain('application/problem+json');
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/api/monitor/cases/case_nope/resolve',
          headers: officer.headers,
          payload: { disposition: 'education', note: 'x' },
        })
      ).statusCode,
    ).toBe(404);

    const resolved = await app.inject({
      method: 'POST',
      url: `/api/monitor/cases/${id}/resolve`,
      headers: officer.headers,
      payload: {
        disposition: 'sanction',
        note: 'Written warning issued.',
        sanction: 'written-warning',
      },
    });
    expect(resolved.statusCode).toBe(200);
    expect(resolved.json()).toMatchObject({ status: 'resolved', disposition: 'sanction' });
    const twice = await app.inject({
      method: 'POST',
      url: `/api/monitor/cases/${id}/resolve`,
      headers: officer.headers,
      payload: { disposition: 'education', note: 'again' },
    });
    expect(twice.statusCode).toBe(409);

    const record = await app.inject({
      method: 'GET',
      url: `/api/monitor/staff/${staffCase.actorId}/privacy-record`,
      headers: officer.headers,
    });
    expect(record.statusCode).toBe(200);
    const entries = record.json<{
      entries: { caseId: string; sanction: string; escalatedTo: string }[];
    }>().entries;
    expect(entries).toEqual([expect.objectContaining({ caseId: id, sanction: 'written-warning' })]);
    const dept = demo.staff.find((s) => s.id === staffCase.actorId)!.departmentId;
    expect(entries[0]!.escalatedTo).toBe(`department-head:${dept}`);

    const after = await app.inject({
      method: 'GET',
      url: `/api/monitor/cases/${id}`,
      headers: officer.headers,
    });
    expect(after.json<{ timeline: { type: string }[] }>().timeline.map((e) => e.type)).toEqual(
      expect.arrayContaining(['opened', 'assigned', 'note', 'resolved', 'sanction', 'escalated']),
    );
  });

  it('serves the dashboard, new alerts and a run over HTTP; bad input is problem+json', async () => {
    const officer = await signInAs(rt, ['privacy-officer']);
    const dash = await app.inject({
      method: 'GET',
      url: '/api/monitor/dashboard?days=30',
      headers: officer.headers,
    });
    expect(dash.statusCode).toBe(200);
    const body = dash.json<{ breakGlassReviewsDue: number | null; alerts: { total: number } }>();
    expect(typeof body.breakGlassReviewsDue).toBe('number');
    expect(
      (
        await app.inject({
          method: 'GET',
          url: '/api/monitor/dashboard?days=0',
          headers: officer.headers,
        })
      ).statusCode,
    ).toBe(400);
    const alerts = await app.inject({
      method: 'GET',
      url: '/api/monitor/alerts?limit=5',
      headers: officer.headers,
    });
    expect(alerts.statusCode).toBe(200);
    const badRun = await app.inject({
      method: 'POST',
      url: '/api/monitor/run',
      headers: officer.headers,
      payload: { from: 'yesterday', to: to.toISOString() },
    });
    expect(badRun.statusCode).toBe(400);
    expect(badRun.json()).toMatchObject({ field: 'from' });
    const badStatus = await app.inject({
      method: 'GET',
      url: '/api/monitor/cases?status=closed',
      headers: officer.headers,
    });
    expect(badStatus.statusCode).toBe(400);
    expect(badStatus.json()).toMatchObject({ field: 'status' });
    const run = await app.inject({
      method: 'POST',
      url: '/api/monitor/run',
      headers: officer.headers,
      payload: { from: from.toISOString(), to: to.toISOString() },
    });
    expect(run.statusCode).toBe(200);
    expect(run.json()).toMatchObject({ newAlerts: 0, cases: 0 });
  });
});
