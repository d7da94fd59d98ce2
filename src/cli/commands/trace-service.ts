import { hostname, userInfo } from 'node:os';
import type { LedgerEntry } from '../../ledger/index.ts';
import { createRuntime, type Runtime } from '../../runtime/index.ts';
import { loadConfig } from '../../config/index.ts';
import type { DisclosureToken } from '../../watermark/index.ts';
import { createLogger } from '../run.ts';
import { defaultLoadKey, type TraceCommandDeps } from './trace.ts';

/**
 * The service side of `custos trace`: the watermark key from the keyring, tokens resolved to their
 * ledger entries, and every trace recorded in the ledger. The runtime opens on first use;
 * `close()` releases it.
 */
export function traceServiceDeps(): {
  deps: TraceCommandDeps<LedgerEntry>;
  close(): Promise<void>;
} {
  let rt: Promise<Runtime> | undefined;
  const runtime = () => {
    const config = loadConfig();
    rt ??= createRuntime(config, { log: createLogger({ logLevel: 'error' }), headIntervalMs: 0 });
    return rt;
  };
  return {
    deps: {
      loadKey: async (opts) => {
        // An explicit key (offline tracing of another site's files) wins over the keyring's.
        if (opts.keyFile || process.env.CUSTOS_WATERMARK_KEY) return defaultLoadKey(opts);
        return (await runtime()).watermarkKey;
      },
      // The disclosure path issued the token; it verifies the MAC and finds the ledger entry.
      resolveToken: async (token: DisclosureToken) => {
        const r = await runtime();
        return r.access.resolveWatermarkToken(r.config.tenant, token.text);
      },
      recordTrace: async (_file, result) => {
        const r = await runtime();
        await r.ledger.appendEntry(r.config.tenant, {
          kind: 'admin',
          actor: { type: 'system', id: `cli:${userInfo().username}@${hostname()}` },
          action: 'trace',
          channel: 'cli',
          details: {
            kind: result.kind,
            tried: result.tried,
            tokens: result.findings.map((f) => f.token.text),
          },
        });
      },
    },
    async close() {
      if (rt) await (await rt).close();
    },
  };
}
