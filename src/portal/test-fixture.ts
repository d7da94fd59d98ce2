/**
 * A small hospital for the portal's tests: four departments, four staff members, three patients
 * (two sharing a phone, as families do), a few ledger entries about each, and a portal service on
 * a test runtime (PGlite or PostgreSQL) with an in-memory message sender.
 */
import {
  allMigrations,
  createStaffSealer,
  createTestRuntime,
  type Runtime,
} from '../runtime/index.ts';
import { applyMigrations, type Migration } from '../store/index.ts';
import { monitorMigrations } from '../monitor/index.ts';
import type { LedgerEntryInput } from '../ledger/index.ts';
import { writeResources } from '../vault/index.ts';
import { portalMigrations } from './migrations.ts';
import { createMemorySender } from './sender.ts';
import { PortalService } from './service.ts';

export const NATIONAL_ID_SYSTEM = 'urn:oid:2.16.156.10011.1.1';

/** The patients of the fixture (synthetic numbers). */
export const PATIENTS = {
  a: { id: 'pat-a', phone: '13800138000', nationalId: '110101199003071234', name: '王芳' },
  b: { id: 'pat-b', phone: '13900139000', nationalId: '310101198502023456', name: '李娜' },
  // Shares the phone of pat-a (her mother's), different ID number.
  c: { id: 'pat-c', phone: '13800138000', nationalId: '110101201501019876', name: '王小明' },
} as const;

export const STAFF = {
  doctor: 'stf-doc',
  nurse: 'stf-nurse',
  billing: 'stf-bill',
  vendor: 'stf-vendor',
} as const;

