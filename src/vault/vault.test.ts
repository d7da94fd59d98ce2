import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initKeyring, openKeyring, type Keyring } from '../crypto/index.ts';
import { isCustosError } from '../errors/index.ts';
import { createTestStore, type Store } from '../store/index.ts';
import { makePatients, makeStaff } from './test-fixtures.ts';
import {
  categoriesOfCodings,
  compareStaffAndPatient,
  findBlobByInstanceUid,
  findPatients,
  findPatientsForStaff,
  getCareRelationships,
  getKeyStatus,
  getPatientLabels,
  getStaffDepartments,
  listAdmittedPatients,
  listDestructionRecords,
  lookupByIndex,
  matchesIcd10,
  openVault,
  putImagingInstance,
  readBlob,
  readLabels,
  readPatientRecord,
  readResource,
  reencryptTenant,
  rotateKeys,
  setTenantSuite,
  shredPatient,
  vaultMigrations,
  writeResources,
  type Vault,
} from './index.ts';

let store: Store;
let keyDir: string;
let keyring: Keyring;
let vault: Vault;
let tenantSeq = 0;

beforeAll(async () => {
  store = await createTestStore(vaultMigrations);
  keyDir = mkdtempSync(join(tmpdir(), 'custos-vault-'));
  keyring = await initKeyring(keyDir, 'test passphrase', { kdf: { N: 1024 } });
  vault = await openVault(store.db, keyring);
});

afterAll(async () => {
  await store?.close();
  rmSync(keyDir, { recursive: true, force: true });
});

/** A fresh tenant with the fixture hospital and `n` patients. */
async function hospital(n: number, opts: { suite?: 'aes-256-gcm' | 'sm4-ctr-hmac-sm3' } = {}) {
  const tenant = `t${++tenantSeq}`;
  if (opts.suite) await setTenantSuite(vault, tenant, opts.suite);
  const staff = makeStaff();
  const { resources, patients } = makePatients(n, tenantSeq);
  await writeResources(vault, tenant, staff);
  const w = await writeResources(vault, tenant, resources);
  expect(w.unresolved).toEqual([]);
  return { tenant, patients };
}

async function expectCode(p: Promise<unknown>, code: string): Promise<Error> {
  try {
    await p;
  } catch (e) {
    expect(isCustosError(e) ? e.code : e).toBe(code);
    return e as Error;
  }
  throw new Error(`expected ${code}`);
}

