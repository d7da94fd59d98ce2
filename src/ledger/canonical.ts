/**
 * The canonical encoding of a ledger entry (format 1), documented in docs/ledger.md. It is stable
 * across versions: a new field means a new format number, never a change to this one. Entry hash =
 * RFC 9162 leaf hash of these bytes, so the hash chain and the Merkle tree share one hash per entry.
 */
import { hash as oneShotHash } from 'node:crypto';
import { CustosError, ErrorCode } from '../errors/index.ts';
import { hashLeaf, HASH_SIZE } from './merkle.ts';
import {
  ACTOR_TYPES,
  DECISIONS,
  ENTRY_KINDS,
  type JsonValue,
  type LedgerEntry,
  type LedgerEntryInput,
} from './types.ts';

/** Domain tag that starts every encoded entry, so the bytes can never be mistaken for another structure. */
export const ENTRY_TAG = Buffer.from('custos.ledger.entry\n', 'ascii');
/** Current canonical format number. */
export const ENTRY_FORMAT = 1;
/** prevHash of the first entry of every chain. */
export const GENESIS_HASH: Buffer = Buffer.alloc(HASH_SIZE);

const NULL_LEN = 0xffffffff;

/** The fields the encoding covers (everything except entryHash). */
export type EncodableEntry = Omit<LedgerEntry, 'entryHash'>;

/**
 * Encodes an entry: tag, format byte, then every field in a fixed order; strings as u32 big-endian
 * byte length + UTF-8 (null as length 0xFFFFFFFF), lists as u32 count + strings, seq as u64, times
 * as i64 milliseconds since the Unix epoch, prevHash as 32 raw bytes.
 */
export function encodeEntry(e: EncodableEntry): Buffer {
  const strs: Array<string | null> = [
    e.tenant,
    e.kind,
    e.actorType,
    e.actorId,
    e.department,
    e.patientId,
  ];
  const tail: Array<string | null> = [e.purpose, e.decision];
  const tail2: Array<string | null> = [
    e.action,
    e.workstation,
    e.networkAddress,
    e.channel,
    e.watermarkToken,
    e.sourceSystem,
    e.sourceKey,
    e.details,
  ];
  let len = ENTRY_TAG.length + 1 + 8 + 8 + HASH_SIZE + 8;
  for (const s of strs) len += strLen(s);
  len += listLen(e.fields) + listLen(e.categories);
  for (const s of tail) len += strLen(s);
  len += listLen(e.reasons);
  for (const s of tail2) len += strLen(s);

  const buf = Buffer.allocUnsafe(len);
  let o = ENTRY_TAG.copy(buf, 0);
  o = buf.writeUInt8(ENTRY_FORMAT, o);
  o = buf.writeBigUInt64BE(BigInt(e.seq), o);
  o = buf.writeBigInt64BE(BigInt(e.recordedAt.getTime()), o);
  if (e.prevHash.length !== HASH_SIZE)
    throw new CustosError(ErrorCode.LedgerInvalid, 'previous hash is not 32 bytes');
  o += e.prevHash.copy(buf, o);
  o = buf.writeBigInt64BE(BigInt(e.occurredAt.getTime()), o);
  for (const s of strs) o = writeStr(buf, o, s);
  o = writeList(buf, o, e.fields);
  o = writeList(buf, o, e.categories);
  for (const s of tail) o = writeStr(buf, o, s);
  o = writeList(buf, o, e.reasons);
  for (const s of tail2) o = writeStr(buf, o, s);
  if (o !== len) throw new CustosError(ErrorCode.Internal, 'canonical encoding length mismatch');
  return buf;
}

/** SHA-256(0x00 || encodeEntry(e)): the entry hash and Merkle leaf hash. */
export function hashEntry(e: EncodableEntry): Buffer {
  return hashLeaf(encodeEntry(e));
}

function strLen(s: string | null): number {
  return 4 + (s === null ? 0 : Buffer.byteLength(s, 'utf8'));
}
function listLen(l: readonly string[]): number {
  let n = 4;
  for (const s of l) n += 4 + Buffer.byteLength(s, 'utf8');
  return n;
}
function writeStr(buf: Buffer, o: number, s: string | null): number {
  if (s === null) return buf.writeUInt32BE(NULL_LEN, o);
  const n = buf.write(s, o + 4, 'utf8');
  buf.writeUInt32BE(n, o);
  return o + 4 + n;
}
function writeList(buf: Buffer, o: number, l: readonly string[]): number {
  o = buf.writeUInt32BE(l.length, o);
  for (const s of l) o = writeStr(buf, o, s);
  return o;
}

