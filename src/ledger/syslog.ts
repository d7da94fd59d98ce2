/**
 * RFC 5424 syslog out, IHE ATNA style: facility authpriv (10), severity notice (5), MSGID
 * "IHE+FHIR", the AuditEvent JSON as MSG (UTF-8 with BOM). Over TCP each message is framed by
 * octet counting (RFC 5425/6587 "LEN SP MSG"); over UDP one message per datagram (RFC 5426).
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { hostname as osHostname } from 'node:os';
import { CustosError, ErrorCode } from '../errors/index.ts';
import { toFhirAuditEvent } from './fhir.ts';
import type { LedgerEntry } from './types.ts';

/** Where syslog lines go. */
export interface SyslogTarget {
  host: string;
  port: number;
  protocol: 'tcp' | 'udp';
  /** HOSTNAME field (default: this machine's name). */
  hostname?: string;
  /** APP-NAME field (default "custos"). */
  appName?: string;
}

const PRI = 10 * 8 + 5;
const BOM = '\uFEFF';

/** Replaces characters RFC 5424 forbids in header fields (PRINTUSASCII only, no spaces). */
function headerField(s: string, max: number): string {
  const clean = s.replace(/[^\x21-\x7e]/g, '_').slice(0, max);
  return clean.length > 0 ? clean : '-';
}

/** One RFC 5424 message for an entry (without transport framing). */
export function formatSyslogMessage(
  e: LedgerEntry,
  opts: { hostname?: string; appName?: string } = {},
): string {
  const host = headerField(opts.hostname ?? osHostname(), 255);
  const app = headerField(opts.appName ?? 'custos', 48);
  const sd = `[custos@32473 tenant="${sdValue(e.tenant)}" seq="${e.seq}" kind="${sdValue(e.kind)}"]`;
  return `<${PRI}>1 ${e.occurredAt.toISOString()} ${host} ${app} - IHE+FHIR ${sd} ${BOM}${JSON.stringify(toFhirAuditEvent(e))}`;
}

/** SD-PARAM values escape ", \ and ] (RFC 5424 §6.3.3). */
function sdValue(s: string): string {
  return s.replace(/["\\\]]/g, (c) => `\\${c}`);
}

/** A connected sender; `send` resolves once the message was handed to the socket. */
export interface SyslogSender {
  send(e: LedgerEntry): Promise<void>;
  close(): Promise<void>;
}

/** Opens a sender to the receiver; TCP connection errors reject with CUSTOS_LEDGER_UNAVAILABLE. */
export async function openSyslogSender(target: SyslogTarget): Promise<SyslogSender> {
  const fmt = { hostname: target.hostname, appName: target.appName };
  if (target.protocol === 'udp') {
    const sock: UdpSocket = createSocket(target.host.includes(':') ? 'udp6' : 'udp4');
    return {
      send: (e) =>
        new Promise((resolve, reject) => {
          const msg = Buffer.from(formatSyslogMessage(e, fmt), 'utf8');
          sock.send(msg, target.port, target.host, (err) =>
            err
              ? reject(
                  new CustosError(ErrorCode.LedgerUnavailable, 'syslog datagram could not be sent'),
                )
              : resolve(),
          );
        }),
      close: () => new Promise((resolve) => sock.close(() => resolve())),
    };
  }
  const sock: Socket = await new Promise((resolve, reject) => {
    const s = connect({ host: target.host, port: target.port }, () => {
      s.off('error', onErr);
      resolve(s);
    });
    const onErr = (): void =>
      reject(
        new CustosError(
          ErrorCode.LedgerUnavailable,
          `syslog receiver ${target.host}:${target.port} is not reachable`,
        ),
      );
    s.once('error', onErr);
  });
  let failure: Error | null = null;
  sock.on('error', (e) => (failure = e));
  return {
    send: (e) =>
      new Promise((resolve, reject) => {
        if (failure)
          return reject(new CustosError(ErrorCode.LedgerUnavailable, 'syslog connection failed'));
        const msg = Buffer.from(formatSyslogMessage(e, fmt), 'utf8');
        const frame = Buffer.concat([Buffer.from(`${msg.length} `, 'ascii'), msg]);
        // Honour backpressure: wait for drain when the socket buffer is full.
        if (sock.write(frame)) resolve();
        else sock.once('drain', () => resolve());
      }),
    close: () => new Promise((resolve) => sock.end(() => resolve())),
  };
}
