import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initKeyring } from '../crypto/index.ts';
import { createTestStore } from '../store/index.ts';
import { makePatients, makeStaff } from './test-fixtures.ts';
import {
  openVault,
  readPatientRecord,
  readResource,
  vaultMigrations,
  writeResources,
} from './index.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('schema step 101 on a vault that holds data', () => {
  it('packs the clear columns of existing rows, so they read as before', async () => {
    const [core, packed] = vaultMigrations;
    const store = await createTestStore([core!]);
    try {
      const dir = mkdtempSync(join(tmpdir(), 'custos-upgrade-'));
      dirs.push(dir);
      const keyring = await initKeyring(dir, 'test passphrase', { kdf: { N: 1024 } });
      const vault = await openVault(store.db, keyring);
      const { resources, patients } = makePatients(2, 1);
      await writeResources(vault, 't', makeStaff());
      await writeResources(vault, 't', resources);
      await packed!.up(store.db);
      const p = patients[0]!;
      const { meta } = await readResource(vault, 't', 'Patient', p.id);
      expect(meta).toMatchObject({
        resourceType: 'Patient',
        id: p.id,
        patientId: p.id,
        versionId: 1,
      });
      const record = await readPatientRecord(vault, 't', p.id);
      expect(record.length).toBeGreaterThan(1);
      expect(record.every((r) => r.meta.patientId === p.id)).toBe(true);
    } finally {
      await store.close();
    }
  });
});
