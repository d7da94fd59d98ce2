/**
 * `npm run bench -- console [runs]`: first load of the built console on localhost in Debian's
 * chromium with a new, empty profile each time (no cache): navigation start until the sign-in
 * form can be typed into. Baseline in the same run: loading /health (a tiny JSON document) in the
 * same kind of fresh browser, which prices the browser and connection overhead.
 */
import {
  ensureConsoleBuilt,
  hasChromium,
  launchBrowser,
  skipReason,
  startService,
} from '../e2e/harness.ts';

const runs = Number(process.argv[2] ?? 5);
if (!hasChromium) {
  console.log(skipReason);
  process.exit(0);
}
await ensureConsoleBuilt();
const service = await startService();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const consoleMs: number[] = [];
const baselineMs: number[] = [];
try {
  for (let i = 0; i < runs; i++) {
    for (const [url, out, ready] of [
      [`${service.base}/health`, baselineMs, 'body'],
      [`${service.base}/`, consoleMs, 'input[type="password"]'],
    ] as const) {
      const b = await launchBrowser();
      try {
        const t0 = performance.now();
        await b.page.goto(url, { waitUntil: 'commit' });
        await b.page.locator(ready).first().waitFor({ state: 'visible', timeout: 30_000 });
        out.push(performance.now() - t0);
      } finally {
        await b.close();
      }
    }
  }
} finally {
  await service.close();
}
const c = median(consoleMs);
const base = median(baselineMs);
console.log(
  `console first load (sign-in form ready), cold profile: median ${c.toFixed(0)} ms over ${runs} runs (min ${Math.min(...consoleMs).toFixed(0)}, max ${Math.max(...consoleMs).toFixed(0)})`,
);
console.log(
  `baseline /health in a cold profile: median ${base.toFixed(0)} ms; ratio ${(c / base).toFixed(1)}x`,
);
