/**
 * End-to-end harness: the real service in-process (test runtime + buildApp on 127.0.0.1, port
 * 0), the built console, and Debian's chromium driven by playwright-core with a fresh, empty
 * profile. Never a downloaded browser.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { buildApp } from '../src/api/index.ts';
import { currentTotp } from '../src/identity/index.ts';
import { createTestRuntime, type Runtime } from '../src/runtime/index.ts';

/** The browser the tests drive. */
export const CHROMIUM = '/usr/bin/chromium';

/** Whether the browser is installed (the e2e tests skip themselves without it). */
export const hasChromium = existsSync(CHROMIUM);

/** Why the e2e tests are skipped, or null when they run. */
export const skipReason = hasChromium
  ? null
  : `e2e: skipped because ${CHROMIUM} is missing (install it: apt-get install -y --no-install-recommends chromium)`;

const ROOT = resolve(import.meta.dirname, '..');

/** Builds the console when web/dist is missing (npm ci builds it through `prepare`). */
export async function ensureConsoleBuilt(): Promise<void> {
  if (existsSync(join(ROOT, 'web/dist/index.html'))) return;
  const { build } = await import('vite');
  await build({ configFile: join(ROOT, 'web/vite.config.ts'), logLevel: 'warn' });
}

/** The running service. */
export interface Service {
  rt: Runtime & { logLines: string[] };
  app: FastifyInstance;
  base: string;
  close(): Promise<void>;
}

/** Starts the real service on 127.0.0.1 with an isolated database. */
export async function startService(): Promise<Service> {
  const rt = await createTestRuntime();
  const app = await buildApp(rt);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  if (!addr || typeof addr === 'string') throw new Error('service has no TCP address');
  return {
    rt,
    app,
    base: `http://127.0.0.1:${addr.port}`,
    close: async () => {
      await app.close();
      await rt.close();
    },
  };
}

/** A headless chromium with a new, empty profile. */
export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Script errors and console errors the pages reported (expected HTTP refusals excluded). */
  errors: string[];
  close(): Promise<void>;
}

/** Launches Debian's chromium headless with a throwaway profile and the given UI locale. */
export async function launchBrowser(locale = 'en-US'): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'custos-e2e-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    locale,
    viewport: { width: 1280, height: 800 },
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
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    // The browser logs every 4xx answer as "Failed to load resource"; those refusals are part of
    // the journeys (401 before sign-in, 422 for a weak password) and are asserted on screen.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource'))
      errors.push(`console: ${m.text()}`);
  });
  return {
    context,
    page,
    errors,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Where the journeys' screenshots go (test-results/console unless CUSTOS_SCREENSHOTS is set). */
export const SCREENSHOTS = process.env.CUSTOS_SCREENSHOTS ?? join(ROOT, 'test-results/console');

/** Saves a full-page screenshot of the current view. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Completes the first sign-in's TOTP enrolment from the secret the page shows. */
export async function enrolTotp(page: Page): Promise<void> {
  await page.getByRole('heading', { name: 'Enrol your authenticator app' }).waitFor();
  const secret = (await page.getByTestId('totp-secret').innerText()).trim();
  await page.locator('input[name=code]').fill(currentTotp(secret, new Date()));
  await page.getByRole('button', { name: 'Confirm enrolment' }).click();
}

/** Signs in on the console (an officer or administrator, who enrols TOTP at the first sign-in). */
export async function signInEnrolling(
  page: Page,
  base: string,
  username: string,
  password: string,
): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByRole('heading', { name: /Sign in|登录/ }).waitFor();
  await page.locator('input[name=username]').fill(username);
  await page.locator('input[name=password]').fill(password);
  await page.getByRole('button', { name: /^(Sign in|登录)$/ }).click();
  await enrolTotp(page);
}
