/**
 * `npm run bench -- demo [--patients N] [--staff N] [--days N] [--seed S]`
 *
 * Generation rate of the synthetic demo hospital: records (patients/s) and the access stream
 * (events/s), each against a baseline measured in the same run: building the same number of
 * plain objects of random fields with Math.random. Wall and CPU time are both shown because the
 * reference machine is shared.
 */
import { generateDemoHospital } from '../src/demo/index.ts';

function arg(name: string, fallback: number | string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : String(fallback);
}

const patients = Number(arg('patients', 50_000));
const staff = Number(arg('staff', 2_000));
const days = Number(arg('days', 30));
const seed = arg('seed', 'bench');

interface Timing {
  wallMs: number;
  cpuMs: number;
}

function time<T>(f: () => T): [T, Timing] {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = f();
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return [r, { wallMs, cpuMs: (c.user + c.system) / 1000 }];
}

/** The baseline: n plain records of random fields, built and dropped in batches like the stream. */
function baseline(n: number): number {
  const chars = 'abcdefghijklmnopqrstuvwxyz';
  let sink = 0;
  let batch: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    let name = '';
    for (let k = 0; k < 6; k++) name += chars[Math.floor(Math.random() * 26)];
    batch.push({
      id: `r-${Math.floor(Math.random() * 1e12).toString(16)}`,
      at: Math.floor(Math.random() * 1e12),
      time: new Date(Math.floor(Math.random() * 1e12)).toISOString(),
      who: `s-${Math.floor(Math.random() * 1e5)}`,
      patient: `p-${Math.floor(Math.random() * 1e6)}`,
      name,
      ip: `10.20.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 256)}`,
      action: Math.random() < 0.9 ? 'read' : 'print',
      fields: ['name', 'mrn'],
      purpose: 'TREAT',
    });
    if (batch.length === 50_000) {
      sink += batch.length;
      batch = [];
    }
  }
  return sink + batch.length;
}

const rate = (n: number, t: Timing) => ({ wall: (n / t.wallMs) * 1000, cpu: (n / t.cpuMs) * 1000 });
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');

console.log(`demo hospital: ${patients} patients, ${staff} staff, ${days} days, seed ${seed}`);
const [h, tGen] = time(() =>
  generateDemoHospital({ patients, staff, days, seed, now: '2025-06-30T00:00:00+08:00' }),
);
let events = 0;
const [, tStream] = time(() => {
  for (const d of h.accessEventDays()) events += d.events.length;
});
const rss = process.memoryUsage().rss / 2 ** 20;
const [, tBasePatients] = time(() => baseline(patients));
const [, tBaseEvents] = time(() => baseline(events));

const s = h.summary;
console.log(
  `records: ${s.patients} patients, ${s.staff} staff, ${s.encounters} encounters, ${s.notes} notes, ${s.observations} results, ${s.imagingStudies} studies; ${s.incidents} planted incidents (${s.incidentEvents} events)`,
);
const rows = [
  ['records (patients/s)', rate(patients, tGen), rate(patients, tBasePatients), tGen],
  ['access stream (events/s)', rate(events, tStream), rate(events, tBaseEvents), tStream],
] as const;
console.log(
  '| phase | wall s | CPU s | rate (wall) | rate (CPU) | baseline rate (wall) | ratio to baseline (CPU) |',
);
console.log('|---|---|---|---|---|---|---|');
const baseTimes = [tBasePatients, tBaseEvents];
rows.forEach(([name, r, b, t], i) => {
  const bt = baseTimes[i]!;
  const ratio = t.cpuMs / bt.cpuMs;
  console.log(
    `| ${name} | ${(t.wallMs / 1000).toFixed(1)} | ${(t.cpuMs / 1000).toFixed(1)} | ${fmt(r.wall)} | ${fmt(r.cpu)} | ${fmt(b.wall)} | ${ratio.toFixed(1)}× slower |`,
  );
});
console.log(
  `access events: ${events} (${fmt(events / days)} per day); total generation ${((tGen.wallMs + tStream.wallMs) / 1000).toFixed(1)} s wall, ${((tGen.cpuMs + tStream.cpuMs) / 1000).toFixed(1)} s CPU; peak RSS ≈ ${Math.round(rss)} MiB`,
);
