import { sql, type RawBuilder } from 'kysely';

/**
 * `(type = A and id in (…)) or (type = B and id in (…))` for a list of references. Row-value
 * lists (`(type, id) in ((…), …)`) with hundreds of pairs upset the embedded database's
 * transaction state, so references are grouped by type instead.
 */
export function refsFilter(
  typeColumn: string,
  idColumn: string,
  refs: readonly (readonly [string, string])[],
): RawBuilder<boolean> {
  const byType = new Map<string, string[]>();
  for (const [t, id] of refs) {
    const list = byType.get(t);
    if (list) list.push(id);
    else byType.set(t, [id]);
  }
  if (byType.size === 0) return sql<boolean>`false`;
  return sql<boolean>`(${sql.join(
    [...byType].map(
      ([t, ids]) =>
        sql`(${sql.ref(typeColumn)} = ${t} and ${sql.ref(idColumn)} in (${sql.join(ids)}))`,
    ),
    sql` or `,
  )})`;
}

/** Column types that `unnestRows` can pass as one array parameter each. */
export type UnnestType = 'text' | 'bytea' | 'smallint' | 'integer' | 'timestamptz';

/**
 * `select … from unnest($1::text[], $2::text[], …)` over rows, for `insert … (cols) <select>`:
 * one array parameter per column instead of one parameter per value. Large multi-row `values`
 * lists cost the database most of a bulk write in parsing, planning and parameter handling;
 * column arrays keep a statement's size constant. Byte strings travel as base64 text and are decoded
 * by the database (no array-of-bytea serialisation differences between drivers).
 */
export function unnestRows(
  columns: readonly (readonly [string, UnnestType])[],
  rows: readonly Record<string, unknown>[],
): RawBuilder<unknown> {
  const arrays = columns.map(([name, type]) =>
    rows.map((r) => {
      const v = r[name];
      if (v === null || v === undefined) return null;
      if (type === 'bytea') return (v as Buffer).toString('base64');
      if (type === 'timestamptz') return v instanceof Date ? v.toISOString() : String(v);
      return v;
    }),
  );
  const select = columns.map(([, type], i) =>
    type === 'bytea' ? sql`decode(${sql.ref(`u.c${i}`)}, 'base64')` : sql.ref(`u.c${i}`),
  );
  const args = columns.map(
    ([, type], i) => sql`${arrays[i]}::${sql.raw(type === 'bytea' ? 'text' : type)}[]`,
  );
  const names = columns.map((_, i) => sql.ref(`c${i}`));
  return sql`select ${sql.join(select)} from unnest(${sql.join(args)}) as u(${sql.join(names)})`;
}
