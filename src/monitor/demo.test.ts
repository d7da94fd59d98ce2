import { describe, expect, it } from 'vitest';
import { DEMO_INCIDENT_KINDS, generateDemoHospital } from '../demo/index.ts';
import {
  DEMO_KIND_MAP,
  demoEventToAccess,
  demoMonitorConfig,
  demoToFacts,
} from './demo-adapter.ts';
import { createMonitor } from './engine.ts';

const DAY = 86_400_000;

describe('demo hospital', () => {
  it('puts every planted incident in a case and explains nearly every access', () => {
    const h = generateDemoHospital({ patients: 1000, staff: 120, days: 7, seed: 'monitor-test' });
    const config = demoMonitorConfig(h);
    const monitor = createMonitor({ facts: demoToFacts(h), config });
    const planted = new Set(h.labels.incidents.flatMap((l) => l.eventIds));
    let events = 0;
    let legit = 0;
    let legitExplained = 0;
    for (const e of h.accessEvents()) {
      const x = monitor.observe(demoEventToAccess(e));
      events++;
      if (!planted.has(e.id) && e.staffId && e.patientId) {
        legit++;
        if (x?.explained) legitExplained++;
      }
    }
    const r = monitor.finish();
    expect(r.stats.detectorErrors).toEqual({});
    expect(r.stats.invalidEvents).toBe(0);
    // Every kind the generator plants is planted at this size.
    expect(new Set(h.labels.incidents.map((l) => l.kind))).toEqual(new Set(DEMO_INCIDENT_KINDS));
    const missed: string[] = [];
    const actors = new Set<string>();
    for (const l of h.labels.incidents) {
      const actor = l.staffId ?? l.clientId!;
      actors.add(actor);
      const from = Date.parse(l.from) - DAY;
      const to = Date.parse(l.to) + DAY;
      const want = DEMO_KIND_MAP[l.kind];
      const found = r.cases.some(
        (c) =>
          c.actorId === actor &&
          c.start <= to &&
          c.end >= from &&
          c.kinds.some((k) => want.includes(k)),
      );
      if (!found) missed.push(`${l.kind} (${actor})`);
    }
    expect(missed).toEqual([]);
    // Legitimate work stays quiet: no more than two cases about staff without a planted incident.
    const unlabelled = r.cases.filter((c) => !actors.has(c.actorId));
    expect(unlabelled.length).toBeLessThanOrEqual(2);
    // Planted incidents weigh heavily in so small a hospital: the share is taken over the rest.
    expect(legitExplained / legit).toBeGreaterThan(0.97);
    expect(events).toBeGreaterThan(1000);
  });
});
