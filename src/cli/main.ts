import { Command } from 'commander';
import { auditCommand, importAuditCommand } from './commands/audit.ts';
import { demoCommand } from './commands/demo.ts';
import { deidCommand } from './commands/deid.ts';
import { importFhirCommand } from './commands/import-fhir.ts';
import { importRosterCommand } from './commands/import-roster.ts';
import { incidentCommand } from './commands/incident.ts';
import { initCommand } from './commands/init.ts';
import { keysCommand } from './commands/keys.ts';
import { monitorCommand } from './commands/monitor.ts';
import { securityCommand } from './commands/security.ts';
import { serveCommand } from './commands/serve.ts';
import { traceCommand } from './commands/trace.ts';
import { traceServiceDeps } from './commands/trace-service.ts';

const program = new Command('custos')
  .description(
    'Custos keeps patients’ medical information from leaking: encrypted vault, minimum-necessary access, tamper-evident ledger, monitoring, leak tracing, de-identification.',
  )
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride((err) => {
    process.exit(err.exitCode === 0 ? 0 : 2);
  });

program.addCommand(serveCommand());
program.addCommand(initCommand());
program.addCommand(demoCommand());
program.addCommand(auditCommand());
program.addCommand(keysCommand());
program.addCommand(deidCommand());
program.addCommand(monitorCommand());
program.addCommand(incidentCommand());
program.addCommand(securityCommand());
program.addCommand(
  new Command('import')
    .description('import data from other systems')
    .addCommand(importAuditCommand())
    .addCommand(importFhirCommand())
    .addCommand(importRosterCommand()),
);

const traceService = traceServiceDeps();
program.addCommand(traceCommand(traceService.deps).hook('postAction', () => traceService.close()));

await program.parseAsync(process.argv);
