import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPreparable, PreparedStatements } from './pglite-statements.ts';

// The same parsers the store opens PGlite with (bytea as Buffer, int8 as number when safe).
const parsers = {
  17: (x: string) => Buffer.from(x.slice(2), 'hex'),
  20: (x: string) => (Number.isSafeInteger(Number(x)) ? Number(x) : x),
};

describe('prepared statements on the embedded database', () => {
  let pg: PGlite;
  beforeAll(async () => {
    pg = new PGlite({ parsers });
    await pg.waitReady;
    await pg.exec(`create table t (id int8 primary key, name text, doc jsonb, at timestamptz,
      blob bytea, tags text[], ok boolean, n numeric)`);
  });
  afterAll(async () => {
    await pg.close();
  });

  it('returns exactly what query returns, for every parameter and column type', async () => {
    const ps = new PreparedStatements(pg);
    const insert = `insert into t (id, name, doc, at, blob, tags, ok, n)
      values ($1, $2, $3, $4, $5, $6, $7, $8) returning id`;
    const rows = [
      [
        1,
        '张三',
        JSON.stringify({ a: [1, 'x'] }),
        new Date('2025-03-01T10:00:00Z'),
        Buffer.from([0, 1, 254, 255]),
        ['a', 'b,c', '"q"'],
        true,
        '12.50',
      ],
      [2, null, null, null, null, null, null, null],
      [
        '9007199254740993',
        "o'brien\\",
        '"s"',
        '2025-03-01T10:00:00.000+08:00',
        new Uint8Array([7]),
        [],
        false,
        0,
      ],
    ];
    for (const r of rows) {
      const got = await ps.run(insert, r);
      expect(got.affectedRows).toBe(1);
    }
    const select = 'select * from t where id = any($1::int8[]) order by id';
    const ids = [[1, 2, '9007199254740993']];
    const viaQuery = await pg.query(select, ids);
    const viaPrepared = await ps.run(select, ids);
    expect(viaPrepared.rows).toEqual(viaQuery.rows);
    expect(viaPrepared.fields).toEqual(viaQuery.fields);
    expect((viaPrepared.rows[0] as { blob: Buffer }).blob).toEqual(Buffer.from([0, 1, 254, 255]));
    // Run again: the statement is reused, not prepared twice.
    const size = ps.size;
    expect((await ps.run(select, ids)).rows).toEqual(viaQuery.rows);
    expect(ps.size).toBe(size);
  });

  it('keeps at most its limit, closing the least recently used', async () => {
    const ps = new PreparedStatements(pg, 2);
    await ps.run('select 1 as a where $1::int > 0', [1]);
    await ps.run('select 2 as a where $1::int > 0', [1]);
    await ps.run('select 1 as a where $1::int > 0', [1]); // now most recent
    await ps.run('select 3 as a where $1::int > 0', [1]); // evicts "select 2"
    expect(ps.size).toBe(2);
    const live = await pg.query<{ n: number }>(
      `select count(*)::int as n from pg_prepared_statements where name like 'custos_%'`,
    );
    // The evicted statement is closed with the next trip (this query's own trip came after).
    await ps.run('select 1 as a where $1::int > 0', [1]);
    const after = await pg.query<{ n: number }>(
      `select count(*)::int as n from pg_prepared_statements where name like 'custos_%'`,
    );
    expect(after.rows[0]!.n).toBeLessThanOrEqual(live.rows[0]!.n);
    expect((await ps.run('select 2 as a where $1::int > 0', [1])).rows).toEqual([{ a: 2 }]);
  });

  it('passes errors on and stays usable: a syntax error, a constraint, a changed table', async () => {
    const ps = new PreparedStatements(pg);
    await expect(ps.run('select from where', [])).rejects.toMatchObject({ code: '42601' });
    expect(ps.size).toBe(0);
    const ins = 'insert into t (id) values ($1)';
    await ps.run(ins, [10]);
    await expect(ps.run(ins, [10])).rejects.toMatchObject({ code: '23505' });
    await ps.run(ins, [11]);
    const star = 'select * from t where id = $1';
    expect((await ps.run<{ id: number }>(star, [11])).rows[0]!.id).toBe(11);
    await pg.exec('alter table t add column extra text');
    // The prepared plan no longer fits: outside a transaction it is prepared afresh.
    const again = await ps.run<Record<string, unknown>>(star, [11]);
    expect(again.rows[0]).toHaveProperty('extra', null);
    await pg.exec('alter table t add column extra2 text');
    // Inside a transaction the error is passed on (the transaction has failed) ...
    await pg.exec('begin');
    await expect(ps.run(star, [11])).rejects.toMatchObject({ code: '0A000' });
    await pg.exec('rollback');
    // ... and the next run prepares afresh.
    expect((await ps.run<Record<string, unknown>>(star, [11])).rows[0]).toHaveProperty('extra2');
  });

  it('keeps working when PostgreSQL moves a statement to a generic plan (ON CONFLICT on a partial unique index with a literal predicate)', async () => {
    await pg.exec(`create table k (owner text, state text);
      create unique index k_active on k (owner) where state = 'active'`);
    const ps = new PreparedStatements(pg);
    const upsert = `insert into k (owner, state) values ($1, 'active')
      on conflict (owner) where state = 'active' do nothing returning owner`;
    for (let i = 0; i < 12; i++) {
      const r = await ps.run<{ owner: string }>(upsert, [`o${i % 3}`]);
      expect(r.rows.length).toBe(i < 3 ? 1 : 0);
    }
    // The same predicate as a parameter cannot name the index once the plan is generic.
    const param = upsert.replace("where state = 'active' do", 'where state = $2 do');
    const outcomes: string[] = [];
    for (let i = 0; i < 12; i++)
      outcomes.push(
        await ps.run(param, [`o${i % 3}`, 'active']).then(
          () => 'ok',
          (e: { code?: string }) => e.code ?? '?',
        ),
      );
    expect(outcomes.slice(0, 5)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    expect(outcomes).toContain('42P10');
  });

  it('prepares data statements only', () => {
    expect(isPreparable('select 1')).toBe(true);
    expect(isPreparable('  WITH x as (select 1) select * from x')).toBe(true);
    expect(isPreparable('insert into t values (1)')).toBe(true);
    expect(isPreparable('begin')).toBe(false);
    expect(isPreparable('create table x (a int)')).toBe(false);
    expect(isPreparable('set search_path to x')).toBe(false);
  });
});
