import { explainedShare, type MonitorResult } from './engine.ts';
import type { CaseCandidate } from './types.ts';

const esc = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

/** Every local date from the first to the last key, so quiet days show as empty bars. */
function dayRange(perDay: Record<string, number>): [string, number][] {
  const keys = Object.keys(perDay).sort();
  if (keys.length === 0) return [];
  const out: [string, number][] = [];
  const end = Date.parse(`${keys[keys.length - 1]}T00:00:00Z`);
  for (let t = Date.parse(`${keys[0]}T00:00:00Z`); t <= end && out.length < 400; t += 86_400_000) {
    const k = new Date(t).toISOString().slice(0, 10);
    out.push([k, perDay[k] ?? 0]);
  }
  return out;
}

/** A terminal bar chart of alerts per day (one line per day, Unicode blocks). */
export function renderTerminalChart(perDay: Record<string, number>, width = 40): string {
  const rows = dayRange(perDay);
  if (rows.length === 0) return '(no alerts)';
  const max = Math.max(1, ...rows.map(([, n]) => n));
  const blocks = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
  return rows
    .map(([d, n]) => {
      const w = (n / max) * width;
      const bar = '█'.repeat(Math.floor(w)) + blocks[Math.round((w % 1) * 7)]!;
      return `${d} ${bar}${n > 0 ? ` ${n}` : ''}`;
    })
    .join('\n');
}

/** A plain-text summary of a run for the terminal. */
export function renderTextSummary(r: MonitorResult, top = 10): string {
  const s = r.stats;
  const lines: string[] = [];
  lines.push(
    `${s.events} events, ${s.patientAccesses} staff accesses to patient records, ${pct(
      explainedShare({ total: s.patientAccesses, explained: s.explained }),
    )} explained`,
  );
  lines.push(`${r.alerts.length} alerts in ${r.cases.length} cases`);
  const problems = [
    ['invalid events', s.invalidEvents],
    ['unknown staff (events)', s.unknownActors],
    ['unknown patients (events)', s.unknownPatients],
    ['late events', s.lateEvents],
  ].filter(([, n]) => (n as number) > 0);
  if (problems.length > 0) lines.push(`input: ${problems.map(([k, n]) => `${n} ${k}`).join(', ')}`);
  for (const [name, e] of Object.entries(s.detectorErrors))
    lines.push(`detector ${name} failed ${e.count} times: ${e.message}`);
  const depts = Object.entries(s.byDepartment)
    .sort((a, b) => explainedShare(a[1]) - explainedShare(b[1]))
    .slice(0, 5);
  if (depts.length > 0)
    lines.push(
      `least explained departments: ${depts.map(([d, v]) => `${d} ${pct(explainedShare(v))}`).join(', ')}`,
    );
  lines.push('', 'alerts per day:', renderTerminalChart(r.alertsPerDay), '');
  lines.push('top cases:');
  for (const c of r.cases.slice(0, top)) lines.push(`  ${caseLine(c)}`);
  return lines.join('\n');
}

function caseLine(c: CaseCandidate): string {
  const first = c.alerts[0]?.evidence[0]?.en ?? '';
  return `${c.score.toFixed(2)} ${c.actorId} [${c.kinds.join(', ')}] ${c.patientIds.length} patients — ${first}`;
}

/** An SVG bar chart of alerts per day. */
export function renderSvgChart(perDay: Record<string, number>): string {
  const rows = dayRange(perDay);
  const w = 24;
  const h = 160;
  const max = Math.max(1, ...rows.map(([, n]) => n));
  const width = Math.max(200, rows.length * w + 40);
  const bars = rows
    .map(([d, n], i) => {
      const bh = Math.round((n / max) * (h - 30));
      const x = 30 + i * w;
      return `<g><rect x="${x}" y="${h - 20 - bh}" width="${w - 4}" height="${bh}" fill="#c0392b"><title>${esc(d)}: ${n}</title></rect>${
        i % Math.ceil(rows.length / 10) === 0
          ? `<text x="${x}" y="${h - 5}" font-size="9">${esc(d.slice(5))}</text>`
          : ''
      }${n > 0 ? `<text x="${x}" y="${h - 24 - bh}" font-size="9">${n}</text>` : ''}</g>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${h}" role="img" aria-label="alerts per day / 每日告警数"><line x1="28" y1="${h - 20}" x2="${width}" y2="${h - 20}" stroke="#888"/>${bars}</svg>`;
}

/**
 * A self-contained HTML report (English and Chinese headings): explained share by department and
 * role, alerts per day as an SVG chart, and the ranked cases with their evidence. Identifiers
 * only: the report carries no names or contact details.
 */
export function renderHtmlReport(
  r: MonitorResult,
  options: { title?: string; top?: number } = {},
): string {
  const s = r.stats;
  const title = options.title ?? 'Privacy monitoring report / 隐私监测报告';
  const share = (rows: Record<string, { total: number; explained: number }>): string =>
    Object.entries(rows)
      .sort((a, b) => explainedShare(a[1]) - explainedShare(b[1]))
      .map(
        ([k, v]) =>
          `<tr><td>${esc(k)}</td><td>${v.total}</td><td>${pct(explainedShare(v))}</td></tr>`,
      )
      .join('');
  const cases = r.cases
    .slice(0, options.top ?? 100)
    .map(
      (
        c,
        i,
      ) => `<section class="case"><h3>#${i + 1} · ${esc(c.actorId)} · ${c.score.toFixed(2)}</h3>
<p>${esc(new Date(c.start).toISOString())} – ${esc(new Date(c.end).toISOString())} · ${c.patientIds.length} patients / 名患者 · ${esc(c.kinds.join(', '))}</p>
<ul>${c.alerts
        .flatMap((a) => a.evidence)
        .slice(0, 12)
        .map((e) => `<li>${esc(e.en)}<br><span lang="zh-CN">${esc(e.zh)}</span></li>`)
        .join('')}</ul></section>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;margin:2em;max-width:1100px}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}
.case{border-left:4px solid #c0392b;padding-left:1em;margin:1em 0}.kpi{font-size:1.4em}</style></head>
<body><h1>${esc(title)}</h1>
<p class="kpi">${s.patientAccesses} accesses / 次访问 · ${pct(
    explainedShare({ total: s.patientAccesses, explained: s.explained }),
  )} explained / 可解释 · ${r.alerts.length} alerts / 告警 · ${r.cases.length} cases / 事件工单</p>
<h2>Alerts per day / 每日告警</h2>${renderSvgChart(r.alertsPerDay)}
<h2>Explained share by department / 各科室可解释比例</h2><table><tr><th>department / 科室</th><th>accesses / 访问</th><th>explained / 可解释</th></tr>${share(s.byDepartment)}</table>
<h2>Explained share by role / 各岗位可解释比例</h2><table><tr><th>role / 岗位</th><th>accesses / 访问</th><th>explained / 可解释</th></tr>${share(s.byRole)}</table>
<h2>Cases / 事件工单</h2>${cases || '<p>none / 无</p>'}
</body></html>
`;
}
