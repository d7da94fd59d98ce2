import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { CustosError, ErrorCode } from '../errors/index.ts';
import { withNamedStatements } from './pg-statements.ts';
import { PGliteDialect } from './pglite-dialect.ts';

/** An open database: Kysely over PGlite (embedded) or PostgreSQL. */
export interface Store {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  db: Kysely<any>;
  backend: 'pglite' | 'postgres';
  /** Runs a trivial query; throws CUSTOS_STORE_UNAVAILABLE when the database does not answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Where to open the database. */
export interface StoreOptions {
  /** Data folder: the embedded database lives in `<dataDir>/pgdata`. */
  dataDir?: string;
  /** A postgres:// URL selects PostgreSQL instead of the embedded database. */
  databaseUrl?: string;
  /** Extra connection options for PostgreSQL (e.g. `-c search_path=...`). */
  pgOptions?: string;
  /** Open the embedded database from a dump made by PGlite's dumpDataDir (tests). */
  pgliteTemplate?: Blob;
  poolSize?: number;
}

/** Format version of the data folder layout; a newer one is refused, never rewritten. */
export const DATA_DIR_FORMAT = 1;

const int8 = (v: string): number => {
  const n = Number(v);
  if (!Number.isSafeInteger(n))
    throw new CustosError(ErrorCode.Internal, 'integer beyond 2^53 read from the database');
  return n;
};

function checkDataDir(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const marker = join(dataDir, 'custos-data.json');
  if (!existsSync(marker)) {
    if (existsSync(join(dataDir, 'pgdata')) && readdirNonEmpty(join(dataDir, 'pgdata'))) {
      throw new CustosError(
        ErrorCode.StoreDamaged,
        `data folder ${dataDir} holds a database but no custos-data.json marker; refusing to touch it`,
      );
    }
    const tmp = `${marker}.tmp`;
    writeFileSync(
      tmp,
      JSON.stringify({ format: DATA_DIR_FORMAT, created: new Date().toISOString() }) + '\n',
      { mode: 0o600 },
    );
    renameSync(tmp, marker);
    return;
  }
  let format: unknown;
  try {
    format = (JSON.parse(readFileSync(marker, 'utf8')) as { format?: unknown }).format;
  } catch {
    throw new CustosError(
      ErrorCode.StoreDamaged,
      `data folder marker ${marker} is damaged (not JSON)`,
    );
  }
  if (typeof format !== 'number')
    throw new CustosError(ErrorCode.StoreDamaged, `data folder marker ${marker} has no format`);
  if (format > DATA_DIR_FORMAT) {
    throw new CustosError(
      ErrorCode.StoreVersionTooNew,
      `data folder ${dataDir} was written by a newer Custos (format ${format}, this version reads ${DATA_DIR_FORMAT}); upgrade Custos`,
    );
  }
}

function readdirNonEmpty(dir: string): boolean {
  try {
    return existsSync(join(dir, 'PG_VERSION'));
  } catch {
    return false;
  }
}

async function openPglite(opts: StoreOptions): Promise<Store> {
  let pglite: PGlite;
  const parsers = { 17: (x: string) => Buffer.from(x.slice(2), 'hex'), 20: int8 };
  try {
    if (opts.pgliteTemplate) {
      pglite = new PGlite({ loadDataDir: opts.pgliteTemplate, parsers });
    } else {
      const dataDir = opts.dataDir ?? './data';
      checkDataDir(dataDir);
      pglite = new PGlite(join(dataDir, 'pgdata'), { parsers });
    }
    await pglite.waitReady;
  } catch (e) {
    if (e instanceof CustosError) throw e;
    throw new CustosError(
      ErrorCode.StoreDamaged,
      `embedded database could not be opened: ${(e as Error).message ?? e}`,
    );
  }
  const db = new Kysely({ dialect: new PGliteDialect(pglite) });
  return wrap(db, 'pglite');
}

async function openPostgres(opts: StoreOptions): Promise<Store> {
  const types = {
    getTypeParser: (oid: number, format?: 'text' | 'binary') => {
      if (oid === 20) return int8;
      return pg.types.getTypeParser(oid, format);
    },
  };
  const pool = new pg.Pool({
    connectionString: opts.databaseUrl,
    max: opts.poolSize ?? 10,
    connectionTimeoutMillis: 5000,
    types: types as pg.CustomTypesConfig,
    ...(opts.pgOptions ? { options: opts.pgOptions } : {}),
  });
  // An idle client error must not crash the process; the next query reports it.
  pool.on('error', () => {});
  const db = new Kysely({ dialect: new PostgresDialect({ pool: withNamedStatements(pool) }) });
  const store = wrap(db, 'postgres');
  try {
    await store.ping();
  } catch (e) {
    await db.destroy().catch(() => {});
    throw e;
  }
  return store;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function wrap(db: Kysely<any>, backend: Store['backend']): Store {
  let closed = false;
  return {
    db,
    backend,
    async ping() {
      try {
        await sql`select 1`.execute(db);
      } catch (e) {
        throw new CustosError(
          ErrorCode.StoreUnavailable,
          `database did not answer: ${redactUrl((e as Error).message)}`,
        );
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}

function redactUrl(msg: string): string {
  return msg.replace(/postgres(ql)?:\/\/[^\s]+/g, 'postgres://…');
}

/**
 * Opens the database chosen by the options: PostgreSQL for a postgres:// URL, otherwise the
 * embedded PGlite in the data folder (created on first use, refused when written by a newer
 * version or damaged).
 */
export async function openStore(opts: StoreOptions): Promise<Store> {
  return opts.databaseUrl ? openPostgres(opts) : openPglite(opts);
}
