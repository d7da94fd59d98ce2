/**
 * Importing other systems' audit logs (FHIR AuditEvent NDJSON, CSV with a column mapping) into the
 * tenant's chain. Lines are read as a stream; accepted entries are committed in batches and counted
 * only once committed; rejected lines are reported with line number and reason; re-importing the
 * same file adds nothing (each entry carries its source system and a dedup key).
 */
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { CustosError, ErrorCode, isCustosError } from '../errors/index.ts';
import { fromFhirAuditEvent, type ImportMapping } from './fhir.ts';
import type { Ledger } from './ledger.ts';
import { ENTRY_KINDS, type EntryKind, type LedgerEntryInput } from './types.ts';
import { normaliseEntry } from './canonical.ts';

/** Column mapping of a CSV audit log: which header holds which ledger field, and value maps. */
export interface CsvMapping {
  /** Ledger field → CSV header. Defaults are the ledger field names in snake_case. */
  columns?: Partial<Record<CsvField, string>>;
  /** Their action values → ledger kinds, e.g. {"VIEW": "disclosure.read"}. */
  kinds?: Record<string, EntryKind>;
  /** Their outcome values → permit/deny, e.g. {"OK": "permit", "REFUSED": "deny"}. */
  decisions?: Record<string, 'permit' | 'deny'>;
  /** Name of the system the file comes from (when there is no source column). */
  sourceSystem?: string;
  /** Time format: "iso" (default), "epoch-ms", "epoch-s", or "local" = "YYYY-MM-DD HH:mm:ss" in `timeZone`. */
  timeFormat?: 'iso' | 'epoch-ms' | 'epoch-s' | 'local';
  /** UTC offset for "local" times, default "+08:00". */
  timeZone?: string;
  /** Separator inside list cells (fields, categories, reasons); default ";". */
  listSeparator?: string;
}

/** The ledger fields a CSV column can fill. */
export type CsvField =
  | 'id'
  | 'recorded'
  | 'kind'
  | 'actor_type'
  | 'actor_id'
  | 'department'
  | 'patient_id'
  | 'fields'
  | 'categories'
  | 'purpose'
  | 'decision'
  | 'reasons'
  | 'workstation'
  | 'network_address'
  | 'channel'
  | 'source_system';

/** One rejected line. */
export interface ImportRejection {
  line: number;
  reason: string;
}

/** Outcome of an import. */
export interface ImportReport {
  /** Lines read (records for CSV, excluding the header). */
  lines: number;
  /** New entries committed to the chain. */
  accepted: number;
  /** Entries already present from an earlier import (nothing added). */
  duplicates: number;
  rejected: number;
  /** The first 1000 rejections, in line order. */
  rejections: ImportRejection[];
}

/** What to import. */
export interface ImportOptions {
  tenant: string;
  format: 'fhir' | 'csv';
  input: Readable;
  mapping?: CsvMapping;
  /** Source system when the records do not name one. */
  sourceSystem?: string;
  /** Entries per commit (default 1000). */
  batchSize?: number;
  onProgress?: (report: ImportReport) => void;
}

const MAX_LINE = 1024 * 1024;
const MAX_REJECTIONS = 1000;

