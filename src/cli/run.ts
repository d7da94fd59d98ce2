import { pino, type Logger } from 'pino';
import { LOG_OPTIONS } from '../runtime/index.ts';
import { loadConfig, type Config } from '../config/index.ts';
import { isCustosError } from '../errors/index.ts';

/** Exit codes of the CLI: 1 failure, 2 bad configuration or usage. */
export const ExitCode = { Failure: 1, Usage: 2 } as const;

/** A logger writing JSON lines to stderr, so stdout stays for command output. */
export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({ ...LOG_OPTIONS, level: config.logLevel }, pino.destination({ fd: 2, sync: true }));
}

/**
 * Runs a command body with the configuration loaded, turning errors into a one-line message and
 * an exit code: 2 for configuration errors, 1 for everything else. Never prints a stack trace for
 * an expected error.
 */
export async function runCommand(body: (config: Config) => Promise<number | void>): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (e) {
    process.stderr.write(`custos: ${(e as Error).message}\n`);
    process.exit(ExitCode.Usage);
  }
  try {
    const code = await body(config);
    if (typeof code === 'number' && code !== 0) process.exitCode = code;
  } catch (e) {
    if (isCustosError(e)) {
      process.stderr.write(`custos: ${e.code}: ${e.message}\n`);
      process.exit(
        e.code === 'CUSTOS_CONFIG_INVALID' || e.code === 'CUSTOS_INPUT_INVALID'
          ? ExitCode.Usage
          : ExitCode.Failure,
      );
    }
    process.stderr.write(`custos: unexpected error: ${(e as Error)?.message ?? String(e)}\n`);
    process.exit(ExitCode.Failure);
  }
}

/** Parses a positive integer CLI option or exits with a usage message. */
export function parsePositiveInt(name: string, raw: string, max = 10_000_000): number {
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > max) {
    process.stderr.write(
      `custos: ${name} must be a whole number between 1 and ${max}, got "${raw}"\n`,
    );
    process.exit(ExitCode.Usage);
  }
  return Number(raw);
}
