import { Command } from 'commander';
import { auditCommand, importAuditCommand } from './commands/audit.ts';
import { demoCommand } from './commands/demo.ts';
import { initCommand } from './commands/init.ts';
import { serveCommand } from './commands/serve.ts';

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
program.addCommand(
  new Command('import')
    .description('import data from other systems')
    .addCommand(importAuditCommand()),
);

await program.parseAsync(process.argv);
