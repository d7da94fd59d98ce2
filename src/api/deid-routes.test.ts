import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRuntime, type Runtime } from '../runtime/index.ts';
import { buildApp } from './index.ts';
import { signInAs } from './testing.ts';

describe('de-identification over HTTP', () => {
  let rt: Runtime;
  let app: FastifyInstance;
  let researcher: { authorization: string };

  beforeAll(async () => {
    rt = await createTestRuntime();
    app = await buildApp(rt);
    researcher = (await signInAs(rt, ['researcher'])).headers;
  });
  afterAll(async () => {
    await app.close();
    await rt.close();
  });

  it('removes names, ID numbers and phones from Chinese text and ledgers only counts', async () => {
    const text = '患者张三丰，身份证号110105194912310021，电话13812345678，于2024年3月5日入院。';
    const r = await app.inject({
      method: 'POST',
      url: '/api/deid/text',
      headers: researcher,
      payload: { text, lang: 'zh' },
    });
    expect(r.statusCode).toBe(200);
    const out = r.json();
    for (const secret of ['张三丰', '110105194912310021', '13812345678'])
      expect(out.text).not.toContain(secret);
    expect(out.findings.map((f: { type: string }) => f.type)).toEqual(
      expect.arrayContaining(['PERSON', 'ID_CARD', 'PHONE']),
    );
    const entry = await rt.store.db
      .selectFrom('ledger_entry')
      .select('details')
      .where('action', '=', 'deid.text')
      .executeTakeFirstOrThrow();
    expect(entry.details).not.toContain('张三丰');
  });

  it('makes a dataset k-anonymous and refuses ragged CSV with the position', async () => {
    const rows = Array.from(
      { length: 40 },
      (_, i) => `${20 + (i % 30)},${i % 2 ? 'F' : 'M'},朝阳区,${i % 3 ? 'J45' : 'E11'}`,
    );
    const csv = ['age,sex,district,diagnosis', ...rows].join('\n');
    const r = await app.inject({
      method: 'POST',
      url: '/api/deid/dataset?k=5&quasi=age,sex&sensitive=diagnosis',
      headers: { ...researcher, 'content-type': 'text/csv' },
      payload: csv,
    });
    expect(r.statusCode).toBe(200);
    const lines = (r.json().csv as string).trim().split('\n').slice(1);
    const classes = new Map<string, number>();
    for (const l of lines) {
      const [age, sex] = l.split(',');
      classes.set(`${age}|${sex}`, (classes.get(`${age}|${sex}`) ?? 0) + 1);
    }
    expect(Math.min(...classes.values())).toBeGreaterThanOrEqual(5);
    const ragged = await app.inject({
      method: 'POST',
      url: '/api/deid/dataset?k=5&quasi=age',
      headers: { ...researcher, 'content-type': 'text/csv' },
      payload: 'age,sex\n30,F\n31',
    });
    expect(ragged.statusCode).toBeGreaterThanOrEqual(400);
    expect(ragged.statusCode).toBeLessThan(500);
  });

  it('refuses roles without a de-identification purpose', async () => {
    const clerk = (await signInAs(rt, ['billing-clerk'])).headers;
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/api/deid/text',
          headers: clerk,
          payload: { text: 'x' },
        })
      ).statusCode,
    ).toBe(403);
  });
});
