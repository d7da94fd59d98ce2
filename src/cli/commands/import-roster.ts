import { readFileSync, statSync } from 'node:fs';
import type { Kysely } from 'kysely';
import { Command } from 'commander';
import { CustosError, ErrorCode } from '../../errors/index.ts';
import {
  directoryStaff,
  importRoster,
  parseRosterCsv,
  type RosterTables,
} from '../../monitor/index.ts';
import { createRuntime } from '../../runtime/index.ts';
import { createLogger, runCommand } from '../run.ts';

const out = (s: string): void => {
  process.stdout.write(s + '\n');
};

/** Largest roster file read (a year of a 5,000-person hospital fits many times over). */
const MAX_BYTES = 64 * 1024 * 1024;

/**
 * `custos import roster FILE.csv`: imports shift rosters from the scheduling system (header
 * `staff_id,start,end[,department]` or 工号,开始时间,结束时间,科室; ISO 8601 times with an offset).
 * The whole file is checked before anything is written; the first bad row is named by its line
 * and nothing is imported (exit 2). The import is ledgered.
 */
export function importRosterCommand(): Command {
  return new Command('roster')
    .description('import shift rosters (CSV: staff_id,start,end[,department]) for the monitor')
    .argument('<file>', 'a CSV file exported from the scheduling system')
    .option('--tenant <tenant>', 'tenant (default: the configured one)')
    .action((file: string, opts: { tenant?: string }) =>
      runCommand(async (config) => {
        let size: number;
        try {
          size = statSync(file).size;
        } catch {
          throw new CustosError(ErrorCode.InputInvalid, `no such file: ${file}`);
        }
        if (size > MAX_BYTES)
          throw new CustosError(
            ErrorCode.InputInvalid,
            `the roster is larger than 64 MiB: ${file}`,
          );
        const shifts = parseRosterCsv(readFileSync(file, 'utf8'));
        const rt = await createRuntime(config, {
          log: createLogger({ logLevel: 'error' }),
          headIntervalMs: 0,
        });
        try {
          const tenant = opts.tenant ?? config.tenant;
          const r = await importRoster(
            {
              db: rt.store.db as Kysely<RosterTables>,
              ledger: rt.ledger,
              now: rt.now,
              knownStaff: directoryStaff(rt.identity),
            },
            tenant,
            shifts,
            { type: 'system', id: 'cli' },
          );
          out(
            `imported ${r.shifts} shift(s) of ${r.staff} staff member(s)` +
              (r.from && r.to ? ` from ${r.from.toISOString()} to ${r.to.toISOString()}` : ''),
          );
          if (r.replaced > 0) out(`replaced ${r.replaced} earlier shift(s) of that period`);
          if (r.unknownStaff > 0)
            out(`${r.unknownStaff} staff id(s) are not in the staff directory (kept)`);
        } finally {
          await rt.close();
        }
      }),
    );
}
