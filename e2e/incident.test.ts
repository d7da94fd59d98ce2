/**
 * Breach response in chromium against the real service: a physician reads a patient's record;
 * the privacy officer opens an incident naming that physician and the time window, scopes the
 * accesses (the patient is counted), suspends the account from the incident (the service then
 * refuses the physician), generates the patient notices and sees each step on the incident's
 * timeline — then the same view in zh-CN. Screenshots go to test-results/console/incident-*.png.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
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

/** `YYYY-MM-DDTHH:mm` in the browser's (and this process's) local time, for datetime-local. */
function localInput(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

describe.skipIf(!hasChromium)('breach response in chromium', () => {
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
        `failed-incident-${ctx.task.name.slice(0, 40).replace(/\W+/g, '-')}`,
      );
  });
  afterAll(async () => {
    await browser?.close();
    await svc?.close();
  });

  /** The physician signs in and reads p-1: the first refusal's status, or 200. */
  async function physicianReads(): Promise<number> {
    const login = await fetch(`${svc.base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'doc-int', password: PASSWORD }),
    });
    if (login.status !== 200) return login.status;
    const { token } = (await login.json()) as { token: string };
    const res = await fetch(
      `${svc.base}/api/patients/p-1/record?purpose=treatment&workstation=ws-int`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    return res.status;
  }

  it('opens, scopes and contains an incident, generates the notices and shows the timeline', async () => {
    expect(await physicianReads()).toBe(200);
    const { page } = browser;
    await signInEnrolling(page, svc.base, 'po-1', PASSWORD);

    await page.getByRole('link', { name: 'Incidents' }).click();
    await page.getByRole('heading', { name: 'Incidents', level: 2 }).waitFor();
    await page.getByText('No incidents.').waitFor();
    await page.getByRole('button', { name: 'Open an incident' }).click();
    const dialog = page.getByRole('dialog');
    await dialog
      .locator('input[name=title]')
      .fill('Record photographed and posted to a chat group');
    await dialog.locator('input[name=suspect]').fill('doc-int');
    const now = Date.now();
    await dialog.locator('input[name=from]').fill(localInput(new Date(now - 86_400_000)));
    await dialog.locator('input[name=to]').fill(localInput(new Date(now + 3_600_000)));
    await dialog.getByRole('button', { name: 'Open an incident' }).click();

    const incident = page.getByTestId('incident');
    await incident.waitFor();
    expect(await page.getByTestId('incidents').innerText()).toContain(
      'Record photographed and posted to a chat group',
    );
    expect(await incident.innerText()).toContain('The accesses have not been scoped yet.');
    await screenshot(page, 'incident-01-opened');

    await incident.getByRole('button', { name: 'Scope the accesses' }).click();
    const scope = page.getByTestId('incident-scope');
    await scope.waitFor();
    // The physician's one read of p-1 is in scope: one patient, at least one ledger entry.
    await expect
      .poll(async () => (await scope.innerText()).replace(/\s+/g, ' '))
      .toMatch(/PATIENTS AFFECTED 1\b/i);
    expect(await scope.innerText()).toContain('ws-int');

    await incident.getByRole('button', { name: 'Suspend the account' }).click();
    await page.getByTestId('incident-actions').waitFor();
    await expect
      .poll(() => page.getByTestId('incident-actions').innerText())
      .toContain('Suspend the account');
    expect((await page.getByTestId('incident-actions').innerText()).toLowerCase()).toContain(
      'done',
    );
    // Containment is real: the suspended physician is refused from now on.
    const staff = await svc.rt.identity.getStaff(svc.rt.config.tenant, 'doc-int');
    expect(staff?.status).toBe('suspended');
    expect(await physicianReads()).toBe(401);

    await incident.getByRole('button', { name: 'Generate patient notices' }).click();
    await expect
      .poll(() => page.getByTestId('incident-notices').innerText())
      .toContain('patient notices made now: 1');
    const timeline = page.getByTestId('incident-timeline');
    await expect.poll(() => timeline.innerText()).toContain('Patient notices generated');
    const steps = await timeline.innerText();
    for (const step of ['Opened', 'Scoped', 'Containment']) expect(steps).toContain(step);
    expect(await page.getByTestId('incident-report').getAttribute('href')).toMatch(
      /\/api\/incidents\/[^/]+\/report\/pdf$/,
    );

    // Containment moved the incident on by itself; the officer records the notification step.
    await expect.poll(() => page.getByTestId('incidents').innerText()).toContain('Contained');
    await incident.getByRole('button', { name: 'Notified' }).click();
    await expect.poll(() => page.getByTestId('incidents').innerText()).toContain('Notified');
    await screenshot(page, 'incident-02-contained');

    await page.locator('header label', { hasText: '中文' }).click();
    await page.getByRole('heading', { name: '数据泄露事件', level: 2 }).waitFor();
    expect(await page.getByTestId('incident').innerText()).toContain('停用账号');
    await screenshot(page, 'incident-03-zh');
    await page.locator('header label', { hasText: 'English' }).click();
    expect(browser.errors).toEqual([]);
  });
});
