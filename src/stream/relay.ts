/**
 * The ledger relay: publishes each tenant's committed ledger entries, in order, to NATS JetStream
 * for monitor workers on other nodes (the regional platform's scale path). The database stays the
 * source of truth: the relay reads entries after its cursor, publishes each with the message id
 * `<tenant>:<seq>` (JetStream drops a re-publish inside its duplicate window, so a relay killed
 * between publishing and saving its cursor does not double-send), and moves the cursor only after
 * JetStream acknowledged the whole page. Receivers dedupe by sequence as well.
 */
import type { Kysely } from 'kysely';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
} from '@nats-io/jetstream';
import { CustosError, ErrorCode } from '../errors/index.ts';
import { streamEntries, type LedgerTables } from '../ledger/index.ts';
import { toLedgerEvent } from './event.ts';
import type { StreamTables } from './migrations.ts';

/** Defaults of the stream Custos publishes to. */
export const LEDGER_STREAM = 'CUSTOS_LEDGER';
/** Subjects are `<prefix>.<tenant>`. */
export const LEDGER_SUBJECT_PREFIX = 'custos.ledger';

/** Settings of a relay. */
export interface RelayOptions {
  db: Kysely<LedgerTables & StreamTables>;
  nats: NatsConnection;
  tenant: string;
  stream?: string;
  subjectPrefix?: string;
  /** Entries per page (each page is acknowledged before the cursor moves). Default 500. */
  pageSize?: number;
  /** How long the stream keeps events (default 7 days); the ledger keeps them for good. */
  maxAgeMs?: number;
  now?: () => Date;
}

/** What one pass published. */
export interface RelayPass {
  published: number;
  /** Re-publishes JetStream recognised by message id (after a crash mid-page). */
  duplicates: number;
  lastSeq: number;
}

/** The subject of a tenant's events. */
export function ledgerSubject(tenant: string, prefix = LEDGER_SUBJECT_PREFIX): string {
  if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(tenant))
    throw new CustosError(ErrorCode.InputInvalid, 'tenant is malformed', { field: 'tenant' });
  return `${prefix}.${tenant}`;
}

/** Creates or updates the stream (file storage, limits retention, 2-minute duplicate window). */
export async function ensureLedgerStream(
  nats: NatsConnection,
  opts: { stream?: string; subjectPrefix?: string; maxAgeMs?: number } = {},
): Promise<void> {
  const jsm = await jetstreamManager(nats);
  const name = opts.stream ?? LEDGER_STREAM;
  const config = {
    name,
    subjects: [`${opts.subjectPrefix ?? LEDGER_SUBJECT_PREFIX}.*`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: (opts.maxAgeMs ?? 7 * 86_400_000) * 1_000_000,
    duplicate_window: 120 * 1_000_000_000,
  };
  try {
    await jsm.streams.info(name);
    await jsm.streams.update(name, config);
  } catch (e) {
    if (!/not found/i.test(String((e as Error)?.message))) throw e;
    await jsm.streams.add(config);
  }
}

/** A relay for one tenant. */
export class LedgerRelay {
  readonly #o: Required<Omit<RelayOptions, 'maxAgeMs'>> & { maxAgeMs?: number };
  readonly #js: JetStreamClient;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<unknown> = Promise.resolve();

  constructor(opts: RelayOptions) {
    this.#o = {
      stream: LEDGER_STREAM,
      subjectPrefix: LEDGER_SUBJECT_PREFIX,
      pageSize: 500,
      now: () => new Date(),
      ...opts,
    };
    this.#js = jetstream(opts.nats);
  }

  /** The last sequence published (0 before the first). */
  async cursor(): Promise<number> {
    const r = await this.#o.db
      .selectFrom('stream_cursor')
      .select('last_seq')
      .where('tenant_id', '=', this.#o.tenant)
      .where('stream', '=', this.#o.stream)
      .executeTakeFirst();
    return r ? Number(r.last_seq) : 0;
  }

  /** Publishes everything committed after the cursor, a page at a time. */
  async relayOnce(): Promise<RelayPass> {
    const { db, tenant, stream, pageSize } = this.#o;
    const subject = ledgerSubject(tenant, this.#o.subjectPrefix);
    const pass: RelayPass = { published: 0, duplicates: 0, lastSeq: await this.cursor() };
    for (;;) {
      const page: Promise<{ duplicate: boolean }>[] = [];
      let last = pass.lastSeq;
      for await (const e of streamEntries(db as unknown as Kysely<LedgerTables>, {
        tenant,
        fromSeq: pass.lastSeq + 1,
        toSeq: pass.lastSeq + pageSize,
        pageSize,
      })) {
        page.push(
          this.#js.publish(subject, JSON.stringify(toLedgerEvent(e)), {
            msgID: `${tenant}:${e.seq}`,
            expect: { streamName: stream },
          }),
        );
        last = e.seq;
      }
      if (page.length === 0) return pass;
      const acks = await Promise.all(page);
      pass.published += acks.filter((a) => !a.duplicate).length;
      pass.duplicates += acks.filter((a) => a.duplicate).length;
      await db
        .insertInto('stream_cursor')
        .values({ tenant_id: tenant, stream, last_seq: last, updated_at: this.#o.now() })
        .onConflict((oc) =>
          oc
            .columns(['tenant_id', 'stream'])
            .doUpdateSet({ last_seq: last, updated_at: this.#o.now() }),
        )
        .execute();
      pass.lastSeq = last;
      if (page.length < pageSize) return pass;
    }
  }

  /** Relays every `intervalMs` until stopped; a failed pass is reported and retried next time. */
  start(intervalMs: number, onError: (e: unknown) => void): void {
    if (this.#timer) return;
    const tick = () => {
      this.#running = this.relayOnce()
        .catch(onError)
        .finally(() => {
          if (this.#timer) this.#timer = setTimeout(tick, intervalMs);
        });
    };
    this.#timer = setTimeout(tick, 0);
  }

  /** Stops the loop and waits for the pass under way. */
  async stop(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running;
  }
}
