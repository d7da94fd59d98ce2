/**
 * The patient portal on a phone: Debian's chromium (never a downloaded browser) with a phone
 * viewport and a fresh profile, against the real service on 127.0.0.1 with the portal's test
 * hospital. Journey: sign in with the SMS code and the ID number, read the access history,
 * switch to English, report an access (a case opens for the privacy officer), restrict sections,
 * read the notices. Screenshots go to test-results/portal (or $CUSTOS_SCREENSHOTS).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/api/index.ts';
import { listCases } from '../src/monitor/index.ts';
import { createPortalFixture, PATIENTS } from '../src/portal/test-fixture.ts';

const CHROMIUM = '/usr/bin/chromium';
const skip = !existsSync(CHROMIUM);
if (skip)
  console.warn(
    `e2e portal: skipped because ${CHROMIUM} is missing (install it: apt-get install -y --no-install-recommends chromium)`,
  );
const SHOTS =
  process.env.CUSTOS_SCREENSHOTS ?? resolve(import.meta.dirname, '../test-results/portal');

describe.skipIf(skip)('patient portal on a phone (chromium)', () => {
  let f: Awaited<ReturnType<typeof createPortalFixture>>;
  let app: FastifyInstance;
  let base: string;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const errors: string[] = [];

  const shot = async (name: string) => {
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  };
  const lastCode = (): string => {
    for (let i = f.rt.logLines.length - 1; i >= 0; i--) {
      const m = /"demoCode":"(\d{6})"/.exec(f.rt.logLines[i]!);
      if (m) return m[1]!;
    }
    throw new Error('no sign-in code in the service log');
  };

  beforeAll(async () => {
    f = await createPortalFixture();
    app = await buildApp(f.rt);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const addr = app.server.address();
    if (!addr || typeof addr === 'string') throw new Error('no TCP address');
    base = `http://127.0.0.1:${addr.port}`;
    profile = mkdtempSync(join(tmpdir(), 'custos-portal-profile-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      locale: 'zh-CN',
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    context.setDefaultTimeout(10_000);
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource'))
        errors.push(`console: ${m.text()}`);
    });
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await app?.close();
    await f?.close();
  });

  it('signs in, shows the history, takes a report, a restriction and shows notices', async () => {
    await page.goto(`${base}/portal`);
    await page.locator('#phone').fill(PATIENTS.a.phone);
    await shot('01-sign-in');
    await page.locator('#get-code').click();
    await page.locator('#step2').waitFor({ state: 'visible' });
    await page.locator('#code').fill(lastCode());
    await page.locator('#idNumber').fill(PATIENTS.a.nationalId.slice(-6));
    await page.locator('#sign-in').click();
    const entries = page.locator('#history-list article.entry');
    await expect.poll(() => entries.count()).toBe(f.expected.a.length);
    await expect
      .poll(() => page.locator('#history-list').innerText())
      .toContain('紧急访问（破窗）');
    expect(await page.locator('#history-list').innerText()).toContain('产科');
    await shot('02-history-zh');

    await page.locator('#lang').click();
    await expect.poll(() => page.locator('#history-list').innerText()).toContain('Obstetrics');
    await shot('03-history-en');

    // Report the billing clerk's print of the phone number.
    await page.locator(`#history-list article[data-seq="${f.seqs[1]}"] button.danger`).click();
    await page
      .locator('#report-text')
      .fill('I never went to billing, yet someone printed my phone number.');
    await shot('04-report-dialog');
    await page.locator('#report-send').click();
    await expect.poll(() => page.locator('#reports').innerText()).toContain('under investigation');
    await shot('05-reports');
    const cases = await listCases(f.rt.store.db, f.tenant, {});
    expect(cases.some((c) => c.patientIds.includes(PATIENTS.a.id) && c.status === 'open')).toBe(
      true,
    );

    await page.locator('#tab-restrictions').click();
    await page.locator('#hide-psychiatry').check();
    await page.locator('#save-restrictions').click();
    await expect.poll(() => page.locator('#restrictions-ok').innerText()).toBe('Saved');
    await shot('06-restrictions');

    await f.rt.portal.runNotifications(f.tenant);
    await page.locator('#tab-notices').click();
    await expect.poll(() => page.locator('#notices').innerText()).toContain('break-the-glass');
    await shot('07-notices');

    const dl = await page.request.get(`${base}/api/portal/history/download?format=pdf&lang=zh-CN`);
    expect(dl.status()).toBe(200);
    expect((await dl.body()).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(errors).toEqual([]);
  });
});
