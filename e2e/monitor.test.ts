/**
 * The privacy officer's monitor journey in chromium against the real service: a small demo
 * hospital's two days of access (with planted incidents) in the ledger; the officer runs the
 * monitor over them, opens a case from the workbench, reads the evidence timeline, assigns it
 * to themself, adds a note and resolves it with a sanction (which lands on the staff member's
 * privacy record); the dashboard then draws alerts by detector, department and day, the
 * explained-access share and the top users — in English and zh-CN. Screenshots go to
 * test-results/console/ (monitor-*.png).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { getCase, listCases, type MonitorTables } from '../src/monitor/index.ts';
import { seedDemoHospital } from '../src/seed/load.ts';
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

const DAY = 86_400_000;

/** datetime-local value of a date in the browser's (and this process's) local time. */
function local(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

describe.skipIf(!hasChromium)('privacy monitor in chromium', () => {
  let svc: Service;
  let browser: Browser;

  beforeAll(async () => {
    await ensureConsoleBuilt();
    [svc, browser] = await Promise.all([startService(), launchBrowser('en-US')]);
    await seedDemoHospital(svc.rt, {
      patients: 300,
      staff: 100,
      days: 2,
      seed: 'e2e-monitor',
      tenant: svc.rt.config.tenant,
      now: Date.now(),
    });
    await seedRecordsFixture(svc.rt);
  }, 60_000);
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && browser)
      await screenshot(
        browser.page,
        `failed-monitor-${ctx.task.name.slice(0, 40).replace(/\W+/g, '-')}`,
      );
  });
  afterAll(async () => {
    await browser?.close();
    await svc?.close();
  });

  it('runs the monitor, works a case to a sanction, and reads the dashboard', async () => {
    const { page } = browser;
    const db = svc.rt.store.db as Kysely<MonitorTables>;
    const tenant = svc.rt.config.tenant;
    await signInEnrolling(page, svc.base, 'po-1', PASSWORD);

    // Before any run the dashboard says so instead of drawing empty charts.
    const dash = page.getByTestId('monitor-dashboard');
    await dash.waitFor();
    expect(await dash.innerText()).toContain('No alerts in the last 14 days.');

    await page.getByRole('link', { name: 'Alerts and cases' }).click();
    await page.getByText('No new alerts.').waitFor();
    await page.locator('input[name=from]').fill(local(new Date(Date.now() - 3 * DAY)));
    await page.getByRole('button', { name: 'Run the monitor' }).click();
    const run = page.getByTestId('monitor-run');
    await run.waitFor();
    expect(await run.innerText()).toMatch(/\d+ ledger entries read/);
    const open = await listCases(db, tenant, { status: 'open' });
    expect(open.length).toBeGreaterThan(0);
    const cases = page.getByTestId('cases');
    await cases.waitFor();
    await screenshot(page, 'monitor-01-alerts-and-cases');

    // The first open case in the list (highest score first, as the service orders them).
    const firstRow = cases.locator('tbody tr').first();
    const actor = (await firstRow.locator('td').first().innerText()).trim();
    await firstRow.getByRole('button', { name: 'Open' }).click();
    const view = page.getByTestId('case');
    await view.waitFor();
    expect(await view.innerText()).toContain(`Case: ${actor}`);
    const timeline = page.getByTestId('case-timeline');
    expect(await timeline.innerText()).toContain('Case opened');
    expect(await timeline.innerText()).toContain('Evidence');
    const caseId = open.find((c) => c.actorId === actor)!.id;
    const detail = await getCase(db, tenant, caseId);
    // The evidence sentences of the case's alerts are on the timeline, in English.
    expect(await timeline.innerText()).toContain(detail.alerts[0]!.evidence[0]!.en);

    await view.getByRole('button', { name: 'Assign to me' }).click();
    await expect.poll(() => timeline.innerText()).toContain('Assigned to po-1.');
    expect(await view.innerText()).toContain('Under investigation');
    await view
      .locator('textarea[name=note]')
      .fill('Interviewed the staff member; no care need found.');
    await view.getByRole('button', { name: 'Add note' }).click();
    await expect.poll(() => timeline.innerText()).toContain('no care need found');

    const resolve = view.getByRole('button', { name: 'Resolve', exact: true });
    expect(await resolve.isDisabled()).toBe(true);
    await view.locator('.mantine-Select-input').first().click();
    await page.getByRole('option', { name: 'Sanction' }).click();
    await view.locator('textarea[name=resolveNote]').fill('Accessed records without a care need.');
    // A sanction must be chosen before the case can be resolved with one.
    expect(await resolve.isDisabled()).toBe(true);
    await view.locator('.mantine-Select-input').nth(1).click();
    await page.getByRole('option', { name: 'Written warning' }).click();
    await screenshot(page, 'monitor-02-case-resolve');
    await resolve.click();
    await expect.poll(() => timeline.innerText()).toContain('Sanction recorded');
    expect(await timeline.innerText()).toContain('Written warning');
    await page.getByTestId('privacy-record').waitFor();
    expect(await page.getByTestId('privacy-record').innerText()).toContain('Written warning');
    expect(await view.innerText()).toContain('Resolved');
    const after = await getCase(db, tenant, caseId);
    expect(after.case).toMatchObject({ status: 'resolved', disposition: 'sanction' });
    expect(after.case.resolvedBy).toBe('po-1');
    await screenshot(page, 'monitor-03-case-resolved');

    // The case turns out to be a leak: it becomes a breach incident naming the same person, over
    // the case's days, ready to be scoped.
    await view.getByRole('button', { name: 'Open an incident' }).click();
    const incident = page.getByTestId('incident');
    await incident.waitFor();
    const facts = await incident.innerText();
    expect(facts).toContain(`Staff ${actor}`);
    expect(facts).toContain(caseId);
    expect(page.url()).toMatch(/\/officer\/incidents\?id=/);

    // The sanctioned staff member's privacy record, on its own page.
    await page.getByRole('link', { name: 'Privacy records' }).click();
    await page.locator('input[name=staffId]').fill(actor);
    await page.getByRole('button', { name: 'Show the record' }).click();
    const recordPage = page.getByTestId('privacy-record-page');
    await recordPage.waitFor();
    const recordText = await recordPage.innerText();
    expect(recordText).toContain('Written warning');
    expect(recordText).toContain('Accessed records without a care need.');
    expect(recordText).toContain(caseId);
    await page.locator('input[name=staffId]').fill('no-such-staff');
    await page.getByRole('button', { name: 'Show the record' }).click();
    await page.getByText('no such staff member').waitFor();

    await page.getByRole('link', { name: 'Privacy dashboard' }).click();
    await dash.waitFor();
    await page.getByTestId('top-users').waitFor();
    expect(await page.getByTestId('top-users').locator('tbody tr').count()).toBeGreaterThan(0);
    const figures = dash.locator('[role=figure]');
    await expect.poll(() => figures.count()).toBe(4);
    expect(await dash.locator('canvas').count()).toBeGreaterThanOrEqual(4);
    expect(await dash.innerText()).not.toContain('No alerts in the last');
    await screenshot(page, 'monitor-04-dashboard');

    await page.locator('header label', { hasText: '中文' }).click();
    await page.getByText('按检测器统计告警').waitFor();
    expect(await dash.innerText()).toContain('告警最多的人员');
    await screenshot(page, 'monitor-05-dashboard-zh');
    await page.locator('header label', { hasText: 'English' }).click();
    expect(browser.errors).toEqual([]);
  });
});
