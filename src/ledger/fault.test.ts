import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Kysely } from 'kysely';
import { afterAll, expect, it } from 'vitest';
import {
  applyMigrations,
  DATA_DIR_FORMAT,
  openStore,
  testBackend,
  testDatabaseUrl,
} from '../store/index.ts';
import { ledgerMigrations, type LedgerTables } from './migrations.ts';
import { verifyLedger } from './verify.ts';
import { createLedger } from './ledger.ts';
import { createTestSigner } from './signer.ts';
import { randomBytes } from 'node:crypto';

const dir = mkdtempSync(join(tmpdir(), 'custos-ledger-fault-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An on-disk data folder from an in-memory initdb (much faster than initdb on disk). */
async function seedDataDir(target: string): Promise<void> {
  // createTestStore keeps an empty cluster per PGlite version in the temp folder; reuse it when there.
  const version = (
    JSON.parse(
      readFileSync(
        fileURLToPath(
          new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url),
        ),
        'utf8',
      ),
    ) as { version: string }
  ).version;
  const template = join(tmpdir(), `custos-pglite-template-${version}.tar`);
  let dump: Blob;
  if (existsSync(template)) dump = new Blob([readFileSync(template)]);
  else {
    const mem = new PGlite();
    await mem.waitReady;
    dump = await mem.dumpDataDir('none');
    await mem.close();
  }
  const disk = new PGlite(join(target, 'pgdata'), { loadDataDir: dump });
  await disk.waitReady;
  await disk.close();
  writeFileSync(
    join(target, 'custos-data.json'),
    JSON.stringify({ format: DATA_DIR_FORMAT, created: new Date().toISOString() }),
  );
}

it('a process killed with SIGKILL under append load loses no committed entry and leaves a valid chain', async () => {
  const tenant = `fault-${randomBytes(4).toString('hex')}`;
  const pg = testBackend() === 'postgres';
  if (!pg) await seedDataDir(dir);
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      fileURLToPath(new URL('./fault-child.ts', import.meta.url)),
      dir,
      pg ? testDatabaseUrl() : '',
      tenant,
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const committed = new Map<number, string>();
  let buf = '';
  const killed = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.on('exit', () => reject(new Error('child exited before the kill')));
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) {
        const m = /^ok (\d+) (\S+)$/.exec(l);
        if (m) committed.set(Number(m[1]), m[2] as string);
      }
      // Kill in the middle of the load, after a fair number of commits.
      if (committed.size >= 400) {
        child.kill('SIGKILL');
        resolve();
      }
    });
  });
  await killed;

  // Restart: reopen the same database and check.
  const store = await openStore(pg ? { databaseUrl: testDatabaseUrl() } : { dataDir: dir });
  try {
    await applyMigrations(store, ledgerMigrations);
    const db = store.db as Kysely<LedgerTables>;
    // Heads were signed by the child's in-memory key: check them with the recorded public key.
    const r = await verifyLedger(db, { tenant });
    expect(r.checkedHeads).toBeGreaterThan(0);
    expect(r.firstBad).toBeNull();
    expect(r.ok).toBe(true);
    expect(r.size).toBeGreaterThanOrEqual(committed.size);
    const rows = await db
      .selectFrom('ledger_entry')
      .select(['seq', 'watermark_token'])
      .where('tenant_id', '=', tenant)
      .execute();
    const stored = new Map(rows.map((x) => [Number(x.seq), x.watermark_token]));
    for (const [seq, token] of committed) expect(stored.get(seq)).toBe(token);
    // And the ledger keeps working after the crash.
    const ledger = createLedger(db, { signer: createTestSigner(), headIntervalMs: 0 });
    const next = await ledger.appendEntry(tenant, {
      kind: 'login',
      actor: { type: 'staff', id: 'nurse-1' },
    });
    expect(next.seq).toBe(r.size + 1);
    await ledger.close();
    expect((await verifyLedger(db, { tenant })).ok).toBe(true);
  } finally {
    await store.close();
  }
}, 60_000);
