import { isIP } from 'node:net';
import { CustosError, ErrorCode } from '../errors/index.ts';

/** A parsed CIDR block over IPv4 or IPv6 as a bigint prefix. */
export interface Cidr {
  v: 4 | 6;
  base: bigint;
  bits: number;
}

/** Parses an address to a bigint, or undefined when it is not an IP address. */
export function ipToBigint(ip: string): { v: 4 | 6; n: bigint } | undefined {
  const kind = isIP(ip);
  if (kind === 4) {
    let n = 0n;
    for (const part of ip.split('.')) n = (n << 8n) | BigInt(Number(part));
    return { v: 4, n };
  }
  if (kind === 6) {
    let text = ip;
    const m = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
    if (m) {
      const v4 = ipToBigint(m[2]!)!.n;
      text = `${m[1]}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
    }
    const [head, tail] = text.split('::') as [string, string | undefined];
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    const groups =
      tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
    let n = 0n;
    for (const g of groups) n = (n << 16n) | BigInt(parseInt(g || '0', 16));
    return { v: 6, n };
  }
  return undefined;
}

/** Parses `a.b.c.d/n` or `x::/n`; throws CUSTOS_CONFIG_INVALID on garbage. */
export function parseCidr(text: string): Cidr {
  const [addr, len] = text.split('/');
  const ip = addr ? ipToBigint(addr) : undefined;
  const width = ip?.v === 4 ? 32 : 128;
  const bits = len === undefined ? width : Number(len);
  if (!ip || !Number.isInteger(bits) || bits < 0 || bits > width)
    throw new CustosError(ErrorCode.ConfigInvalid, 'monitor network setting is not a CIDR block');
  const shift = BigInt(width - bits);
  return { v: ip.v, base: (ip.n >> shift) << shift, bits };
}

/** True when `ip` lies in one of the blocks. */
export function inNetworks(ip: { v: 4 | 6; n: bigint }, blocks: readonly Cidr[]): boolean {
  for (const b of blocks) {
    if (b.v !== ip.v) continue;
    const shift = BigInt((b.v === 4 ? 32 : 128) - b.bits);
    if ((ip.n >> shift) << shift === b.base) return true;
  }
  return false;
}
