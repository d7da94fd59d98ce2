import {
  accessSync,
  constants,
  createReadStream,
  createWriteStream,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { Command, Option } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import {
  createEd25519Verifier,
  createSm2Verifier,
  exportTreeHead,
  importAuditLog,
  parseCsvMapping,
  parseExportedHead,
  getTreeHead,
  formatSyslogMessage,
  streamEntries,
  toFhirAuditEvent,
  verifyLedger,
  verifyTreeHeadSignature,
  type LedgerTables,
  type Signer,
  type TreeHead,
  type VerifyReport,
} from '../../ledger/index.ts';
import { createRuntime, type Runtime } from '../../runtime/index.ts';
import { loadSigningKey } from '../../crypto/index.ts';
import { CustosError, ErrorCode } from '../../errors/index.ts';
import type { Kysely } from 'kysely';
import { createLogger, ExitCode, parsePositiveInt, runCommand } from '../run.ts';

/** Keyring name of the SM2 tree-head key (tenants on the SM suite). */
const SM2_HEAD_KEY = 'ledger-tree-head-sm2';

const out = (s: string): void => {
  process.stdout.write(s + '\n');
};

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new CustosError(ErrorCode.InputInvalid, `${what} ${file} cannot be read`);
  }
}

async function withRuntime<T>(body: (rt: Runtime) => Promise<T>): Promise<void> {
  await runCommand(async (config) => {
    const rt = await createRuntime(config, {
      log: createLogger({ logLevel: 'error' }),
      headIntervalMs: 0,
    });
    try {
      const r = await body(rt);
      return typeof r === 'number' ? r : undefined;
    } finally {
      await rt.close();
    }
  });
}

/** Keys to trust: the service's own signing key plus any pinned public keys given on the command line. */
function trustedKeys(rt: Runtime, files: string[] | undefined): Signer[] {
  const keys: Signer[] = [rt.signer];
  // The SM2 key of tenants on the SM suite, once one was made.
  if (rt.keyring.getSecret(`signing:${SM2_HEAD_KEY}`))
    keys.push(createSm2Verifier(loadSigningKey(rt.keyring, SM2_HEAD_KEY).publicKeyPem));
  for (const f of files ?? []) {
    const pem = readText(f, 'public key file');
    let key: Signer;
    try {
      key = createEd25519Verifier(pem);
    } catch {
      key = createSm2Verifier(pem);
    }
    keys.push(key);
  }
  return keys;
}

function printReport(r: VerifyReport): number {
  for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
  if (r.ok) {
    out(
      `ledger of ${r.tenant} verified: entries ${r.from}..${r.to} (${r.checkedEntries} checked), ${r.checkedHeads} signed tree heads, ${r.checkedExportedHeads} exported heads, ${r.checkedNodes} stored subtrees`,
    );
    return 0;
  }
  const bad = r.firstBad as NonNullable<VerifyReport['firstBad']>;
  out(`LEDGER DAMAGED (${r.tenant}): first bad entry ${bad.seq}: ${bad.reason}`);
  return ExitCode.Failure;
}

async function runVerify(
  rt: Runtime,
  tenant: string,
  opts: { from?: number; to?: number; publicKey?: string[] },
  heads: TreeHead[],
): Promise<number> {
  const db = rt.store.db as Kysely<LedgerTables>;
  const bar = new SingleBar(
    { format: 'verifying {bar} {value}/{total} entries', stream: process.stderr, hideCursor: true },
    Presets.shades_classic,
  );
  let started = false;
  const report = await verifyLedger(db, {
    tenant,
    ...(opts.from !== undefined ? { from: opts.from } : {}),
    ...(opts.to !== undefined ? { to: opts.to } : {}),
    signers: trustedKeys(rt, opts.publicKey),
    exportedHeads: heads,
    onProgress: (done, total) => {
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.update(done);
    },
  });
  if (started) bar.stop();
  return printReport(report);
}

/**
 * `custos audit verify|export-head|check-head`: verification of the access ledger (exit code 1 and
 * the first bad sequence number on a damaged ledger) and tree heads for outside witnesses.
 */