/** Parses and validates a mapping document (JSON text), refusing unknown fields and kinds. */
export function parseCsvMapping(text: string): CsvMapping {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new CustosError(ErrorCode.InputInvalid, 'the column mapping is not JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new CustosError(ErrorCode.InputInvalid, 'the column mapping must be a JSON object');
  const m = v as CsvMapping;
  const fields: CsvField[] = [
    'id',
    'recorded',
    'kind',
    'actor_type',
    'actor_id',
    'department',
    'patient_id',
    'fields',
    'categories',
    'purpose',
    'decision',
    'reasons',
    'workstation',
    'network_address',
    'channel',
    'source_system',
  ];
  for (const k of Object.keys(m.columns ?? {})) {
    if (!fields.includes(k as CsvField))
      throw new CustosError(
        ErrorCode.InputInvalid,
        `the column mapping names an unknown field ${k}`,
      );
  }
  for (const [k, kind] of Object.entries(m.kinds ?? {})) {
    if (!ENTRY_KINDS.includes(kind))
      throw new CustosError(
        ErrorCode.InputInvalid,
        `the column mapping maps ${k} to an unknown kind`,
      );
  }
  if (m.timeFormat && !['iso', 'epoch-ms', 'epoch-s', 'local'].includes(m.timeFormat))
    throw new CustosError(ErrorCode.InputInvalid, 'unknown timeFormat');
  if (m.timeZone && !/^[+-]\d{2}:\d{2}$/.test(m.timeZone))
    throw new CustosError(ErrorCode.InputInvalid, 'timeZone must look like +08:00');
  return m;
}

function parseTime(s: string, m: CsvMapping): Date | null {
  const f = m.timeFormat ?? 'iso';
  let t: number;
  if (f === 'epoch-ms' || f === 'epoch-s') {
    if (!/^\d{1,16}$/.test(s)) return null;
    t = Number(s) * (f === 'epoch-s' ? 1000 : 1);
  } else if (f === 'local') {
    const x = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(s.trim());
    if (!x) return null;
    t = Date.parse(
      `${x[1]}-${x[2]}-${x[3]}T${x[4]}:${x[5]}:${x[6] ?? '00'}${m.timeZone ?? '+08:00'}`,
    );
  } else {
    if (!/^\d{4}-\d{2}-\d{2}T/.test(s)) return null;
    t = Date.parse(s);
  }
  return Number.isFinite(t) ? new Date(t) : null;
}

/** Maps one CSV record (header → cell) to a ledger entry. */
export function fromCsvRecord(
  rec: Record<string, string>,
  m: CsvMapping,
  defaultSource: string | null,
): ImportMapping {
  const col = (f: CsvField): string | null => {
    const v = rec[m.columns?.[f] ?? f];
    return typeof v === 'string' && v.trim() !== '' ? v.trim() : null;
  };
  const sep = m.listSeparator ?? ';';
  const list = (f: CsvField): string[] =>
    (col(f) ?? '')
      .split(sep)
      .map((x) => x.trim())
      .filter(Boolean);
  const recordedText = col('recorded');
  if (!recordedText) return { ok: false, reason: 'no time (recorded column)' };
  const recorded = parseTime(recordedText, m);
  if (!recorded) return { ok: false, reason: 'the time cannot be read' };
  const rawKind = col('kind');
  const kind = rawKind
    ? (m.kinds?.[rawKind] ??
      (ENTRY_KINDS.includes(rawKind as EntryKind) ? (rawKind as EntryKind) : null))
    : 'imported';
  if (!kind) return { ok: false, reason: 'the action is not mapped to a ledger kind' };
  const actorId = col('actor_id');
  if (!actorId) return { ok: false, reason: 'no actor (actor_id column)' };
  const actorType = col('actor_type') ?? 'staff';
  if (!['staff', 'client', 'patient', 'system'].includes(actorType))
    return { ok: false, reason: 'unknown actor type' };
  const rawDecision = col('decision');
  const decision = rawDecision
    ? (m.decisions?.[rawDecision] ??
      (rawDecision === 'permit' || rawDecision === 'deny' ? rawDecision : null))
    : null;
  if (rawDecision && !decision)
    return { ok: false, reason: 'the outcome is not mapped to permit or deny' };
  const source = col('source_system') ?? m.sourceSystem ?? defaultSource;
  if (!source) return { ok: false, reason: 'no source system (column, mapping or option)' };
  const key = col('id') ?? createHash('sha256').update(JSON.stringify(rec)).digest('hex');
  return {
    ok: true,
    entry: {
      kind: decision === 'deny' && kind.startsWith('disclosure.') ? 'denial' : kind,
      actor: {
        type: actorType as LedgerEntryInput['actor']['type'],
        id: actorId,
        department: col('department'),
      },
      patientId: col('patient_id'),
      fields: list('fields'),
      categories: list('categories'),
      purpose: col('purpose'),
      decision,
      reasons: list('reasons'),
      workstation: col('workstation'),
      networkAddress: col('network_address'),
      channel: col('channel') ?? 'import',
      occurredAt: recorded,
      source: { system: source, key },
    },
  };
}

/** Imports an audit log into the tenant's chain; see ImportReport. Throws only if the ledger fails. */
export async function importAuditLog(ledger: Ledger, opts: ImportOptions): Promise<ImportReport> {
  const report: ImportReport = {
    lines: 0,
    accepted: 0,
    duplicates: 0,
    rejected: 0,
    rejections: [],
  };
  const batchSize = Math.max(1, opts.batchSize ?? 1000);
  const defaultSource = opts.sourceSystem ?? opts.mapping?.sourceSystem ?? null;
  let batch: LedgerEntryInput[] = [];
  const reject = (line: number, reason: string): void => {
    report.rejected++;
    if (report.rejections.length < MAX_REJECTIONS) report.rejections.push({ line, reason });
  };
  const take = (line: number, m: ImportMapping): void => {
    if (!m.ok) return reject(line, m.reason);
    try {
      normaliseEntry(m.entry); // the same checks the appender makes, so one bad line cannot fail a batch
      batch.push(m.entry);
    } catch (e) {
      reject(line, isCustosError(e) ? e.message : 'invalid entry');
    }
  };
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    let results;
    try {
      results = await ledger.appendEntries(opts.tenant, batch);
    } catch (e) {
      // Everything counted as accepted so far is committed; the caller can re-run the import.
      throw new CustosError(
        ErrorCode.LedgerUnavailable,
        `import stopped: the ledger could not commit (${report.accepted} entries committed before); re-run to continue`,
        {
          accepted: report.accepted,
          cause: isCustosError(e) ? e.code : 'unknown',
        },
      );
    }
    batch = [];
    for (const r of results) {
      if (r.duplicate) report.duplicates++;
      else report.accepted++;
    }
    opts.onProgress?.(report);
  };

  if (opts.format === 'fhir') {
    const rl = createInterface({ input: opts.input, crlfDelay: Infinity });
    let line = 0;
    for await (const text of rl) {
      line++;
      if (text.trim() === '') continue;
      report.lines++;
      if (text.length > MAX_LINE) {
        reject(line, 'line longer than 1 MiB');
        continue;
      }
      let v: unknown;
      try {
        v = JSON.parse(text);
      } catch {
        reject(line, 'not valid JSON');
        continue;
      }
      let m: ImportMapping;
      try {
        m = fromFhirAuditEvent(v, defaultSource, text);
      } catch {
        m = { ok: false, reason: 'the AuditEvent could not be read' };
      }
      take(line, m);
      if (batch.length >= batchSize) await flush();
    }
  } else if (opts.format === 'csv') {
    const mapping = opts.mapping ?? {};
    const parser = opts.input.pipe(
      parse({
        columns: true,
        bom: true,
        info: true,
        skip_records_with_error: true,
        relax_column_count: false,
        max_record_size: MAX_LINE,
        trim: false,
      }),
    );
    parser.on('skip', (err: Error & { lines?: number }) => {
      report.lines++;
      reject(err.lines ?? 0, `malformed CSV: ${err.message.replace(/:.*$/, '').slice(0, 120)}`);
    });
    for await (const item of parser as AsyncIterable<{
      record: Record<string, string>;
      info: { lines: number };
    }>) {
      report.lines++;
      let m: ImportMapping;
      try {
        m = fromCsvRecord(item.record, mapping, defaultSource);
      } catch {
        m = { ok: false, reason: 'the record could not be read' };
      }
      take(item.info.lines, m);
      if (batch.length >= batchSize) await flush();
    }
  } else {
    throw new CustosError(ErrorCode.BadRequest, 'format must be fhir or csv');
  }
  await flush();
  report.rejections.sort((a, b) => a.line - b.line);
  return report;
}