/**
 * Canonical JSON (RFC 8785 JCS for the values JSON.stringify can express): object keys sorted by
 * UTF-16 code units, no whitespace, ECMAScript number formatting. Refuses non-finite numbers,
 * non-plain values and nesting deeper than 32.
 */
export function canonicalJson(v: JsonValue, depth = 0): string {
  if (depth > 32)
    throw new CustosError(ErrorCode.InputInvalid, 'details nest deeper than 32 levels');
  if (v === null || typeof v === 'boolean') return JSON.stringify(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v))
      throw new CustosError(ErrorCode.InputInvalid, 'details hold a non-finite number');
    return JSON.stringify(v);
  }
  if (typeof v === 'string') {
    checkText(v, 'details string');
    return JSON.stringify(v);
  }
  if (Array.isArray(v)) return `[${v.map((x) => canonicalJson(x, depth + 1)).join(',')}]`;
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const keys = Object.keys(v).sort();
    return `{${keys
      .filter((k) => v[k] !== undefined)
      .map((k) => {
        checkText(k, 'details key');
        return `${JSON.stringify(k)}:${canonicalJson(v[k] as JsonValue, depth + 1)}`;
      })
      .join(',')}}`;
  }
  throw new CustosError(ErrorCode.InputInvalid, 'details must be plain JSON');
}

const LIMIT = { text: 512, list: 256, details: 16_384, tenant: 128 } as const;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function checkText(s: string, what: string): void {
  // NUL cannot be stored in PostgreSQL text; lone surrogates would not round-trip through UTF-8.
  if (s.includes('\u0000'))
    throw new CustosError(ErrorCode.InputInvalid, `${what} contains a NUL character`);
  if (LONE_SURROGATE.test(s))
    throw new CustosError(ErrorCode.InputInvalid, `${what} is not well-formed Unicode`);
}

function text(v: unknown, what: string, max: number = LIMIT.text): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string')
    throw new CustosError(ErrorCode.InputInvalid, `${what} must be a string`);
  if (v.length > max)
    throw new CustosError(ErrorCode.InputInvalid, `${what} is longer than ${max} characters`);
  checkText(v, what);
  return v;
}

function list(v: unknown, what: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v))
    throw new CustosError(ErrorCode.InputInvalid, `${what} must be a list of strings`);
  if (v.length > LIMIT.list)
    throw new CustosError(ErrorCode.InputInvalid, `${what} has more than ${LIMIT.list} items`);
  return v.map((x, i) => text(x, `${what}[${i}]`) ?? '');
}

/** The validated, normalised content of an input entry (everything the ledger does not assign). */
export type NormalisedEntry = Omit<
  EncodableEntry,
  'tenant' | 'seq' | 'recordedAt' | 'prevHash' | 'occurredAt'
> & {
  occurredAt: Date | null;
};

/** Validates an entry input from any caller; throws CUSTOS_INPUT_INVALID with the reason. */
export function normaliseEntry(input: LedgerEntryInput): NormalisedEntry {
  if (typeof input !== 'object' || input === null)
    throw new CustosError(ErrorCode.InputInvalid, 'entry must be an object');
  if (!ENTRY_KINDS.includes(input.kind))
    throw new CustosError(ErrorCode.InputInvalid, `unknown entry kind`);
  const actor = input.actor as unknown;
  if (typeof actor !== 'object' || actor === null)
    throw new CustosError(ErrorCode.InputInvalid, 'entry needs an actor');
  const a = actor as LedgerEntryInput['actor'];
  if (!ACTOR_TYPES.includes(a.type))
    throw new CustosError(ErrorCode.InputInvalid, 'unknown actor type');
  const actorId = text(a.id, 'actor id');
  if (!actorId) throw new CustosError(ErrorCode.InputInvalid, 'actor id is required');
  if (
    input.decision !== undefined &&
    input.decision !== null &&
    !DECISIONS.includes(input.decision)
  ) {
    throw new CustosError(ErrorCode.InputInvalid, 'unknown decision');
  }
  let occurredAt: Date | null = null;
  if (input.occurredAt !== undefined && input.occurredAt !== null) {
    if (!(input.occurredAt instanceof Date) || Number.isNaN(input.occurredAt.getTime())) {
      throw new CustosError(ErrorCode.InputInvalid, 'occurredAt must be a valid date');
    }
    occurredAt = new Date(input.occurredAt.getTime());
  }
  let sourceSystem: string | null = null;
  let sourceKey: string | null = null;
  if (input.source) {
    sourceSystem = text(input.source.system, 'source system');
    sourceKey = text(input.source.key, 'source key');
    if (!sourceSystem || !sourceKey)
      throw new CustosError(ErrorCode.InputInvalid, 'source needs a system and a key');
  }
  let details: string | null = null;
  if (input.details !== undefined && input.details !== null) {
    details = canonicalJson(input.details);
    if (details.length > LIMIT.details) {
      throw new CustosError(
        ErrorCode.InputInvalid,
        `details are longer than ${LIMIT.details} characters`,
      );
    }
  }
  return {
    kind: input.kind,
    actorType: a.type,
    actorId,
    department: text(a.department, 'department'),
    patientId: text(input.patientId, 'patient id'),
    fields: list(input.fields, 'fields'),
    categories: list(input.categories, 'categories'),
    purpose: text(input.purpose, 'purpose'),
    decision: input.decision ?? null,
    reasons: list(input.reasons, 'reasons'),
    action: text(input.action, 'action'),
    workstation: text(input.workstation, 'workstation'),
    networkAddress: text(input.networkAddress, 'network address'),
    channel: text(input.channel, 'channel'),
    watermarkToken: text(input.watermarkToken, 'watermark token'),
    sourceSystem,
    sourceKey,
    details,
    occurredAt,
  };
}