export function auditCommand(): Command {
  const audit = new Command('audit').description(
    'verify the tamper-evident access ledger and exchange signed tree heads',
  );
  const tenantOption = () => new Option('--tenant <id>', 'tenant (default: CUSTOS_TENANT)');

  audit
    .command('verify')
    .description(
      'check every entry hash, the chain, the Merkle tree heads and their signatures; names the first bad entry',
    )
    .option('--from <seq>', 'first sequence number to check')
    .option('--to <seq>', 'last sequence number to check')
    .addOption(tenantOption())
    .option(
      '--public-key <file...>',
      'additional pinned Ed25519 or SM2 public keys (PEM) to accept',
    )
    .option(
      '--head <file...>',
      'exported tree heads kept by witnesses: also detect a rollback behind them',
    )
    .action(
      (o: { from?: string; to?: string; tenant?: string; publicKey?: string[]; head?: string[] }) =>
        withRuntime(async (rt) => {
          const heads = (o.head ?? []).map((f) => parseExportedHead(readText(f, 'head file')));
          return runVerify(
            rt,
            o.tenant ?? rt.config.tenant,
            {
              ...(o.from
                ? { from: parsePositiveInt('--from', o.from, Number.MAX_SAFE_INTEGER) }
                : {}),
              ...(o.to ? { to: parsePositiveInt('--to', o.to, Number.MAX_SAFE_INTEGER) } : {}),
              ...(o.publicKey ? { publicKey: o.publicKey } : {}),
            },
            heads,
          );
        }),
    );

  audit
    .command('export-head')
    .description(
      'sign a tree head over everything recorded so far and print it (JSON) for an outside witness',
    )
    .addOption(tenantOption())
    .option('--out <file>', 'write to a file instead of stdout')
    .action((o: { tenant?: string; out?: string }) =>
      withRuntime(async (rt) => {
        const tenant = o.tenant ?? rt.config.tenant;
        const head =
          (await rt.ledger.signTreeHead(tenant)) ??
          (await getTreeHead(rt.store.db as Kysely<LedgerTables>, tenant));
        if (!head)
          throw new CustosError(
            ErrorCode.NotFound,
            `the ledger of ${tenant} is empty; there is no head to export`,
          );
        const text = exportTreeHead(
          head,
          trustedKeys(rt, []).find((k) => k.keyId === head.keyId)?.publicKeyPem,
        );
        if (o.out) writeFileSync(o.out, text, { mode: 0o644 });
        else process.stdout.write(text);
        if (o.out) out(`tree head of ${head.treeSize} entries written to ${o.out}`);
      }),
    );

  audit
    .command('check-head <file>')
    .description(
      'check an exported tree head against this database: signature, and that the database still holds exactly those entries',
    )
    .option(
      '--public-key <file...>',
      'additional pinned Ed25519 or SM2 public keys (PEM) to accept',
    )
    .action((file: string, o: { publicKey?: string[] }) =>
      withRuntime(async (rt) => {
        const head = parseExportedHead(readText(file, 'head file'));
        const sig = verifyTreeHeadSignature(head, trustedKeys(rt, o.publicKey));
        if (!sig.ok)
          throw new CustosError(
            ErrorCode.InputInvalid,
            `exported tree head rejected: ${sig.reason}`,
          );
        return runVerify(rt, head.tenant, { ...(o.publicKey ? { publicKey: o.publicKey } : {}) }, [
          head,
        ]);
      }),
    );

  audit
    .command('export')
    .description(
      'write the ledger out as FHIR AuditEvent NDJSON (IHE Basic Audit Log Patterns) or RFC 5424 syslog lines (IHE ATNA style), in chain order',
    )
    .addOption(
      new Option('--format <format>', 'output format')
        .choices(['fhir', 'syslog'])
        .makeOptionMandatory(),
    )
    .option(
      '--from <seq|time>',
      'first entry: a sequence number, or an ISO 8601 time (recorded at or after)',
    )
    .option(
      '--to <seq|time>',
      'last entry: a sequence number, or an ISO 8601 time (recorded at or before)',
    )
    .option('--out <file>', 'write to a file instead of stdout')
    .addOption(tenantOption())
    .action(
      (o: {
        format: 'fhir' | 'syslog';
        from?: string;
        to?: string;
        out?: string;
        tenant?: string;
      }) => {
        const from = o.from === undefined ? undefined : parseBound('--from', o.from);
        const to = o.to === undefined ? undefined : parseBound('--to', o.to);
        return withRuntime((rt) =>
          runExport(rt, o.tenant ?? rt.config.tenant, o.format, from, to, o.out),
        );
      },
    );
  return audit;
}

/** A bound of an export: a sequence number or a time. */
type Bound = { seq: number } | { time: Date };

/** Parses --from / --to, or exits with a usage message naming the option. */
function parseBound(name: string, raw: string): Bound {
  if (/^\d+$/.test(raw) && Number(raw) >= 1 && Number.isSafeInteger(Number(raw)))
    return { seq: Number(raw) };
  if (/^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(raw)) {
    const t = Date.parse(raw);
    if (!Number.isNaN(t)) return { time: new Date(t) };
  }
  process.stderr.write(
    `custos: ${name} must be a sequence number (1 or more) or an ISO 8601 time such as 2025-01-31T08:00:00Z, got "${raw}"\n`,
  );
  process.exit(ExitCode.Usage);
}

