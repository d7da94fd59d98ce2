import { existsSync, readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../api/index.ts';
import { generateDemoHospital } from '../demo/index.ts';
import { createTestRuntime, type Runtime } from '../runtime/index.ts';
import { findPatients } from '../vault/index.ts';
import { seedDemoHospital, type SeedReport } from './index.ts';

const PARAMS = { patients: 300, staff: 100, days: 2, seed: 'seed-test' };

describe('demo hospital seeding', () => {
  let rt: Runtime & { logLines: string[] };
  let app: FastifyInstance;
  let report: SeedReport;
  const demo = generateDemoHospital({ ...PARAMS, tenant: 'demo-hospital' });

  beforeAll(async () => {
    rt = await createTestRuntime();
    report = await seedDemoHospital(rt, PARAMS);
    app = await buildApp(rt);
  });
  afterAll(async () => {
    await app.close();
    await rt.close();
  });

  it('writes staff, encrypted records and the activity window, and the labels only to a file', async () => {
    expect(report.staff).toBe(demo.staff.length);
    expect(report.patients).toBe(demo.patients.length);
    expect(report.accessEvents).toBeGreaterThan(0);
    expect(existsSync(report.labelsFile)).toBe(true);
    expect(JSON.parse(readFileSync(report.labelsFile, 'utf8')).incidents.length).toBeGreaterThan(0);
    const { n } = await sql<{ n: number }>`select count(*)::int as n from ledger_entry`
      .execute(rt.store.db)
      .then((r) => r.rows[0]!);
    expect(n).toBeGreaterThanOrEqual(report.accessEvents);
    const p = demo.patients.find((x) => x.nationalId)!;
    expect(await findPatients(rt.vault, rt.config.tenant, { idNumber: p.nationalId! })).toContain(
      p.id,
    );
  });

  it('prints working demo logins with generated passwords', async () => {
    expect(report.logins.map((l) => l.role)).toEqual(
      expect.arrayContaining(['physician', 'nurse', 'privacy-officer']),
    );
    const nurse = report.logins.find((l) => l.role === 'nurse')!;
    const r = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: nurse.username, password: nurse.password },
    });
    expect(r.statusCode).toBe(200);
  });

  it('keeps no patient name, ID number, phone or address in clear in the database', async () => {
    const sample = demo.patients.slice(0, 100);
    const needles = sample.flatMap((p) =>
      [p.name, p.nationalId, p.phone, p.address.street + p.address.number].filter(
        (x): x is string => !!x,
      ),
    );
    const tables = await sql<{
      table_name: string;
    }>`select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(
      rt.store.db,
    );
    let text = '';
    for (const { table_name } of tables.rows) {
      const rows = await sql<
        Record<string, unknown>
      >`select * from ${sql.table(table_name)}`.execute(rt.store.db);
      text += JSON.stringify(rows.rows, (_k, v: unknown) =>
        v &&
        typeof v === 'object' &&
        'type' in (v as object) &&
        (v as { type: string }).type === 'Buffer'
          ? Buffer.from((v as { data: number[] }).data).toString('latin1')
          : v,
      );
    }
    expect(text.length).toBeGreaterThan(10_000);
    const found = needles.filter((s) => text.includes(s));
    expect(found).toEqual([]);
  });

  it('writes none of the demo’s names, ID numbers or phones to the logs while generating and serving', async () => {
    const nurse = report.logins.find((l) => l.role === 'nurse')!;
    const p = demo.patients[0]!;
    await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: nurse.username, password: 'wrong password for logs' },
    });
    await app.inject({
      url: `/api/patients/search?name=${encodeURIComponent(p.name)}&phone=${p.phone ?? ''}`,
    });
    const logs = rt.logLines.join('\n');
    expect(logs.length).toBeGreaterThan(0);
    const needles = [...demo.patients, ...demo.staff].flatMap((x) =>
      [x.name, x.nationalId, 'phone' in x ? x.phone : undefined].filter(
        (s): s is string => !!s && s.length >= 2,
      ),
    );
    expect(needles.filter((s) => logs.includes(s))).toEqual([]);
  });
});
