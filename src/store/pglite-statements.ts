/**
 * Prepared statements on the embedded database. PGlite's `query` makes six protocol trips into
 * the database per statement (parse, describe, bind, describe, execute, sync), and PostgreSQL
 * parses and analyses the text again each time. The statements Custos runs over and over (the
 * disclosure path's facts, the ledger append, record reads) are prepared once under a name,
 * with their parameter types remembered; each later run is one trip: bind, describe, execute,
 * sync. Parameters are serialised with the very serialisers `query` uses for those types, and
 * results parsed by the same parser, so a statement returns exactly what `query` returned.
 *
 * PostgreSQL plans a prepared statement with each run's values for its first five runs, then
 * keeps a generic plan when that costs about the same: the parse and most planning are saved
 * too. A generic plan knows no parameter values, so an ON CONFLICT that names a partial unique
 * index must write the index predicate's values as literals (`sql.lit`), not as parameters.
 * Only data statements (select, insert, update, delete, with) are kept, at most `limit` of them,
 * least recently used first out (the evicted statement is closed in the next trip). A statement
 * whose plan no longer fits the schema (a column added under `select *`) is prepared afresh.
 */
import { parse, protocol, type PGlite, type Results } from '@electric-sql/pglite';

const { serialize } = protocol;
const DATA_STATEMENT = /^\s*(select|insert|update|delete|with)\b/i;
/** PostgreSQL: "cached plan must not change result type" and other invalidated prepared plans. */
const PLAN_INVALID = '0A000';

/** Statement names are unique in the process: several caches may share one PGlite instance. */
let nextName = 0;

interface Prepared {
  name: string;
  /** Parameter type oids as the database inferred them. */
  types: number[];
}

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Whether a statement's text is worth preparing (a data statement; no DDL, no session commands). */
export function isPreparable(text: string): boolean {
  return DATA_STATEMENT.test(text);
}

/** Runs statements on one PGlite instance through named prepared statements. */
export class PreparedStatements {
  readonly #pg: PGlite;
  readonly #limit: number;
  readonly #byText = new Map<string, Prepared>();
  /** Close messages for evicted statements, sent ahead of the next trip. */
  #closing: Uint8Array[] = [];

  constructor(pg: PGlite, limit = 256) {
    this.#pg = pg;
    this.#limit = Math.max(1, limit);
  }

  /** Statements prepared now (for tests and diagnostics). */
  get size(): number {
    return this.#byText.size;
  }

  /** Runs `text` with `params` as `query` would, preparing it on first use. */
  async run<R>(text: string, params: readonly unknown[], retried = false): Promise<Results<R>> {
    const prepared = this.#byText.get(text) ?? (await this.#prepare(text));
    // Most recently used last: re-insert.
    this.#byText.delete(text);
    this.#byText.set(text, prepared);
    const values: (string | null)[] = new Array(params.length);
    const serializers = this.#pg.serializers;
    for (let i = 0; i < params.length; i++) {
      const v = params[i];
      if (v === null || v === undefined) {
        values[i] = null;
        continue;
      }
      const s = serializers[prepared.types[i] as number];
      values[i] = s ? (s(v) as string) : String(v);
    }
    const parts = this.#takeClosing();
    parts.push(
      serialize.bind({ statement: prepared.name, values }),
      serialize.describe({ type: 'P' }),
      serialize.execute({}),
      serialize.sync(),
    );
    try {
      const { messages } = await this.#pg.execProtocol(concat(parts), { throwOnError: true });
      return parse.parseResults(messages, this.#pg.parsers)[0] as Results<R>;
    } catch (e) {
      if ((e as { code?: string }).code !== PLAN_INVALID) throw e;
      // The schema changed under the prepared plan: prepare afresh. Outside a transaction the
      // statement is simply run again; inside one the transaction has failed and the caller
      // sees the error.
      this.#evict(text);
      if (retried || this.#pg.isInTransaction()) throw e;
      return this.run<R>(text, params, true);
    }
  }

  async #prepare(text: string): Promise<Prepared> {
    const name = `custos_${(nextName++).toString(36)}`;
    const parts = this.#takeClosing();
    parts.push(
      serialize.parse({ name, text }),
      serialize.describe({ type: 'S', name }),
      serialize.sync(),
    );
    const { messages } = await this.#pg.execProtocol(concat(parts), { throwOnError: true });
    const prepared: Prepared = { name, types: parse.parseDescribeStatementResults(messages) };
    this.#byText.set(text, prepared);
    while (this.#byText.size > this.#limit) {
      const oldest = this.#byText.keys().next().value as string;
      this.#evict(oldest);
    }
    return prepared;
  }

  #evict(text: string): void {
    const p = this.#byText.get(text);
    if (!p) return;
    this.#byText.delete(text);
    this.#closing.push(serialize.close({ type: 'S', name: p.name }));
  }

  #takeClosing(): Uint8Array[] {
    const parts = this.#closing;
    this.#closing = [];
    return parts;
  }
}
