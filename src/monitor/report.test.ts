import { describe, expect, it } from 'vitest';
import { runMonitor } from './engine.ts';
import {
  renderHtmlReport,
  renderSvgChart,
  renderTerminalChart,
  renderTextSummary,
} from './report.ts';
import { HOUR, T0, baseFacts, ev, testConfig } from './test-fixture.ts';

describe('reports', () => {
  it('draws one line per day, quiet days included', () => {
    const chart = renderTerminalChart({ '2025-03-01': 4, '2025-03-03': 2 }, 8);
    expect(chart.split('\n')).toEqual([
      '2025-03-01 ████████ 4',
      '2025-03-02 ',
      '2025-03-03 ████ 2',
    ]);
    expect(renderTerminalChart({})).toBe('(no alerts)');
    expect(renderSvgChart({ '2025-03-01': 1 })).toMatch(/^<svg[^>]*>.*<rect[^>]*height="130"/);
  });

  it('summarises a run and escapes what it did not write itself', () => {
    const r = runMonitor(
      [ev('<script>alert(1)</script>', 'p-vip', { time: T0 + HOUR }), ev('s-nurse', 'p-vip')],
      { facts: baseFacts(), config: testConfig },
    );
    const text = renderTextSummary(r);
    expect(text).toMatch(/2 events, 2 staff accesses to patient records, 0\.0% explained/);
    expect(text).toMatch(/alerts per day:\n2025-03-03 █+ 2/);
    const html = renderHtmlReport(r);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('重点保护患者');
    expect(html).toContain('<svg');
  });
});