/** A test runtime with the portal and monitor schema, the fixture hospital and a portal. */
export async function createPortalFixture(opts: { clock?: () => Date } = {}) {
  let now = new Date('2025-03-10T02:00:00Z');
  const clock = opts.clock ?? (() => now);
  const rt = await createTestRuntime({ clock });
  const names = new Set<string>();
  const steps: Migration[] = [];
  for (const m of [...allMigrations, ...monitorMigrations, ...portalMigrations])
    if (!names.has(m.name)) {
      names.add(m.name);
      steps.push(m);
    }
  await applyMigrations(rt.store, steps);
  const tenant = rt.config.tenant;
  await rt.identity.saveDepartments([
    { tenantId: tenant, id: 'dept-emd', kind: 'emergency', nameZh: '急诊科', nameEn: 'Emergency' },
    { tenantId: tenant, id: 'dept-obs', kind: 'obstetrics', nameZh: '产科', nameEn: 'Obstetrics' },
    { tenantId: tenant, id: 'dept-bil', kind: 'billing', nameZh: '收费处', nameEn: 'Billing' },
    {
      tenantId: tenant,
      id: 'dept-vnd',
      kind: 'vendor',
      nameZh: '影像设备厂商',
      nameEn: 'PACS vendor',
    },
  ]);
  await rt.identity.saveWorkstations(
    tenant,
    [
      {
        id: 'ws-emd-1',
        label: 'EMD 1',
        location: 'clinic',
        departmentId: 'dept-emd',
        network: '10.1.0.0/24',
        active: true,
      },
    ],
    { id: null },
  );
  const trained = new Date(now.getTime() - 10 * 86_400_000);
  await rt.identity.createStaff(
    tenant,
    [
      {
        id: STAFF.doctor,
        username: 'doc',
        staffNumber: 'S001',
        name: '张伟',
        roles: ['physician'],
        departmentId: 'dept-emd',
        trainingCompletedAt: trained,
      },
      {
        id: STAFF.nurse,
        username: 'nurse',
        staffNumber: 'S002',
        name: '刘洋',
        roles: ['nurse'],
        departmentId: 'dept-obs',
        trainingCompletedAt: trained,
      },
      {
        id: STAFF.billing,
        username: 'bill',
        staffNumber: 'S003',
        name: '陈静',
        roles: ['billing-clerk'],
        departmentId: 'dept-bil',
        trainingCompletedAt: trained,
      },
      {
        id: STAFF.vendor,
        username: 'vendor',
        staffNumber: 'S004',
        name: 'Tom Vendor',
        roles: ['vendor-engineer'],
        departmentId: 'dept-vnd',
        trainingCompletedAt: trained,
      },
    ],
    { id: null },
  );
  const patient = (p: (typeof PATIENTS)[keyof typeof PATIENTS]) => ({
    resourceType: 'Patient',
    id: p.id,
    identifier: [{ system: NATIONAL_ID_SYSTEM, value: p.nationalId }],
    name: [{ text: p.name }],
    gender: 'female',
    birthDate: '1990-03-07',
    telecom: [{ system: 'phone', use: 'mobile', value: p.phone }],
  });
  await writeResources(rt.vault, tenant, [
    { resourceType: 'Organization', id: 'org-hosp', name: '示例医院' },
    ...Object.values(STAFF).map((id) => ({
      resourceType: 'Practitioner',
      id,
      name: [{ text: id }],
    })),
    patient(PATIENTS.a),
    patient(PATIENTS.b),
    patient(PATIENTS.c),
  ]);
  const at = (h: number) => new Date(now.getTime() - h * 3600_000);
  const staffEntry = (
    staffId: string,
    department: string,
    patientId: string,
    extra: Partial<LedgerEntryInput>,
  ): LedgerEntryInput => ({
    kind: 'disclosure.read',
    actor: { type: 'staff', id: staffId, department },
    patientId,
    purpose: 'treatment',
    decision: 'permit',
    channel: 'console',
    fields: ['demographics.name', 'diagnosis'],
    reasons: ['treatment/care-team', 'relationship:care-team', 'policy-version:test'],
    ...extra,
  });
  const appended = await rt.ledger.appendEntries(tenant, [
    staffEntry(STAFF.nurse, 'dept-obs', PATIENTS.a.id, { occurredAt: at(48) }),
    staffEntry(STAFF.billing, 'dept-bil', PATIENTS.a.id, {
      kind: 'disclosure.print',
      channel: 'print',
      purpose: 'payment',
      fields: ['demographics.name', 'contact.phone'],
      reasons: ['policy-version:test'],
      occurredAt: at(30),
    }),
    staffEntry(STAFF.nurse, 'dept-obs', PATIENTS.b.id, { occurredAt: at(29) }),
    staffEntry(STAFF.doctor, 'dept-emd', PATIENTS.a.id, {
      kind: 'break-glass',
      reasons: ['EMERGENCY_UNCONSCIOUS', 'policy-version:test'],
      fields: [],
      occurredAt: at(20),
      details: { grantId: 'g-test-1' },
    }),
    staffEntry(STAFF.doctor, 'dept-emd', PATIENTS.a.id, {
      reasons: ['break-glass', 'policy-version:test'],
      categories: ['psychiatry'],
      occurredAt: at(19.9),
    }),
    {
      kind: 'disclosure.api',
      actor: { type: 'client', id: 'lab-vendor-x' },
      patientId: PATIENTS.a.id,
      purpose: 'treatment',
      decision: 'permit',
      channel: 'api',
      fields: ['observation.lab'],
      occurredAt: at(10),
    },
    staffEntry(STAFF.vendor, 'dept-vnd', PATIENTS.b.id, {
      kind: 'disclosure.export',
      channel: 'export',
      occurredAt: at(5),
    }),
    staffEntry(STAFF.doctor, 'dept-emd', PATIENTS.c.id, { occurredAt: at(4) }),
  ]);
  const seqs = appended.map((a) => a.seq);
  const sender = createMemorySender();
  const portal = new PortalService({
    db: rt.store.db,
    vault: rt.vault,
    ledger: rt.ledger,
    identity: rt.identity,
    sealer: createStaffSealer(rt.store.db, rt.keyring),
    sender,
    signer: rt.signer,
    now: clock,
    log: rt.log,
  });
  return {
    rt: rt as Runtime & { logLines: string[] },
    tenant,
    portal,
    sender,
    /** Seqs of the fixture's entries in the order above. */
    seqs,
    /** Seqs expected in each patient's history. */
    expected: {
      a: [seqs[0]!, seqs[1]!, seqs[3]!, seqs[4]!, seqs[5]!],
      b: [seqs[2]!, seqs[6]!],
      c: [seqs[7]!],
    },
    advance(ms: number) {
      now = new Date(now.getTime() + ms);
    },
    now: () => clock(),
    async close() {
      await portal.stop();
      await rt.close();
    },
  };
}

/** Signs a fixture patient in (code from the memory sender, second factor the last 6). */
export async function signIn(
  f: Awaited<ReturnType<typeof createPortalFixture>>,
  p: (typeof PATIENTS)[keyof typeof PATIENTS],
  idAnswer: string = p.nationalId.slice(-6),
) {
  const ch = await f.portal.requestCode(f.tenant, { phone: p.phone });
  const code = f.sender.lastCodeFor(p.phone);
  if (!code) throw new Error('no code was sent');
  return f.portal.verifyCode(f.tenant, { challengeId: ch.challengeId, code, idNumber: idAnswer });
}
