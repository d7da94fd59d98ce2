import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { connect } from '@nats-io/transport-node';
import { CustosError, ErrorCode } from '../../errors/index.ts';
import type { LedgerTables } from '../../ledger/index.ts';
import type { Runtime } from '../../runtime/index.ts';
import { ensureLedgerStream, LedgerRelay, type StreamTables } from '../../stream/index.ts';

/** A relay running inside `custos serve`. */
export interface RunningRelay {
  stop(): Promise<void>;
}

/**
 * Connects to NATS, makes sure the ledger stream exists and relays the tenant's ledger to it every
 * second. A NATS server that cannot be reached stops the start with a clear message; a failed pass
 * later is logged by code and retried (the ledger keeps everything meanwhile).
 */
export async function startLedgerRelay(
  runtime: Runtime,
  url: string,
  log: Logger,
): Promise<RunningRelay> {
  let nats;
  try {
    nats = await connect({ servers: url, timeout: 5000, name: `custos-${runtime.config.tenant}` });
  } catch {
    throw new CustosError(
      ErrorCode.ConfigInvalid,
      'invalid setting CUSTOS_NATS_URL: no NATS server answers there',
      { setting: 'CUSTOS_NATS_URL' },
    );
  }
  await ensureLedgerStream(nats);
  const relay = new LedgerRelay({
    db: runtime.store.db as Kysely<LedgerTables & StreamTables>,
    nats,
    tenant: runtime.config.tenant,
    now: runtime.now,
  });
  relay.start(1000, (e) =>
    log.warn(
      { code: (e as { code?: string })?.code ?? 'relay-failed' },
      'ledger relay pass failed',
    ),
  );
  log.info('ledger relay to NATS JetStream started');
  return {
    async stop() {
      await relay.stop();
      await nats.drain();
    },
  };
}
