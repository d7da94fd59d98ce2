import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseUrl } from './test-store.ts';
import { statementName, withNamedStatements } from './pg-statements.ts';

// Runs against the local PostgreSQL server on both test backends: the wrapper is PostgreSQL's.
describe('named statements on PostgreSQL', () => {
  let pool: pg.Pool;
  const schema = `t_named_${process.pid}_${Date.now().toString(36)}`;
  beforeAll(async () => {
    pool = withNamedStatements(
      new pg.Pool({
        connectionString: testDatabaseUrl(),
        max: 1,
        options: `-c search_path=${schema}`,
      }),
      3,
    );
    await pool.query(`create schema ${schema}`);
    await pool.query(`create table k (owner text, state text, n int)`);
    await pool.query(`create unique index k_active on k (owner) where state = 'active'`);
  });
  afterAll(async () => {
    await pool.query(`drop schema if exists ${schema} cascade`);
    await pool.end();
  });

  const prepared = async (c: pg.PoolClient): Promise<string[]> =>
    (
      await c.query<{ name: string }>(
        `select name from pg_prepared_statements where name like 'custos_%' order by name`,
      )
    ).rows.map((r) => r.name);

  it('prepares data statements under a name per text and runs them again by name', async () => {
    const c = await pool.connect();
    try {
      const ins = `insert into k (owner, state, n) values ($1, 'active', $2)
        on conflict (owner) where state = 'active' do nothing returning owner`;
      for (let i = 0; i < 8; i++) await c.query(ins, [`o${i % 2}`, i]);
      const sel = 'select owner, n from k where owner = any($1::text[]) order by owner';
      const r = await c.query(sel, [['o0', 'o1']]);
      expect(r.rows).toEqual([
        { owner: 'o0', n: 0 },
        { owner: 'o1', n: 1 },
      ]);
      expect(await prepared(c)).toEqual([statementName(ins), statementName(sel)].sort());
      // Session commands and DDL stay unnamed; so do statements past the limit (3).
      await c.query('set application_name = $$custos-test$$', []);
      await c.query('select $1::int as a', [1]);
      await c.query('select $1::int as b', [2]);
      expect((await prepared(c)).length).toBe(3);
      expect((await c.query('select $1::int as b', [5])).rows).toEqual([{ b: 5 }]);
    } finally {
      c.release();
    }
  });

  it('keeps the callback form of connect and the pool query working', async () => {
    const viaPool = await pool.query('select $1::text as x', ['y']);
    expect(viaPool.rows).toEqual([{ x: 'y' }]);
    const got = await new Promise<unknown>((resolve, reject) =>
      pool.connect((err, client, done) => {
        if (err || !client) return reject(err);
        client.query('select 7 as n', []).then(
          (r) => {
            done();
            resolve(r.rows);
          },
          (e: unknown) => {
            done();
            reject(e);
          },
        );
      }),
    );
    expect(got).toEqual([{ n: 7 }]);
  });

  it('passes errors on and stays usable', async () => {
    const own = withNamedStatements(new pg.Pool({ connectionString: testDatabaseUrl(), max: 1 }));
    const c = await own.connect();
    try {
      await expect(c.query('select from where', [])).rejects.toMatchObject({ code: '42601' });
      await expect(c.query('select 1/$1::int as q', [0])).rejects.toMatchObject({ code: '22012' });
      expect((await c.query('select 1/$1::int as q', [1])).rows).toEqual([{ q: 1 }]);
      expect(await prepared(c)).toContain(statementName('select 1/$1::int as q'));
    } finally {
      c.release();
      await own.end();
    }
  });
});
