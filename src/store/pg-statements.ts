/**
 * Named prepared statements on PostgreSQL: each pooled connection prepares a data statement the
 * first time it runs it and afterwards only binds and executes it, so the server parses it once
 * per connection and may keep a generic plan (as on the embedded database). node-postgres keeps
 * the names per connection; at most `limit` distinct statements are named per connection, the
 * rest run unnamed as before, so statements built with varying lists cannot grow the server's
 * memory without bound.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { isPreparable } from './pglite-statements.ts';

const NAMED = Symbol('custos.namedStatements');

type Query = (...args: unknown[]) => unknown;

/** Names already computed (statement texts repeat on every request); emptied when full. */
const nameOf = new Map<string, string>();
const MAX_NAMES = 2000;

/** A name for a statement text, the same in every connection and process. */
export function statementName(text: string): string {
  let name = nameOf.get(text);
  if (name === undefined) {
    name = `custos_${createHash('sha256').update(text).digest('base64url').slice(0, 24)}`;
    if (nameOf.size >= MAX_NAMES) nameOf.clear();
    nameOf.set(text, name);
  }
  return name;
}

/**
 * Makes `client` run data statements given as (text, values) as named prepared statements.
 * Idempotent: a pooled client handed out again keeps its names.
 */
export function nameStatements(client: pg.PoolClient, limit = 200): pg.PoolClient {
  const c = client as pg.PoolClient & { [NAMED]?: Set<string> };
  if (c[NAMED]) return client;
  const names = new Set<string>();
  c[NAMED] = names;
  const query = client.query.bind(client) as Query;
  (client as unknown as { query: Query }).query = (...args: unknown[]) => {
    const [text, values] = args;
    if (typeof text !== 'string' || !Array.isArray(values) || args.length !== 2)
      return query(...args);
    if (!isPreparable(text)) return query(text, values);
    const name = statementName(text);
    if (!names.has(name)) {
      if (names.size >= limit) return query(text, values);
      names.add(name);
    }
    return query({ name, text, values });
  };
  return client;
}

/** Wraps a pool so every client it hands out names its data statements. */
export function withNamedStatements(pool: pg.Pool, limit?: number): pg.Pool {
  type Done = (release?: unknown) => void;
  type Callback = (err: Error | undefined, client: pg.PoolClient | undefined, done: Done) => void;
  const connect = pool.connect.bind(pool) as (cb?: Callback) => Promise<pg.PoolClient> | void;
  (pool as unknown as { connect: (cb?: Callback) => unknown }).connect = (cb?: Callback) => {
    if (typeof cb === 'function')
      return connect((err, client, done) =>
        cb(err, client ? nameStatements(client, limit) : client, done),
      );
    return (connect() as Promise<pg.PoolClient>).then((client) => nameStatements(client, limit));
  };
  return pool;
}
