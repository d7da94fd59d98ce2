/**
 * Typed configuration, read once at start from the environment and an optional JSON file
 * (`CUSTOS_CONFIG`, default `./custos.config.json` when present). Environment wins over the file.
 * Every invalid value is reported with the name of its setting; the caller exits with code 2.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CustosError, ErrorCode } from '../errors/index.ts';

/** The validated settings of one Custos process. */
export interface Config {
  /** Folder for the embedded database, key files and generated artefacts. */
  dataDir: string;
  /** A postgres:// URL switches from the embedded database (PGlite) to PostgreSQL. */
  databaseUrl: string | undefined;
  port: number;
  host: string;
  /** Generate the demo hospital on an empty data dir. */
  demo: boolean;
  /** Demo sizing used by `npm start` on an empty data dir. */
  demoPatients: number;
  demoStaff: number;
  demoDays: number;
  demoSeed: string;
  /** Tenant id of the default hospital. */
  tenant: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Public base URL used in printed links (setup URL). */
  publicUrl: string;
  /** Production mode refuses demo conveniences (e.g. logging one-time codes). */
  production: boolean;
  /** Minutes between privacy-monitor runs over the ledger; 0 turns the worker off. */
  monitorIntervalMinutes: number;
  /**
   * The hospital's SMS/e-mail gateway the portal posts messages to (https, or http on the
   * loopback); unset, messages go to the log and are not delivered.
   */
  messageGatewayUrl: string | undefined;
  /** Shared secret that signs each gateway request (environment only, never the config file). */
  messageGatewaySecret: string | undefined;
  /** NATS server (with JetStream) the ledger is relayed to for other nodes; unset, no relay. */
  natsUrl: string | undefined;
}

type Source = Record<string, string | undefined>;

const envNames = {
  dataDir: 'CUSTOS_DATA_DIR',
  databaseUrl: 'DATABASE_URL',
  port: 'PORT',
  host: 'HOST',
  demo: 'CUSTOS_DEMO',
  demoPatients: 'CUSTOS_DEMO_PATIENTS',
  demoStaff: 'CUSTOS_DEMO_STAFF',
  demoDays: 'CUSTOS_DEMO_DAYS',
  demoSeed: 'CUSTOS_DEMO_SEED',
  tenant: 'CUSTOS_TENANT',
  logLevel: 'LOG_LEVEL',
  publicUrl: 'CUSTOS_PUBLIC_URL',
  production: 'NODE_ENV',
  monitorIntervalMinutes: 'CUSTOS_MONITOR_INTERVAL_MINUTES',
  messageGatewayUrl: 'CUSTOS_MESSAGE_GATEWAY_URL',
  messageGatewaySecret: 'CUSTOS_MESSAGE_GATEWAY_SECRET',
  natsUrl: 'CUSTOS_NATS_URL',
} as const satisfies Record<keyof Config, string>;

function invalid(setting: string, why: string): never {
  throw new CustosError(ErrorCode.ConfigInvalid, `invalid setting ${setting}: ${why}`, { setting });
}