/** Validates a tenant id (a short identifier, part of every key and of the encoding). */
export function checkTenant(tenant: unknown): string {
  if (
    typeof tenant !== 'string' ||
    tenant.length === 0 ||
    tenant.length > LIMIT.tenant ||
    !/^[A-Za-z0-9._:-]+$/.test(tenant)
  ) {
    throw new CustosError(
      ErrorCode.InputInvalid,
      'tenant must be 1-128 characters of letters, digits, . _ : -',
    );
  }
  return tenant;
}

/** The raw column values of one stored entry, in canonical order (what the verifier reads). */
export interface RawEntryFields {
  seq: number;
  recordedAtMs: number;
  occurredAtMs: number;
  /** kind, actorType, actorId, department, patientId. */
  head: ReadonlyArray<string | null>;
  fields: readonly string[];
  categories: readonly string[];
  purpose: string | null;
  decision: string | null;
  reasons: readonly string[];
  /** action, workstation, networkAddress, channel, watermarkToken, sourceSystem, sourceKey, details. */
  tail: ReadonlyArray<string | null>;
}

/**
 * A reusable encoder for the verifier: writes the same bytes as `encodeEntry` (format 1) into one
 * growing buffer and hashes them as a leaf, with no per-entry objects beyond the digest. The
 * output is identical to `hashEntry` for the same values (tested).
 */
export class EntryHasher {
  private buf: Buffer = Buffer.allocUnsafe(4096);
  private readonly tenant: string;

  constructor(tenant: string) {
    this.tenant = tenant;
  }

  /** Leaf hash of the entry, or null when prevHash is not 32 bytes (the entry cannot be encoded). */
  hash(r: RawEntryFields, prevHash: Buffer): Buffer | null {
    if (prevHash.length !== HASH_SIZE) return null;
    // Upper bound: every UTF-16 code unit is at most 3 bytes of UTF-8.
    let max = 1 + ENTRY_TAG.length + 1 + 8 + 8 + HASH_SIZE + 8 + 4 + this.tenant.length * 3;
    for (const s of r.head) max += 4 + (s === null ? 0 : s.length * 3);
    for (const l of [r.fields, r.categories, r.reasons]) {
      max += 4;
      for (const s of l) max += 4 + s.length * 3;
    }
    max += 8 + (r.purpose?.length ?? 0) * 3 + (r.decision?.length ?? 0) * 3;
    for (const s of r.tail) max += 4 + (s === null ? 0 : s.length * 3);
    if (max > this.buf.length) this.buf = Buffer.allocUnsafe(Math.max(max, this.buf.length * 2));
    const buf = this.buf;
    buf[0] = 0x00; // RFC 9162 leaf prefix
    let o = 1 + ENTRY_TAG.copy(buf, 1);
    o = buf.writeUInt8(ENTRY_FORMAT, o);
    o = buf.writeBigUInt64BE(BigInt(r.seq), o);
    o = buf.writeBigInt64BE(BigInt(r.recordedAtMs), o);
    o += prevHash.copy(buf, o);
    o = buf.writeBigInt64BE(BigInt(r.occurredAtMs), o);
    o = writeStr(buf, o, this.tenant);
    for (const s of r.head) o = writeStr(buf, o, s);
    o = writeList(buf, o, r.fields);
    o = writeList(buf, o, r.categories);
    o = writeStr(buf, o, r.purpose);
    o = writeStr(buf, o, r.decision);
    o = writeList(buf, o, r.reasons);
    for (const s of r.tail) o = writeStr(buf, o, s);
    return oneShotHash('sha256', buf.subarray(0, o), 'buffer');
  }
}