describe('write and read', () => {
  it('round-trips resources and reads only the requested field classes', async () => {
    const { tenant, patients } = await hospital(3);
    const p = patients[1]!;
    const { resource, meta } = await readResource(vault, tenant, 'Patient', p.id);
    expect(resource.name).toEqual([expect.objectContaining({ text: p.name })]);
    expect(meta).toMatchObject({
      patientId: p.id,
      dataCategory: 'personal-attributes',
      versionId: 1,
    });
    const partial = await readResource(vault, tenant, 'Patient', p.id, {
      sections: ['demographics'],
    });
    expect(partial.resource.gender).toBeDefined();
    expect(partial.resource.name).toBeUndefined();
    expect(partial.resource.telecom).toBeUndefined();
    const record = await readPatientRecord(vault, tenant, p.id);
    expect(record.map((r) => r.resource.resourceType).sort()).toEqual(
      [
        'Condition',
        'DocumentReference',
        'Encounter',
        'Observation',
        'Patient',
        'ServiceRequest',
      ].sort(),
    );
  });

  it('orders a patient record by type, period (undated last) and id, as the database does', async () => {
    const tenant = `t${++tenantSeq}`;
    const subject = { reference: 'Patient/ord' };
    const obs = (id: string, at?: string) => ({
      resourceType: 'Observation',
      id,
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] },
      subject,
      ...(at ? { effectiveDateTime: at } : {}),
    });
    await writeResources(vault, tenant, [
      { resourceType: 'Patient', id: 'ord', gender: 'male' },
      obs('o-b', '2024-03-01T08:00:00+08:00'),
      obs('o-undated'),
      obs('o-a', '2024-03-01T08:00:00+08:00'),
      obs('o-early', '2023-12-31T23:30:00-05:00'),
      {
        resourceType: 'Encounter',
        id: 'e1',
        status: 'finished',
        class: { code: 'AMB' },
        subject,
        period: { start: '2024-01-02T09:00:00.250+08:00', end: '2024-01-02T10:00:00+08:00' },
      },
      {
        resourceType: 'Condition',
        id: 'c1',
        subject,
        code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: 'J18.9' }] },
      },
    ]);
    const all = await readPatientRecord(vault, tenant, 'ord');
    const ids = all.map((r) => r.meta.id);
    expect(ids).toEqual(['c1', 'e1', 'o-early', 'o-a', 'o-b', 'o-undated', 'ord']);
    // With a limit the database orders; both orders agree.
    const limited = await readPatientRecord(vault, tenant, 'ord', { limit: 7 });
    expect(limited.map((r) => r.meta.id)).toEqual(ids);
    expect(
      (await readPatientRecord(vault, tenant, 'ord', { limit: 3 })).map((r) => r.meta.id),
    ).toEqual(ids.slice(0, 3));
    const enc = all.find((r) => r.meta.id === 'e1')!;
    expect(enc.meta.periodStart?.toISOString()).toBe('2024-01-02T01:00:00.250Z');
    expect(enc.meta.periodEnd?.toISOString()).toBe('2024-01-02T02:00:00.000Z');
    expect(enc.meta).toMatchObject({ patientId: 'ord', versionId: 1, status: 'finished' });
    expect(enc.meta.lastUpdated).toBeInstanceOf(Date);
    expect(typeof enc.meta.baseGrade).toBe('number');
    const types = await readPatientRecord(vault, tenant, 'ord', { resourceTypes: ['Observation'] });
    expect(types.map((r) => r.meta.id)).toEqual(['o-early', 'o-a', 'o-b', 'o-undated']);
    // Cold key caches: the key rows come in the same statement, with and without limit or types.
    const cold = async () => openVault(store.db, keyring);
    expect((await readPatientRecord(await cold(), tenant, 'ord')).map((r) => r.meta.id)).toEqual(
      ids,
    );
    expect(
      (await readPatientRecord(await cold(), tenant, 'ord', { limit: 3 })).map((r) => r.meta.id),
    ).toEqual(ids.slice(0, 3));
    expect(
      (
        await readPatientRecord(await cold(), tenant, 'ord', {
          resourceTypes: ['Observation', 'Encounter'],
          sections: ['clinical'],
        })
      ).map((r) => [r.meta.id, r.resource.status, r.resource.code !== undefined]),
    ).toEqual([
      ['e1', undefined, false],
      ['o-early', undefined, true],
      ['o-a', undefined, true],
      ['o-b', undefined, true],
      ['o-undated', undefined, true],
    ]);
  });

  it('replaces a resource on rewrite and bumps its version', async () => {
    const { tenant, patients } = await hospital(1);
    const p = patients[0]!;
    const before = await readResource(vault, tenant, 'Patient', p.id);
    const w = await writeResources(vault, tenant, [
      { ...before.resource, telecom: [{ system: 'phone', value: '13912345678' }] },
    ]);
    expect(w).toMatchObject({ created: 0, updated: 1 });
    expect((await readResource(vault, tenant, 'Patient', p.id)).meta.versionId).toBe(2);
    expect(await findPatients(vault, tenant, { phone: '13912345678' })).toEqual([p.id]);
    expect(await findPatients(vault, tenant, { phone: p.phone })).toEqual([]);
  });

  it('returns the clear columns as stored, however a row was changed', async () => {
    const { tenant, patients } = await hospital(1);
    const p = patients[0]!;
    await sql`update vault_resource set status = 'inactive', confidentiality = 'V'
      where tenant_id = ${tenant} and resource_type = 'Patient' and id = ${p.id}`.execute(store.db);
    const { meta } = await readResource(vault, tenant, 'Patient', p.id);
    expect(meta).toMatchObject({ status: 'inactive', confidentiality: 'V', versionId: 1 });
    const record = await readPatientRecord(vault, tenant, p.id);
    expect(record.find((r) => r.meta.resourceType === 'Patient')?.meta.status).toBe('inactive');
  });

  it('rejects invalid resources with a clear error and writes nothing', async () => {
    const tenant = `t${++tenantSeq}`;
    const e = await expectCode(
      writeResources(vault, tenant, [
        { resourceType: 'Patient', id: 'ok1' },
        { resourceType: 'Encounter', id: 'bad', class: { code: 'AMB' } },
      ]),
      'CUSTOS_INPUT_INVALID',
    );
    expect(e.message).toContain('Encounter.status');
    await expectCode(
      writeResources(vault, tenant, [{ resourceType: 'Nonsense', id: 'x' }]),
      'CUSTOS_INPUT_INVALID',
    );
    await expectCode(
      writeResources(vault, tenant, [{ resourceType: 'Patient', id: 'has space' }]),
      'CUSTOS_INPUT_INVALID',
    );
    await expectCode(readResource(vault, tenant, 'Patient', 'ok1'), 'CUSTOS_NOT_FOUND');
  });
});

