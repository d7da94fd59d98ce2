import { Command } from 'commander';
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

await program.parseAsync(process.argv);
