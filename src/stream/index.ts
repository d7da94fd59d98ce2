/**
 * The ledger stream: committed ledger entries published in order to NATS JetStream for monitor
 * workers on other nodes, and received with every event's hash and chain link checked.
 */
export {
  LEDGER_EVENT_FORMAT,
  entryHashHolds,
  fromLedgerEvent,
  toLedgerEvent,
  type LedgerEvent,
} from './event.ts';
export {
  LEDGER_STREAM,
  LEDGER_SUBJECT_PREFIX,
  LedgerRelay,
  ensureLedgerStream,
  ledgerSubject,
  type RelayOptions,
  type RelayPass,
} from './relay.ts';
export {
  checkChain,
  consumeLedgerStream,
  type ChainPosition,
  type ConsumeOptions,
  type ConsumeReport,
  type StreamProblem,
} from './consumer.ts';
export { streamMigrations, type StreamTables } from './migrations.ts';