describe('transactions', () => {
  it('forgets tenant settings created in a rolled-back write', async () => {
    const tenant = `t${++tenantSeq}`;
    await store.db
      .insertInto('vault_data_key')
      .values({
        tenant_id: tenant,
        key_id: 'dk_gone',
        owner: 'Patient/gone',
        suite: 'aes-256-gcm',
        kek_id: null,
        wrapped: null,
        state: 'destroyed',
        created_at: new Date(),
        destroyed_at: new Date(),
      })
      .execute();
    await expectCode(
      writeResources(vault, tenant, [{ resourceType: 'Patient', id: 'gone' }]),
      'CUSTOS_CONFLICT',
    );
    await writeResources(vault, tenant, [{ resourceType: 'Patient', id: 'new' }]);
    const row = await store.db
      .selectFrom('vault_tenant')
      .select('suite')
      .where('tenant_id', '=', tenant)
      .executeTakeFirst();
    expect(row?.suite).toBe('aes-256-gcm');
  });
});

describe('blind-index lookups', () => {
  it('finds a patient by ID number, phone, MRN and full name, in any usual spelling', async () => {
    const { tenant, patients } = await hospital(20);
    const p = patients[7]!;
    expect(await findPatients(vault, tenant, { nationalId: p.nationalId })).toEqual([p.id]);
    expect(await findPatients(vault, tenant, { nationalId: p.nationalId.toLowerCase() })).toEqual([
      p.id,
    ]);
    expect(
      await findPatients(vault, tenant, {
        phone: `+86 ${p.phone.slice(0, 3)}-${p.phone.slice(3, 7)}-${p.phone.slice(7)}`,
      }),
    ).toEqual([p.id]);
    expect(await findPatients(vault, tenant, { mrn: p.mrn.toLowerCase() })).toEqual([p.id]);
    expect(await findPatients(vault, tenant, { name: ` ${p.name} ` })).toContain(p.id);
    expect(await findPatients(vault, tenant, { nationalId: p.nationalId, phone: p.phone })).toEqual(
      [p.id],
    );
    expect(
      await findPatients(vault, tenant, { nationalId: p.nationalId, phone: patients[8]!.phone }),
    ).toEqual([]);
    expect(await findPatients(vault, tenant, { phone: '10000000000' })).toEqual([]);
    await expectCode(findPatients(vault, tenant, {}), 'CUSTOS_BAD_REQUEST');
  });

  it('keeps indexes per tenant: the same phone in another tenant does not match', async () => {
    const a = await hospital(2);
    const b = `t${++tenantSeq}`;
    expect(await findPatients(vault, b, { phone: a.patients[0]!.phone })).toEqual([]);
    const rows = await store.db
      .selectFrom('vault_blind_index')
      .select('hash')
      .where('tenant_id', '=', a.tenant)
      .where('kind', '=', 'phone')
      .execute();
    expect(rows.length).toBeGreaterThan(0);
  });

  it('recognises staff who are patients and shared attributes, without decryption', async () => {
    const { tenant } = await hospital(1);
    const staff = makeStaff().find((r) => r.id === 'dr-li')!;
    await writeResources(vault, tenant, [
      {
        resourceType: 'Patient',
        id: 'self',
        identifier: (staff.identifier as object[]).slice(1),
        name: [{ text: '李思远', family: '李' }],
        address: [{ text: '北京市东城区光明路8号' }],
      },
    ]);
    expect(await findPatientsForStaff(store.db, tenant, 'dr-li')).toEqual(['self']);
    expect(await compareStaffAndPatient(store.db, tenant, 'dr-li', 'self')).toEqual([
      'address',
      'family-name',
      'national-id',
    ]);
    expect(await compareStaffAndPatient(store.db, tenant, 'dr-wang', 'self')).toEqual(['address']);
    expect(
      await lookupByIndex(vault, tenant, 'identifier', 'urn:custos:staff|DR-LI', 'Practitioner'),
    ).toEqual(['dr-li']);
  });
});

