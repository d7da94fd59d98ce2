import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';
import fastifyStatic from '@fastify/static';
import { CustosError, ErrorCode } from '../../errors/index.ts';
import type { Runtime } from '../../runtime/index.ts';

/** Where `npm run build:web` writes the console (web/dist at the repository root). */
export const CONSOLE_DIST = resolve(dirname(fileURLToPath(import.meta.url)), '../../../web/dist');

/** Paths that belong to the API, never to the console (unknown ones stay problem+json 404s). */
const API_PATH = /^\/(api|docs)(\/|$)/;
/** Hashed build assets: safe to cache for a year. */
const ASSET_PATH = /^\/assets\/[\w-][\w.-]*$/;

/** Options of the console plugin. */
export interface ConsoleOptions {
  runtime: Runtime;
  /** The built console (default: web/dist). */
  distDir?: string;
}

/**
 * Serves the built web console at `/`: hashed files under /assets with long caching, the other
 * top-level files of the build as they are, and index.html (never cached) for every other GET
 * that is not an API or documentation path, so the console's own routes survive a reload.
 * Register it after all other routes; without a build it answers with a problem+json 404 that
 * says how to build it, and the API keeps working.
 */
export const consoleRoutes: FastifyPluginAsync<ConsoleOptions> = async (app, opts) => {
  const root = opts.distDir ?? CONSOLE_DIST;
  const built = existsSync(join(root, 'index.html'));
  if (!built) opts.runtime.log.warn('web console is not built (run npm run build:web)');
  const topFiles = new Set(
    built
      ? readdirSync(root).filter((f) => f !== 'index.html' && statSync(join(root, f)).isFile())
      : [],
  );

  // Cache headers are set per kind of file below, not by the plugin.
  await app.register(fastifyStatic, {
    root,
    serve: false,
    index: false,
    dotfiles: 'deny',
    cacheControl: false,
  });

  app.get('/*', { schema: { hide: true } }, async (req, reply) => {
    const path = req.url.split('?')[0] ?? '/';
    if (API_PATH.test(path)) throw new CustosError(ErrorCode.NotFound, `no route GET ${path}`);
    if (!built)
      throw new CustosError(
        ErrorCode.NotFound,
        'the web console is not built; run npm run build:web',
      );
    if (ASSET_PATH.test(path)) {
      return reply
        .header('cache-control', 'public, max-age=31536000, immutable')
        .sendFile(path.slice(1));
    }
    const top = path.slice(1);
    if (topFiles.has(top))
      return reply.header('cache-control', 'public, max-age=3600').sendFile(top);
    // A console route (or a mistyped one): the console decides what to show.
    return reply.header('cache-control', 'no-cache').type('text/html').sendFile('index.html');
  });
};
