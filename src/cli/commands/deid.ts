/**
 * `custos deid text|dicom|dataset`: de-identification from the command line (thin over src/deid).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import { CustosError, ErrorCode } from '../../errors/index.ts';
import {
  anonymizeDataset,
  createAnalyzer,
  decodeUtf8,
  deidentifyDicom,
  deidentifyText,
  readCsv,
  writeCsv,
  type DicomProfile,
  type OperatorConfig,
} from '../../deid/index.ts';

/** Reads the project key from --key-file or CUSTOS_DEID_KEY (hex or base64, ≥ 16 bytes). */
function loadKey(keyFile: string | undefined): Uint8Array | undefined {
  const raw = keyFile
    ? readFileSync(keyFile, 'utf8').trim()
    : process.env['CUSTOS_DEID_KEY']?.trim();
  if (!raw) return undefined;
  const key =
    /^[0-9a-fA-F]+$/.test(raw) && raw.length % 2 === 0
      ? Buffer.from(raw, 'hex')
      : Buffer.from(raw, 'base64');
  if (key.length < 16)
    throw new CustosError(
      ErrorCode.ConfigInvalid,
      'the de-identification key must be at least 16 bytes',
    );
  return key;
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function listDicom(path: string): string[] {
  const st = statSync(path);
  if (st.isFile()) return [path];
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  walk(path);
  return out.sort();
}

/** Builds the `deid` command with its `text`, `dicom` and `dataset` subcommands. */
export function deidCommand(): Command {
  const cmd = new Command('deid').description(
    'de-identify free text, DICOM files and research datasets',
  );

  cmd
    .command('text')
    .description('de-identify text from stdin to stdout')
    .addOption(
      new Option('--lang <lang>', 'language of the text')
        .choices(['zh', 'en', 'auto'])
        .default('auto'),
    )
    .addOption(
      new Option('--format <format>', 'json: one finding per line; text: the de-identified text')
        .choices(['json', 'text'])
        .default('text'),
    )
    .addOption(
      new Option('--operator <op>', 'replacement for each finding')
        .choices(['tag', 'redact', 'mask', 'pseudonym'])
        .default('tag'),
    )
    .option('--patient <id>', 'patient id for consistent date shifting (needs a key)')
    .option('--key-file <path>', 'project key file (hex or base64); default env CUSTOS_DEID_KEY')
    .option('--threshold <n>', 'minimum score', (v) => Number(v))
    .option('--report', 'print residual findings of the re-scan to stderr')
    .action(
      async (o: {
        lang: 'zh' | 'en' | 'auto';
        format: 'json' | 'text';
        operator: OperatorConfig['type'];
        patient?: string;
        keyFile?: string;
        threshold?: number;
        report?: boolean;
      }) => {
        const text = decodeUtf8(await readStdin(), 'stdin');
        const analyzer = createAnalyzer(
          o.threshold !== undefined ? { threshold: o.threshold } : {},
        );
        if (o.format === 'json') {
          for (const f of analyzer.analyze(text, { lang: o.lang })) {
            process.stdout.write(
              JSON.stringify({
                start: f.start,
                end: f.end,
                type: f.type,
                score: Number(f.score.toFixed(3)),
                text: text.slice(f.start, f.end),
                why: f.why,
              }) + '\n',
            );
          }
          return;
        }
        const key = loadKey(o.keyFile);
        if (o.operator === 'pseudonym' && !key)
          throw new CustosError(
            ErrorCode.ConfigInvalid,
            'pseudonyms need a key: --key-file or CUSTOS_DEID_KEY',
          );
        const res = deidentifyText(text, {
          lang: o.lang,
          analyzer,
          key,
          patientId: o.patient,
          operators: { default: { type: o.operator } as OperatorConfig },
        });
        process.stdout.write(res.text);
        if (o.report || res.residual.length > 0)
          process.stderr.write(
            `deid: ${res.findings.length} findings replaced, ${res.residual.length} residual after re-scan\n`,
          );
      },
    );

  cmd
    .command('dicom')
    .description('de-identify a DICOM file or every file of a folder (PS3.15 Annex E)')
    .argument('<in>', 'file or folder')
    .argument('<out>', 'file or folder')
    .addOption(
      new Option('--profile <profile>', 'option set')
        .choices(['basic', 'research', 'teaching'])
        .default('basic'),
    )
    .option(
      '--key-file <path>',
      'project key file; default env CUSTOS_DEID_KEY (UIDs are remapped consistently under it)',
    )
    .option('--keep-private <tags>', 'comma-separated private tags to keep (gggg eeee hex)')
    .option(
      '--reject-unmaskable',
      'fail images that may carry burned-in text that cannot be masked',
    )
    .option('--json', 'print one JSON report line per file')
    .action(
      (
        input: string,
        output: string,
        o: {
          profile: DicomProfile;
          keyFile?: string;
          keepPrivate?: string;
          rejectUnmaskable?: boolean;
          json?: boolean;
        },
      ) => {
        let key = loadKey(o.keyFile);
        if (!key) {
          key = randomBytes(32);
          process.stderr.write(
            'deid: no key given; using a one-off random key (UIDs will not match other runs)\n',
          );
        }
        const files = listDicom(input);
        const single = statSync(input).isFile();
        const bar =
          process.stderr.isTTY && !o.json
            ? new cliProgress.SingleBar(
                { format: 'deid dicom [{bar}] {value}/{total}' },
                cliProgress.Presets.shades_classic,
              )
            : undefined;
        bar?.start(files.length, 0);
        const failed: { file: string; code: string; message: string }[] = [];
        let ok = 0;
        for (const f of files) {
          const target = single ? output : join(output, relative(input, f));
          try {
            const { output: bytes, report } = deidentifyDicom(readFileSync(f), {
              key,
              profile: o.profile,
              privateAllowList: o.keepPrivate?.split(',').map((s) => s.trim()),
              rejectUnmaskable: o.rejectUnmaskable,
            });
            mkdirSync(dirname(target), { recursive: true });
            writeFileSync(target, bytes);
            ok++;
            if (o.json)
              process.stdout.write(
                JSON.stringify({
                  file: f,
                  ok: true,
                  actions: report.actions,
                  burnedIn: report.burnedIn.status,
                  warnings: report.warnings,
                }) + '\n',
              );
          } catch (e) {
            const code = e instanceof CustosError ? e.code : ErrorCode.Internal;
            const message = e instanceof CustosError ? e.message : 'unexpected failure';
            failed.push({ file: f, code, message });
            if (o.json)
              process.stdout.write(JSON.stringify({ file: f, ok: false, code, message }) + '\n');
          }
          bar?.increment();
        }
        bar?.stop();
        process.stderr.write(`deid dicom: ${ok} written, ${failed.length} failed\n`);
        for (const x of failed) process.stderr.write(`  ${x.file}: ${x.code}: ${x.message}\n`);
        if (failed.length > 0) process.exitCode = single || ok === 0 ? 1 : 2;
      },
    );

  cmd
    .command('dataset')
    .description('k-anonymise a CSV extract')
    .argument('<in>', 'input CSV with a header row')
    .argument('<out>', 'output CSV')
    .requiredOption('--k <k>', 'minimum class size', (v) => Number(v))
    .requiredOption('--quasi <cols>', 'comma-separated quasi-identifier columns')
    .option('--sensitive <cols>', 'comma-separated sensitive columns')
    .option('--l <l>', 'distinct l-diversity of sensitive columns', (v) => Number(v))
    .option('--drop <cols>', 'comma-separated direct identifiers to remove')
    .option('--max-suppression <fraction>', 'largest fraction of rows to suppress', (v) =>
      Number(v),
    )
    .option('--report <path>', 'write the information-loss report as JSON')
    .action(
      (
        input: string,
        output: string,
        o: {
          k: number;
          quasi: string;
          sensitive?: string;
          l?: number;
          drop?: string;
          maxSuppression?: number;
          report?: string;
        },
      ) => {
        const split = (s?: string): string[] =>
          s
            ? s
                .split(',')
                .map((x) => x.trim())
                .filter(Boolean)
            : [];
        const { header, rows } = readCsv(
          decodeUtf8(readFileSync(input), basename(input)),
          basename(input),
        );
        const res = anonymizeDataset(header, rows, {
          k: o.k,
          quasi: split(o.quasi),
          sensitive: split(o.sensitive),
          l: o.l,
          drop: split(o.drop),
          maxSuppression: o.maxSuppression,
        });
        writeFileSync(output, writeCsv(res.header, res.rows));
        const r = res.report;
        if (o.report) writeFileSync(o.report, JSON.stringify(r, null, 2));
        process.stderr.write(
          `deid dataset: ${r.rowsOut}/${r.rows} rows kept, ${r.suppressed} suppressed, ${r.classes} classes (min ${r.minClassSize}), precision loss ${r.precisionLoss.toFixed(3)}; levels ${Object.entries(
            r.levels,
          )
            .map(([c, v]) => `${c}=${v.level}/${v.height}`)
            .join(' ')}\n`,
        );
      },
    );
  return cmd;
}
