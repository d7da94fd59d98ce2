/**
 * Retention and destruction in chromium against the real service: two patients whose last visit
 * was in 1985 are past the 15-year outpatient rule, the current patient is not; the privacy
 * officer places a legal hold on one of the old patients (it cannot be chosen), destroys the other
 * (confirmation, then the signed certificate with its digest), and the destroyed patient's record
 * is unreadable in the vault while the held and current ones still read. Screenshots go to
 * test-results/console/retention-*.png.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readPatientRecord, writeResources, type FhirResource } from '../src/vault/index.ts';
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

/** A patient seen once as an outpatient in 1985. */
function oldPatient(id: string, name: string): FhirResource[] {
  return [
    { resourceType: 'Patient', id, name: [{ text: name }], birthDate: '1950-02-03' },
    {
      resourceType: 'Encounter',
      id: `${id}-enc`,
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
      subject: { reference: `Patient/${id}` },
      period: { start: '1985-04-02T01:00:00Z', end: '1985-04-02T02:00:00Z' },
    },
  ];
}

describe.skipIf(!hasChromium)('retention and destruction in chromium', () => {
  let svc: Service;
  let browser: Browser;

  beforeAll(async () => {
    await ensureConsoleBuilt();
    [svc, browser] = await Promise.all([startService(), launchBrowser('en-US')]);
    await seedRecordsFixture(svc.rt);
    await writeResources(svc.rt.vault, svc.rt.config.tenant, [
      ...oldPatient('old-1', '周旧一'),
      ...oldPatient('old-2', '周旧二'),
    ]);
  });
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && browser)
      await screenshot(
        browser.page,
        `failed-retention-${ctx.task.name.slice(0, 40).replace(/\W+/g, '-')}`,
      );
  });
  afterAll(async () => {
    await browser?.close();
    await svc?.close();
  });

  it('holds one record, destroys another with a signed certificate, and leaves the rest readable', async () => {
    const { rt } = svc;
    const tenant = rt.config.tenant;
    const { page } = browser;
    await signInEnrolling(page, svc.base, 'po-1', PASSWORD);

    await page.getByRole('link', { name: 'Retention' }).click();
    await page.getByRole('heading', { name: 'Retention', level: 2 }).waitFor();
    const due = page.getByTestId('retention-due');
    await due.waitFor();
    const listed = await due.innerText();
    expect(listed).toContain('old-1');
    expect(listed).toContain('old-2');
    expect(listed).not.toContain('p-1');
    expect(await page.getByTestId('retention-rules').innerText()).toContain('default');

    await page.locator('input[name=patientId]').fill('old-2');
    await page.locator('input[name=reason]').fill('Litigation: records requested by the court');
    await page.getByRole('button', { name: 'Place a hold' }).click();
    await page.getByTestId('legal-holds').waitFor();
    expect(await page.getByTestId('legal-holds').innerText()).toContain('old-2');
    await expect.poll(() => due.innerText()).toMatch(/on hold/i);
    expect(await page.getByRole('checkbox', { name: 'Choose old-2' }).count()).toBe(0);
    await screenshot(page, 'retention-01-due');

    await page.getByRole('checkbox', { name: 'Choose old-1' }).check();
    await page.getByRole('button', { name: 'Destroy 1 records' }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.innerText()).toContain('cannot be undone');
    await dialog.getByRole('button', { name: 'Destroy 1 records' }).click();
    const certificate = page.getByTestId('destruction-certificate');
    await certificate.waitFor();
    const text = await certificate.innerText();
    expect(text).toContain('1 records destroyed.');
    expect(text).toMatch(/SHA-256\s+[0-9a-f]{64}/);
    await screenshot(page, 'retention-02-destroyed');

    // The shredded record no longer opens; the held and the current ones still do.
    await expect(readPatientRecord(rt.vault, tenant, 'old-1')).rejects.toThrow();
    expect((await readPatientRecord(rt.vault, tenant, 'old-2')).length).toBeGreaterThan(0);
    expect((await readPatientRecord(rt.vault, tenant, 'p-1')).length).toBeGreaterThan(0);
    expect(browser.errors).toEqual([]);
  });
});
