/**
 * The ledger's vocabulary: entry kinds, actors, decisions, and the shapes of entries going in and
 * coming out. Values are stable strings: they are part of the canonical encoding and of exports.
 */

/** What happened. Disclosures are everything that lets data leave Custos. */
export const EntryKind = {
  Read: 'disclosure.read',
  Search: 'disclosure.search',
  Print: 'disclosure.print',
  Export: 'disclosure.export',
  Api: 'disclosure.api',
  Denial: 'denial',
  BreakGlass: 'break-glass',
  Login: 'login',
  LoginFailed: 'login-failed',
  MfaChange: 'mfa-change',
  Admin: 'admin',
  /** An imported entry from another system whose action has no closer kind. */
  Imported: 'imported',
} as const;
export type EntryKind = (typeof EntryKind)[keyof typeof EntryKind];
export const ENTRY_KINDS: readonly EntryKind[] = Object.values(EntryKind);

/** Who acted: a staff member, an API client (third-party system), a patient, or Custos itself. */
export const ActorType = {
  Staff: 'staff',
  Client: 'client',
  Patient: 'patient',
  System: 'system',
} as const;
export type ActorType = (typeof ActorType)[keyof typeof ActorType];
export const ACTOR_TYPES: readonly ActorType[] = Object.values(ActorType);

/** The access decision recorded with a disclosure or denial. */
export const Decision = { Permit: 'permit', Deny: 'deny' } as const;
export type Decision = (typeof Decision)[keyof typeof Decision];
export const DECISIONS: readonly Decision[] = Object.values(Decision);

/** A JSON value (for free details; never personal data). */
export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** What a caller records. Only `kind` and `actor` are required. */
export interface LedgerEntryInput {
  kind: EntryKind;
  actor: { type: ActorType; id: string; department?: string | null };
  patientId?: string | null;
  /** Fields disclosed (or asked for, on a denial). */
  fields?: readonly string[];
  /** Data categories touched (e.g. `reproductive-health`, `psychiatry`). */
  categories?: readonly string[];
  /** Purpose of use (e.g. `treatment`, `payment`, `research`). */
  purpose?: string | null;
  decision?: Decision | null;
  reasons?: readonly string[];
  /** For admin entries: what was done, e.g. `policy.update`, `key.rotate`, `retention.set`. */
  action?: string | null;
  workstation?: string | null;
  networkAddress?: string | null;
  /** How the access came in: `console`, `api`, `print`, `export`, `cli`, `portal`, `import`. */
  channel?: string | null;
  /** The watermark token carried by what was shown or exported. */
  watermarkToken?: string | null;
  /** When the access happened, if not now (imported entries carry the other system's time). */
  occurredAt?: Date | null;
  /** Imported entries: the system they came from and a key that is unique within it (dedup). */
  source?: { system: string; key: string } | null;
  /** Free details; must not contain personal data. Stored in canonical JSON. */
  details?: JsonValue | null;
}

/** An entry as stored: every field present, lists never null. */
export interface LedgerEntry {
  tenant: string;
  /** Position in the tenant's chain, from 1. Leaf index in the Merkle tree is seq - 1. */
  seq: number;
  /** When the ledger committed the entry. */
  recordedAt: Date;
  /** When the access happened (equals recordedAt except for imported entries). */
  occurredAt: Date;
  kind: EntryKind;
  actorType: ActorType;
  actorId: string;
  department: string | null;
  patientId: string | null;
  fields: string[];
  categories: string[];
  purpose: string | null;
  decision: Decision | null;
  reasons: string[];
  action: string | null;
  workstation: string | null;
  networkAddress: string | null;
  channel: string | null;
  watermarkToken: string | null;
  sourceSystem: string | null;
  sourceKey: string | null;
  /** Canonical JSON text of the details, or null. */
  details: string | null;
  /** entryHash of seq - 1 (32 zero bytes for seq 1). */
  prevHash: Buffer;
  /** RFC 9162 leaf hash of the canonical encoding: SHA-256(0x00 || encodeEntry(entry)). */
  entryHash: Buffer;
}

/** What an append returns once the entry is committed. */
export interface AppendedEntry {
  tenant: string;
  seq: number;
  recordedAt: Date;
  entryHash: Buffer;
  /** True when an imported entry with the same source key already existed (nothing added). */
  duplicate: boolean;
}
