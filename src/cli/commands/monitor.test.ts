import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { monitorCommand } from './monitor.ts';

const dir = mkdtempSync(join(tmpdir(), 'custos-monitor-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('custos monitor run', () => {
  it('runs over the demo hospital and writes the HTML and JSON reports', async () => {
    const written: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
      written.push(String(s));
      return true;
    });
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const html = join(dir, 'r.html');
      const json = join(dir, 'r.json');
      await monitorCommand().parseAsync(
        [
          'run',
          '--demo',
          '--patients',
          '1000',
          '--staff',
          '120',
          '--days',
          '3',
          '--report',
          html,
          '--json',
          json,
        ],
        { from: 'user' },
      );
      const out = written.join('');
      expect(out).toMatch(/explained/);
      expect(out).toMatch(/alerts per day:/);
      expect(readFileSync(html, 'utf8')).toContain('<svg');
      const result = JSON.parse(readFileSync(json, 'utf8')) as {
        cases: unknown[];
        stats: { events: number };
      };
      expect(result.stats.events).toBeGreaterThan(0);
      expect(result.cases.length).toBeGreaterThan(0);
    } finally {
      spy.mockRestore();
      err.mockRestore();
    }
  });
});
