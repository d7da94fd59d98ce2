/**
 * `npm run bench -- eval-monitor [--patients N] [--staff N] [--days N] [--seed S]`: the monitor
 * on the demo hospital against the generator's labels: explained share, recall per planted
 * incident kind (the incident is in a case about its actor, with a matching kind, in its time
 * window), precision per alert kind (the alert is about a labelled actor in the incident's time
 * window), and cases per 5,000 accesses.
 */
import { generateDemoHospital, type DemoIncidentLabel } from '../src/demo/index.ts';
import {
  DEMO_KIND_MAP,
  createMonitor,
  demoEventToAccess,
  demoMonitorConfig,
  demoToFacts,
  explainedShare,
} from '../src/monitor/index.ts';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : def;
}
const num = (name: string, def: number): number => {
  const v = Number(arg(name, String(def)));
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer`);
  return v;
};
const params = {
  patients: num('patients', 50_000),
  staff: num('staff', 2_000),
  days: num('days', 30),
  seed: arg('seed', 'custos-demo'),
};
const DAY = 86_400_000;
const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

let t = performance.now();
const h = generateDemoHospital(params);
const config = demoMonitorConfig(h);
const monitor = createMonitor({ facts: demoToFacts(h), config });
const planted = new Set(h.labels.incidents.flatMap((l) => l.eventIds));
let events = 0;
let legit = 0;
let legitExplained = 0;
for (const d of h.accessEvents()) {
  const x = monitor.observe(demoEventToAccess(d));
  events++;
  if (!planted.has(d.id) && d.staffId && d.patientId) {
    legit++;
    if (x?.explained) legitExplained++;
  }
}
const r = monitor.finish();
const seconds = (performance.now() - t) / 1000;

const actorOf = (l: DemoIncidentLabel): string => l.staffId ?? l.clientId!;
const window = (l: DemoIncidentLabel) => ({
  from: Date.parse(l.from) - DAY,
  to: Date.parse(l.to) + DAY,
});
const labelled = new Map<string, DemoIncidentLabel[]>();
for (const l of h.labels.incidents)
  labelled.set(actorOf(l), [...(labelled.get(actorOf(l)) ?? []), l]);
const matches = (actor: string, start: number, end: number): boolean =>
  (labelled.get(actor) ?? []).some((l) => {
    const w = window(l);
    return start <= w.to && end >= w.from;
  });

console.log(`## Monitor evaluation on the demo hospital`);
console.log(
  `${params.patients} patients, ${params.staff} staff, ${params.days} days, seed ${params.seed}: ${events} access events, ${h.labels.incidents.length} planted incidents (${seconds.toFixed(1)} s with generation)\n`,
);
const s = r.stats;
console.log(`| figure | value | goal |`);
console.log(`|---|---|---|`);
console.log(
  `| accesses explained (all staff accesses) | ${pct(s.explained / s.patientAccesses)} | ≥ 97% |`,
);
console.log(
  `| accesses explained (without planted incidents) | ${pct(legitExplained / legit)} | |`,
);
let inCase = 0;
const perKind = new Map<string, { planted: number; found: number }>();
for (const l of h.labels.incidents) {
  const w = window(l);
  const want = DEMO_KIND_MAP[l.kind];
  const any = r.cases.some((c) => c.actorId === actorOf(l) && c.start <= w.to && c.end >= w.from);
  const kindOk = r.cases.some(
    (c) =>
      c.actorId === actorOf(l) &&
      c.start <= w.to &&
      c.end >= w.from &&
      c.kinds.some((k) => want.includes(k)),
  );
  if (any) inCase++;
  const k = perKind.get(l.kind) ?? { planted: 0, found: 0 };
  k.planted++;
  if (kindOk) k.found++;
  perKind.set(l.kind, k);
}
const trueCases = r.cases.filter((c) => matches(c.actorId, c.start, c.end)).length;
console.log(
  `| planted incidents in a case | ${inCase}/${h.labels.incidents.length} (${pct(inCase / h.labels.incidents.length)}) | ≥ 95% |`,
);
console.log(`| cases | ${r.cases.length} (${trueCases} about a planted incident) | |`);
console.log(
  `| cases per 5,000 accesses | ${((r.cases.length / events) * 5000).toFixed(3)} | ≤ 1 |`,
);
console.log(`| alerts | ${r.alerts.length} | |`);
console.log('');
console.log(`| planted incident kind | planted | found with a matching kind | recall |`);
console.log(`|---|---|---|---|`);
for (const [k, v] of [...perKind].sort())
  console.log(`| ${k} | ${v.planted} | ${v.found} | ${pct(v.found / v.planted)} |`);
console.log('');
const byAlertKind = new Map<string, { alerts: number; tp: number }>();
for (const a of r.alerts) {
  const v = byAlertKind.get(a.kind) ?? { alerts: 0, tp: 0 };
  v.alerts++;
  if (matches(a.actorId, a.start, a.end)) v.tp++;
  byAlertKind.set(a.kind, v);
}
console.log(`| alert kind (main) | alerts | about a planted incident | precision |`);
console.log(`|---|---|---|---|`);
for (const [k, v] of [...byAlertKind].sort())
  console.log(`| ${k} | ${v.alerts} | ${v.tp} | ${pct(v.tp / v.alerts)} |`);
console.log('');
console.log(`| role | accesses | explained |`);
console.log(`|---|---|---|`);
for (const [k, v] of Object.entries(s.byRole).sort(
  (a, b) => explainedShare(a[1]) - explainedShare(b[1]),
))
  console.log(`| ${k} | ${v.total} | ${pct(explainedShare(v))} |`);
console.log('');
console.log(`| department | accesses | explained |`);
console.log(`|---|---|---|`);
for (const [k, v] of Object.entries(s.byDepartment)
  .sort((a, b) => explainedShare(a[1]) - explainedShare(b[1]))
  .slice(0, 8))
  console.log(`| ${k} | ${v.total} | ${pct(explainedShare(v))} |`);
const fp = r.cases.filter((c) => !matches(c.actorId, c.start, c.end));
if (fp.length > 0) {
  console.log(`\ncases without a planted incident (first 10):`);
  for (const c of fp.slice(0, 10))
    console.log(`- ${c.actorId} [${c.kinds.join(', ')}] ${c.alerts[0]!.evidence[0]?.en ?? ''}`);
}
if (Object.keys(s.detectorErrors).length > 0) console.log('detector errors', s.detectorErrors);
t = 0;
