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

/** Columns of the verifier's binary row, in this order (see `BinaryRowHasher`). */
export const BINARY_ROW_COLUMNS = [
  'seq',
  'recorded_at',
  'prev_hash',
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
  'entry_hash',
] as const;

/** Microseconds from the Unix epoch to PostgreSQL's epoch (2000-01-01) / 1000. */
const PG_EPOCH_MS = 946_684_800_000;
const TWO32 = 0x1_0000_0000;

/** A signed 64-bit big-endian integer as a number; NaN beyond ±2^53. */
function readInt64(b: Buffer, o: number): number {
  const hi = b.readInt32BE(o);
  if (hi >= 0x20_0000 || hi < -0x20_0000) return NaN;
  return hi * TWO32 + b.readUInt32BE(o + 4);
}

function writeInt64(b: Buffer, o: number, v: number): number {
  const hi = Math.floor(v / TWO32);
  b.writeInt32BE(hi, o);
  b.writeUInt32BE(v - hi * TWO32, o + 4);
  return o + 8;
}

function copyBytes(src: Buffer, s: number, e: number, dst: Buffer, o: number): number {
  // Most values are a few bytes long: a loop beats a call into the runtime for them.
  if (e - s <= 48) {
    for (let i = s; i < e; i++) dst[o++] = src[i] as number;
    return o;
  }
  return o + src.copy(dst, o, s, e);
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const isJsonSpace = (c: number | undefined): boolean =>
  c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * Writes a jsonb list (binary form: version byte 1, then its JSON text) as a canonical list.
 * Strings without escapes are copied byte for byte; any escape falls back to JSON.parse. Returns
 * the new offset, or -1 when the value is not a JSON array of strings.
 */
function writeJsonbList(src: Buffer, s: number, e: number, dst: Buffer, o: number): number {
  if (src[s] !== 1) return -1;
  let i = s + 1;
  while (isJsonSpace(src[i])) i++;
  if (src[i] !== 0x5b) return -1;
  i++;
  const countAt = o;
  o += 4;
  let count = 0;
  while (isJsonSpace(src[i])) i++;
  if (src[i] === 0x5d) i++;
  else
    for (;;) {
      if (src[i] !== QUOTE) return -1;
      let j = i + 1;
      while (j < e && src[j] !== QUOTE) {
        if (src[j] === BACKSLASH) return writeParsedList(src, s, e, dst, countAt);
        j++;
      }
      if (j >= e) return -1;
      dst.writeUInt32BE(j - i - 1, o);
      o = copyBytes(src, i + 1, j, dst, o + 4);
      count++;
      i = j + 1;
      while (isJsonSpace(src[i])) i++;
      if (src[i] === 0x2c) {
        i++;
        while (isJsonSpace(src[i])) i++;
        continue;
      }
      if (src[i] === 0x5d) {
        i++;
        break;
      }
      return -1;
    }
  while (isJsonSpace(src[i])) i++;
  if (i !== e) return -1;
  dst.writeUInt32BE(count, countAt);
  return o;
}

function writeParsedList(src: Buffer, s: number, e: number, dst: Buffer, o: number): number {
  let v: unknown;
  try {
    v = JSON.parse(src.toString('utf8', s + 1, e));
  } catch {
    return -1;
  }
  if (!Array.isArray(v)) return -1;
  for (const x of v) if (typeof x !== 'string') return -1;
  return writeList(dst, o, v as string[]);
}

/**
 * The verifier's encoder over the database's own binary row encoding (`record_send` of the
 * columns in BINARY_ROW_COLUMNS order: per column a type oid, a 32-bit length, -1 for NULL, and
 * the value in binary form). Text values arrive as length + UTF-8, exactly as the canonical
 * encoding (format 1) writes strings, so most of an entry is copied rather than decoded and
 * encoded again. Times arrive as microseconds since 2000-01-01; the ledger only writes whole
 * milliseconds (a JavaScript Date), so a time with a sub-millisecond part was written by hand and
 * makes the entry fail its hash. The bytes hashed are those of `encodeEntry` (tested).
 */
export class BinaryRowHasher {
  private buf: Buffer = Buffer.allocUnsafe(4096);
  private readonly tenant: Buffer;
  /** Offset of each column's length field in the last row read, and its length (-1 = NULL). */
  readonly at = new Int32Array(BINARY_ROW_COLUMNS.length);
  readonly len = new Int32Array(BINARY_ROW_COLUMNS.length);

  constructor(tenant: string) {
    const t = Buffer.from(tenant, 'utf8');
    this.tenant = Buffer.allocUnsafe(4 + t.length);
    this.tenant.writeUInt32BE(t.length, 0);
    t.copy(this.tenant, 4);
  }

  /**
   * Reads the row starting at `o` in `page` (filling `at` and `len`); returns the offset after
   * it, or -1 when the row is not a well-formed record of the expected columns.
   */
  readRow(page: Buffer, o: number): number {
    const n = BINARY_ROW_COLUMNS.length;
    if (o + 4 > page.length || page.readInt32BE(o) !== n) return -1;
    o += 4;
    for (let c = 0; c < n; c++) {
      if (o + 8 > page.length) return -1;
      const l = page.readInt32BE(o + 4);
      this.at[c] = o + 4;
      this.len[c] = l;
      o += 8;
      if (l > 0) {
        o += l;
        if (o > page.length) return -1;
      } else if (l < -1) return -1;
    }
    return o;
  }

  /** seq of the last row read (NaN when missing or out of range). */
  seq(page: Buffer): number {
    return this.len[0] === 8 ? readInt64(page, (this.at[0] as number) + 4) : NaN;
  }

  /** recorded_at of the last row read, in ms since the Unix epoch (NaN when not a time). */
  recordedAtMs(page: Buffer): number {
    return this.timeMs(page, 1);
  }

  private timeMs(page: Buffer, c: number): number {
    if (this.len[c] !== 8) return NaN;
    const us = readInt64(page, (this.at[c] as number) + 4);
    // The ledger writes whole milliseconds (a JavaScript Date): anything finer was written by hand.
    if (us % 1000 !== 0) return NaN;
    return us / 1000 + PG_EPOCH_MS;
  }

  /** Offset of the 32-byte value of column `c` (prev_hash 2, entry_hash 22), or -1 when not 32 bytes. */
  hashAt(c: 2 | 22): number {
    return this.len[c] === 32 ? (this.at[c] as number) + 4 : -1;
  }

  /** Leaf hash of the last row read, or null when it holds values no entry can have. */
  hash(page: Buffer, rowStart: number, rowEnd: number): Buffer | null {
    const at = this.at;
    const len = this.len;
    const seqAt = at[0] as number;
    const recordedAt = this.timeMs(page, 1);
    const occurredAt = this.timeMs(page, 3);
    const prevAt = this.hashAt(2);
    if (len[0] !== 8 || Number.isNaN(recordedAt) || Number.isNaN(occurredAt) || prevAt < 0)
      return null;
    // Escapes can only shrink a list; every other value is copied or fixed-size.
    const max = 64 + ENTRY_TAG.length + this.tenant.length + 2 * (rowEnd - rowStart);
    if (max > this.buf.length) this.buf = Buffer.allocUnsafe(Math.max(max, this.buf.length * 2));
    const buf = this.buf;
    buf[0] = 0x00; // RFC 9162 leaf prefix
    let o = 1 + ENTRY_TAG.copy(buf, 1);
    buf[o++] = ENTRY_FORMAT;
    o = copyBytes(page, seqAt + 4, seqAt + 12, buf, o);
    o = writeInt64(buf, o, recordedAt);
    o = copyBytes(page, prevAt, prevAt + 32, buf, o);
    o = writeInt64(buf, o, occurredAt);
    o = copyBytes(this.tenant, 0, this.tenant.length, buf, o);
    for (let c = 4; c <= 21; c++) {
      const a = at[c] as number;
      const l = len[c] as number;
      if (c === 9 || c === 10 || c === 13) {
        if (l < 1) return null;
        o = writeJsonbList(page, a + 4, a + 4 + l, buf, o);
        if (o < 0) return null;
      } else if (l < 0) {
        o = buf.writeUInt32BE(NULL_LEN, o);
      } else {
        o = copyBytes(page, a, a + 4 + l, buf, o);
      }
    }
    return oneShotHash('sha256', buf.subarray(0, o), 'buffer');
  }
}
