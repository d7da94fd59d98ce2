import { Command } from 'commander';
import { buildApp } from '../../api/index.ts';
import { createRuntime } from '../../runtime/index.ts';
import { createLogger, runCommand } from '../run.ts';

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
        const shutdown = async (signal: string) => {
          log.info({ signal }, 'stopping');
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
        if (await runtime.identity.needsSetup(config.tenant)) {
          const token = await runtime.identity.issueSetupToken(config.tenant);
          out('');
          out('No administrator exists yet. Create the first one (link valid 24 h, usable once):');
          out(`  ${config.publicUrl}/setup?token=${token}`);
        }
      }),
    );
}
