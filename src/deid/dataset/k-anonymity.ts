/**
 * Research extracts with k-anonymity and (distinct) l-diversity: quasi-identifiers are
 * generalised along hierarchies (age bands, date to month/year, region levels, prefixes) and
 * rows of classes still too small are suppressed. The whole generalisation lattice is searched
 * (it is small: a few levels per column) and the node with the least information loss wins.
 */
import { parse } from 'csv-parse/sync';
import { CustosError, ErrorCode } from '../../errors/index.ts';

/** How a quasi-identifier is generalised, level by level. */
export type Hierarchy =
  | { kind: 'age' }
  | { kind: 'date' }
  | { kind: 'region' }
  | { kind: 'prefix'; levels?: number }
  | { kind: 'suppress' }
  | { kind: 'map'; levels: Record<string, string>[] };

/** Options of `anonymizeDataset`. */
export interface KAnonymityOptions {
  k: number;
  quasi: string[];
  sensitive?: string[];
  /** Distinct l-diversity of each sensitive column within each class (default 1 = off). */
  l?: number;
  hierarchies?: Record<string, Hierarchy>;
  /** Largest fraction of rows that may be suppressed (default 0.05). */
  maxSuppression?: number;
  /** Columns removed outright (direct identifiers). */
  drop?: string[];
}

/** Information-loss report of an anonymisation. */
export interface InformationLossReport {
  rows: number;
  rowsOut: number;
  suppressed: number;
  classes: number;
  minClassSize: number;
  averageClassSize: number;
  /** Generalisation level chosen per quasi-identifier, with its height. */
  levels: Record<string, { level: number; height: number; hierarchy: Hierarchy['kind'] }>;
  /** Mean of level/height over quasi-identifiers (Sweeney's precision loss), 0 = none, 1 = all suppressed. */
  precisionLoss: number;
  /** Discernibility metric: Σ|class|² + suppressed × rows. */
  discernibility: number;
  /** Lattice nodes examined. */
  nodesExamined: number;
  k: number;
  l: number;
}

/** Result of `anonymizeDataset`. */
export interface KAnonymityResult {
  header: string[];
  rows: string[][];
  report: InformationLossReport;
}

const ZH_REGION = /.+?(?:特别行政区|自治区|自治州|省|市|区|县|旗|镇|乡|街道|村)/g;

function parseDate(v: string): [number, number, number] | undefined {
  const m = /^(\d{4})[-/.年](\d{1,2})(?:[-/.月](\d{1,2})日?)?/.exec(v.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 1)] : undefined;
}

/** Height (number of generalisation steps to full suppression) of a hierarchy over the values. */
function heightOf(h: Hierarchy, values: string[]): number {
  switch (h.kind) {
    case 'age':
      return 4;
    case 'date':
      return 4;
    case 'region':
      return Math.max(
        1,
        ...values.map((v) => v.match(ZH_REGION)?.length ?? (v.split(/[,/>|]/).length || 1)),
      );
    case 'prefix':
      return h.levels ?? Math.max(1, ...values.map((v) => v.length));
    case 'suppress':
      return 1;
    case 'map':
      return h.levels.length + 1;
  }
}

/** The value generalised to `level` (0 = unchanged; height = '*'). */
export function generalize(v: string, h: Hierarchy, level: number, height: number): string {
  if (level <= 0) return v;
  if (level >= height) return '*';
  switch (h.kind) {
    case 'age': {
      const n = Number(v);
      if (!Number.isFinite(n)) return '*';
      if (n >= 90) return '90+';
      const w = [0, 5, 10, 20][level]!;
      const lo = Math.floor(n / w) * w;
      return `${lo}-${lo + w - 1}`;
    }
    case 'date': {
      const d = parseDate(v);
      if (!d) return '*';
      if (level === 1) return `${d[0]}-${String(d[1]).padStart(2, '0')}`;
      if (level === 2) return String(d[0]);
      return `${Math.floor(d[0] / 10) * 10}s`;
    }
    case 'region': {
      const parts = v.match(ZH_REGION) ?? v.split(/[,/>|]/);
      const keep = parts.length - level;
      return keep > 0 ? parts.slice(0, keep).join('') : '*';
    }
    case 'prefix': {
      const keep = v.length - level;
      return keep > 0 ? v.slice(0, keep) + '*'.repeat(Math.min(level, v.length)) : '*';
    }
    case 'suppress':
      return '*';
    case 'map':
      return h.levels[level - 1]?.[v] ?? '*';
  }
}

