/**
 * Leak tracing in chromium against the real service: a physician opens a record through the API
 * (a screen disclosure with its watermark code), a note copied from it leaks as text carrying the
 * disclosure's fingerprint; the privacy officer uploads the leaked text on the trace page and sees
 * the physician's staff id, workstation, patient and purpose, then uploads a clean text and sees
 * "no watermark found" — in English and zh-CN. Screenshots go to test-results/console/
 * (trace-*.png).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { queryEntries, type LedgerTables } from '../src/ledger/index.ts';
import {
  fingerprintText,
  markImage,
  renderSyntheticRadiograph,
  verifyToken,
} from '../src/watermark/index.ts';
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

const NOTE =
  '患者因头晕三天入院，血压 170/100 mmHg。既往高血压病史十年，规律服药，近期自行停药。\n' +
  '查体：神志清，心率 88 次/分，双肺呼吸音清。诊断：原发性高血压，3级，很高危。\n' +
  '处理：氨氯地平片 5mg，每日一次；低盐饮食，监测血压。';

describe.skipIf(!hasChromium)('leak tracing in chromium', () => {
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
        `failed-trace-${ctx.task.name.slice(0, 40).replace(/\W+/g, '-')}`,
      );
  });
  afterAll(async () => {
    await browser?.close();
    await svc?.close();
  });

  /** A physician opens p-1's record through the API; returns the disclosure's watermark code. */
  async function disclose(channel = 'screen'): Promise<{ token: string; seq: number }> {
    const login = await fetch(`${svc.base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'doc-int', password: PASSWORD }),
    });
    expect(login.status).toBe(200);
    const { token: bearer } = (await login.json()) as { token: string };
    const res = await fetch(
      `${svc.base}/api/patients/p-1/record?purpose=treatment&workstation=ws-int&channel=${channel}`,
      { headers: { authorization: `Bearer ${bearer}` } },
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ledgerSeq: number; mark: { token: string } };
    return { token: body.mark.token, seq: body.ledgerSeq };
  }

  async function upload(name: string, mimeType: string, content: string | Buffer) {
    const { page } = browser;
    await page.locator('input[type=file][name=file]').setInputFiles({
      name,
      mimeType,
      buffer: typeof content === 'string' ? Buffer.from(content, 'utf8') : content,
    });
  }

  it('names the physician whose disclosure a leaked text came from, and says when there is no watermark', async () => {
    const { token: code, seq } = await disclose();
    const token = verifyToken(svc.rt.watermarkKey, code);
    expect(token).not.toBeNull();
    const leaked = fingerprintText(token!, NOTE);
    // The visible text is unchanged; the fingerprint rides in zero-width characters.
    expect(leaked.replace(/\u200b|\u200c|\u200d|\u2060/g, '')).toBe(NOTE);
    expect(leaked).not.toBe(NOTE);

    const { page } = browser;
    await signInEnrolling(page, svc.base, 'po-1', PASSWORD);

    await page.getByRole('link', { name: 'Leak tracing' }).click();
    await page.getByRole('heading', { name: 'Leak tracing', level: 2 }).waitFor();
    await page.getByTestId('trace-drop').waitFor();
    await screenshot(page, 'trace-01-upload');

    await upload('leaked-note.txt', 'text/plain', leaked);
    const finding = page.getByTestId('trace-finding');
    await finding.waitFor();
    const text = await finding.innerText();
    expect(text).toContain('doc-int');
    expect(text).toContain('ws-int');
    expect(text).toContain('p-1');
    // The mark groups the code with dashes for reading; the trace gives it as one string.
    expect(text).toContain(code.replaceAll('-', ''));
    expect(text).toContain('Text fingerprint');
    expect(text).toContain('Treatment');
    expect(text).toContain(String(seq));
    // The staff directory gives the name and staff number next to the id.
    await expect.poll(() => finding.innerText()).toContain('李医生 E0001');
    expect(await page.getByTestId('trace-file').innerText()).toContain('text/plain');
    await screenshot(page, 'trace-02-found');

    // The trace itself is ledgered, naming the token found.
    const traced = await queryEntries(svc.rt.store.db as Kysely<LedgerTables>, {
      tenant: svc.rt.config.tenant,
      actorId: 'po-1',
      kinds: ['admin'],
    });
    expect(traced.entries.some((e) => e.action === 'trace')).toBe(true);

    await upload('clean-note.txt', 'text/plain', NOTE);
    await page.getByTestId('trace-none').waitFor();
    expect(await page.getByTestId('trace-finding').count()).toBe(0);
    expect(await page.getByTestId('trace-none').innerText()).toContain('No watermark found');
    await screenshot(page, 'trace-03-none');

    // An exported image carrying the invisible watermark of a print disclosure.
    const printed = await disclose('print');
    const imageToken = verifyToken(svc.rt.watermarkKey, printed.token);
    expect(imageToken).not.toBeNull();
    const marked = await markImage(
      svc.rt.watermarkKey,
      imageToken!,
      await renderSyntheticRadiograph(512, 512),
    );
    await upload('exported-scan.png', 'image/png', marked.output);
    await expect
      .poll(() => page.getByTestId('trace-result').innerText())
      .toContain('Examined as: image.');
    const imageFinding = await page.getByTestId('trace-finding').innerText();
    expect(imageFinding).toContain('Invisible watermark (image)');
    expect(imageFinding).toContain(printed.token.replaceAll('-', ''));
    expect(imageFinding).toContain('ws-int');
    expect(imageFinding).toContain(String(printed.seq));
    expect(await page.getByTestId('trace-file').innerText()).toContain('image/png');
    await screenshot(page, 'trace-04-image');

    await page.locator('header label', { hasText: '中文' }).click();
    await page.getByRole('heading', { name: '泄露溯源', level: 2 }).waitFor();
    await upload('clean-note.txt', 'text/plain', NOTE);
    await expect.poll(() => page.getByTestId('trace-none').innerText()).toContain('未发现水印');
    await upload('leaked-note.txt', 'text/plain', leaked);
    await page.getByTestId('trace-finding').waitFor();
    const zh = await page.getByTestId('trace-finding').innerText();
    expect(zh).toContain('文本指纹');
    expect(zh).toContain('ws-int');
    await screenshot(page, 'trace-05-found-zh');
    await page.locator('header label', { hasText: 'English' }).click();
    expect(browser.errors).toEqual([]);
  });
});
