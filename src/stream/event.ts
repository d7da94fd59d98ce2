/**
 * The ledger event as it travels on the stream: every field of the committed ledger entry, times as
 * ISO 8601 and hashes as hex, so a receiver on another node recomputes the entry hash from the
 * content and checks the chain link to the entry before — the stream is as tamper-evident as the
 * ledger it carries.
 */
import { hashEntry, type LedgerEntry } from '../ledger/index.ts';

/** Format tag of a ledger event. */
export const LEDGER_EVENT_FORMAT = 'custos.ledger-event/1';

/** A ledger entry on the stream. */
export interface LedgerEvent extends Omit<
  LedgerEntry,
  'recordedAt' | 'occurredAt' | 'prevHash' | 'entryHash'
> {
  format: typeof LEDGER_EVENT_FORMAT;
  recordedAt: string;
  occurredAt: string;
  prevHash: string;
  entryHash: string;
}

/** The event of a committed entry. */
export function toLedgerEvent(e: LedgerEntry): LedgerEvent {
  return {
    ...e,
    format: LEDGER_EVENT_FORMAT,
    recordedAt: e.recordedAt.toISOString(),
    occurredAt: e.occurredAt.toISOString(),
    prevHash: e.prevHash.toString('hex'),
    entryHash: e.entryHash.toString('hex'),
  };
}

/** The entry an event carries, or null when it is malformed. */
export function fromLedgerEvent(v: unknown): LedgerEntry | null {
  const e = v as Partial<LedgerEvent> | null;
  if (!e || e.format !== LEDGER_EVENT_FORMAT) return null;
  if (typeof e.tenant !== 'string' || !Number.isSafeInteger(e.seq) || (e.seq ?? 0) < 1) return null;
  const hex = /^[0-9a-f]{64}$/;
  if (typeof e.prevHash !== 'string' || !hex.test(e.prevHash)) return null;
  if (typeof e.entryHash !== 'string' || !hex.test(e.entryHash)) return null;
  const recordedAt = new Date(String(e.recordedAt));
  const occurredAt = new Date(String(e.occurredAt));
  if (Number.isNaN(recordedAt.getTime()) || Number.isNaN(occurredAt.getTime())) return null;
  const { format: _f, ...rest } = e as LedgerEvent;
  return {
    ...rest,
    recordedAt,
    occurredAt,
    prevHash: Buffer.from(e.prevHash, 'hex'),
    entryHash: Buffer.from(e.entryHash, 'hex'),
  };
}

/** True when the event's content hashes to the entry hash it names. */
export function entryHashHolds(e: LedgerEntry): boolean {
  try {
    return hashEntry(e).equals(e.entryHash);
  } catch {
    return false; // a field of the wrong type cannot be encoded
  }
}