describe('integrity', () => {
  it('detects ciphertexts swapped between rows of the same patient and of different patients', async () => {
    const { tenant, patients } = await hospital(2);
    const [a, b] = patients as [(typeof patients)[0], (typeof patients)[0]];
    // Same patient, same data key: only the associated data (row id) catches the swap.
    await sql`update vault_resource set body = (select body from vault_resource where tenant_id = ${tenant} and id = ${`${a.id}-bp`})
              where tenant_id = ${tenant} and id = ${`${a.id}-dx`}`.execute(store.db);
    const e1 = await expectCode(
      readResource(vault, tenant, 'Condition', `${a.id}-dx`),
      'CUSTOS_CRYPTO_FAILURE',
    );
    expect(e1.message).toContain(`Condition/${a.id}-dx`);
    // Different patients.
    await sql`update vault_resource set body = (select body from vault_resource where tenant_id = ${tenant} and id = ${b.id})
              where tenant_id = ${tenant} and id = ${a.id}`.execute(store.db);
    const e2 = await expectCode(
      readResource(vault, tenant, 'Patient', a.id),
      'CUSTOS_CRYPTO_FAILURE',
    );
    expect(e2.message).toContain(`Patient/${a.id}`);
    expect(e2.message).not.toContain(a.name);
    // Labels swapped as well.
    await sql`update vault_resource set labels = (select labels from vault_resource where tenant_id = ${tenant} and id = ${`${b.id}-bp`})
              where tenant_id = ${tenant} and id = ${`${b.id}-dx`}`.execute(store.db);
    await expectCode(
      readLabels(vault, tenant, [{ resourceType: 'Condition', id: `${b.id}-dx` }]),
      'CUSTOS_CRYPTO_FAILURE',
    );
    // The untouched rows still read.
    expect((await readResource(vault, tenant, 'Patient', b.id)).resource.id).toBe(b.id);
  });

  it('detects a flipped byte and field classes swapped inside one body', async () => {
    const { tenant, patients } = await hospital(1);
    const id = patients[0]!.id;
    await sql`update vault_resource set body = set_byte(body, length(body) - 3, get_byte(body, length(body) - 3) # 1)
              where tenant_id = ${tenant} and id = ${id}`.execute(store.db);
    await expectCode(readResource(vault, tenant, 'Patient', id), 'CUSTOS_CRYPTO_FAILURE');
    // Reading only an intact section still works: damage is contained to its field class.
    const row = await store.db
      .selectFrom('vault_resource')
      .select('body')
      .where('tenant_id', '=', tenant)
      .where('id', '=', `${id}-enc`)
      .executeTakeFirstOrThrow();
    // Rename the first section (e.g. admin -> clinical) so its ciphertext is opened as another field class.
    const body = Buffer.from(row.body);
    const nameLen = body[3]!;
    const first = body.toString('latin1', 4, 4 + nameLen);
    const other = first === 'admin' ? 'clinic' : 'admin';
    const swapped = Buffer.concat([
      body.subarray(0, 3),
      Buffer.from([other.length]),
      Buffer.from(other, 'latin1'),
      body.subarray(4 + nameLen),
    ]);
    await store.db
      .updateTable('vault_resource')
      .set({ body: swapped })
      .where('tenant_id', '=', tenant)
      .where('id', '=', `${id}-enc`)
      .execute();
    await expectCode(
      readResource(vault, tenant, 'Encounter', `${id}-enc`),
      'CUSTOS_CRYPTO_FAILURE',
    );
  });
});