function parseInteger(setting: string, raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw.trim())) invalid(setting, `expected a whole number, got "${raw}"`);
  const n = Number(raw.trim());
  if (n < min || n > max) invalid(setting, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function parseBoolean(setting: string, raw: string): boolean {
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  return invalid(setting, `expected 1/0, true/false, yes/no or on/off, got "${raw}"`);
}

const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function readFileSource(env: Source, cwd: string): Source {
  const explicit = env.CUSTOS_CONFIG;
  const path = resolve(cwd, explicit ?? 'custos.config.json');
  if (!existsSync(path)) {
    if (explicit) invalid('CUSTOS_CONFIG', `file not found: ${path}`);
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    return invalid('CUSTOS_CONFIG', `${path} is not valid JSON (${(e as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    invalid('CUSTOS_CONFIG', `${path} must hold a JSON object`);
  }
  const out: Source = {};
  const known = new Set<string>(Object.keys(envNames));
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (!known.has(k))
      invalid(`${path}: ${k}`, `unknown setting (known: ${[...known].join(', ')})`);
    if (k === 'messageGatewaySecret')
      invalid(`${path}: ${k}`, 'secrets stay out of files: set CUSTOS_MESSAGE_GATEWAY_SECRET');
    if (v === null || typeof v === 'object')
      invalid(`${path}: ${k}`, 'expected a string, number or boolean');
    out[envNames[k as keyof Config]] = String(v);
  }
  return out;
}

/**
 * Loads and validates the configuration. Throws CustosError(CUSTOS_CONFIG_INVALID) naming the
 * setting on the first invalid value.
 */
export function loadConfig(env: Source = process.env, cwd: string = process.cwd()): Config {
  const src: Source = { ...readFileSource(env, cwd), ...definedOnly(env) };
  const get = (k: keyof Config): string | undefined => {
    const v = src[envNames[k]];
    return v === undefined || v === '' ? undefined : v;
  };
  const databaseUrl = get('databaseUrl');
  if (databaseUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(databaseUrl);
    } catch {
      return invalid('DATABASE_URL', 'not a URL (expected postgres://user@host:port/database)');
    }
    if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
      invalid('DATABASE_URL', `unsupported scheme "${url.protocol}" (expected postgres://)`);
    }
    if (url.pathname.length <= 1) invalid('DATABASE_URL', 'names no database');
  }
  const logLevel = get('logLevel') ?? 'info';
  if (!(levels as readonly string[]).includes(logLevel)) {
    invalid('LOG_LEVEL', `expected one of ${levels.join(', ')}, got "${logLevel}"`);
  }
  const port = get('port') === undefined ? 8080 : parseInteger('PORT', get('port')!, 0, 65535);
  const host = get('host') ?? '127.0.0.1';
  const tenant = get('tenant') ?? 'demo-hospital';
  if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(tenant)) {
    invalid('CUSTOS_TENANT', 'lower-case letters, digits and dashes, 2-63 characters');
  }
  const publicUrl = get('publicUrl') ?? `http://${host === '0.0.0.0' ? 'localhost' : host}:${port}`;
  try {
    new URL(publicUrl);
  } catch {
    invalid('CUSTOS_PUBLIC_URL', 'not a URL');
  }
  const gateway = messageGateway(get('messageGatewayUrl'), get('messageGatewaySecret'));
  return {
    dataDir: resolve(cwd, get('dataDir') ?? './data'),
    databaseUrl,
    port,
    host,
    demo: get('demo') === undefined ? true : parseBoolean('CUSTOS_DEMO', get('demo')!),
    // Within the demo generator's limits (DEMO_LIMITS; a test keeps them in step), so a size it
    // would refuse stops the start here, naming the setting, not later in the background.
    demoPatients: optionalInt('CUSTOS_DEMO_PATIENTS', get('demoPatients'), 2000, 300, 1_000_000),
    demoStaff: optionalInt('CUSTOS_DEMO_STAFF', get('demoStaff'), 200, 100, 50_000),
    demoDays: optionalInt('CUSTOS_DEMO_DAYS', get('demoDays'), 7, 1, 366),
    demoSeed: get('demoSeed') ?? 'custos-demo',
    tenant,
    logLevel: logLevel as Config['logLevel'],
    publicUrl: publicUrl.replace(/\/$/, ''),
    production: get('production') === 'production',
    monitorIntervalMinutes: optionalInt(
      'CUSTOS_MONITOR_INTERVAL_MINUTES',
      get('monitorIntervalMinutes'),
      15,
      0,
      1440,
    ),
    ...gateway,
    natsUrl: natsServer(get('natsUrl')),
  };
}

/** A NATS server URL: nats:// or tls:// with a host (credentials belong in the server's config). */
function natsServer(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return invalid('CUSTOS_NATS_URL', 'not a URL (expected nats://host:4222)');
  }
  if (url.protocol !== 'nats:' && url.protocol !== 'tls:')
    invalid('CUSTOS_NATS_URL', `unsupported scheme "${url.protocol}" (expected nats:// or tls://)`);
  if (!url.hostname) invalid('CUSTOS_NATS_URL', 'names no host');
  return raw;
}

/** The portal's message gateway: https (or http on the loopback) and a strong signing secret. */
function messageGateway(
  raw: string | undefined,
  secret: string | undefined,
): Pick<Config, 'messageGatewayUrl' | 'messageGatewaySecret'> {
  const URL_SETTING = 'CUSTOS_MESSAGE_GATEWAY_URL';
  const SECRET_SETTING = 'CUSTOS_MESSAGE_GATEWAY_SECRET';
  if (raw === undefined) {
    if (secret !== undefined) invalid(SECRET_SETTING, `set only together with ${URL_SETTING}`);
    return { messageGatewayUrl: undefined, messageGatewaySecret: undefined };
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return invalid(URL_SETTING, 'not a URL');
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    invalid(URL_SETTING, 'must be https:// (plain http only to the loopback address)');
  if (url.username || url.password)
    invalid(URL_SETTING, `must not carry credentials; use ${SECRET_SETTING}`);
  if (secret === undefined || secret.length < 32)
    invalid(SECRET_SETTING, 'required with the gateway URL, at least 32 characters');
  return { messageGatewayUrl: url.toString(), messageGatewaySecret: secret };
}

function optionalInt(
  name: string,
  raw: string | undefined,
  dflt: number,
  min: number,
  max: number,
): number {
  return raw === undefined ? dflt : parseInteger(name, raw, min, max);
}

function definedOnly(env: Source): Source {
  const out: Source = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}
