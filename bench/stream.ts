/**
 * Ledger stream benchmark: the relay's events/s (read committed entries after the cursor, publish
 * each to JetStream with its message id, wait for the acks, move the cursor) against publishing the
 * same event payloads straight to JetStream (no database, no cursor) in the same run; and the
 * receiver's events/s with every hash and chain link checked against plain consumption of the same
 * messages.
 *
 *   npm run bench -- stream [--entries N]
 *
 * Needs the NATS server with JetStream (CUSTOS_TEST_NATS_URL, default nats://127.0.0.1:4222);
 * the ledger is the embedded database in memory, or PostgreSQL with CUSTOS_TEST_BACKEND=postgres.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { connect } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { createTestStore, testBackend } from '../src/store/index.ts';
import {
  createLedger,
  ledgerMigrations,
  streamEntries,
  type LedgerEntryInput,
  type LedgerTables,
} from '../src/ledger/index.ts';
import {
  consumeLedgerStream,
  ensureLedgerStream,
  LedgerRelay,
  ledgerSubject,
  streamMigrations,
  toLedgerEvent,
  type StreamTables,
} from '../src/stream/index.ts';

const i = process.argv.indexOf('--entries');
const ENTRIES = i >= 0 ? Number(process.argv[i + 1]) : 20_000;
const URL = process.env.CUSTOS_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const TENANT = 'bench-hospital';

const nats = await connect({ servers: URL, timeout: 3000 });
const jsm = await jetstreamManager(nats);
const run = randomBytes(3).toString('hex');
const store = await createTestStore([...ledgerMigrations, ...streamMigrations]);
const db = store.db as Kysely<LedgerTables & StreamTables>;
const ledger = createLedger(db as unknown as Kysely<LedgerTables>, { headEvery: 0 });
const streams: string[] = [];

async function freshStream(tag: string): Promise<{ stream: string; prefix: string }> {
  const stream = `CUSTOS_BENCH_${tag}_${run}`;
  const prefix = `custos-bench-${tag.toLowerCase()}-${run}`;
  await ensureLedgerStream(nats, { stream, subjectPrefix: prefix });
  streams.push(stream);
  return { stream, prefix };
}

try {
  const entries: LedgerEntryInput[] = Array.from({ length: ENTRIES }, (_, k) => ({
    kind: 'disclosure.read',
    actor: { type: 'staff', id: `stf-${k % 200}`, department: `dept-${k % 12}` },
    patientId: `pat-${k % 5000}`,
    fields: ['demographics.name', 'condition.diagnosis'],
    categories: ['identity', 'health'],
    purpose: 'treatment',
    decision: 'permit',
    workstation: `ws-${k % 40}`,
    channel: 'screen',
  }));
  for (let k = 0; k < entries.length; k += 2000)
    await ledger.appendEntries(TENANT, entries.slice(k, k + 2000));

  // Baseline: the same payloads published straight, 500 in flight, as the relay pages them.
  const payloads: string[] = [];
  for await (const e of streamEntries(db as unknown as Kysely<LedgerTables>, { tenant: TENANT }))
    payloads.push(JSON.stringify(toLedgerEvent(e)));
  const base = await freshStream('RAW');
  const js = jetstream(nats);
  let t = performance.now();
  for (let k = 0; k < payloads.length; k += 500)
    await Promise.all(
      payloads
        .slice(k, k + 500)
        .map((p, j) =>
          js.publish(ledgerSubject(TENANT, base.prefix), p, { msgID: `${TENANT}:${k + j + 1}` }),
        ),
    );
  const rawPublish = payloads.length / ((performance.now() - t) / 1000);

  const relayed = await freshStream('RELAY');
  const relay = new LedgerRelay({
    db,
    nats,
    tenant: TENANT,
    stream: relayed.stream,
    subjectPrefix: relayed.prefix,
  });
  t = performance.now();
  const pass = await relay.relayOnce();
  const relayRate = pass.published / ((performance.now() - t) / 1000);

  // Receiving: plain consumption (parse + ack) against the checked receiver, same messages.
  await jsm.consumers.add(base.stream, {
    durable_name: 'plain',
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
  });
  const plain = await js.consumers.get(base.stream, 'plain');
  t = performance.now();
  let got = 0;
  while (got < ENTRIES) {
    const batch = await plain.fetch({ max_messages: 500, expires: 2000 });
    let n = 0;
    for await (const m of batch) {
      m.json();
      m.ack();
      n++;
    }
    got += n;
    if (n === 0) break;
  }
  const plainRate = got / ((performance.now() - t) / 1000);
  t = performance.now();
  const checked = await consumeLedgerStream({
    nats,
    durable: 'checked',
    stream: relayed.stream,
    maxMessages: ENTRIES,
    onEntry: () => undefined,
  });
  const checkedRate = checked.delivered / ((performance.now() - t) / 1000);

  const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(0)}%`;
  console.log(`ledger stream, ${ENTRIES} entries, ${testBackend()} ledger, NATS at ${URL}`);
  console.log(
    `publish: raw JetStream ${rawPublish.toFixed(0)}/s, relay (read after cursor, publish, acks, cursor) ${relayRate.toFixed(0)}/s → ${pct(relayRate, rawPublish)}`,
  );
  console.log(
    `receive: plain ${plainRate.toFixed(0)}/s, checked (hash + chain link) ${checkedRate.toFixed(0)}/s → ${pct(checkedRate, plainRate)}; problems ${checked.problems}`,
  );
} finally {
  for (const s of streams) await jsm.streams.delete(s).catch(() => undefined);
  await ledger.close();
  await store.close();
  await nats.drain();
}