describe('keys', () => {
  it('rotation re-wraps every data key with progress and keeps everything readable', async () => {
    const { tenant, patients } = await hospital(30);
    const progress: number[] = [];
    const before = await getKeyStatus(vault);
    const result = await rotateKeys(vault, {
      pageSize: 7,
      onProgress: (p) => progress.push(p.done),
    });
    expect(result.rewrapped).toBe(
      before.tenants.reduce((a, t) => a + (t.dataKeys.active ?? 0) + (t.dataKeys.retiring ?? 0), 0),
    );
    expect(progress.at(-1)).toBe(result.rewrapped);
    expect(progress.length).toBeGreaterThan(2);
    expect(result.retired).toContain(before.keyring.activeKek.id);
    const status = await getKeyStatus(vault);
    expect(status.pendingRewrap).toBe(0);
    expect(Object.keys(status.tenants.find((t) => t.tenant === tenant)!.byKek)).toEqual([
      result.kek.id,
    ]);
    // A fresh process: reopen the key file, empty caches.
    const fresh = await openVault(store.db, await openKeyring(keyDir, 'test passphrase'));
    for (const p of patients) {
      expect((await readResource(fresh, tenant, 'Patient', p.id)).resource.name).toBeDefined();
      expect(
        (await readResource(fresh, tenant, 'DocumentReference', `${p.id}-note`)).resource.content,
      ).toBeDefined();
    }
    expect(await findPatients(fresh, tenant, { phone: patients[3]!.phone })).toEqual([
      patients[3]!.id,
    ]);
  });

  it('refuses a keyring other than the one the data was written with', async () => {
    await hospital(1);
    const other = await initKeyring(mkdtempSync(join(tmpdir(), 'custos-other-')), 'x', {
      kdf: { N: 1024 },
    });
    await expectCode(openVault(store.db, other), 'CUSTOS_KEY_UNAVAILABLE');
  });

  it('re-encrypts a tenant to the SM4 suite and keeps everything readable', async () => {
    const { tenant, patients } = await hospital(4);
    await setTenantSuite(vault, tenant, 'sm4-ctr-hmac-sm3');
    const r = await reencryptTenant(vault, tenant);
    expect(r.owners).toBeGreaterThanOrEqual(4);
    const status = (await getKeyStatus(vault)).tenants.find((t) => t.tenant === tenant)!;
    expect(status.bySuite).toEqual({ 'sm4-ctr-hmac-sm3': r.owners });
    const fresh = await openVault(store.db, keyring);
    for (const p of patients) {
      expect(
        (await readResource(fresh, tenant, 'Patient', p.id)).resource.identifier,
      ).toBeDefined();
    }
    const row = await store.db
      .selectFrom('vault_resource')
      .select('body')
      .where('tenant_id', '=', tenant)
      .where('id', '=', patients[0]!.id)
      .executeTakeFirstOrThrow();
    const nameLen = row.body[3]!;
    expect(row.body[4 + nameLen + 4 + 1]).toBe(2); // suite id of the first section's ciphertext
  });

  it('works end to end on an SM4 tenant (SM3 blind indexes)', async () => {
    const { tenant, patients } = await hospital(3, { suite: 'sm4-ctr-hmac-sm3' });
    expect(await findPatients(vault, tenant, { nationalId: patients[2]!.nationalId })).toEqual([
      patients[2]!.id,
    ]);
    expect(
      (await readResource(vault, tenant, 'Condition', `${patients[2]!.id}-dx`)).resource.code,
    ).toBeDefined();
  });
});

