import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamEntries, type LedgerEntry, type LedgerTables } from '../ledger/index.ts';
import { createTestRuntime, type Runtime } from '../runtime/index.ts';
import {
  checkChain,
  consumeLedgerStream,
  ensureLedgerStream,
  LedgerRelay,
  ledgerSubject,
  toLedgerEvent,
  type ChainPosition,
  type StreamProblem,
  type StreamTables,
} from './index.ts';

/** The machine's NATS server with JetStream (CUSTOS_TEST_NATS_URL to use another). */
const NATS_URL = process.env.CUSTOS_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

async function tryConnect(): Promise<NatsConnection | null> {
  try {
    return await connect({ servers: NATS_URL, timeout: 2000 });
  } catch {
    return null;
  }
}

const nats = await tryConnect();
if (!nats) console.warn(`stream: skipped because no NATS server answers at ${NATS_URL}`);

describe.skipIf(!nats)('ledger stream over NATS JetStream', () => {
  let rt: Runtime;
  const run = randomBytes(4).toString('hex');
  const stream = `CUSTOS_TEST_${run}`;
  const prefix = `custos-test-${run}`;
  let db: Kysely<LedgerTables & StreamTables>;
  let relay: LedgerRelay;

  const append = async (n: number, from = 0) => {
    for (let i = 0; i < n; i++)
      await rt.ledger.appendEntry(rt.config.tenant, {
        kind: 'disclosure.read',
        actor: { type: 'staff', id: `stf-${(from + i) % 3}`, department: 'dept-int' },
        patientId: `pat-${from + i}`,
        fields: ['demographics.name'],
        purpose: 'treatment',
        decision: 'permit',
        channel: 'screen',
      });
  };

  beforeAll(async () => {
    rt = await createTestRuntime();
    db = rt.store.db as Kysely<LedgerTables & StreamTables>;
    await ensureLedgerStream(nats!, { stream, subjectPrefix: prefix });
    relay = new LedgerRelay({
      db,
      nats: nats!,
      tenant: rt.config.tenant,
      stream,
      subjectPrefix: prefix,
      pageSize: 10,
    });
  });
  afterAll(async () => {
    if (nats) {
      await (await jetstreamManager(nats)).streams.delete(stream).catch(() => undefined);
      await nats.drain();
    }
    await rt?.close();
  });

  it('publishes committed entries in order, once, and moves its cursor only after the acks', async () => {
    await append(25);
    const first = await relay.relayOnce();
    expect(first).toEqual({ published: 25, duplicates: 0, lastSeq: 25 });
    expect(await relay.cursor()).toBe(25);
    expect(await relay.relayOnce()).toEqual({ published: 0, duplicates: 0, lastSeq: 25 });
    // A relay killed after publishing but before saving its cursor publishes the page again:
    // JetStream recognises every message id and the stream keeps one copy.
    await db.updateTable('stream_cursor').set({ last_seq: 10 }).execute();
    expect(await relay.relayOnce()).toEqual({ published: 0, duplicates: 15, lastSeq: 25 });
    const info = await (await jetstreamManager(nats!)).streams.info(stream);
    expect(info.state.messages).toBe(25);
  });

  it('hands a receiver every entry verified, in chain order, and resumes where it acknowledged', async () => {
    const got: number[] = [];
    const positions = new Map<string, ChainPosition>();
    const r1 = await consumeLedgerStream({
      nats: nats!,
      durable: `w1-${run}`,
      stream,
      positions,
      maxMessages: 15,
      onEntry: (e) => void got.push(e.seq),
    });
    expect(r1).toEqual({ delivered: 15, skipped: 0, problems: 0 });
    await append(5, 25);
    await relay.relayOnce();
    const r2 = await consumeLedgerStream({
      nats: nats!,
      durable: `w1-${run}`,
      stream,
      positions,
      idleMs: 1000,
      onEntry: (e) => void got.push(e.seq),
    });
    expect(r2).toMatchObject({ delivered: 15, problems: 0 });
    expect(got).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  });

  it('refuses an event whose content was changed on the way, and does not acknowledge it', async () => {
    const positions = new Map<string, ChainPosition>();
    const problems: StreamProblem[] = [];
    const durable = `w2-${run}`;
    await consumeLedgerStream({
      nats: nats!,
      durable,
      stream,
      positions,
      onEntry: () => undefined,
    });
    expect(positions.get(rt.config.tenant)?.seq).toBe(30);
    // Entry 31 is committed; on the way, someone rewrites its patient and keeps its hashes.
    await append(1, 30);
    const [real] = await collect(31);
    const forged = { ...toLedgerEvent(real!), patientId: 'pat-someone-else' };
    await jetstream(nats!).publish(ledgerSubject(rt.config.tenant, prefix), JSON.stringify(forged));
    const delivered: number[] = [];
    const r = await consumeLedgerStream({
      nats: nats!,
      durable,
      stream,
      positions,
      onEntry: (e) => void delivered.push(e.seq),
      onProblem: (p) => problems.push(p),
    });
    expect(delivered).toEqual([]);
    expect(r.problems).toBe(1);
    expect(problems[0]).toMatchObject({ kind: 'hash-mismatch', seq: 31 });
  });

  it('tells gaps, broken links and replays apart', async () => {
    const entries = await collect(1, 3);
    const positions = new Map<string, ChainPosition>();
    expect(checkChain(entries[0]!, positions)).toBe('ok');
    positions.set(entries[0]!.tenant, { seq: 1, entryHash: entries[0]!.entryHash });
    expect(checkChain(entries[0]!, positions)).toBe('seen');
    expect(checkChain(entries[2]!, positions)).toMatchObject({ kind: 'gap', expected: 2, got: 3 });
    positions.set(entries[0]!.tenant, { seq: 1, entryHash: Buffer.alloc(32, 7) });
    expect(checkChain(entries[1]!, positions)).toMatchObject({ kind: 'broken-link', seq: 2 });
  });

  async function collect(fromSeq: number, n = 1): Promise<LedgerEntry[]> {
    const out: LedgerEntry[] = [];
    for await (const e of streamEntries(db as unknown as Kysely<LedgerTables>, {
      tenant: rt.config.tenant,
      fromSeq,
      toSeq: fromSeq + n - 1,
    }))
      out.push(e);
    return out;
  }
});
