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
  shredPatient,
  type DestructionRecord,
  type KeyJobProgress,
} from '../../vault/index.ts';
import { createLogger, runCommand } from '../run.ts';

const out = (s: string): void => {
  process.stdout.write(s + '\n');
};

async function withRuntime(
  body: (rt: Runtime) => Promise<number | void>,
  check?: () => void,
): Promise<void> {
  await runCommand(async (config) => {
    check?.();
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

/**
 * Progress of a key job on stderr: a bar on a terminal, otherwise a plain line at the start, at
 * every further tenth and at the end (logs and pipes keep a readable trace).
 */
function progressBar(label: string): { onProgress: (p: KeyJobProgress) => void; stop: () => void } {
  if (!process.stderr.isTTY) {
    let lastTenth = -1;
    return {
      onProgress(p) {
        const tenth = p.total === 0 ? 10 : Math.floor((p.done / p.total) * 10);
        if (tenth === lastTenth) return;
        lastTenth = tenth;
        process.stderr.write(
          `${label}: ${p.done}/${p.total}${p.total > 0 ? ` (${Math.floor((p.done / p.total) * 100)}%)` : ''}\n`,
        );
      },
      stop: () => {},
    };
  }
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

/** Options of `custos keys shred`. */
export interface ShredOptions {
  patient: string;
  reason: string;
  /** The operator's confirmation; without it nothing is destroyed. */
  yes?: boolean;
  /** Who asks (recorded in the destruction record and the ledger); default `cli`. */
  actor?: string;
  tenant?: string;
}

/**
 * `custos keys shred`: destroys every data key of one patient (crypto-shredding), stores the
 * destruction record and writes a `key.shred` entry to the ledger naming it. Refuses
 * (CUSTOS_INPUT_INVALID) without `yes` or without a reason; CUSTOS_NOT_FOUND for a patient the
 * vault holds nothing of; CUSTOS_CONFLICT when already destroyed.
 */
export async function shredPatientFromCli(
  rt: Pick<Runtime, 'vault' | 'ledger' | 'config'>,
  opts: ShredOptions,
): Promise<DestructionRecord> {
  checkShredOptions(opts);
  const tenant = opts.tenant ?? rt.config.tenant;
  const actor = opts.actor ?? 'cli';
  const rec = await shredPatient(rt.vault, tenant, opts.patient, {
    actor,
    reason: opts.reason.trim(),
  });
  await rt.ledger.appendEntry(tenant, {
    kind: 'admin',
    actor: { type: 'system', id: actor },
    patientId: opts.patient,
    action: 'key.shred',
    decision: 'permit',
    channel: 'cli',
    details: {
      destructionRecord: rec.id,
      recordDigest: rec.recordDigest,
      keys: rec.keyIds.length,
      resources: rec.resources,
      blobs: rec.blobs,
    },
  });
  return rec;
}

/** Refuses (CUSTOS_INPUT_INVALID) a shred without patient, reason or confirmation. */
function checkShredOptions(opts: ShredOptions): void {
  if (typeof opts.patient !== 'string' || opts.patient.trim() === '')
    throw new CustosError(ErrorCode.InputInvalid, 'give the patient id with --patient');
  if (typeof opts.reason !== 'string' || opts.reason.trim() === '')
    throw new CustosError(ErrorCode.InputInvalid, 'give the reason with --reason');
  if (!opts.yes)
    throw new CustosError(
      ErrorCode.InputInvalid,
      "shredding destroys the patient's data for good (backups included); add --yes to confirm",
    );
}

/**
 * `custos keys status|rotate|set-suite|shred`: shows the keyring and data-key counts, rotates the
 * key-encryption key (re-wrapping every data key online, with progress), or changes a tenant's
 * cipher suite and re-encrypts its data. Key operations are recorded in the ledger.
 */
export function keysCommand(): Command {
  const keys = new Command('keys').description(
    'key management: status, rotation, cipher suite, crypto-shredding',
  );

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
  keys
    .command('shred')
    .description(
      'crypto-shredding: destroy every data key of a patient so none of their data can be read again, and record the destruction',
    )
    .requiredOption('--patient <id>', 'patient id')
    .requiredOption('--reason <text>', 'why (stored in the destruction record; no personal data)')
    .option('--yes', 'confirm the irreversible destruction')
    .option('--actor <id>', 'who asks (default: cli)')
    .option('--tenant <tenant>', 'tenant (default: the configured one)')
    .option('--json', 'print the destruction record as JSON')
    .action((opts: ShredOptions & { json?: boolean }) =>
      withRuntime(
        async (rt) => {
          const rec = await shredPatientFromCli(rt, opts);
          if (opts.json) {
            out(JSON.stringify(rec, null, 2));
            return;
          }
          out(`destroyed ${rec.owner} in tenant ${rec.tenant} at ${rec.destroyedAt.toISOString()}`);
          out(
            `  ${rec.keyIds.length} data key(s); ${rec.resources} resource(s) and ${rec.blobs} blob(s) unreadable`,
          );
          out(`  destruction record ${rec.id}, digest ${rec.recordDigest}`);
        },
        () => checkShredOptions(opts),
      ),
    );
  return keys;
}