/** The sequence number a bound stands for in the tenant's chain (times: by recorded_at). */
async function resolveBound(
  db: Kysely<LedgerTables>,
  tenant: string,
  b: Bound,
  side: 'from' | 'to',
): Promise<number> {
  if ('seq' in b) return b.seq;
  const r = await db
    .selectFrom('ledger_entry')
    .select((eb) => (side === 'from' ? eb.fn.min('seq') : eb.fn.max('seq')).as('seq'))
    .where('tenant_id', '=', tenant)
    .where('recorded_at', side === 'from' ? '>=' : '<=', b.time)
    .executeTakeFirst();
  const seq = r?.seq;
  if (seq === null || seq === undefined) return side === 'from' ? Number.MAX_SAFE_INTEGER : 0;
  return Number(seq);
}

async function write(outStream: Writable, text: string): Promise<void> {
  if (!outStream.write(text)) await once(outStream, 'drain');
}

async function runExport(
  rt: Runtime,
  tenant: string,
  format: 'fhir' | 'syslog',
  fromBound: Bound | undefined,
  toBound: Bound | undefined,
  file: string | undefined,
): Promise<number> {
  const db = rt.store.db as Kysely<LedgerTables>;
  const from = fromBound ? await resolveBound(db, tenant, fromBound, 'from') : 1;
  const to = toBound ? await resolveBound(db, tenant, toBound, 'to') : Number.MAX_SAFE_INTEGER;
  const counted = await db
    .selectFrom('ledger_entry')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('tenant_id', '=', tenant)
    .where('seq', '>=', from)
    .where('seq', '<=', to)
    .executeTakeFirst();
  const total = Number(counted?.n ?? 0);
  let target: Writable = process.stdout;
  if (file) {
    target = createWriteStream(file, { mode: 0o600 });
    await once(target, 'open').catch(() => {
      throw new CustosError(ErrorCode.InputInvalid, `output file ${file} cannot be written`);
    });
  }
  const bar = new SingleBar(
    { format: 'exporting {bar} {value}/{total} entries', stream: process.stderr, hideCursor: true },
    Presets.shades_classic,
  );
  bar.start(total, 0);
  let n = 0;
  let first = 0;
  let last = 0;
  try {
    for await (const e of streamEntries(db, { tenant, fromSeq: from, toSeq: to, pageSize: 2000 })) {
      await write(
        target,
        (format === 'fhir' ? JSON.stringify(toFhirAuditEvent(e)) : formatSyslogMessage(e)) + '\n',
      );
      if (n === 0) first = e.seq;
      last = e.seq;
      if (++n % 1000 === 0) bar.update(n);
    }
  } finally {
    bar.update(n);
    bar.stop();
    if (file) {
      target.end();
      await once(target, 'finish');
    }
  }
  process.stderr.write(
    n === 0
      ? `no entries of ${tenant} in the range; nothing exported\n`
      : `exported ${n} entries of ${tenant} (${first}..${last}) as ${format === 'fhir' ? 'FHIR AuditEvent NDJSON' : 'RFC 5424 syslog'}${file ? ` to ${file}` : ''}\n`,
  );
  return 0;
}

/**
 * `custos import audit FILE --format fhir|csv [--mapping M]`: imports another system's audit log
 * into the ledger. Returns the `audit` subcommand; mount it under an `import` command.
 */
export function importAuditCommand(): Command {
  return new Command('audit')
    .description(
      "import another system's audit log (FHIR AuditEvent NDJSON or CSV) into the ledger; re-importing adds nothing",
    )
    .argument('<file>', 'the audit log file')
    .addOption(
      new Option('--format <format>', 'file format').choices(['fhir', 'csv']).makeOptionMandatory(),
    )
    .option('--mapping <file>', 'CSV column mapping (JSON, see docs/ledger.md)')
    .option('--source <name>', 'source system name when the records do not carry one')
    .option('--tenant <id>', 'tenant (default: CUSTOS_TENANT)')
    .action(
      (
        file: string,
        o: { format: 'fhir' | 'csv'; mapping?: string; source?: string; tenant?: string },
      ) =>
        withRuntime(async (rt) => {
          const mapping = o.mapping
            ? parseCsvMapping(readText(o.mapping, 'mapping file'))
            : undefined;
          try {
            accessSync(file, constants.R_OK);
          } catch {
            throw new CustosError(ErrorCode.InputInvalid, `audit log ${file} cannot be read`);
          }
          const report = await importAuditLog(rt.ledger, {
            tenant: o.tenant ?? rt.config.tenant,
            format: o.format,
            input: createReadStream(file),
            ...(mapping ? { mapping } : {}),
            ...(o.source ? { sourceSystem: o.source } : {}),
          });
          out(
            `imported ${report.accepted} entries, ${report.duplicates} already present, ${report.rejected} rejected of ${report.lines} records`,
          );
          for (const r of report.rejections) process.stderr.write(`line ${r.line}: ${r.reason}\n`);
          if (report.rejected > report.rejections.length)
            process.stderr.write(
              `… and ${report.rejected - report.rejections.length} more rejected lines\n`,
            );
          return report.rejected > 0 ? ExitCode.Failure : 0;
        }),
    );
}
