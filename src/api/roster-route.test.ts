import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryEntries } from '../ledger/index.ts';
import { buildMonitorFacts } from '../monitor/index.ts';
import { createTestRuntime, type Runtime } from '../runtime/index.ts';
import { buildApp } from './index.ts';
import { signInAs } from './testing.ts';

describe('POST /api/monitor/roster', () => {
  let rt: Runtime;
  let app: FastifyInstance;

  beforeAll(async () => {
    rt = await createTestRuntime();
    app = await buildApp(rt);
  });
  afterAll(async () => {
    await app.close();
    await rt.close();
  });

  it('imports a roster the monitor then uses, and ledgers the import', async () => {
    const { headers, staffId } = await signInAs(rt, ['privacy-officer']);
    const r = await app.inject({
      method: 'POST',
      url: '/api/monitor/roster',
      headers: { ...headers, 'content-type': 'text/csv' },
      payload:
        '工号,开始时间,结束时间,科室\n' +
        `${staffId},2026-11-23T08:00+08:00,2026-11-23T16:00+08:00,obs-ward\n` +
        'agency-7,2026-11-23T16:00+08:00,2026-11-24T00:00+08:00,obs-ward\n',
    });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({
      shifts: 2,
      staff: 2,
      unknownStaff: 1,
      replaced: 0,
      from: '2026-11-23T00:00:00.000Z',
      to: '2026-11-23T16:00:00.000Z',
    });
    const { facts, report } = await buildMonitorFacts(rt, rt.config.tenant, {
      skipLedger: true,
      window: { from: new Date('2026-11-23T00:00Z'), to: new Date('2026-11-24T00:00Z') },
    });
    expect(report.shifts).toBe(2);
    expect(facts.care.shifts).toContainEqual({
      staffId,
      start: Date.parse('2026-11-23T00:00Z'),
      end: Date.parse('2026-11-23T08:00Z'),
      department: 'obs-ward',
    });
    const page = await queryEntries(rt.store.db, {
      tenant: rt.config.tenant,
      actorId: staffId,
      kinds: ['admin'],
    });
    expect(page.entries.map((e) => e.action)).toContain('roster.import');
  });

  it('answers a bad roster with problem+json naming the line, and refuses clinicians', async () => {
    const { headers } = await signInAs(rt, ['privacy-officer']);
    const bad = await app.inject({
      method: 'POST',
      url: '/api/monitor/roster',
      headers: { ...headers, 'content-type': 'text/csv' },
      payload: 'staff_id,start,end\nn-1,2026-11-23T08:00+08:00,2026-11-23T06:00+08:00\n',
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    expect(bad.json()).toMatchObject({ code: 'CUSTOS_INPUT_INVALID', line: 2 });
    const json = await app.inject({
      method: 'POST',
      url: '/api/monitor/roster',
      headers: { ...headers, 'content-type': 'application/json' },
      payload: { shifts: [] },
    });
    expect(json.statusCode).toBe(400);
    const doctor = await signInAs(rt, ['physician']);
    const refused = await app.inject({
      method: 'POST',
      url: '/api/monitor/roster',
      headers: { ...doctor.headers, 'content-type': 'text/csv' },
      payload: 'staff_id,start,end\n',
    });
    expect(refused.statusCode).toBe(403);
  });
});
