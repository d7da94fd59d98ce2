/**
 * Receiving the ledger stream on another node (a monitor worker): a durable JetStream consumer
 * that checks every event before handing it on — its content must hash to its entry hash, and its
 * previous hash must be the entry hash of the event before it in the tenant's chain. Re-deliveries
 * and re-publishes (sequence already seen) are acknowledged and skipped; a gap or a broken link
 * is reported, never passed on silently.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { LedgerEntry } from '../ledger/index.ts';
import { entryHashHolds, fromLedgerEvent } from './event.ts';
import { LEDGER_STREAM } from './relay.ts';

/** Why an event was not passed on. */
export type StreamProblem =
  | { kind: 'malformed'; streamSeq: number }
  | { kind: 'hash-mismatch'; tenant: string; seq: number }
  | { kind: 'broken-link'; tenant: string; seq: number }
  | { kind: 'gap'; tenant: string; expected: number; got: number };

/** Where a receiver stands in each tenant's chain. */
export interface ChainPosition {
  seq: number;
  entryHash: Buffer;
}

/** Options of `consumeLedgerStream`. */
export interface ConsumeOptions {
  nats: NatsConnection;
  /** Durable consumer name: a restarted worker resumes where it acknowledged. */
  durable: string;
  stream?: string;
  /** Only this tenant's subject (default: every tenant). */
  subject?: string;
  /** Receives each verified entry, in chain order per tenant. */
  onEntry: (e: LedgerEntry) => Promise<void> | void;
  onProblem?: (p: StreamProblem) => void;
  /** Positions already processed (a worker's saved state); updated as events pass. */
  positions?: Map<string, ChainPosition>;
  /** Stop after this many messages or when none arrive for `idleMs` (default 1 s). */
  maxMessages?: number;
  idleMs?: number;
}

/** What a consume call did. */
export interface ConsumeReport {
  delivered: number;
  skipped: number;
  problems: number;
}

/** Checks one entry against the receiver's position in its tenant's chain. */
export function checkChain(
  e: LedgerEntry,
  positions: Map<string, ChainPosition>,
): StreamProblem | 'ok' | 'seen' {
  if (!entryHashHolds(e)) return { kind: 'hash-mismatch', tenant: e.tenant, seq: e.seq };
  const at = positions.get(e.tenant);
  if (at && e.seq <= at.seq) return 'seen';
  if (at && e.seq !== at.seq + 1)
    return { kind: 'gap', tenant: e.tenant, expected: at.seq + 1, got: e.seq };
  if (at && !e.prevHash.equals(at.entryHash))
    return { kind: 'broken-link', tenant: e.tenant, seq: e.seq };
  return 'ok';
}

/**
 * Pulls from a durable consumer until `maxMessages` or `idleMs` without messages; verifies each
 * event (hash, chain link, order), passes verified entries to `onEntry` and acknowledges after
 * it returns. A failing handler leaves the message unacknowledged for redelivery and stops.
 */
export async function consumeLedgerStream(o: ConsumeOptions): Promise<ConsumeReport> {
  const stream = o.stream ?? LEDGER_STREAM;
  const jsm = await jetstreamManager(o.nats);
  try {
    await jsm.consumers.info(stream, o.durable);
  } catch {
    await jsm.consumers.add(stream, {
      durable_name: o.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ...(o.subject ? { filter_subject: o.subject } : {}),
    });
  }
  const consumer = await jetstream(o.nats).consumers.get(stream, o.durable);
  const positions = o.positions ?? new Map<string, ChainPosition>();
  const report: ConsumeReport = { delivered: 0, skipped: 0, problems: 0 };
  const max = o.maxMessages ?? Number.MAX_SAFE_INTEGER;
  let seen = 0;
  while (seen < max) {
    const batch = await consumer.fetch({
      max_messages: Math.min(500, max - seen),
      expires: Math.max(1000, o.idleMs ?? 1000),
    });
    let got = 0;
    for await (const m of batch) {
      got++;
      seen++;
      let parsed: unknown = null;
      try {
        parsed = m.json();
      } catch {
        parsed = null;
      }
      const e = fromLedgerEvent(parsed);
      if (!e) {
        report.problems++;
        o.onProblem?.({ kind: 'malformed', streamSeq: m.seq });
        m.term();
        continue;
      }
      const verdict = checkChain(e, positions);
      if (verdict === 'seen') {
        report.skipped++;
        m.ack();
        continue;
      }
      if (verdict !== 'ok') {
        report.problems++;
        o.onProblem?.(verdict);
        // A gap or a bad link is not acknowledged: it stays for inspection and redelivery.
        m.nak();
        return report;
      }
      await o.onEntry(e);
      positions.set(e.tenant, { seq: e.seq, entryHash: e.entryHash });
      report.delivered++;
      m.ack();
    }
    if (got === 0) break;
  }
  return report;
}
