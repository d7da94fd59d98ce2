import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isCustosError } from '../errors/index.ts';
import { DEMO_LIMITS } from '../demo/index.ts';
import { loadConfig } from './index.ts';

const cwd = mkdtempSync(join(tmpdir(), 'custos-config-'));

function settingOf(env: Record<string, string>, dir = cwd): string | undefined {
  try {
    loadConfig(env, dir);
    return undefined;
  } catch (e) {
    if (isCustosError(e, 'CUSTOS_CONFIG_INVALID')) return String(e.extra.setting);
    throw e;
  }
}

describe('loadConfig', () => {
  it('has safe defaults: embedded database in ./data, port 8080, loopback only', () => {
    const c = loadConfig({}, cwd);
    expect(c.dataDir).toBe(join(cwd, 'data'));
    expect(c.databaseUrl).toBeUndefined();
    expect(c.port).toBe(8080);
    expect(c.host).toBe('127.0.0.1');
    expect(c.demo).toBe(true);
  });

  it('switches to PostgreSQL with a postgres:// URL', () => {
    expect(
      loadConfig({ DATABASE_URL: 'postgres://u@localhost:5432/custos' }, cwd).databaseUrl,
    ).toBe('postgres://u@localhost:5432/custos');
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ PORT: '-1' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://localhost/x' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'postgres://localhost' }, 'DATABASE_URL'],
    [{ CUSTOS_DEMO: 'maybe' }, 'CUSTOS_DEMO'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ CUSTOS_TENANT: 'Bad Tenant!' }, 'CUSTOS_TENANT'],
    [{ CUSTOS_DEMO_PATIENTS: '0' }, 'CUSTOS_DEMO_PATIENTS'],
    [{ CUSTOS_CONFIG: '/nonexistent/custos.json' }, 'CUSTOS_CONFIG'],
  ])('rejects %j naming %s', (env, setting) => {
    expect(settingOf(env)).toBe(setting);
  });

  it('reads an optional config file, environment wins, unknown keys are rejected', () => {
    const dir = mkdtempSync(join(tmpdir(), 'custos-config-file-'));
    writeFileSync(
      join(dir, 'custos.config.json'),
      JSON.stringify({ port: 9000, demo: false, tenant: 'h1' }),
    );
    const c = loadConfig({ PORT: '9100' }, dir);
    expect(c.port).toBe(9100);
    expect(c.demo).toBe(false);
    expect(c.tenant).toBe('h1');
    writeFileSync(join(dir, 'custos.config.json'), JSON.stringify({ prot: 9000 }));
    expect(settingOf({}, dir)).toContain('prot');
    writeFileSync(join(dir, 'custos.config.json'), '{ not json');
    expect(settingOf({}, dir)).toBe('CUSTOS_CONFIG');
  });

  it('takes a message gateway over https (or loopback http) with a strong secret from the environment only', () => {
    const secret = 's'.repeat(32);
    const ok = loadConfig(
      {
        CUSTOS_MESSAGE_GATEWAY_URL: 'https://sms.hospital.example/send',
        CUSTOS_MESSAGE_GATEWAY_SECRET: secret,
      },
      cwd,
    );
    expect(ok.messageGatewayUrl).toBe('https://sms.hospital.example/send');
    expect(ok.messageGatewaySecret).toBe(secret);
    expect(loadConfig({}, cwd).messageGatewayUrl).toBeUndefined();
    const local = { CUSTOS_MESSAGE_GATEWAY_SECRET: secret };
    expect(
      settingOf({ ...local, CUSTOS_MESSAGE_GATEWAY_URL: 'http://127.0.0.1:9000/sms' }),
    ).toBeUndefined();
    for (const bad of [
      'http://sms.hospital.example/send',
      'ftp://x/y',
      'not a url',
      'https://u:p@sms.example/',
    ])
      expect(settingOf({ ...local, CUSTOS_MESSAGE_GATEWAY_URL: bad })).toBe(
        'CUSTOS_MESSAGE_GATEWAY_URL',
      );
    expect(
      settingOf({
        CUSTOS_MESSAGE_GATEWAY_URL: 'https://sms.example/',
        CUSTOS_MESSAGE_GATEWAY_SECRET: 'short',
      }),
    ).toBe('CUSTOS_MESSAGE_GATEWAY_SECRET');
    expect(settingOf({ CUSTOS_MESSAGE_GATEWAY_URL: 'https://sms.example/' })).toBe(
      'CUSTOS_MESSAGE_GATEWAY_SECRET',
    );
    expect(settingOf({ CUSTOS_MESSAGE_GATEWAY_SECRET: secret })).toBe(
      'CUSTOS_MESSAGE_GATEWAY_SECRET',
    );
    // The secret is refused in the config file: files get copied, committed and backed up.
    const dir = mkdtempSync(join(tmpdir(), 'custos-config-secret-'));
    writeFileSync(
      join(dir, 'custos.config.json'),
      JSON.stringify({ messageGatewayUrl: 'https://sms.example/', messageGatewaySecret: secret }),
    );
    expect(settingOf({}, dir)).toContain('messageGatewaySecret');
  });

  it('takes a NATS server for the ledger relay as nats:// or tls://', () => {
    expect(loadConfig({}, cwd).natsUrl).toBeUndefined();
    expect(loadConfig({ CUSTOS_NATS_URL: 'nats://10.0.0.5:4222' }, cwd).natsUrl).toBe(
      'nats://10.0.0.5:4222',
    );
    expect(loadConfig({ CUSTOS_NATS_URL: 'tls://nats.platform.example:4222' }, cwd).natsUrl).toBe(
      'tls://nats.platform.example:4222',
    );
    for (const bad of ['http://nats:4222', 'nats', 'nats://'])
      expect(settingOf({ CUSTOS_NATS_URL: bad })).toBe('CUSTOS_NATS_URL');
  });

  it('accepts only demo sizes the generator accepts, naming the setting otherwise', () => {
    const at = (k: string, v: number) => settingOf({ [k]: String(v) });
    for (const [k, lim] of [
      ['CUSTOS_DEMO_PATIENTS', DEMO_LIMITS.patients],
      ['CUSTOS_DEMO_STAFF', DEMO_LIMITS.staff],
      ['CUSTOS_DEMO_DAYS', DEMO_LIMITS.days],
    ] as const) {
      expect(at(k, lim.min)).toBeUndefined();
      expect(at(k, lim.min - 1)).toBe(k);
      expect(at(k, lim.max + 1)).toBe(k);
    }
  });
});
