import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRuntime, type Runtime } from '../runtime/index.ts';
import { writeResources } from '../vault/index.ts';
import { buildApp } from './index.ts';
import { signInAs } from './testing.ts';

describe('GET /api/admin/keys', () => {
  let rt: Runtime;
  let app: FastifyInstance;

  beforeAll(async () => {
    rt = await createTestRuntime();
    app = await buildApp(rt);
    await writeResources(rt.vault, rt.config.tenant, [
      { resourceType: 'Patient', id: 'pk-1', name: [{ text: '孙一' }] },
      { resourceType: 'Patient', id: 'pk-2', name: [{ text: '孙二' }] },
    ]);
  });
  afterAll(async () => {
    await app.close();
    await rt.close();
  });

  it("gives officers the keyring and this tenant's data keys, never key material", async () => {
    const { headers } = await signInAs(rt, ['privacy-officer']);
    const r = await app.inject({ url: '/api/admin/keys', headers });
    expect(r.statusCode).toBe(200);
    const body = r.json() as {
      keyring: { activeKek: { id: string; createdAt: string }; keks: { id: string }[] };
      tenant: { tenant: string; suite: string; dataKeys: Record<string, number> };
      pendingRewrap: number;
    };
    expect(body.keyring.keks.map((k) => k.id)).toContain(body.keyring.activeKek.id);
    expect(body.tenant.tenant).toBe(rt.config.tenant);
    expect(body.tenant.suite).toBe('aes-256-gcm');
    expect(Object.values(body.tenant.dataKeys).reduce((a, b) => a + b, 0)).toBe(2);
    expect(body.pendingRewrap).toBe(0);
    // Nothing that looks like key bytes: no long base64 or hex runs anywhere in the answer.
    expect(r.body).not.toMatch(/[A-Za-z0-9+/=]{40,}|[0-9a-f]{40,}/);
  });

  it('refuses clinicians and anonymous callers', async () => {
    const { headers } = await signInAs(rt, ['physician']);
    expect((await app.inject({ url: '/api/admin/keys', headers })).statusCode).toBe(403);
    const anon = await app.inject({ url: '/api/admin/keys' });
    expect(anon.statusCode).toBe(401);
    expect(anon.headers['content-type']).toContain('application/problem+json');
  });
});
