import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRuntime, type Runtime } from '../runtime/index.ts';
import { readDisclosedSections, readPatientRecord } from '../vault/index.ts';
import { NOW, seedFixture } from './test-fixture.ts';

let rt: Runtime;
beforeAll(async () => {
  rt = await createTestRuntime({ clock: () => NOW });
  await seedFixture(rt);
}, 60_000);
afterAll(async () => {
  await rt?.close();
});

describe('the disclosure read', () => {
  it('reads only the named resources of the patient and decrypts only their type’s sections', async () => {
    const tenant = rt.config.tenant;
    const read = await readDisclosedSections(
      rt.vault,
      tenant,
      'p-1',
      [
        { resourceType: 'Patient', id: 'p-1' },
        { resourceType: 'Condition', id: 'cond-htn' },
        // A type not in the section map: not read.
        { resourceType: 'Encounter', id: 'enc-1' },
        // Another patient's record: not read, whatever the refs say.
        { resourceType: 'Patient', id: 'p-vip' },
        { resourceType: 'Patient', id: 'p-does-not-exist' },
      ],
      new Map([
        ['Patient', ['identity']],
        ['Condition', ['clinical']],
      ]),
    );
    expect(read.map((r) => `${r.resourceType}/${r.id}`).sort()).toEqual([
      'Condition/cond-htn',
      'Patient/p-1',
    ]);
    const full = await readPatientRecord(rt.vault, tenant, 'p-1', {
      resourceTypes: ['Patient', 'Condition'],
    });
    const patient = read.find((r) => r.resourceType === 'Patient')!.resource;
    const fullPatient = full.find((r) => r.meta.resourceType === 'Patient')!.resource;
    expect(patient.name).toEqual(fullPatient.name);
    // Sections not asked for stay encrypted: no identifiers, contacts or birth date.
    expect(fullPatient.telecom).toBeDefined();
    expect(patient.telecom).toBeUndefined();
    expect(patient.identifier).toBeUndefined();
    expect(patient.birthDate).toBeUndefined();
    const cond = read.find((r) => r.resourceType === 'Condition')!;
    expect(cond.resource.code).toEqual(full.find((r) => r.meta.id === 'cond-htn')!.resource.code);
  });

  it('reads nothing for an empty plan', async () => {
    const read = await readDisclosedSections(rt.vault, rt.config.tenant, 'p-1', [], new Map());
    expect(read).toEqual([]);
  });
});
