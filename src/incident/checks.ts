/**
 * Checks of untrusted input (HTTP bodies, CLI arguments): time windows, CIDR blocks, ids and
 * free text. Each failure is a CustosError with a shared code and a stable `reason`; messages
 * never echo the offending value when it could be personal data.
 */
import { isIP } from 'node:net';
import { CustosError, ErrorCode } from '../errors/index.ts';
import { IncidentReason } from './types.ts';

/** Longest window a scope may cover (a little over two years). */
export const MAX_WINDOW_MS = 800 * 86_400_000;

/** Builds a CUSTOS_INPUT_INVALID error naming the field and the reason. */
export function invalid(reason: IncidentReason, field: string, message: string): CustosError {
  return new CustosError(ErrorCode.InputInvalid, message, { field, reason });
}

/** Builds a CUSTOS_NOT_FOUND error with a reason. */
export function notFound(reason: IncidentReason, message: string): CustosError {
  return new CustosError(ErrorCode.NotFound, message, { reason });
}

/** A half-open time window [from, to). */
export interface TimeWindow {
  from: Date;
  to: Date;
}

function toDate(v: unknown, field: string): Date {
  const d =
    v instanceof Date
      ? v
      : typeof v === 'string' && v.length <= 40
        ? new Date(v)
        : typeof v === 'number'
          ? new Date(v)
          : null;
  if (!d || Number.isNaN(d.getTime()))
    throw invalid(
      IncidentReason.BadWindow,
      field,
      `${field} must be a date-time such as 2025-06-01T00:00:00+08:00`,
    );
  return d;
}

/** Parses and checks a window: both ends valid, from before to, at most MAX_WINDOW_MS long. */
export function checkWindow(from: unknown, to: unknown): TimeWindow {
  const f = toDate(from, 'from');
  const t = toDate(to, 'to');
  if (f.getTime() >= t.getTime())
    throw invalid(IncidentReason.InvertedWindow, 'to', 'the window must end after it starts');
  if (t.getTime() - f.getTime() > MAX_WINDOW_MS)
    throw invalid(IncidentReason.WindowTooLong, 'to', 'the window may cover at most 800 days');
  return { from: f, to: t };
}

/** A parsed CIDR block (IPv4 or IPv6) as a bigint prefix. */
export interface CidrBlock {
  text: string;
  version: 4 | 6;
  base: bigint;
  bits: number;
}

/** An IP address as a bigint, or undefined when the text is not an address. */
export function parseAddress(text: string): { version: 4 | 6; value: bigint } | undefined {
  let ip = text.trim();
  if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  const kind = isIP(ip);
  if (kind === 4) {
    let n = 0n;
    for (const part of ip.split('.')) n = (n << 8n) | BigInt(Number(part));
    return { version: 4, value: n };
  }
  if (kind !== 6) return undefined;
  // IPv4-mapped IPv6 (::ffff:a.b.c.d) counts as the IPv4 address: that is how proxies log it.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return parseAddress(mapped[1]!);
  let body = ip.replace(/%.*$/, '');
  const v4tail = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(body);
  if (v4tail) {
    const v4 = parseAddress(v4tail[2]!)!.value;
    body = `${v4tail[1]}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head, tail] = body.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  let n = 0n;
  for (const g of groups) n = (n << 16n) | BigInt(parseInt(g || '0', 16));
  return { version: 6, value: n };
}

/** Parses `a.b.c.d/n` or `x:y::/n`; CUSTOS_INPUT_INVALID (reason incident.bad-cidr) otherwise. */
export function parseCidrBlock(text: unknown): CidrBlock {
  const bad = () =>
    invalid(
      IncidentReason.BadCidr,
      'cidr',
      'network must be a CIDR block such as 10.20.1.0/24 or 2001:db8::/32',
    );
  if (typeof text !== 'string' || text.length > 64 || !text.includes('/')) throw bad();
  const [addr, len, extra] = text.split('/');
  if (extra !== undefined || !len || !/^\d{1,3}$/.test(len)) throw bad();
  const ip = addr ? parseAddress(addr) : undefined;
  if (!ip || addr!.startsWith('[') || addr!.includes('%')) throw bad();
  const width = ip.version === 4 ? 32 : 128;
  const bits = Number(len);
  if (bits > width) throw bad();
  const shift = BigInt(width - bits);
  return { text, version: ip.version, base: (ip.value >> shift) << shift, bits };
}

/** True when the address text lies in the block (unparseable addresses never do). */
export function addressInBlock(address: string | null | undefined, block: CidrBlock): boolean {
  if (!address) return false;
  const ip = parseAddress(address);
  if (!ip || ip.version !== block.version) return false;
  const shift = BigInt((block.version === 4 ? 32 : 128) - block.bits);
  return (ip.value >> shift) << shift === block.base;
}

/**
 * SQL LIKE prefixes that every IPv4 address of the block starts with (the whole octets the
 * prefix fixes), used to narrow a scan before the exact test; null when no useful prefix.
 */
export function likePrefixes(block: CidrBlock): string[] | null {
  if (block.version !== 4 || block.bits < 8) return null;
  const octets = Math.floor(block.bits / 8);
  const parts: number[] = [];
  for (let i = 0; i < octets; i++) parts.push(Number((block.base >> BigInt(24 - 8 * i)) & 0xffn));
  const p = parts.join('.') + (octets === 4 ? '' : '.');
  return [p + (octets === 4 ? '' : '%'), `::ffff:${p}${octets === 4 ? '' : '%'}`];
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$/;

/** Checks an identifier (staff, client, patient, workstation, export); reason bad-text. */
export function checkId(v: unknown, field: string): string {
  if (typeof v !== 'string' || !ID.test(v))
    throw invalid(
      IncidentReason.BadText,
      field,
      `${field} must be an identifier of 1-128 characters`,
    );
  return v;
}

/** Checks free text (titles, causes, notes) for length and control characters. */
export function checkText(v: unknown, field: string, max: number, optional = false): string {
  if (v === undefined || v === null) {
    if (optional) return '';
    throw invalid(IncidentReason.BadText, field, `${field} is required`);
  }
  // eslint-disable-next-line no-control-regex
  if (typeof v !== 'string' || v.length > max || /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(v))
    throw invalid(
      IncidentReason.BadText,
      field,
      `${field} must be text of at most ${max} characters`,
    );
  if (!optional && v.trim().length === 0)
    throw invalid(IncidentReason.BadText, field, `${field} is required`);
  return v.trim();
}
