import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { loadConfig, type Config } from '../config/index.ts';
import { createTestStore } from '../store/index.ts';
import { createRuntime, LOG_OPTIONS, type Runtime } from './runtime.ts';

/**
 * A runtime for tests: fresh data folder and keyring, an isolated database on the test backend
 * (PGlite or PostgreSQL), logs collected in memory so tests can scan them.
 */
export async function createTestRuntime(
  opts: { env?: Record<string, string>; clock?: () => Date; logLines?: string[] } = {},
): Promise<Runtime & { logLines: string[] }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'custos-rt-'));
  const config: Config = loadConfig(
    { CUSTOS_DATA_DIR: dataDir, CUSTOS_DEMO: '0', ...opts.env },
    dataDir,
  );
  const logLines = opts.logLines ?? [];
  const log: Logger = pino(
    { ...LOG_OPTIONS, level: 'debug' },
    { write: (line: string) => void logLines.push(line) },
  );
  const store = await createTestStore([]);
  const rt = await createRuntime(config, {
    log,
    store,
    env: { CUSTOS_KEY_PASSPHRASE: 'test passphrase for a throwaway keyring' },
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  return Object.assign(rt, { logLines });
}
