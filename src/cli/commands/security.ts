import { Command, Option } from 'commander';
import type { SecurityReport } from '../../governance/index.ts';
import { createRuntime } from '../../runtime/index.ts';
import { createLogger, parsePositiveInt, runCommand } from '../run.ts';

const out = (s: string): void => {
  process.stdout.write(s + '\n');
};

/** Print a report as a table of findings. */
function printReport(r: SecurityReport): void {
  if (r.findings.length === 0) out('no findings');
  for (const f of r.findings)
    out(
      `${f.severity.toUpperCase().padEnd(8)} ${f.code.padEnd(30)} ${f.subject.padEnd(48)} ${f.message}`,
    );
  out(
    `\n${r.counts.critical} critical, ${r.counts.warning} warnings, ${r.counts.info} notes — ${r.passed ? 'passed' : 'FAILED'}`,
  );
}

/**
 * `custos security check`: default or weak passwords, accounts without MFA where required,
 * never-used and dormant accounts, clients without expiry or with over-broad contracts, keys due
 * for rotation. Exits 1 when anything critical is found (for CI and cron).
 */
export function securityCommand(): Command {
  const security = new Command('security').description(
    'security posture of accounts, clients and keys',
  );
  security
    .command('check')
    .description('list weak spots; exit code 1 when anything critical is found')
    .option('--json', 'print JSON')
    .addOption(
      new Option('--password-probe <mode>', 'try default passwords against account hashes')
        .choices(['all', 'quick', 'off'])
        .default('quick'),
    )
    .option('--dormant-days <n>', 'days without sign-in before an account counts as dormant', '90')
    .option(
      '--kek-max-age-days <n>',
      'age at which the key-encryption key is due for rotation',
      '365',
    )
    .action(
      (opts: {
        json?: boolean;
        passwordProbe: 'all' | 'quick' | 'off';
        dormantDays: string;
        kekMaxAgeDays: string;
      }) =>
        runCommand(async (config) => {
          const dormantDays = parsePositiveInt('--dormant-days', opts.dormantDays, 10_000);
          const kekMaxAgeDays = parsePositiveInt('--kek-max-age-days', opts.kekMaxAgeDays, 10_000);
          const rt = await createRuntime(config, {
            log: createLogger({ logLevel: 'error' }),
            headIntervalMs: 0,
          });
          try {
            const report = await rt.governance.securityCheck(config.tenant, {
              passwordProbe: opts.passwordProbe,
              dormantDays,
              kekMaxAgeDays,
            });
            if (opts.json) out(JSON.stringify(report, null, 2));
            else printReport(report);
            return report.passed ? 0 : 1;
          } finally {
            await rt.close();
          }
        }),
    );
  return security;
}
