import { readFileSync, statSync } from 'node:fs';
import { Command } from 'commander';
import { CustosError, ErrorCode, isCustosError } from '../../errors/index.ts';
import {
  formatToken,
  MAX_TRACE_BYTES,
  traceLeak,
  type DisclosureToken,
  type TraceResult,
  type WatermarkKey,
} from '../../watermark/index.ts';

/** What `custos trace` needs from the service: the tenant's watermark key and the ledger lookup. */
export interface TraceCommandDeps<E = unknown> {
  /** Loads the watermark key (default: --key-file, else CUSTOS_WATERMARK_KEY as hex or base64). */
  loadKey?: (opts: { keyFile?: string }) => Promise<WatermarkKey> | WatermarkKey;
  /** Maps a verified token to its ledger entry, or null when the ledger does not know it. */
  resolveToken?: (token: DisclosureToken) => Promise<E | null> | E | null;
  /** Records the trace itself in the ledger (every trace is ledgered). */
  recordTrace?: (file: string, result: TraceResult<E>) => Promise<void> | void;
}

function parseKey(text: string): Buffer {
  const t = text.trim();
  const k =
    /^[0-9a-fA-F]+$/.test(t) && t.length % 2 === 0
      ? Buffer.from(t, 'hex')
      : Buffer.from(t, 'base64');
  if (k.length < 16)
    throw new CustosError(ErrorCode.KeyUnavailable, 'watermark key must be at least 16 bytes');
  return k;
}

export function defaultLoadKey(opts: { keyFile?: string }): Buffer {
  if (opts.keyFile) {
    try {
      return parseKey(readFileSync(opts.keyFile, 'utf8'));
    } catch (e) {
      if (isCustosError(e)) throw e;
      throw new CustosError(ErrorCode.KeyUnavailable, 'watermark key file cannot be read');
    }
  }
  const env = process.env.CUSTOS_WATERMARK_KEY;
  if (!env)
    throw new CustosError(
      ErrorCode.KeyUnavailable,
      'no watermark key: pass --key-file or set CUSTOS_WATERMARK_KEY',
    );
  return parseKey(env);
}

/**
 * `custos trace FILE [--json]`: finds the disclosure tokens in a leaked photo, screenshot, image,
 * DICOM file or text and prints the ledger entry of each (through `resolveToken`).
 */
export function traceCommand<E = unknown>(deps: TraceCommandDeps<E> = {}): Command {
  return new Command('trace')
    .description('name the source of a leaked photo, screenshot, image, DICOM file or text')
    .argument('<file>', 'the leaked file ("-" reads standard input as text)')
    .option('--json', 'print the result as JSON')
    .option('--key-file <file>', 'watermark key (hex or base64), instead of CUSTOS_WATERMARK_KEY')
    .option('--no-screen', 'skip the screen-watermark (QR) decoder')
    .action(async (file: string, opts: { json?: boolean; keyFile?: string; screen: boolean }) => {
      try {
        const key = await (deps.loadKey ?? defaultLoadKey)({ keyFile: opts.keyFile });
        let input: Buffer | string;
        if (file === '-') input = readFileSync(0, 'utf8');
        else {
          let size: number;
          try {
            size = statSync(file).size;
          } catch {
            throw new CustosError(ErrorCode.InputInvalid, 'file cannot be read');
          }
          if (size > MAX_TRACE_BYTES)
            throw new CustosError(ErrorCode.InputInvalid, 'file is too large to trace');
          input = readFileSync(file);
        }
        const result = await traceLeak<E>(input, {
          key,
          skipScreen: !opts.screen,
          ...(deps.resolveToken ? { resolveToken: deps.resolveToken } : {}),
        });
        await deps.recordTrace?.(file, result);
        if (opts.json) {
          process.stdout.write(
            JSON.stringify(
              {
                kind: result.kind,
                tried: result.tried,
                findings: result.findings.map((f) => ({
                  token: f.token.text,
                  entryRef: f.token.entryRef,
                  channel: f.channel,
                  confidence: f.confidence,
                  evidence: f.evidence,
                  entry: f.entry ?? null,
                })),
              },
              null,
              2,
            ) + '\n',
          );
        } else if (result.findings.length === 0) {
          process.stdout.write(
            `no watermark found (${result.kind}; tried ${result.tried.join(', ') || 'nothing'})\n`,
          );
        } else {
          for (const f of result.findings) {
            process.stdout.write(
              `${formatToken(f.token)}  entry ${f.token.entryRef}  via ${f.channel}  confidence ${f.confidence.toFixed(6)}\n`,
            );
            if (f.entry !== undefined)
              process.stdout.write(
                `  ${f.entry === null ? 'not in the ledger' : JSON.stringify(f.entry)}\n`,
              );
          }
        }
        process.exitCode = result.findings.length > 0 ? 0 : 3;
      } catch (e) {
        if (isCustosError(e)) {
          process.stderr.write(`custos: ${e.code}: ${e.message}\n`);
          process.exitCode = e.code === 'CUSTOS_INPUT_INVALID' ? 2 : 1;
          return;
        }
        throw e;
      }
    });
}
