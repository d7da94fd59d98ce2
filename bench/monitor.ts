/**
 * `npm run bench -- monitor [--patients N] [--staff N] [--days N]`: events per second through
 * explanation and every detector, against a baseline in the same run (one pass that only groups
 * events by user), on the demo hospital's access stream. Also the time to re-scan the window.
 */
import { loadavg } from 'node:os';
import { generateDemoHospital } from '../src/demo/index.ts';
import {
  createMonitor,
  demoEventToAccess,
  demoMonitorConfig,
  demoToFacts,
  indexFacts,
  type AccessEvent,
} from '../src/monitor/index.ts';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : def;
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer`);
  return v;
}

const params = {
  patients: arg('patients', 50_000),
  staff: arg('staff', 2_000),
  days: arg('days', 30),
};
console.log(
  `demo hospital: ${params.patients} patients, ${params.staff} staff, ${params.days} days`,
);
let t = performance.now();
const h = generateDemoHospital({ ...params, seed: 'bench-monitor' });
const events: AccessEvent[] = [];
for (const e of h.accessEvents()) events.push(demoEventToAccess(e));
console.log(
  `generated ${events.length} access events in ${((performance.now() - t) / 1000).toFixed(1)} s`,
);
const config = demoMonitorConfig(h);
const facts = demoToFacts(h);
t = performance.now();
const index = indexFacts(facts, config);
const indexMs = performance.now() - t;

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const runs = arg('runs', 3);

/**
 * Median of `runs` runs after a warm-up, in wall time and in the process's CPU time: on a shared
 * machine the wall time includes waiting for a core. Returns the CPU time.
 */
function time(label: string, body: () => void): number {
  body(); // warm-up (JIT)
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c = cpuMs();
    const s = performance.now();
    body();
    wall.push(performance.now() - s);
    cpu.push(cpuMs() - c);
  }
  const median = (xs: number[]): number =>
    [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const w = median(wall);
  const c = median(cpu);
  const rate = (ms: number): string => (events.length / (ms / 1000)).toFixed(0).padStart(9);
  console.log(
    `${label.padEnd(42)} ${rate(w)} events/s wall (${w.toFixed(0)} ms) ${rate(c)} events/s CPU (${c.toFixed(0)} ms)`,
  );
  return c;
}

let sink = 0;
const base = time('baseline: group events by user', () => {
  const by = new Map<string, number>();
  for (const e of events) by.set(e.actorId, (by.get(e.actorId) ?? 0) + 1);
  sink += by.size;
});
const explainOnly = time('explanation only (no detectors)', () => {
  const m = createMonitor({ facts: index, config, detectors: [] as string[] });
  for (const e of events) m.observe(e);
  sink += m.stats.explained;
});
const full = time('explanation + all 14 detectors + ranking', () => {
  const m = createMonitor({ facts: index, config });
  for (const e of events) m.observe(e);
  sink += m.finish().alerts.length;
});
console.log('');
console.log(
  `index of the care graph: ${indexMs.toFixed(0)} ms (${facts.care.encounters.length} encounters, ${facts.care.shifts?.length ?? 0} shifts)`,
);
console.log(
  `ratio to baseline (CPU time): explanation ${(explainOnly / base).toFixed(1)}×, full ${(full / base).toFixed(1)}× the baseline's time`,
);
console.log(
  `re-scan of ${params.days} days (${events.length} events): ${(full / 1000).toFixed(1)} s of CPU`,
);
console.log(
  `load average: ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
const mem = process.memoryUsage();
console.log(
  `heap used ${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB (events held in memory for timing) ${sink > 0 ? '' : ' '}`,
);
