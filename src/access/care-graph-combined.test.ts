import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRuntime, type Runtime } from '../runtime/index.ts';
import {
  getCareRelationships,
  getCareRelationshipsWithEncounters,
  readDisclosureFacts,
  type CareRelationship,
} from '../vault/index.ts';
import { loadClearRows, loadRelationships, loadStaffDepartments } from './facts.ts';
import { NOW, seedFixture, STAFF } from './test-fixture.ts';

let rt: Runtime;
beforeAll(async () => {
  rt = await createTestRuntime({ clock: () => NOW });
  await seedFixture(rt);
}, 60_000);
afterAll(async () => {
  await rt?.close();
});

const key = (r: CareRelationship) =>
  JSON.stringify([
    r.kind,
    r.via,
    r.resourceType,
    r.resourceId,
    r.organizationId,
    r.status,
    r.current,
    r.periodStart?.toISOString() ?? null,
    r.periodEnd?.toISOString() ?? null,
  ]);

describe('care graph in one query', () => {
  it('finds exactly the relationships of the three-query lookup, for every staff member and patient', async () => {
    const tenant = rt.config.tenant;
    let found = 0;
    let admitted = 0;
    for (const [staffId, s] of Object.entries(STAFF)) {
      const departments = await loadStaffDepartments(rt.vault, tenant, staffId, s.dept, NOW);
      for (const patientId of ['p-1', 'p-vip', 'p-r', 'nobody']) {
        const rows = await loadClearRows(rt.vault.db, tenant, patientId);
        const encounters = rows
          .filter((r) => r.resourceType === 'Encounter')
          .map((r) => ({
            id: r.id,
            organizationId: r.organizationId,
            status: r.status,
            category: r.category,
            periodStart: r.periodStart,
            periodEnd: r.periodEnd,
          }));
        for (const at of [NOW, new Date(NOW.getTime() - 24 * 400 * 3_600_000)]) {
          const three = await getCareRelationships(rt.vault.db, tenant, patientId, staffId, at, {
            departments,
          });
          const one = await getCareRelationshipsWithEncounters(
            rt.vault.db,
            tenant,
            patientId,
            staffId,
            at,
            departments,
            encounters,
          );
          expect(one.map(key).sort(), `${staffId} ${patientId}`).toEqual(three.map(key).sort());
          // The disclosure path's single statement: the same clear rows and relationships.
          const facts = await readDisclosureFacts(
            rt.vault.db,
            tenant,
            patientId,
            staffId,
            at,
            departments,
          );
          expect(facts.relationships.map(key).sort(), `${staffId} ${patientId}`).toEqual(
            three.map(key).sort(),
          );
          const rowKey = (r: (typeof rows)[number]) => JSON.stringify(r);
          expect(facts.rows.map(rowKey).sort()).toEqual(rows.map(rowKey).sort());
          found += one.length;
          admitted += one.filter((r) => r.kind === 'admitted-in-department').length;
        }
        // The access path's facts agree as well.
        const a = await loadRelationships(rt.vault, tenant, patientId, staffId, departments, NOW);
        const b = await loadRelationships(
          rt.vault,
          tenant,
          patientId,
          staffId,
          departments,
          NOW,
          rows,
        );
        expect(b).toEqual(a);
      }
    }
    // The fixture exercises personal, department and admitted relationships.
    expect(found).toBeGreaterThan(5);
    expect(admitted).toBeGreaterThan(0);
  });

  it('without departments looks only at the staff member personally', async () => {
    const rels = await getCareRelationshipsWithEncounters(
      rt.vault.db,
      rt.config.tenant,
      'p-1',
      'doc-int',
      NOW,
      [],
      [],
    );
    expect(rels.length).toBeGreaterThan(0);
    expect(rels.every((r) => r.via === 'practitioner')).toBe(true);
  });
});