describe('crypto-shredding', () => {
  it('makes a shredded patient unreadable while others stay readable, with a destruction record', async () => {
    const { tenant, patients } = await hospital(3);
    const [gone, kept] = patients as [(typeof patients)[0], (typeof patients)[0]];
    const study = {
      resourceType: 'ImagingStudy',
      id: `${gone.id}-study`,
      status: 'available',
      subject: { reference: `Patient/${gone.id}` },
    };
    await writeResources(vault, tenant, [study]);
    const blob = await putImagingInstance(
      vault,
      tenant,
      study.id,
      Buffer.from('DICM fake instance'),
      { sopInstanceUid: '1.2.3.4' },
    );
    const rec = await shredPatient(vault, tenant, gone.id, {
      actor: 'privacy-officer-1',
      reason: 'retention period ended',
    });
    expect(rec).toMatchObject({
      owner: `Patient/${gone.id}`,
      resources: 7,
      blobs: 1,
      actor: 'privacy-officer-1',
    });
    expect(rec.recordDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(await listDestructionRecords(vault, tenant)).toEqual([rec]);
    for (const [t, id] of [
      ['Patient', gone.id],
      ['Condition', `${gone.id}-dx`],
      ['DocumentReference', `${gone.id}-note`],
    ]) {
      const e = await expectCode(readResource(vault, tenant, t!, id!), 'CUSTOS_NOT_FOUND');
      expect((e as unknown as { extra: object }).extra).toEqual({ shredded: true });
    }
    await expectCode(readBlob(vault, tenant, blob.id), 'CUSTOS_NOT_FOUND');
    await expectCode(readPatientRecord(vault, tenant, gone.id), 'CUSTOS_NOT_FOUND');
    // A fresh process cannot read it either: the wrapped key is gone from the database (a cold
    // record read gets the owner's key rows in its own statement).
    const fresh = await openVault(store.db, keyring);
    await expectCode(readResource(fresh, tenant, 'Patient', gone.id), 'CUSTOS_NOT_FOUND');
    const e = await expectCode(readPatientRecord(fresh, tenant, gone.id), 'CUSTOS_NOT_FOUND');
    expect((e as unknown as { extra: object }).extra).toEqual({ shredded: true });
    const other = await openVault(store.db, keyring);
    expect((await readPatientRecord(other, tenant, kept.id)).length).toBeGreaterThan(1);
    const keys = await store.db
      .selectFrom('vault_data_key')
      .selectAll()
      .where('tenant_id', '=', tenant)
      .where('owner', '=', `Patient/${gone.id}`)
      .execute();
    expect(keys.every((k) => k.wrapped === null && k.state === 'destroyed')).toBe(true);
    expect(await findPatients(vault, tenant, { phone: gone.phone })).toEqual([]);
    expect(await findBlobByInstanceUid(vault, tenant, '1.2.3.4')).toBeUndefined();
    // Others are untouched.
    expect((await readResource(fresh, tenant, 'Patient', kept.id)).resource.name).toBeDefined();
    expect(await findPatients(vault, tenant, { phone: kept.phone })).toEqual([kept.id]);
    // Destroyed stays destroyed.
    await expectCode(
      shredPatient(vault, tenant, gone.id, { actor: 'x', reason: 'again' }),
      'CUSTOS_CONFLICT',
    );
    await expectCode(
      writeResources(vault, tenant, [{ resourceType: 'Patient', id: gone.id }]),
      'CUSTOS_CONFLICT',
    );
    await expectCode(
      shredPatient(vault, tenant, 'nobody', { actor: 'x', reason: 'y' }),
      'CUSTOS_NOT_FOUND',
    );
  });
});

describe('crypto-shredding seen from another process', () => {
  it('stops a cached key within the cache age', async () => {
    const { tenant, patients } = await hospital(2);
    let now = 0;
    const other = await openVault(store.db, keyring, { dekCacheMaxAgeMs: 1000, now: () => now });
    const id = patients[0]!.id;
    expect((await readResource(other, tenant, 'Patient', id)).resource.id).toBe(id); // key now cached there
    await shredPatient(vault, tenant, id, { actor: 'a', reason: 'test' });
    await expectCode(readResource(vault, tenant, 'Patient', id), 'CUSTOS_NOT_FOUND');
    now = 1001;
    await expectCode(readResource(other, tenant, 'Patient', id), 'CUSTOS_NOT_FOUND');
    expect((await readResource(other, tenant, 'Patient', patients[1]!.id)).resource.id).toBe(
      patients[1]!.id,
    );
  });
});

describe('blobs', () => {
  it('stores DICOM instances encrypted and bound to their study', async () => {
    const { tenant, patients } = await hospital(2);
    const studies = patients.map((p) => ({
      resourceType: 'ImagingStudy',
      id: `${p.id}-st`,
      status: 'available',
      subject: { reference: `Patient/${p.id}` },
    }));
    await writeResources(vault, tenant, studies);
    const data = Buffer.concat([
      Buffer.alloc(128),
      Buffer.from('DICM'),
      Buffer.from(patients[0]!.name),
    ]);
    const a = await putImagingInstance(vault, tenant, studies[0]!.id, data, {
      sopInstanceUid: '1.2.840.1',
    });
    const b = await putImagingInstance(vault, tenant, studies[1]!.id, Buffer.from('other'), {
      sopInstanceUid: '1.2.840.2',
    });
    const got = await readBlob(vault, tenant, a.id);
    expect(got.data.equals(data)).toBe(true);
    expect(got.meta).toMatchObject({
      contentType: 'application/dicom',
      sopInstanceUid: '1.2.840.1',
    });
    expect(await findBlobByInstanceUid(vault, tenant, '1.2.840.1')).toBe(a.id);
    const raw = await store.db
      .selectFrom('vault_blob')
      .select('data')
      .where('id', '=', a.id)
      .executeTakeFirstOrThrow();
    expect(raw.data.includes(Buffer.from(patients[0]!.name))).toBe(false);
    // Moving a blob to another study is detected.
    await store.db
      .updateTable('vault_blob')
      .set({ resource_id: studies[1]!.id })
      .where('id', '=', a.id)
      .execute();
    await expectCode(readBlob(vault, tenant, a.id), 'CUSTOS_CRYPTO_FAILURE');
    expect((await readBlob(vault, tenant, b.id)).data.toString()).toBe('other');
    await expectCode(
      putImagingInstance(vault, tenant, 'no-such-study', data, { sopInstanceUid: '9' }),
      'CUSTOS_NOT_FOUND',
    );
  });
});

describe('care graph', () => {
  it('answers treatment relationships, departments and admissions', async () => {
    const { tenant, patients } = await hospital(12);
    const at = new Date('2024-06-01T00:00:00Z');
    expect(
      (await getStaffDepartments(store.db, tenant, 'dr-wang', at)).map((d) => d.organizationId),
    ).toEqual(['dept-im']);
    expect(
      (await getStaffDepartments(store.db, tenant, 'dr-wang', new Date('2020-06-01')))
        .map((d) => d.organizationId)
        .sort(),
    ).toEqual(['dept-im', 'dept-obs']);
    const p0 = patients[0]!; // J18.9 in dept-im, inpatient (i % 5 === 0), seen by dr-wang
    const rels = await getCareRelationships(store.db, tenant, p0.id, 'dr-wang', at);
    const kinds = new Set(rels.map((r) => r.kind));
    for (const k of [
      'encounter-participant',
      'order-requester',
      'author',
      'department-encounter',
      'admitted-in-department',
    ])
      expect(kinds).toContain(k);
    const admitted = rels.find((r) => r.kind === 'admitted-in-department')!;
    expect(admitted).toMatchObject({
      resourceType: 'Encounter',
      resourceId: `${p0.id}-enc`,
      current: true,
      via: 'department',
    });
    // Radiology performs the imaging order of every patient.
    const rad = await getCareRelationships(store.db, tenant, p0.id, 'tech-chen', at);
    expect(rad.map((r) => r.kind)).toEqual(['department-order']);
    // No relationship: psychiatrist and an internal-medicine patient.
    expect(await getCareRelationships(store.db, tenant, patients[1]!.id, 'dr-li', at)).toEqual([]);
    const inDept = await listAdmittedPatients(store.db, tenant, 'dept-im', at);
    expect(inDept.map((x) => x.patientId)).toContain(p0.id);
    expect(inDept.map((x) => x.patientId)).not.toContain(patients[1]!.id);
  });
});

describe('classification', () => {
  it.each([
    ['F32.9', 'psychiatry'],
    ['F20', 'psychiatry'],
    ['F10.2', 'substance'],
    ['O80', 'reproductive'],
    ['Z32.1', 'reproductive'],
    ['B20', 'hiv-sti'],
    ['A54.9', 'hiv-sti'],
    ['Z21', 'hiv-sti'],
    ['Q90.9', 'genetics'],
    ['J18.9', undefined],
    ['E11.9', undefined],
  ])('ICD-10 %s -> %s', (code, cat) => {
    const got = [...categoriesOfCodings([{ system: 'http://hl7.org/fhir/sid/icd-10', code }])];
    expect(got).toEqual(cat ? [cat] : []);
  });

  it('matches ICD-10 ranges and prefixes', () => {
    expect(matchesIcd10('F09.1', 'F00-F09')).toBe(true);
    expect(matchesIcd10('F10.1', 'F00-F09')).toBe(false);
    expect(matchesIcd10('Z20.6', 'Z20.6')).toBe(true);
    expect(matchesIcd10('Z20.5', 'Z20.6')).toBe(false);
  });

  it('labels records from codes and departments, encrypted, and grades them', async () => {
    const { tenant, patients } = await hospital(6);
    const psych = patients[2]!; // F32.9 in psychiatry
    const labels = await getPatientLabels(vault, tenant, psych.id);
    expect(labels.sensitive).toEqual(['psychiatry']);
    expect(labels.maxGrade).toBe(5);
    // The encounter is sensitive through its department even without a code.
    expect(labels.byResource[`Encounter/${psych.id}-enc`]).toEqual(['psychiatry']);
    const plain = await getPatientLabels(vault, tenant, patients[0]!.id);
    expect(plain.sensitive).toEqual([]);
    expect(plain.maxGrade).toBe(4);
    const vip = await getPatientLabels(vault, tenant, patients[0]!.id);
    expect(vip.confidentiality).toBe('V'); // fixture: every 17th patient from 0 is a VIP
    const l = await readLabels(vault, tenant, [{ resourceType: 'Patient', id: psych.id }]);
    expect(l.get(`Patient/${psych.id}`)!.sections.identity).toEqual({
      category: 'personal-attributes',
      grade: 4,
    });
    // Neither the category nor the code is in a clear column.
    const row = await store.db
      .selectFrom('vault_resource')
      .selectAll()
      .where('tenant_id', '=', tenant)
      .where('id', '=', `${psych.id}-dx`)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify({ ...row, body: null, labels: null })).not.toMatch(/psychiatry|F32/);
  });
});
