import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SecurityReport } from './index.ts';
import {
  createGovernanceFixture,
  FIXTURE_NOW,
  labContractTerms,
  type GovernanceFixture,
} from './test-fixture.ts';

describe('security check', () => {
  let f: GovernanceFixture;
  let weakId: string;
  let strongId: string;
  let report: SecurityReport;
  const has = (code: string, subject?: string) =>
    report.findings.find(
      (x) => x.code === code && (subject === undefined || x.subject === subject),
    );

  beforeAll(async () => {
    f = await createGovernanceFixture();
    [weakId, strongId] = await f.rt.identity.createStaff(
      f.tenant,
      [
        // An initial password of the kind vendors ship (incident 4: cloud storage on its initial password).
        {
          username: 'pacs-admin',
          staffNumber: 'V900',
          name: 'PACS Admin',
          roles: ['vendor-engineer'],
          password: 'Password@123',
        },
        {
          username: 'nurse-li',
          staffNumber: 'N100',
          name: '李护士',
          roles: ['nurse'],
          password: 'a long and unusual passphrase',
        },
      ],
      { id: null },
    );
    const gov = f.rt.governance;
    const open = await gov.createContract(
      f.tenant,
      f.officer,
      labContractTerms({
        validUntil: null,
        patientScope: 'all',
        networks: ['0.0.0.0/0'],
        fields: ['@clinical', 'demographics.mrn'],
      }),
    );
    await gov.registerClient(f.tenant, f.officer, { contractId: open.id, name: 'forever client' });
    await gov.createContract(f.tenant, f.officer, labContractTerms());
    // Over two years later: the new accounts never signed in, the keyring's KEK is old.
    const kekBorn = Date.parse(f.rt.keyring.activeKek().createdAt);
    f.clock.now = new Date(Math.max(kekBorn, FIXTURE_NOW.getTime()) + 800 * 86_400_000);
    report = await gov.securityCheck(f.tenant, { passwordProbe: 'quick' });
  });
  afterAll(async () => {
    await f.rt.close();
  });

  it('finds default passwords but not strong ones', () => {
    expect(has('DEFAULT_PASSWORD', `staff:${weakId}`)?.severity).toBe('critical');
    expect(has('DEFAULT_PASSWORD', `staff:${strongId}`)).toBeUndefined();
  });

  it('finds missing MFA where required and never-used accounts with passwords', () => {
    expect(has('MFA_NOT_ENROLLED', `staff:${f.officer.id}`)?.severity).toBe('critical');
    expect(has('NEVER_USED_ACCOUNT', `staff:${weakId}`)?.severity).toBe('critical');
    expect(has('NEVER_USED_ACCOUNT', `staff:${strongId}`)?.severity).toBe('warning');
    // Accounts without a password (the fixture's officers) are not "never used with a password".
    expect(has('NEVER_USED_ACCOUNT', `staff:${f.officer2.id}`)).toBeUndefined();
  });

  it('finds contracts and clients without expiry, over-broad contracts, and keys due for rotation', () => {
    for (const code of [
      'CONTRACT_WITHOUT_EXPIRY',
      'CONTRACT_OVER_BROAD',
      'CONTRACT_ANY_NETWORK',
      'CLIENT_WITHOUT_EXPIRY',
      'KEK_ROTATION_OVERDUE',
    ])
      expect(has(code)?.severity, code).toBe('critical');
    // The bounded lab contract expired by now: not reported as open-ended.
    expect(report.findings.filter((x) => x.code === 'CONTRACT_WITHOUT_EXPIRY')).toHaveLength(1);
    expect(report.passed).toBe(false);
    expect(report.counts.critical).toBe(
      report.findings.filter((x) => x.severity === 'critical').length,
    );
    expect(report.findings[0]!.severity).toBe('critical');
  });

  it('names ids and codes only, never personal data', () => {
    const text = JSON.stringify(report);
    for (const s of ['PACS Admin', '李护士', 'Password@123', '周敏', 'ACME Lab'])
      expect(text).not.toContain(s);
  });

  it('passes once nothing critical remains (dormancy measured from the last sign-in)', async () => {
    const r = await f.rt.governance.securityCheck(f.tenant, {
      passwordProbe: 'off',
      kekMaxAgeDays: 10_000,
      unusedGraceDays: 10_000,
    });
    const critical = r.findings.filter((x) => x.severity === 'critical').map((x) => x.code);
    expect(critical).not.toContain('KEK_ROTATION_OVERDUE');
    expect(critical).not.toContain('DEFAULT_PASSWORD');
    expect(critical).not.toContain('NEVER_USED_ACCOUNT');
  });
});
