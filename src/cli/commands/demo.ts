import { Command } from 'commander';
import { MultiBar, Presets } from 'cli-progress';
import type { Runtime } from '../../runtime/index.ts';
import { createRuntime } from '../../runtime/index.ts';
import { seedDemoHospital, type SeedReport } from '../../seed/index.ts';
import { createLogger, parsePositiveInt, runCommand } from '../run.ts';

/** Seeds the demo hospital with a progress bar per phase on stderr. */
export async function seedWithProgress(
  rt: Runtime,
  params: {
    patients: number;
    staff: number;
    days: number;
    seed: string;
    tenant: string;
    now?: Date;
  },
): Promise<SeedReport> {
  const bars = new MultiBar(
    {
      format: ' {phase} {bar} {value}/{total}',
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: false,
      noTTYOutput: false,
    },
    Presets.shades_classic,
  );
  const byPhase = new Map<string, ReturnType<MultiBar['create']>>();
  try {
    return await seedDemoHospital(rt, params, (p) => {
      let bar = byPhase.get(p.phase);
      if (!bar) {
        bar = bars.create(
          p.total,
          0,
          {},
          { format: ` ${p.phase.padEnd(9)} {bar} {value}/{total}` },
        );
        byPhase.set(p.phase, bar);
      }
      bar.setTotal(p.total);
      bar.update(p.done);
    });
  } finally {
    bars.stop();
  }
}

/** Prints what seeding made and the demo logins (passwords are shown this once only). */
export function printSeedReport(r: SeedReport, publicUrl: string): void {
  const out = (s: string) => process.stdout.write(s + '\n');
  out(
    `Demo hospital "${r.tenant}": ${r.staff} staff, ${r.patients} patients, ${r.resources} encrypted records, ${r.accessEvents} access events (${r.seconds.toFixed(1)} s).`,
  );
  out(`Ground truth of the planted incidents: ${r.labelsFile} (never in the database).`);
  out('');
  out(
    `Demo logins for ${publicUrl} (shown once; officers enrol an authenticator app at first sign-in):`,
  );
  for (const l of r.logins)
    out(`  ${l.role.padEnd(21)} ${l.username.padEnd(18)} ${l.password}   (${l.department})`);
}

/** `custos demo`: generates the synthetic demo hospital into the database. */
export function demoCommand(): Command {
  return new Command('demo')
    .description(
      'generate the synthetic demo hospital (staff, patients, care graph, activity with planted incidents)',
    )
    .option('--patients <n>', 'number of patients (300 and more)', '2000')
    .option('--staff <n>', 'number of staff (100 and more)', '200')
    .option('--days <n>', 'days of access activity', '7')
    .option('--seed <s>', 'seed: the same seed gives the same hospital', 'custos-demo')
    .option('--tenant <t>', 'tenant (hospital) id; default the configured tenant')
    .action(
      (opts: { patients: string; staff: string; days: string; seed: string; tenant?: string }) =>
        runCommand(async (config) => {
          const params = {
            patients: parsePositiveInt('--patients', opts.patients),
            staff: parsePositiveInt('--staff', opts.staff),
            days: parsePositiveInt('--days', opts.days, 366),
            seed: opts.seed,
            tenant: opts.tenant ?? config.tenant,
          };
          const rt = await createRuntime(config, {
            log: createLogger({ logLevel: 'warn' }),
            headIntervalMs: 0,
          });
          try {
            printSeedReport(await seedWithProgress(rt, params), config.publicUrl);
          } finally {
            await rt.close();
          }
        }),
    );
}
