import { Command, Option } from 'commander';
import { Presets, SingleBar } from 'cli-progress';
import { isCipherSuite } from '../../crypto/index.ts';
import { CustosError, ErrorCode } from '../../errors/index.ts';
import { createRuntime, type Runtime } from '../../runtime/index.ts';
import {
  getKeyStatus,
  reencryptTenant,
  rotateKeys,
  setTenantSuite,
  type KeyJobProgress,
} from '../../vault/index.ts';
import { createLogger, runCommand } from '../run.ts';

const out = (s: string): void => {
  process.stdout.write(s + '\n');
};

async function withRuntime(body: (rt: Runtime) => Promise<number | void>): Promise<void> {
  await runCommand(async (config) => {
    const rt = await createRuntime(config, {
      log: createLogger({ logLevel: 'error' }),
      headIntervalMs: 0,
    });
    try {
      return await body(rt);
    } finally {
      await rt.close();
    }
  });
}

/** A progress bar on stderr (TTY only), fed by a key job's progress callback. */
function progressBar(label: string): { onProgress: (p: KeyJobProgress) => void; stop: () => void } {
  if (!process.stderr.isTTY) return { onProgress: () => {}, stop: () => {} };
  const bar = new SingleBar(
    {
      format: `${label} [{bar}] {value}/{total} ({percentage}%) eta {eta}s`,
      stream: process.stderr,
    },
    Presets.shades_classic,
  );
  let started = false;
  return {
    onProgress(p) {
      if (!started) {
        bar.start(p.total, p.done);
        started = true;
      } else {
        bar.setTotal(p.total);
        bar.update(p.done);
      }
    },
    stop: () => started && bar.stop(),
  };
}

/**
 * `custos keys status|rotate|set-suite`: shows the keyring and data-key counts, rotates the
 * key-encryption key (re-wrapping every data key online, with progress), or changes a tenant's
 * cipher suite and re-encrypts its data. Key operations are recorded in the ledger.
 */
export function keysCommand(): Command {
  const keys = new Command('keys').description('key management: status, rotation, cipher suite');

  keys
    .command('status')
    .description(
      'show the keyring, its key-encryption keys and the data keys per tenant (never key material)',
    )
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) =>
      withRuntime(async (rt) => {
        const s = await getKeyStatus(rt.vault);
        if (opts.json) {
          out(JSON.stringify(s, null, 2));
          return;
        }
        out(`keyring:        ${s.keyring.kind} ${s.keyring.id}`);
        out(
          `active KEK:     ${s.keyring.activeKek.id} (v${s.keyring.activeKek.version}, created ${s.keyring.activeKek.createdAt})`,
        );
        out(`KEKs held:      ${s.keyring.keks.map((k) => k.id).join(', ')}`);
        out(`pending rewrap: ${s.pendingRewrap} data key(s) under an older KEK`);
        out(`destructions:   ${s.destructions}`);
        for (const t of s.tenants) {
          const states =
            Object.entries(t.dataKeys)
              .map(([k, n]) => `${k} ${n}`)
              .join(', ') || 'none';
          out(
            `tenant ${t.tenant}: suite ${t.suite}, blind index ${t.indexAlgorithm}; data keys: ${states}`,
          );
        }
      }),
    );

  keys
    .command('rotate')
    .description(
      'create a new key-encryption key and re-wrap every data key under it (online, resumable)',
    )
    .option('--keep-old', 'keep the previous key-encryption keys instead of destroying them')
    .action((opts: { keepOld?: boolean }) =>
      withRuntime(async (rt) => {
        const bar = progressBar('re-wrapping data keys');
        let result;
        try {
          result = await rotateKeys(rt.vault, {
            onProgress: bar.onProgress,
            retireOld: !opts.keepOld,
          });
        } finally {
          bar.stop();
        }
        await rt.ledger.appendEntry(rt.config.tenant, {
          kind: 'admin',
          actor: { type: 'system', id: 'cli' },
          action: 'key.rotate',
          decision: 'permit',
          channel: 'cli',
          details: { kek: result.kek.id, rewrapped: result.rewrapped, retired: result.retired },
        });
        out(
          `active KEK ${result.kek.id}; ${result.rewrapped} data key(s) re-wrapped; destroyed old KEKs: ${result.retired.join(', ') || 'none'}`,
        );
      }),
    );

  keys
    .command('set-suite')
    .description("change a tenant's cipher suite and re-encrypt its data (progress per patient)")
    .addOption(
      new Option('--suite <suite>', 'cipher suite')
        .choices(['aes-256-gcm', 'sm4-ctr-hmac-sm3'])
        .makeOptionMandatory(),
    )
    .option('--tenant <tenant>', 'tenant (default: the configured one)')
    .action((opts: { suite: string; tenant?: string }) =>
      withRuntime(async (rt) => {
        if (!isCipherSuite(opts.suite))
          throw new CustosError(ErrorCode.InputInvalid, 'unknown cipher suite');
        const tenant = opts.tenant ?? rt.config.tenant;
        await setTenantSuite(rt.vault, tenant, opts.suite);
        const bar = progressBar('re-encrypting');
        let r;
        try {
          r = await reencryptTenant(rt.vault, tenant, { onProgress: bar.onProgress });
        } finally {
          bar.stop();
        }
        await rt.ledger.appendEntry(tenant, {
          kind: 'admin',
          actor: { type: 'system', id: 'cli' },
          action: 'key.set-suite',
          decision: 'permit',
          channel: 'cli',
          details: { suite: opts.suite, owners: r.owners, resources: r.resources, blobs: r.blobs },
        });
        out(
          `tenant ${tenant} now uses ${opts.suite}; re-encrypted ${r.resources} resource(s) and ${r.blobs} blob(s) of ${r.owners} key owner(s)`,
        );
      }),
    );
  return keys;
}
