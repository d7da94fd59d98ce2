import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The command runs as a real process (it exits with its own codes) on an embedded database in a
// fresh data folder.
const bin = fileURLToPath(new URL('../../../bin/custos.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'custos-audit-cli-'));
const env: NodeJS.ProcessEnv = {
  ...process.env,
  CUSTOS_DATA_DIR: join(dir, 'data'),
  CUSTOS_DEMO: 'false',
  CUSTOS_TENANT: 'hosp-cli',
};
delete env.DATABASE_URL;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function custos(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { env, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const event = (i: number): string =>
  JSON.stringify({
    resourceType: 'AuditEvent',
    id: `his-${i}`,
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest' },
    subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: 'read' }],
    action: 'R',
    recorded: new Date(Date.UTC(2025, 0, 1, 8, 0, i)).toISOString(),
    outcome: '0',
    agent: [{ who: { reference: `Practitioner/staff-${i}` }, requestor: true }],
    source: { observer: { display: 'HIS-1' } },
    entity: [{ what: { reference: `Patient/p${i}` } }],
  });

let size = 0;

beforeAll(async () => {
  const input = join(dir, 'in.ndjson');
  writeFileSync(input, [1, 2, 3, 4].map(event).join('\n') + '\n');
  const r = await custos('import', 'audit', input, '--format', 'fhir');
  expect(r.stderr).not.toMatch(/error/i);
  expect(r.code).toBe(0);
  const all = await custos('audit', 'export', '--format', 'fhir');
  expect(all.code).toBe(0);
  size = all.stdout.trim().split('\n').length;
  expect(size).toBeGreaterThanOrEqual(4);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('custos audit export', () => {
  it('writes a range as FHIR AuditEvent NDJSON to a file', async () => {
    const file = join(dir, 'out.ndjson');
    const r = await custos(
      'audit',
      'export',
      '--format',
      'fhir',
      '--from',
      String(size - 2),
      '--to',
      String(size - 1),
      '--out',
      file,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      new RegExp(`exported 2 entries of hosp-cli \\(${size - 2}\\.\\.${size - 1}\\)`),
    );
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    const events = lines.map(
      (l) => JSON.parse(l) as { resourceType: string; id: string; entity: unknown[] },
    );
    expect(events.map((e) => e.resourceType)).toEqual(['AuditEvent', 'AuditEvent']);
    expect(events.map((e) => e.id)).toEqual([`hosp-cli-${size - 2}`, `hosp-cli-${size - 1}`]);
    // the imported events are there, in chain order
    expect(lines[0]).toContain('Patient/p2');
    expect(lines[1]).toContain('Patient/p3');
  }, 60_000);

  it('writes RFC 5424 syslog lines to stdout, and selects by recorded time', async () => {
    const r = await custos('audit', 'export', '--format', 'syslog', '--from', '2000-01-01');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(size);
    lines.forEach((l, i) => {
      expect(l).toMatch(/^<\d+>1 \S+ \S+ custos - IHE\+FHIR \[custos@32473 tenant="hosp-cli" /);
      expect(l).toContain(`seq="${i + 1}"`);
    });
    const none = await custos(
      'audit',
      'export',
      '--format',
      'syslog',
      '--to',
      '2000-01-01T00:00:00Z',
    );
    expect(none.code).toBe(0);
    expect(none.stdout).toBe('');
    expect(none.stderr).toMatch(/nothing exported/);
  }, 60_000);

  it('refuses bad arguments with a clear message and a non-zero exit', async () => {
    const format = await custos('audit', 'export', '--format', 'xml');
    expect(format.code).not.toBe(0);
    expect(format.stderr).toMatch(/fhir, syslog/);
    const missing = await custos('audit', 'export');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/--format/);
    const from = await custos('audit', 'export', '--format', 'fhir', '--from', 'yesterday');
    expect(from.code).toBe(2);
    expect(from.stderr).toMatch(/--from must be a sequence number .* got "yesterday"/);
    const to = await custos('audit', 'export', '--format', 'fhir', '--to', '0');
    expect(to.code).toBe(2);
    expect(to.stderr).toMatch(/--to must be/);
    const out = await custos(
      'audit',
      'export',
      '--format',
      'fhir',
      '--out',
      join(dir, 'no', 'such', 'dir', 'x'),
    );
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/cannot be written/);
  }, 60_000);
});
