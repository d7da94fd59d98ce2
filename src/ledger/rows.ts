/** Mapping between ledger_entry rows and LedgerEntry values. */
import type { LedgerTables } from './migrations.ts';
import type { ActorType, Decision, EntryKind, LedgerEntry } from './types.ts';

type Row = LedgerTables['ledger_entry'];

/** Columns read to rebuild an entry (all of them). */
export const ENTRY_COLUMNS = [
  'tenant_id',
  'seq',
  'recorded_at',
  'occurred_at',
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
  'action',
  'workstation',
  'network_address',
  'channel',
  'watermark_token',
  'source_system',
  'source_key',
  'details',
  'prev_hash',
  'entry_hash',
] as const;

const list = (v: unknown): string[] => {
  // jsonb arrives parsed on both backends; a string would mean a driver without the jsonb parser.
  if (typeof v === 'string') return JSON.parse(v) as string[];
  return Array.isArray(v) ? (v as string[]) : [];
};

/** A stored row as an entry (values exactly as stored, for hashing). */
export function rowToEntry(r: Row): LedgerEntry {
  return {
    tenant: r.tenant_id,
    seq: Number(r.seq),
    recordedAt: r.recorded_at,
    occurredAt: r.occurred_at,
    kind: r.kind as EntryKind,
    actorType: r.actor_type as ActorType,
    actorId: r.actor_id,
    department: r.department,
    patientId: r.patient_id,
    fields: list(r.fields),
    categories: list(r.categories),
    purpose: r.purpose,
    decision: r.decision as Decision | null,
    reasons: list(r.reasons),
    action: r.action,
    workstation: r.workstation,
    networkAddress: r.network_address,
    channel: r.channel,
    watermarkToken: r.watermark_token,
    sourceSystem: r.source_system,
    sourceKey: r.source_key,
    details: r.details,
    prevHash: r.prev_hash,
    entryHash: r.entry_hash,
  };
}
