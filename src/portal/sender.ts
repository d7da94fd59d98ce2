/**
 * The pluggable message sender of the portal: one-time sign-in codes and notifications go out
 * through it (SMS, e-mail). A hospital plugs in its SMS gateway; the demo uses the log sender.
 */
import type { Logger } from 'pino';
import { createHmac } from 'node:crypto';
import { CustosError, ErrorCode } from '../errors/index.ts';

/** One message to one patient. */
export interface OutgoingMessage {
  channel: 'sms' | 'email';
  /** Phone number or e-mail address. Never logged. */
  to: string;
  /** What the message is: `login-code` or a notification kind. */
  purpose: string;
  text: string;
  /** The one-time code of a `login-code` message (so a log sender can decide to hide it). */
  code?: string;
}

/** Sends messages; throws on failure (the dispatcher retries). */
export interface MessageSender {
  send(message: OutgoingMessage): Promise<void>;
}

/** The last digits of an address, for logs that must not carry personal data. */
export function maskRecipient(to: string): string {
  const digits = to.replace(/\D/g, '');
  if (to.includes('@')) return '***@***';
  return digits.length >= 4 ? `***${digits.slice(-2)}` : '***';
}

/**
 * A sender that writes messages to the log instead of sending them (the demo and development).
 * The recipient is masked; the text of a sign-in code is written only outside production, and in
 * production the code itself is never logged.
 */
export function createLogSender(log: Logger, opts: { production: boolean }): MessageSender {
  return {
    async send(m) {
      if (opts.production) {
        log.info(
          { portalMessage: { channel: m.channel, to: maskRecipient(m.to), purpose: m.purpose } },
          'portal message (log sender: not delivered)',
        );
        return;
      }
      log.info(
        {
          portalMessage: {
            channel: m.channel,
            to: maskRecipient(m.to),
            purpose: m.purpose,
            ...(m.code ? { demoCode: m.code } : {}),
          },
        },
        'portal message (demo: not delivered)',
      );
    },
  };
}

/**
 * A sender that keeps messages in memory (tests and demos drive the sign-in with it). Set
 * `failing` to make every send throw, to exercise retries.
 */
export function createMemorySender(): MessageSender & {
  sent: OutgoingMessage[];
  failing: boolean;
  lastCodeFor(to: string): string | undefined;
} {
  const sent: OutgoingMessage[] = [];
  return {
    sent,
    failing: false,
    async send(m) {
      if (this.failing) throw new CustosError(ErrorCode.Internal, 'message gateway unavailable');
      sent.push({ ...m });
    },
    lastCodeFor(to) {
      for (let i = sent.length - 1; i >= 0; i--) {
        const m = sent[i]!;
        if (m.to === to && m.code) return m.code;
      }
      return undefined;
    },
  };
}

/** Settings of the HTTP gateway sender. */
export interface HttpSenderOptions {
  /** The hospital's SMS/e-mail gateway endpoint. */
  url: string;
  /** Shared secret of the request signature. */
  secret: string;
  /** Give up after this long (default 5 s); the caller logs the failure or retries. */
  timeoutMs?: number;
  /** Clock for the signature's timestamp (tests). */
  now?: () => Date;
}

/** The signature header of a gateway request: `t=<unix seconds>,v1=<hex HMAC-SHA256>`. */
export const GATEWAY_SIGNATURE_HEADER = 'x-custos-signature';

/** HMAC-SHA256 over `<t>.<body>` with the shared secret, hex; the gateway recomputes it. */
export function signGatewayRequest(secret: string, t: number, body: string): string {
  return createHmac('sha256', secret).update(`${t}.${body}`, 'utf8').digest('hex');
}

/**
 * A sender that posts each message as JSON (`{channel, to, purpose, text}`) to the hospital's own
 * SMS/e-mail gateway, signed with a shared secret (header `x-custos-signature: t=…,v1=…`, the
 * timestamp inside the signature so a captured request cannot be replayed later). The one-time
 * code travels only inside `text`. Any answer other than 2xx, a network error or a timeout throws
 * CUSTOS_MESSAGE_GATEWAY_UNAVAILABLE without the recipient or the text in the message.
 */
export function createHttpSender(opts: HttpSenderOptions): MessageSender {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const now = opts.now ?? (() => new Date());
  const fail = (why: string): never => {
    throw new CustosError(
      ErrorCode.MessageGatewayUnavailable,
      `the message gateway did not accept the message (${why})`,
    );
  };
  return {
    async send(m) {
      const body = JSON.stringify({
        channel: m.channel,
        to: m.to,
        purpose: m.purpose,
        text: m.text,
      });
      const t = Math.floor(now().getTime() / 1000);
      let res: Response;
      try {
        res = await fetch(opts.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [GATEWAY_SIGNATURE_HEADER]: `t=${t},v1=${signGatewayRequest(opts.secret, t, body)}`,
          },
          body,
          redirect: 'error',
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (e) {
        return fail((e as Error)?.name === 'TimeoutError' ? 'timed out' : 'unreachable');
      }
      // Drain the answer so the connection is released; its content is not needed.
      await res.arrayBuffer().catch(() => undefined);
      if (res.status < 200 || res.status > 299) fail(`HTTP ${res.status}`);
    },
  };
}
