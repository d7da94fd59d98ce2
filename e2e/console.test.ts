/**
 * The console end to end in a real browser against the real service: first-administrator setup
 * from the one-time token, TOTP enrolment from the QR code, sign-in with a one-time code, staff
 * administration (a malformed form shows the field error; create; suspend with a reason), and
 * the language switch to zh-CN. Screenshots of each step go to test-results/console/.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader';
import { currentTotp } from '../src/identity/index.ts';
import {
  ensureConsoleBuilt,
  hasChromium,
  launchBrowser,
  screenshot,
  skipReason,
  startService,
  type Browser,
  type Service,
} from './harness.ts';

if (skipReason) console.warn(skipReason);

const PASSWORD = 'a long officer passphrase 2026';
const NURSE_PASSWORD = 'nurse passphrase 2026';

async function decodeQr(png: Buffer): Promise<string | undefined> {
  const wasm = readFileSync(
    createRequire(import.meta.url).resolve('zxing-wasm/reader/zxing_reader.wasm'),
  );
  await prepareZXingModule({
    overrides: {
      wasmBinary: wasm.buffer.slice(
        wasm.byteOffset,
        wasm.byteOffset + wasm.byteLength,
      ) as ArrayBuffer,
    },
    fireImmediately: true,
  });
  const found = await readBarcodes(new Uint8Array(png), { formats: ['QRCode'] });
  return found[0]?.text;
}

describe.skipIf(!hasChromium)('web console in chromium', () => {
  let svc: Service;
  let browser: Browser;

  beforeAll(async () => {
    await ensureConsoleBuilt();
    [svc, browser] = await Promise.all([startService(), launchBrowser('en-US')]);
    await svc.rt.identity.saveDepartments([
      {
        tenantId: svc.rt.config.tenant,
        id: 'obstetrics',
        kind: 'obstetrics',
        nameZh: '产科',
        nameEn: 'Obstetrics',
      },
      {
        tenantId: svc.rt.config.tenant,
        id: 'emergency',
        kind: 'emergency',
        nameZh: '急诊科',
        nameEn: 'Emergency',
      },
    ]);
  });
  afterEach(async (ctx) => {
    // A failing step leaves a picture of what the browser showed.
    if (ctx.task.result?.state === 'fail' && browser)
      await screenshot(browser.page, `failed-${ctx.task.name.slice(0, 40).replace(/\W+/g, '-')}`);
  });
  afterAll(async () => {
    await browser?.close();
    await svc?.close();
  });

  it('serves the console at / and as the fallback of console paths', async () => {
    const { page } = browser;
    const res = await page.goto(`${svc.base}/admin/staff`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-type']).toContain('text/html');
    await expect.poll(() => page.getByRole('heading', { name: 'Sign in' }).count()).toBe(1);
    await expect.poll(() => page.getByText('No administrator exists yet').count()).toBe(1);
    await screenshot(page, '01-sign-in-before-setup');
  });

  let secret = '';

  it('creates the first administrator from the one-time setup link and enrols TOTP from the QR code', async () => {
    const { page } = browser;
    const token = await svc.rt.identity.issueSetupToken(svc.rt.config.tenant);
    await page.goto(`${svc.base}/setup?token=${encodeURIComponent(token)}`);
    await page.getByRole('heading', { name: 'Set up Custos' }).waitFor();
    // The token leaves the address bar at once.
    expect(page.url()).toBe(`${svc.base}/setup`);
    await page.locator('input[name=username]').fill('admin');
    await page.locator('input[name=name]').fill('Ada Admin');
    await page.locator('input[name=password]').fill(PASSWORD);
    await screenshot(page, '02-setup');
    await page.getByRole('button', { name: 'Create administrator' }).click();

    await page.getByRole('heading', { name: 'Enrol your authenticator app' }).waitFor();
    const qr = page.getByTestId('totp-qr');
    await qr.waitFor();
    secret = (await page.getByTestId('totp-secret').innerText()).trim();
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    const uri = await decodeQr(await qr.screenshot());
    expect(uri).toMatch(/^otpauth:\/\/totp\//);
    expect(new URL(uri!).searchParams.get('secret')).toBe(secret);
    await screenshot(page, '03-enrol-totp');

    await page
      .locator('input[name=code]')
      .fill('000000' === currentTotp(secret, new Date()) ? '111111' : '000000');
    await page.getByRole('button', { name: 'Confirm enrolment' }).click();
    await page.getByRole('alert').filter({ hasText: 'one-time code' }).waitFor();

    await page.locator('input[name=code]').fill(currentTotp(secret, new Date()));
    await page.getByRole('button', { name: 'Confirm enrolment' }).click();
    await page.getByTestId('signed-in').filter({ hasText: 'Ada Admin' }).waitFor();
    await screenshot(page, '04-dashboard-after-enrolment');

    // The setup link works once.
    await page.goto(`${svc.base}/setup?token=${encodeURIComponent(token)}`);
    await page.getByText('Setup is complete').waitFor();
  });

  it('signs out and signs in again with password and a one-time code', async () => {
    const { page } = browser;
    await page.goto(`${svc.base}/`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.locator('input[name=username]').fill('admin');
    await page.locator('input[name=password]').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // Without the code the service refuses and the code field says so.
    await page.getByText('Enter the one-time code from your authenticator app.').waitFor();
    await page.locator('input[name=password]').fill(PASSWORD);
    // The enrolment used the current step; the next one is a fresh, unreplayed code.
    await page.locator('input[name=totp]').fill(currentTotp(secret, new Date(Date.now() + 30_000)));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('signed-in').filter({ hasText: 'Ada Admin' }).waitFor();
    const nav = page.getByRole('navigation');
    for (const item of ['Privacy dashboard', 'Staff', 'Workstations', 'Departments'])
      expect(await nav.getByRole('link', { name: item }).count()).toBe(1);
    // An administrator reads no patient records.
    expect(await nav.getByRole('link', { name: 'Patient records' }).count()).toBe(0);
  });

  it('shows the field error of a malformed staff form, then creates and suspends the staff member', async () => {
    const { page } = browser;
    await page.getByRole('navigation').getByRole('link', { name: 'Staff' }).click();
    await page.getByRole('heading', { name: 'Staff' }).waitFor();
    await page.getByRole('button', { name: 'New staff member' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('input[name=name]').fill('周护士');
    await dialog.locator('input[name=staffNumber]').fill('N-77');
    await dialog.locator('input[name=username]').fill('nurse.zhou');
    await dialog.getByLabel('Roles').click();
    await page.getByRole('option', { name: 'Nurse', exact: true }).click();
    await page.keyboard.press('Tab');
    await dialog.getByLabel('Department').click();
    await page.getByRole('option', { name: 'Obstetrics' }).click();
    await dialog.locator('input[name=password]').fill('short');
    await dialog.getByRole('button', { name: 'Create' }).click();

    const password = dialog.locator('input[name=password]');
    await expect.poll(() => password.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await password.getAttribute('aria-describedby')) ?? '';
    const errorText = await page
      .locator(
        describedBy
          .split(' ')
          .map((id) => `[id="${id}"]`)
          .join(','),
      )
      .allInnerTexts();
    expect(errorText.join(' ')).toContain('at least 12 characters');
    await screenshot(page, '05-staff-form-field-error');

    await password.fill(NURSE_PASSWORD);
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.getByText('周护士 has been created.').waitFor();
    const row = page.getByRole('row').filter({ hasText: '周护士' });
    await row.getByText('Obstetrics').waitFor();
    await row.getByText('Nurse', { exact: true }).waitFor();
    await screenshot(page, '06-staff-created');

    await row.getByRole('button', { name: 'Actions for 周护士' }).click();
    await page.getByRole('menuitem', { name: 'Suspend' }).click();
    const confirm = page.getByRole('dialog');
    await confirm.getByRole('button', { name: 'Suspend' }).click();
    await expect
      .poll(() => confirm.locator('textarea[name=reason]').getAttribute('aria-invalid'))
      .toBe('true');
    await confirm
      .locator('textarea[name=reason]')
      .fill('case 12: contact details opened without care');
    await confirm.getByRole('button', { name: 'Suspend' }).click();
    await page.getByText('周护士 is now: Suspended').waitFor();
    await row.getByText('Suspended').waitFor();
    const stored = await svc.rt.identity.listStaff(svc.rt.config.tenant, { status: 'suspended' });
    expect(stored.map((s) => s.username)).toEqual(['nurse.zhou']);
  });

  it('switches to zh-CN, shows Chinese labels and keeps the choice after a reload', async () => {
    const { page } = browser;
    await page
      .locator('label')
      .filter({ hasText: /^中文$/ })
      .click();
    await page.getByRole('heading', { name: '人员管理' }).waitFor();
    const nav = page.getByRole('navigation');
    for (const label of ['人员管理', '终端管理', '科室', '隐私监测总览'])
      expect(await nav.getByRole('link', { name: label }).count()).toBe(1);
    await page.getByRole('row').filter({ hasText: '周护士' }).getByText('已停用').waitFor();
    await page.getByRole('row').filter({ hasText: '周护士' }).getByText('产科').waitFor();
    // The notice of the last action follows the language too.
    await page.getByText('周护士 的状态已改为：已停用').waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
    await screenshot(page, '07-staff-zh-CN');

    await page.reload();
    await page.getByRole('button', { name: '退出登录' }).waitFor();
    await page.getByRole('navigation').getByRole('link', { name: '隐私监测总览' }).click();
    await page.getByRole('figure', { name: '各科室人员及状态' }).locator('canvas').waitFor();
    await screenshot(page, '08-dashboard-zh-CN');
  });

  it('ran every journey without a script error or a CSP violation', () => {
    expect(browser.errors).toEqual([]);
  });
});
