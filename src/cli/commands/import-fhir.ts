import { statSync } from 'node:fs';
import { Command } from 'commander';
import { Presets, SingleBar } from 'cli-progress';
import { CustosError, ErrorCode } from '../../errors/index.ts';
import { createRuntime } from '../../runtime/index.ts';
import { importFhirPath } from '../../vault/index.ts';
import { ExitCode, createLogger, runCommand } from '../run.ts';

const out = (s: string): void => {
  process.stdout.write(s + '\n');
};

/**
 * `custos import fhir FILE|DIR`: imports FHIR R4 bulk NDJSON files, Bundles (`*.json`) or a folder
 * of them into the vault, with a progress bar; prints counts and the OperationOutcome issues.
 * Exits 1 when anything was rejected.
 */
export function importFhirCommand(): Command {
  return new Command('fhir')
    .description(
      'import FHIR R4 resources (bulk NDJSON, transaction/collection Bundles, or a folder of them) into the vault',
    )
    .argument(
      '<path>',
      'a .ndjson/.json file or a folder (bulk export layout: Patient.000.ndjson, …)',
    )
    .option('--tenant <tenant>', 'tenant (default: the configured one)')
    .option('--quiet', 'no progress bar')
    .action((path: string, opts: { tenant?: string; quiet?: boolean }) =>
      runCommand(async (config) => {
        try {
          statSync(path);
        } catch {
          throw new CustosError(ErrorCode.InputInvalid, `no such file or folder: ${path}`);
        }
        const rt = await createRuntime(config, {
          log: createLogger({ logLevel: 'error' }),
          headIntervalMs: 0,
        });
        const tenant = opts.tenant ?? config.tenant;
        const showBar = !opts.quiet && process.stderr.isTTY;
        const bar = new SingleBar(
          {
            format: 'importing [{bar}] {percentage}% | {file} | eta {eta}s',
            stream: process.stderr,
            hideCursor: true,
          },
          Presets.shades_classic,
        );
        let started = false;
        try {
          const rep = await importFhirPath(rt.vault, tenant, path, {
            onProgress: (p) => {
              if (!showBar) return;
              if (!started) {
                bar.start(p.total ?? 0, p.done, { file: p.file ?? '' });
                started = true;
              } else bar.update(p.done, { file: p.file ?? '' });
            },
          });
          if (started) bar.stop();
          await rt.ledger.appendEntry(tenant, {
            kind: 'admin',
            actor: { type: 'system', id: 'cli' },
            action: 'fhir.import',
            decision: 'permit',
            channel: 'import',
            details: {
              resources: rep.total,
              created: rep.created,
              updated: rep.updated,
              rejected: rep.rejected,
              unresolved: rep.unresolved.length,
            },
          });
          out(
            `imported ${rep.total} resource(s) (${rep.created} created, ${rep.updated} updated), ${rep.rejected} rejected`,
          );
          for (const [type, n] of Object.entries(rep.imported).sort())
            out(`  ${type.padEnd(22)} ${n}`);
          if (rep.unresolved.length > 0)
            out(`references kept but not found in the vault: ${rep.unresolved.length}`);
          if (rep.skippedFiles.length > 0) out(`files skipped: ${rep.skippedFiles.join(', ')}`);
          for (const i of rep.outcome.issue) {
            if (i.severity === 'information') continue;
            out(`${i.severity}: ${i.expression?.join(', ') ?? ''} ${i.diagnostics}`.trim());
          }
          return rep.rejected > 0 ? ExitCode.Failure : 0;
        } finally {
          if (started) bar.stop();
          await rt.close();
        }
      }),
    );
}
