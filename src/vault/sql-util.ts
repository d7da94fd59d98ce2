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
