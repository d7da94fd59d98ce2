/**
 * The pluggable message sender of the portal: one-time sign-in codes and notifications go out
 * through it (SMS, e-mail). A hospital plugs in its SMS gateway; the demo uses the log sender.
 */
import type { Logger } from 'pino';
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
