/**
 * Third parties and dual control in chromium against the real service: a researcher asks to export
 * a record for an approved study above the approval threshold; the privacy officer approves it with a reason on the
 * third-parties page (the ledger records the approval and the export becomes ready), approves a
 * vendor engineer's maintenance window, revokes a lab's API client (its contract stays listed) and
 * runs the security check, which names the contract signed without an end date; then reads the
 * key status. Screenshots go to test-results/console/third-parties-*.png.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { queryEntries, type LedgerTables } from '../src/ledger/index.ts';
import {
  ensureConsoleBuilt,
  hasChromium,
  launchBrowser,
  signInEnrolling,
  screenshot,
  skipReason,
  startService,
  type Browser,
  type Service,
} from './harness.ts';
import { PASSWORD, seedRecordsFixture } from './records-fixture.ts';

if (skipReason) console.warn(skipReason);

describe.skipIf(!hasChromium)('third parties and dual control in chromium', () => {
  let svc: Service;
  let browser: Browser;

  beforeAll(async () => {
    await ensureConsoleBuilt();
    [svc, browser] = await Promise.all([startService(), launchBrowser('en-US')]);
    await seedRecordsFixture(svc.rt);
  });
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && browser)
      await screenshot(
        browser.page,
        `failed-third-parties-${ctx.task.name.slice(0, 40).replace(/\W+/g, '-')}`,
      );
  });
  afterAll(async () => {
    await browser?.close();
    await svc?.close();
  });

  it('approves a held export and a vendor window, revokes an API client and runs the security check', async () => {
    const { rt } = svc;
    const tenant = rt.config.tenant;
    // Every export needs a second approver here, so one record is enough to be held.
    rt.governance.exports.settings.recordThreshold = 0;
    const officer = (await rt.identity.getStaff(tenant, 'po-1'))!;
    await rt.identity.createStaff(
      tenant,
      [
        {
          id: 'ven-1',
          username: 'ven-1',
          staffNumber: 'V0001',
          name: '赵工程师',
          roles: ['vendor-engineer'],
          departmentId: 'dept-int',
          status: 'active' as const,
          trainingCompletedAt: new Date(Date.now() - 86_400_000),
        },
        {
          id: 'res-1',
          username: 'res-1',
          staffNumber: 'R0001',
          name: '钱研究员',
          roles: ['researcher'],
          departmentId: 'dept-int',
          status: 'active' as const,
          trainingCompletedAt: new Date(Date.now() - 86_400_000),
        },
      ],
      { id: null },
    );
    await rt.identity.setPassword(tenant, 'res-1', PASSWORD, { id: null });
    const login = await fetch(`${svc.base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'res-1', password: PASSWORD }),
    });
    const { token } = (await login.json()) as { token: string };
    const asked = await fetch(`${svc.base}/api/governance/exports`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'x-custos-workstation': 'ws-int',
      },
      body: JSON.stringify({
        purpose: 'research',
        reference: 'IRB-2026-031',
        recipient: { name: 'Cohort study team', organization: 'Medical University' },
        patientIds: ['p-1'],
        kind: 'records',
        passphrase: 'a long passphrase for the package',
      }),
    });
    expect(asked.status).toBe(201);
    const exportId = ((await asked.json()) as { id: string; status: string }).id;

    const vendor = (await rt.identity.getStaff(tenant, 'ven-1'))!;
    await rt.governance.windows.request(tenant, vendor, {
      staffId: 'ven-1',
      startsAt: new Date(Date.now() + 3_600_000).toISOString(),
      endsAt: new Date(Date.now() + 3 * 3_600_000).toISOString(),
      systems: ['pacs'],
      reason: 'PACS storage controller firmware upgrade',
    });
    const terms = {
      party: { name: 'ACME Lab', kind: 'lab', organizationId: 'lab-acme' },
      purpose: 'treatment',
      legalBasis: 'contract (PIPL Art. 13(2)); data processing agreement DPA-2026-001',
      actsAs: 'lab-technician',
      resourceTypes: ['Patient', 'Observation', 'ServiceRequest'],
      fields: ['demographics.name', 'demographics.mrn', 'order', 'observation.lab'],
      patientScope: 'ordered',
      dailyLimit: 2000,
      ratePerMinute: 600,
      validFrom: new Date(Date.now() - 86_400_000).toISOString(),
      validUntil: new Date(Date.now() + 365 * 86_400_000).toISOString(),
      networks: ['203.0.113.0/24'],
      deidentify: false,
      watermark: true,
      responsible: {
        hospital: [{ name: 'Officer Zheng', role: 'privacy officer' }],
        party: [{ name: 'Lab Manager', role: 'data protection contact' }],
      },
    };
    const contract = await rt.governance.createContract(tenant, officer, terms);
    // A second party signed without an end date: the security check must call it critical.
    const open = await rt.governance.createContract(tenant, officer, {
      ...terms,
      party: { name: 'Old Imaging Vendor', kind: 'imaging-vendor', organizationId: 'img-old' },
      validUntil: null,
    });
    const client = await rt.governance.registerClient(tenant, officer, {
      contractId: contract.id,
      name: 'ACME LIS interface',
    });

    const { page } = browser;
    await signInEnrolling(page, svc.base, 'po-1', PASSWORD);

    await page.getByRole('link', { name: 'Third parties' }).click();
    await page.getByRole('heading', { name: 'Third parties', level: 2 }).waitFor();
    const pending = page.getByTestId('pending-exports');
    await pending.waitFor();
    const row = await pending.innerText();
    expect(row).toContain('res-1');
    expect(row).toContain('Medical University');
    expect(row).toContain('IRB-2026-031');
    expect(row).toContain('1 records');
    await screenshot(page, 'third-parties-01-approvals');

    await pending.getByRole('button', { name: 'Approve' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('textarea[name=reason]').fill('Study approved by the ethics committee');
    await dialog.getByRole('button', { name: 'Approve' }).click();
    await page.getByText('No export is waiting for approval.').waitFor();
    const approved = await rt.governance.exports.get(tenant, exportId);
    expect(approved?.status).toBe('ready');
    expect(approved?.approvedBy).toBe('po-1');
    const ledgered = await queryEntries(rt.store.db as Kysely<LedgerTables>, {
      tenant,
      actorId: 'po-1',
    });
    expect(ledgered.entries.map((e) => e.action)).toContain('export.approve');

    const windows = page.getByTestId('windows');
    expect(await windows.innerText()).toContain('ven-1');
    await windows.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => windows.innerText()).toContain('Approved');
    expect((await rt.governance.windows.list(tenant))[0]?.status).toBe('approved');

    await page.getByRole('tab', { name: 'Contracts and clients' }).click();
    const card = page.getByTestId('contract').filter({ hasText: 'ACME Lab' });
    await card.waitFor();
    expect(await card.innerText()).toContain('ACME Lab');
    expect(await card.innerText()).toContain(client.client.id);
    await card.getByRole('button', { name: 'Revoke' }).click();
    await dialog.locator('textarea[name=reason]').fill('Interface retired after contract review');
    await dialog.getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(() => card.innerText()).toMatch(/revoked/i);
    const clients = await rt.governance.clients.list(tenant);
    expect(clients.find((c) => c.id === client.client.id)?.status).toBe('revoked');
    await screenshot(page, 'third-parties-02-contracts');

    await page.getByRole('tab', { name: 'Security check' }).click();
    await page.getByRole('button', { name: 'Run the security check' }).click();
    await page.getByTestId('check-verdict').waitFor();
    expect(await page.getByTestId('check-verdict').innerText()).toMatch(/failed · 1 critical/i);
    const findings = await page.getByTestId('check-findings').innerText();
    expect(findings).toContain('CONTRACT_WITHOUT_EXPIRY');
    expect(findings).toContain(open.id);
    await screenshot(page, 'third-parties-03-check');

    // The key status beside it: the active key-encryption key wraps the patient's data key.
    await page.getByRole('link', { name: 'Encryption keys' }).click();
    const keks = page.getByTestId('keks');
    await keks.waitFor();
    const active = rt.vault.keyring.activeKek();
    expect(await keks.innerText()).toContain(active.id);
    expect((await page.getByTestId('key-summary').innerText()).toLowerCase()).toContain(
      'aes-256-gcm',
    );
    await screenshot(page, 'third-parties-04-keys');
    expect(browser.errors).toEqual([]);
  });
});
