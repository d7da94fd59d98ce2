/**
 * How the service serves the built console: index.html for console paths (never cached), hashed
 * assets with long caching, API and documentation paths untouched (unknown ones stay problem+json
 * 404s), and a clear 404 when the console has not been built. Runs without a browser.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleError, handleNotFound } from '../src/api/problem.ts';
import { consoleRoutes } from '../src/api/routes/console.ts';
import type { Runtime } from '../src/runtime/index.ts';

const log = { warn: () => undefined } as unknown as Runtime['log'];
const runtime = { log } as unknown as Runtime;

async function appServing(distDir: string): Promise<FastifyInstance> {
  const app = Fastify();
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(handleNotFound);
  app.get('/api/ping', async () => ({ pong: true }));
  app.get('/docs/json', async () => ({ openapi: '3.0.0' }));
  await app.register(consoleRoutes, { runtime, distDir });
  return app;
}

describe('console serving', () => {
  let app: FastifyInstance;
  let empty: FastifyInstance;

  beforeAll(async () => {
    const dist = mkdtempSync(join(tmpdir(), 'custos-dist-'));
    mkdirSync(join(dist, 'assets'));
    writeFileSync(join(dist, 'index.html'), '<!doctype html><div id="root"></div>');
    writeFileSync(join(dist, 'assets', 'index-abc123.js'), 'console.log(1)');
    writeFileSync(join(dist, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    writeFileSync(join(dist, '.env'), 'SECRET=1');
    app = await appServing(dist);
    empty = await appServing(mkdtempSync(join(tmpdir(), 'custos-nodist-')));
  });
  afterAll(async () => {
    await app.close();
    await empty.close();
  });

  it.each(['/', '/admin/staff', '/setup?token=abc', '/officer/alerts', '/no/such/page'])(
    'answers %s with index.html, not cached',
    async (url) => {
      const r = await app.inject({ url });
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toContain('text/html');
      expect(r.headers['cache-control']).toBe('no-cache');
      expect(r.body).toContain('<div id="root">');
    },
  );

  it('serves hashed assets with long caching and top-level files of the build', async () => {
    const js = await app.inject({ url: '/assets/index-abc123.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toContain('javascript');
    expect(js.headers['cache-control']).toContain('immutable');
    const icon = await app.inject({ url: '/favicon.svg' });
    expect(icon.statusCode).toBe(200);
    expect(icon.headers['content-type']).toContain('image/svg+xml');
  });

  it('leaves API and documentation paths to the API: unknown ones are problem+json 404s', async () => {
    expect((await app.inject({ url: '/api/ping' })).json()).toEqual({ pong: true });
    expect((await app.inject({ url: '/docs/json' })).json()).toEqual({ openapi: '3.0.0' });
    for (const url of ['/api/nothing', '/api', '/docs/nothing', '/assets/missing-1.js']) {
      const r = await app.inject({ url });
      expect(r.statusCode, url).toBe(404);
      expect(r.headers['content-type'], url).toContain('application/problem+json');
      expect(r.json().code, url).toBe('CUSTOS_NOT_FOUND');
    }
    // Non-GET methods on console paths are not console requests.
    expect((await app.inject({ method: 'POST', url: '/admin/staff' })).statusCode).toBe(404);
  });

  it('never serves files outside the build or hidden files', async () => {
    for (const url of ['/.env', '/assets/../.env', '/assets/%2e%2e/.env', '/assets/.env']) {
      const r = await app.inject({ url });
      expect(r.body, url).not.toContain('SECRET');
    }
  });

  it('says how to build the console when web/dist is missing, and the API keeps working', async () => {
    const r = await empty.inject({ url: '/admin/staff' });
    expect(r.statusCode).toBe(404);
    expect(r.json()).toMatchObject({ code: 'CUSTOS_NOT_FOUND' });
    expect(r.json().detail).toContain('npm run build:web');
    expect((await empty.inject({ url: '/api/ping' })).statusCode).toBe(200);
  });
});
