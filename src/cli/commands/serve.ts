import { Command } from 'commander';
import { buildApp } from '../../api/index.ts';
import { runMonitorOnLedger, startMonitorWorker, type MonitorWorker } from '../../monitor/index.ts';
import { createRuntime } from '../../runtime/index.ts';
import { startLedgerRelay, type RunningRelay } from './relay.ts';
import { createLogger, runCommand } from '../run.ts';
import { printSeedReport, seedWithProgress } from './demo.ts';

/** `custos serve`: the service with its web console (what `npm start` runs). */
export function serveCommand(): Command {
  return new Command('serve')
    .description(
      'run the Custos service and web console (embedded database unless DATABASE_URL is set)',
    )
    .action(() =>
      runCommand(async (config) => {
        const log = createLogger(config);
        const runtime = await createRuntime(config, { log });
        const app = await buildApp(runtime);
        let worker: MonitorWorker | undefined;
        const relay: RunningRelay | null = config.natsUrl
          ? await startLedgerRelay(runtime, config.natsUrl, log)
          : null;
        const startWorker = () => {
          if (config.monitorIntervalMinutes > 0 && !worker) {
            worker = startMonitorWorker(runtime, {
              tenant: config.tenant,
              intervalMs: config.monitorIntervalMinutes * 60_000,
            });
          }
        };
        const shutdown = async (signal: string) => {
          log.info({ signal }, 'stopping');
          await worker?.stop();
          await relay?.stop();
          await app.close();
          await runtime.close();
          process.exit(0);
        };
        process.once('SIGINT', () => void shutdown('SIGINT'));
        process.once('SIGTERM', () => void shutdown('SIGTERM'));
        await app.listen({ port: config.port, host: config.host });
        const out = (s: string) => process.stdout.write(s + '\n');
        out(`Custos is running at ${config.publicUrl}  (API docs: ${config.publicUrl}/docs)`);
        out(
          `  database: ${runtime.store.backend === 'pglite' ? `embedded, in ${config.dataDir}` : 'PostgreSQL'}`,
        );
        const empty = (await runtime.identity.listStaff(config.tenant, { limit: 1 })).length === 0;
        if (config.demo && empty) {
          out('');
          out(
            `Empty data folder: generating the demo hospital (${config.demoPatients} patients, ${config.demoStaff} staff, ${config.demoDays} days; CUSTOS_DEMO=0 skips this)…`,
          );
          // The service answers while the demo is written; records appear as they land.
          void seedWithProgress(runtime, {
            patients: config.demoPatients,
            staff: config.demoStaff,
            days: config.demoDays,
            seed: config.demoSeed,
            tenant: config.tenant,
            now: runtime.now(),
          }).then(
            async (r) => {
              printSeedReport(r, config.publicUrl);
              // A first monitor pass over the whole demo window, so the dashboard has cases.
              const to = runtime.now();
              const from = new Date(to.getTime() - config.demoDays * 86_400_000);
              const stats = await runMonitorOnLedger(runtime, { tenant: config.tenant, from, to });
              out(
                `Privacy monitor: ${stats.accesses} accesses, ${stats.alerts} alerts, ${stats.cases} cases opened (${stats.seconds.toFixed(1)} s).`,
              );
              startWorker();
            },
            (e: unknown) => {
              const code = (e as { code?: string }).code ?? 'CUSTOS_INTERNAL';
              log.error({ code }, 'demo generation failed');
              // Error messages never carry personal data; the operator needs to know what to fix.
              out(`Demo generation failed: ${code}: ${(e as Error)?.message ?? String(e)}`);
            },
          );
        } else startWorker();
        if (await runtime.identity.needsSetup(config.tenant)) {
          const token = await runtime.identity.issueSetupToken(config.tenant);
          out('');
          out('No administrator exists yet. Create the first one (link valid 24 h, usable once):');
          out(`  ${config.publicUrl}/setup?token=${token}`);
        }
      }),
    );
}
