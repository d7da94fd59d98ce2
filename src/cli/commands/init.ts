import { Command } from 'commander';
import { createRuntime } from '../../runtime/index.ts';
import { createLogger, runCommand } from '../run.ts';

/**
 * `custos init`: creates the data folder, the keyring (sealed with CUSTOS_KEY_PASSPHRASE) and the
 * database schema. Refuses to create a key over an existing one.
 */
export function initCommand(): Command {
  return new Command('init')
    .description(
      'create the data folder, the sealed keyring and the database schema (safe to re-run: never replaces a key)',
    )
    .action(() =>
      runCommand(async (config) => {
        const rt = await createRuntime(config, {
          log: createLogger({ logLevel: 'error' }),
          headIntervalMs: 0,
        });
        try {
          const kek = rt.keyring.activeKek();
          process.stdout.write(
            [
              `data folder:  ${config.dataDir}`,
              `database:     ${rt.store.backend === 'pglite' ? 'embedded (PGlite)' : 'PostgreSQL'}`,
              `keyring:      ${rt.keyring.kind}, active key-encryption key ${kek.id} (v${kek.version})`,
              `ledger key:   Ed25519 ${rt.signer.keyId}`,
              `tenant:       ${config.tenant}`,
              '',
            ].join('\n'),
          );
        } finally {
          await rt.close();
        }
      }),
    );
}