/** Picks a hierarchy for a column from its values. */
export function guessHierarchy(values: string[]): Hierarchy {
  const sample = values.filter((v) => v !== '').slice(0, 200);
  if (sample.length > 0 && sample.every((v) => /^\d{1,3}$/.test(v))) return { kind: 'age' };
  if (sample.length > 0 && sample.every((v) => parseDate(v))) return { kind: 'date' };
  if (sample.some((v) => (v.match(ZH_REGION)?.length ?? 0) >= 2)) return { kind: 'region' };
  if (sample.length > 0 && sample.every((v) => /^\d{3,10}$/.test(v))) return { kind: 'prefix' };
  return { kind: 'suppress' };
}

const MAX_NODES = 20_000;

/** Generalises and suppresses `rows` until every class has ≥ k rows and ≥ l distinct sensitive values. */
export function anonymizeDataset(
  header: string[],
  rows: string[][],
  opts: KAnonymityOptions,
): KAnonymityResult {
  const k = opts.k;
  const l = opts.l ?? 1;
  if (!Number.isInteger(k) || k < 1)
    throw new CustosError(ErrorCode.InputInvalid, 'k must be a positive integer');
  if (!Number.isInteger(l) || l < 1)
    throw new CustosError(ErrorCode.InputInvalid, 'l must be a positive integer');
  const maxSup = opts.maxSuppression ?? 0.05;
  if (!(maxSup >= 0 && maxSup <= 1))
    throw new CustosError(ErrorCode.InputInvalid, 'maxSuppression must be within 0..1');
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0)
      throw new CustosError(ErrorCode.InputInvalid, `column "${name}" is not in the header`);
    return i;
  };
  const qi = opts.quasi.map(col);
  const si = (opts.sensitive ?? []).map(col);
  const dropped = new Set((opts.drop ?? []).map(col));
  if (qi.length === 0)
    throw new CustosError(ErrorCode.InputInvalid, 'at least one quasi-identifier is needed');
  const hier = opts.quasi.map(
    (q, j) => opts.hierarchies?.[q] ?? guessHierarchy(rows.map((r) => r[qi[j]!]!)),
  );
  const heights = hier.map((h, j) =>
    heightOf(
      h,
      rows.map((r) => r[qi[j]!]!),
    ),
  );
  const n = rows.length;
  const budget = Math.floor(maxSup * n);

  // Cache generalised values per column and level.
  const genCache = hier.map(() => new Map<string, string>());
  const gen = (j: number, v: string, level: number): string => {
    const key = `${level}\0${v}`;
    let g = genCache[j]!.get(key);
    if (g === undefined) {
      g = generalize(v, hier[j]!, level, heights[j]!);
      genCache[j]!.set(key, g);
    }
    return g;
  };

  interface Eval {
    levels: number[];
    suppressedRows: Set<number>;
    classes: Map<string, number[]>;
    loss: number;
  }
  const evaluateNode = (levels: number[]): Eval => {
    const classes = new Map<string, number[]>();
    for (let r = 0; r < n; r++) {
      const keyParts: string[] = [];
      for (let j = 0; j < qi.length; j++) keyParts.push(gen(j, rows[r]![qi[j]!]!, levels[j]!));
      const key = keyParts.join('\u0001');
      const c = classes.get(key);
      if (c) c.push(r);
      else classes.set(key, [r]);
    }
    const suppressedRows = new Set<number>();
    for (const [key, members] of classes) {
      let bad = members.length < k;
      if (!bad && l > 1)
        for (const s of si) if (new Set(members.map((r) => rows[r]![s])).size < l) bad = true;
      if (bad) {
        for (const r of members) suppressedRows.add(r);
        classes.delete(key);
      }
    }
    const loss = levels.reduce((acc, lv, j) => acc + lv / heights[j]!, 0) / levels.length;
    return { levels, suppressedRows, classes, loss };
  };

  // Enumerate the lattice (bounded).
  let best: Eval | undefined;
  let examined = 0;
  const levels = heights.map(() => 0);
  const total = heights.reduce((a, h) => a * (h + 1), 1);
  if (total > MAX_NODES)
    throw new CustosError(
      ErrorCode.InputInvalid,
      `generalisation lattice too large (${total} nodes); use fewer quasi-identifiers or explicit hierarchies`,
    );
  for (let idx = 0; idx < total; idx++) {
    let rest = idx;
    for (let j = 0; j < heights.length; j++) {
      levels[j] = rest % (heights[j]! + 1);
      rest = Math.floor(rest / (heights[j]! + 1));
    }
    const loss = levels.reduce((acc, lv, j) => acc + lv / heights[j]!, 0) / levels.length;
    if (best && loss > best.loss) continue; // cannot beat the best on the primary criterion
    examined++;
    const e = evaluateNode([...levels]);
    if (e.suppressedRows.size > budget) continue;
    if (
      !best ||
      e.loss < best.loss ||
      (e.loss === best.loss && e.suppressedRows.size < best.suppressedRows.size)
    )
      best = e;
  }
  if (!best) {
    best = evaluateNode(heights.slice());
  }

  const outHeader = header.filter((_, i) => !dropped.has(i));
  const outRows: string[][] = [];
  for (let r = 0; r < n; r++) {
    if (best.suppressedRows.has(r)) continue;
    const row = rows[r]!.map((v, i) => {
      const j = qi.indexOf(i);
      return j >= 0 ? gen(j, v, best.levels[j]!) : v;
    });
    outRows.push(row.filter((_, i) => !dropped.has(i)));
  }
  const sizes = [...best.classes.values()].map((c) => c.length);
  const report: InformationLossReport = {
    rows: n,
    rowsOut: outRows.length,
    suppressed: best.suppressedRows.size,
    classes: sizes.length,
    minClassSize: sizes.length ? Math.min(...sizes) : 0,
    averageClassSize: sizes.length ? sizes.reduce((a, b) => a + b, 0) / sizes.length : 0,
    levels: Object.fromEntries(
      opts.quasi.map((q, j) => [
        q,
        { level: best.levels[j]!, height: heights[j]!, hierarchy: hier[j]!.kind },
      ]),
    ),
    precisionLoss: best.loss,
    discernibility: sizes.reduce((a, s) => a + s * s, 0) + best.suppressedRows.size * n,
    nodesExamined: examined,
    k,
    l,
  };
  return { header: outHeader, rows: outRows, report };
}

/** Parses CSV text with a header row; ragged rows and bad quoting fail with the line number. */
export function readCsv(text: string, name = 'input'): { header: string[]; rows: string[][] } {
  let records: string[][];
  try {
    records = parse(text, {
      relax_column_count: false,
      skip_empty_lines: true,
      bom: true,
    }) as string[][];
  } catch (e) {
    const line = (e as { lines?: number }).lines;
    throw new CustosError(
      ErrorCode.InputInvalid,
      `${name}: invalid CSV${line ? ` at line ${line}` : ''}: ${(e as { code?: string }).code ?? 'parse error'}`,
      { file: name, line: line ?? null },
    );
  }
  if (records.length === 0)
    throw new CustosError(ErrorCode.InputInvalid, `${name}: empty CSV`, { file: name });
  return { header: records[0]!, rows: records.slice(1) };
}

/** Writes rows as RFC 4180 CSV. */
export function writeCsv(header: string[], rows: string[][]): string {
  const q = (v: string): string => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return [header, ...rows].map((r) => r.map(q).join(',')).join('\n') + '\n';
}
