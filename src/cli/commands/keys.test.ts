import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustosError, ErrorCode } from '../../errors/index.ts';
import { queryEntries } from '../../ledger/index.ts';
import { createTestRuntime, type Runtime } from '../../runtime/index.ts';
import {
  listDestructionRecords,
  readPatientRecord,
  writeResources,
  type FhirResource,
} from '../../vault/index.ts';
import { shredPatientFromCli } from './keys.ts';

function patient(id: string, name: string, phone: string): FhirResource[] {
  return [
    {
      resourceType: 'Patient',
      id,
      name: [{ text: name }],
      telecom: [{ system: 'phone', value: phone }],
      gender: 'female',
      birthDate: '1980-02-03',
    },
    {
      resourceType: 'Condition',
      id: `${id}-c`,
      subject: { reference: `Patient/${id}` },
      code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: 'J18.9' }] },
    },
  ];
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return e instanceof CustosError ? e.code : String(e);
  }
}

describe('shredPatientFromCli', () => {
  let rt: Runtime;
  const tenant = () => rt.config.tenant;
  beforeAll(async () => {
    rt = await createTestRuntime();
    await writeResources(rt.vault, tenant(), [
      ...patient('gone', '张三', '13800000001'),
      ...patient('kept', '李四', '13800000002'),
    ]);
  }, 60_000);
  afterAll(async () => {
    await rt?.close();
  });

  it('refuses without confirmation or reason and destroys nothing', async () => {
    expect(await codeOf(shredPatientFromCli(rt, { patient: 'gone', reason: 'erasure' }))).toBe(
      ErrorCode.InputInvalid,
    );
    expect(await codeOf(shredPatientFromCli(rt, { patient: 'gone', reason: ' ', yes: true }))).toBe(
      ErrorCode.InputInvalid,
    );
    expect(await readPatientRecord(rt.vault, tenant(), 'gone')).toHaveLength(2);
    expect(await listDestructionRecords(rt.vault, tenant())).toHaveLength(0);
  });

  it('answers CUSTOS_NOT_FOUND for a patient the vault holds nothing of', async () => {
    expect(
      await codeOf(shredPatientFromCli(rt, { patient: 'nobody', reason: 'erasure', yes: true })),
    ).toBe(ErrorCode.NotFound);
  });

  it('destroys the keys, stores the destruction record and ledgers it', async () => {
    const rec = await shredPatientFromCli(rt, {
      patient: 'gone',
      reason: 'erasure request 42',
      yes: true,
      actor: 'dpo-1',
    });
    expect(rec.owner).toBe('Patient/gone');
    expect(rec.resources).toBe(2);
    expect(rec.keyIds.length).toBeGreaterThan(0);
    expect(rec.recordDigest).toMatch(/^[0-9a-f]{64}$/);

    const e = await readPatientRecord(rt.vault, tenant(), 'gone').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CustosError);
    expect((e as CustosError).code).toBe(ErrorCode.NotFound);
    expect(await readPatientRecord(rt.vault, tenant(), 'kept')).toHaveLength(2);

    const stored = await listDestructionRecords(rt.vault, tenant(), 'Patient/gone');
    expect(stored.map((r) => [r.id, r.recordDigest, r.actor, r.reason])).toEqual([
      [rec.id, rec.recordDigest, 'dpo-1', 'erasure request 42'],
    ]);

    const page = await queryEntries(rt.store.db as never, { tenant: tenant(), patientId: 'gone' });
    const entry = page.entries.find((x) => x.action === 'key.shred');
    expect(entry).toBeDefined();
    const details: unknown =
      typeof entry!.details === 'string' ? JSON.parse(entry!.details) : entry!.details;
    expect(details).toMatchObject({
      destructionRecord: rec.id,
      recordDigest: rec.recordDigest,
      resources: 2,
    });

    expect(
      await codeOf(shredPatientFromCli(rt, { patient: 'gone', reason: 'again', yes: true })),
    ).toBe(ErrorCode.Conflict);
  });
});

// The commands as real processes (they exit with their own codes) on an embedded database in a
// fresh data folder.
const bin = fileURLToPath(new URL('../../../bin/custos.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'custos-keys-cli-'));
const env: NodeJS.ProcessEnv = {
  ...process.env,
  CUSTOS_DATA_DIR: join(dir, 'data'),
  CUSTOS_DEMO: 'false',
  CUSTOS_TENANT: 'hosp-keys',
};
delete env.DATABASE_URL;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function custos(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('custos keys', () => {
  beforeAll(async () => {
    const bundle = join(dir, 'bundle.json');
    writeFileSync(
      bundle,
      JSON.stringify({
        resourceType: 'Bundle',
        type: 'collection',
        entry: [
          ...patient('a1', '王五', '13900000001'),
          ...patient('a2', '赵六', '13900000002'),
        ].map((resource) => ({ resource })),
      }),
    );
    const r = await custos('import', 'fhir', bundle, '--quiet');
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('shred refuses without --yes (exit 2) and names the missing confirmation', async () => {
    const r = await custos('keys', 'shred', '--patient', 'a1', '--reason', 'erasure');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--yes/);
  }, 60_000);

  it('shred of an unknown patient fails with CUSTOS_NOT_FOUND (exit 1)', async () => {
    const r = await custos('keys', 'shred', '--patient', 'nobody', '--reason', 'x', '--yes');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/CUSTOS_NOT_FOUND/);
  }, 60_000);

  it('rotate re-wraps every data key with progress; shred destroys one patient; status shows both', async () => {
    const rot = await custos('keys', 'rotate');
    expect(rot.code).toBe(0);
    expect(rot.stdout).toMatch(/(\d+) data key\(s\) re-wrapped/);
    expect(Number(/(\d+) data key\(s\) re-wrapped/.exec(rot.stdout)![1])).toBeGreaterThanOrEqual(2);
    expect(rot.stderr).toMatch(/re-wrapping data keys: \d+\/\d+ \(100%\)/);

    const shred = await custos(
      'keys',
      'shred',
      '--patient',
      'a1',
      '--reason',
      'erasure request',
      '--yes',
      '--json',
    );
    expect(shred.code).toBe(0);
    const rec = JSON.parse(shred.stdout) as { owner: string; resources: number };
    expect(rec).toMatchObject({ owner: 'Patient/a1', resources: 2 });

    const st = await custos('keys', 'status', '--json');
    expect(st.code).toBe(0);
    const status = JSON.parse(st.stdout) as {
      pendingRewrap: number;
      destructions: number;
      tenants: { tenant: string; dataKeys: Record<string, number> }[];
    };
    expect(status.pendingRewrap).toBe(0);
    expect(status.destructions).toBe(1);
    const t = status.tenants.find((x) => x.tenant === 'hosp-keys');
    expect(t?.dataKeys.destroyed).toBe(1);
    expect(t?.dataKeys.active).toBeGreaterThanOrEqual(1);
  }, 120_000);
});
