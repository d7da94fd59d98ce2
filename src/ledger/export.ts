/** Streaming exports of a tenant's ledger: FHIR AuditEvent NDJSON to a writable, or syslog to a receiver. */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Kysely } from 'kysely';
import { toFhirAuditEvent } from './fhir.ts';
import type { LedgerTables } from './migrations.ts';
import { streamEntries } from './query.ts';
import type { SyslogSender } from './syslog.ts';

/** Range of an export: sequence numbers, inclusive. */
export interface ExportRange {
  tenant: string;
  fromSeq?: number;
  toSeq?: number;
}

/** Writes one AuditEvent JSON per line, honouring backpressure; returns the number written. */
export async function exportFhirNdjson(
  db: Kysely<LedgerTables>,
  range: ExportRange,
  out: Writable,
): Promise<number> {
  let n = 0;
  for await (const e of streamEntries(db, range)) {
    if (!out.write(JSON.stringify(toFhirAuditEvent(e)) + '\n')) await once(out, 'drain');
    n++;
  }
  return n;
}

/** Sends every entry of the range to a syslog receiver in chain order; returns the last seq sent. */
export async function exportToSyslog(
  db: Kysely<LedgerTables>,
  range: ExportRange,
  sender: SyslogSender,
): Promise<number> {
  let last = (range.fromSeq ?? 1) - 1;
  for await (const e of streamEntries(db, range)) {
    await sender.send(e);
    last = e.seq;
  }
  return last;
}
