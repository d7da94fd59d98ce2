import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { Presets, SingleBar } from 'cli-progress';
import { generateDemoHospital } from '../../demo/index.ts';
import { CustosError, ErrorCode } from '../../errors/index.ts';
import {
  createMonitor,
  defaultMonitorConfig,
  demoEventToAccess,
  demoMonitorConfig,
  demoToFacts,
  readAuditEvents,
  readFhirFolder,
  renderHtmlReport,
  renderTextSummary,
  resolveMonitorConfig,
  type AuditReadReport,
  type MonitorConfig,
  type MonitorResult,
} from '../../monitor/index.ts';
import { parsePositiveInt, runCommand } from '../run.ts';

interface RunOptions {
  fhir?: string;
  audit?: string;
  demo?: boolean;
  patients: string;
  staff: string;
  days: string;
  seed: string;
  from?: string;
  to?: string;
  config?: string;
  report?: string;
  json?: string;
  top: string;
}

const out = (s: string): void => {
  process.stdout.write(s + '\n');
};

function parseTime(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const t = Date.parse(v);
  if (!Number.isFinite(t))
    throw new CustosError(ErrorCode.InputInvalid, `${name} is not a date or time`, { field: name });
  return t;
}

function loadConfigFile(path: string | undefined): Partial<MonitorConfig> {
  if (!path) return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new CustosError(ErrorCode.InputInvalid, 'the monitor configuration file cannot be read', {
      field: 'config',
    });
  }
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    return v as Partial<MonitorConfig>;
  } catch {
    throw new CustosError(
      ErrorCode.ConfigInvalid,
      'the monitor configuration file is not a JSON object',
      {
        setting: 'config',
      },
    );
  }
}

function progressBar(what: string): SingleBar {
  return new SingleBar(
    {
      format: `${what} {bar} {percentage}% | {value}/{total} | {events} events`,
      stream: process.stderr,
      hideCursor: true,
    },
    Presets.shades_classic,
  );
}

async function runOverFhir(
  o: RunOptions,
  overrides: Partial<MonitorConfig>,
): Promise<MonitorResult> {
  if (!o.fhir || !o.audit)
    throw new CustosError(ErrorCode.InputInvalid, 'give --fhir DIR and --audit FILE, or --demo', {
      field: 'fhir',
    });
  const from = parseTime('from', o.from);
  const to = parseTime('to', o.to);
  const config = resolveMonitorConfig(overrides as never);
  process.stderr.write('reading FHIR resources…\n');
  const { report, builder } = await readFhirFolder(o.fhir);
  const facts = builder.build();
  process.stderr.write(
    `${facts.staff.length} staff, ${facts.patients.length} patients, ${facts.care.encounters.length} encounters from ${report.files} files` +
      (report.malformedLines + report.unknownReferences > 0
        ? ` (${report.malformedLines} malformed lines, ${report.unknownReferences} unknown references)`
        : '') +
      '\n',
  );
  const monitor = createMonitor({ facts, config });
  const total = statSync(o.audit, { throwIfNoEntry: false })?.size ?? 0;
  const rr: AuditReadReport = { lines: 0, malformedLines: 0, skipped: 0, bytes: 0 };
  const bar = progressBar('monitoring');
  bar.start(Math.max(total, 1), 0, { events: 0 });
  let n = 0;
  for await (const e of readAuditEvents(o.audit, rr, builder)) {
    if ((from !== undefined && e.time < from) || (to !== undefined && e.time >= to)) continue;
    monitor.observe(e);
    if (++n % 5000 === 0) bar.update(Math.min(rr.bytes ?? 0, total), { events: n });
  }
  bar.update(total, { events: n });
  bar.stop();
  if (rr.malformedLines + rr.skipped > 0)
    process.stderr.write(
      `${rr.malformedLines} malformed lines and ${rr.skipped} AuditEvents without actor or time were skipped\n`,
    );
  return monitor.finish();
}

function runOverDemo(o: RunOptions, overrides: Partial<MonitorConfig>): MonitorResult {
  const params = {
    patients: parsePositiveInt('--patients', o.patients),
    staff: parsePositiveInt('--staff', o.staff),
    days: parsePositiveInt('--days', o.days, 366),
    seed: o.seed,
  };
  process.stderr.write(
    `generating the demo hospital (${params.patients} patients, ${params.staff} staff, ${params.days} days)…\n`,
  );
  const h = generateDemoHospital(params);
  const monitor = createMonitor({ facts: demoToFacts(h), config: demoMonitorConfig(h, overrides) });
  const bar = progressBar('monitoring');
  bar.start(params.days, 0, { events: 0 });
  let n = 0;
  let d = 0;
  for (const day of h.accessEventDays()) {
    for (const e of day.events) monitor.observe(demoEventToAccess(e));
    n += day.events.length;
    bar.update(++d, { events: n });
  }
  bar.stop();
  return monitor.finish();
}

/** `custos monitor`: privacy monitoring over imported FHIR data and audit logs, or the demo. */
export function monitorCommand(): Command {
  const monitor = new Command('monitor').description(
    'privacy monitoring: explain every access, detect snooping and harvesting',
  );
  monitor
    .command('run')
    .description(
      'run every detector over FHIR resources and an AuditEvent NDJSON log (or the demo hospital) and summarise the alerts',
    )
    .option('--fhir <dir>', 'folder of FHIR R4 resources (.ndjson bulk files or .json Bundles)')
    .option('--audit <file>', 'FHIR AuditEvent NDJSON file (EMR, PACS, HIS logs)')
    .option('--demo', 'run over a generated demo hospital instead')
    .option('--patients <n>', 'demo patients', '5000')
    .option('--staff <n>', 'demo staff', '400')
    .option('--days <n>', 'demo days of activity', '14')
    .option('--seed <seed>', 'demo seed', 'custos-demo')
    .option('--from <time>', 'only events at or after this ISO time')
    .option('--to <time>', 'only events before this ISO time')
    .option('--config <file>', 'JSON file with monitor thresholds (see docs/monitor.md)')
    .option('--report <file>', 'write an HTML report with an SVG chart')
    .option('--json <file>', 'write alerts, cases and figures as JSON')
    .addOption(new Option('--top <n>', 'cases listed in the summary').default('10'))
    .action((o: RunOptions) =>
      runCommand(async () => {
        const overrides = loadConfigFile(o.config);
        const result = o.demo ? runOverDemo(o, overrides) : await runOverFhir(o, overrides);
        out(renderTextSummary(result, parsePositiveInt('--top', o.top, 1000)));
        if (o.report) {
          writeFileSync(o.report, renderHtmlReport(result));
          out(`report written to ${o.report}`);
        }
        if (o.json) {
          const { alerts, cases, stats, alertsPerDay } = result;
          writeFileSync(o.json, JSON.stringify({ stats, alertsPerDay, alerts, cases }, null, 1));
          out(`alerts and cases written to ${o.json}`);
        }
        return Object.keys(result.stats.detectorErrors).length > 0 ? 1 : 0;
      }),
    );
  monitor
    .command('config')
    .description('print the default monitor thresholds as JSON (a starting point for --config)')
    .action(() => out(JSON.stringify(defaultMonitorConfig, null, 2)));
  return monitor;
}
