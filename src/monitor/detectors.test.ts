import { describe, expect, it } from 'vitest';
import { runMonitor } from './engine.ts';
import { indexFacts } from './facts.ts';
import { DAY, HOUR, T0, baseFacts, ev, many, range, testConfig } from './test-fixture.ts';
import {
  AccessAction,
  DataCategory,
  IncidentKind,
  type AccessEvent,
  type MonitorFacts,
} from './types.ts';

interface Scenario {
  name: string;
  events: () => AccessEvent[];
  /** Expected alert kind and actor; undefined means: no alert at all. */
  expect?: { kind: IncidentKind; actor: string };
  facts?: (f: MonitorFacts) => MonitorFacts;
}

const contact = { categories: [DataCategory.Contact, DataCategory.Demographics] };
const at = (d: number, h: number): number => T0 + d * DAY + h * HOUR;
/** s-doc reads 5 of their own patients a day for `days` days. */
const routine = (days: number): AccessEvent[] =>
  Array.from({ length: days }, (_, d) =>
    many('s-doc', range('p', 1 + d * 5, 5 + d * 5), at(d, 1)),
  ).flat();

const scenarios: Scenario[] = [
  // Legitimate care must stay silent.
  { name: 'physician reads own encounter patients', events: () => routine(5) },
  {
    name: 'nurse reads clinical data of mothers in her ward',
    events: () => many('s-nurse', range('m', 1, 30), at(0, 1)),
  },
  {
    name: 'physician in the care team reads a relative',
    events: () => [ev('s-doc', 'p-family')],
  },
  {
    name: 'billing clerk reads patients in care for payment',
    events: () => many('s-bill', range('p', 1, 20), at(0, 1), { purpose: 'payment' }),
  },
  {
    name: 'nurse reads an explained patient off-hours',
    events: () => [ev('s-nurse', 'm1', { time: at(1, -6) })],
  },
  {
    name: 'one image set downloaded',
    events: () => [ev('s-rad', 'p1', { action: AccessAction.ImageDownload, instances: 40 })],
  },
  {
    name: 'access from the hospital network',
    events: () => [ev('s-doc', 'p1', { ip: '10.9.9.9' })],
  },
  {
    name: 'recently active account',
    events: () => [ev('s-recent', 'p1', { purpose: 'treatment' })],
    facts: (f) => ({
      ...f,
      care: {
        ...f.care,
        encounters: [
          ...f.care.encounters,
          { id: 'e-x', patientId: 'p1', participants: ['s-recent'], start: T0 - DAY },
        ],
      },
    }),
  },
  {
    name: 'lab client within its contract',
    events: () =>
      many('c-lab', ['p1', 'p1', 'p1'], at(0, 1), { categories: [DataCategory.Results] }),
  },
  { name: 'one break-the-glass', events: () => [ev('s-doc', 'p1', { breakGlass: true })] },
  {
    name: 'deceased patient read by the treating physician',
    events: () => [ev('s-doc', 'p-dead')],
  },
  { name: 'steady volume', events: () => routine(10) },
  {
    name: 'a busy day with one’s own patients',
    events: () => [...routine(7), ...many('s-doc', range('p', 1, 150), at(7, 1))],
  },

  // Incidents.
  {
    name: 'VIP without relationship',
    events: () => [ev('s-nurse', 'p-vip')],
    expect: { kind: IncidentKind.VipSnooping, actor: 's-nurse' },
  },
  {
    name: 'coworker look-up',
    events: () => [ev('s-nurse', 'p-coworker')],
    expect: { kind: IncidentKind.CoworkerLookup, actor: 's-nurse' },
  },
  {
    name: 'family: surname and address',
    events: () => [ev('s-nurse', 'p-family')],
    expect: { kind: IncidentKind.FamilyLookup, actor: 's-nurse' },
  },
  {
    name: 'neighbour: shared address',
    events: () => [ev('s-nurse', 'p-neighbour')],
    expect: { kind: IncidentKind.FamilyLookup, actor: 's-nurse' },
  },
  {
    name: 'family: patient phone is the staff emergency contact',
    events: () => [ev('s-nurse', 'p-contact')],
    expect: { kind: IncidentKind.FamilyLookup, actor: 's-nurse' },
  },
  {
    name: 'self look-up',
    events: () => [ev('s-nurse', 'p-self')],
    expect: { kind: IncidentKind.SelfLookup, actor: 's-nurse' },
  },
  {
    name: 'browsing without relationship',
    events: () => many('s-bill', range('p', 1, 12), at(0, 1)),
    expect: { kind: IncidentKind.NoRelationship, actor: 's-bill' },
  },
  {
    name: 'volume spike against own baseline',
    events: () => [...routine(7), ...many('s-doc', range('m', 1, 40), at(7, 1))],
    expect: { kind: IncidentKind.VolumeSpike, actor: 's-doc' },
  },
  {
    name: 'maternity contact harvesting',
    events: () => many('s-rad', range('m', 1, 12), at(0, 1), contact),
    expect: { kind: IncidentKind.Harvesting, actor: 's-rad' },
  },
  {
    name: 'ward nurse harvesting mothers’ contacts after her shift',
    events: () => many('s-nurse', range('m', 1, 20), at(0, 12), contact),
    expect: { kind: IncidentKind.Harvesting, actor: 's-nurse' },
  },
  {
    name: 'sequential browsing by record number',
    events: () => many('s-rad', range('q', 1, 8), at(0, 1)),
    expect: { kind: IncidentKind.Harvesting, actor: 's-rad' },
  },
  {
    name: 'bulk export',
    events: () => [
      ev('s-rad', undefined, { action: AccessAction.Export, patientIds: range('p', 1, 150) }),
    ],
    expect: { kind: IncidentKind.BulkExport, actor: 's-rad' },
  },
  {
    name: 'mass image download',
    events: () =>
      many('c-pacs', range('p', 1, 30), at(0, 1), {
        action: AccessAction.ImageDownload,
        instances: 40,
      }),
    expect: { kind: IncidentKind.BulkExport, actor: 'c-pacs' },
  },
  {
    name: 'off-hours unexplained reads',
    events: () => many('s-nurse', range('p', 1, 4), at(1, -6)),
    expect: { kind: IncidentKind.OffHours, actor: 's-nurse' },
  },
  {
    name: 'foreign network',
    events: () => [ev('s-doc', 'p1', { ip: '203.0.113.7' })],
    expect: { kind: IncidentKind.UnusualNetwork, actor: 's-doc' },
  },
  {
    name: 'departed account',
    events: () => [ev('s-gone', 'p1')],
    expect: { kind: IncidentKind.AccountMisuse, actor: 's-gone' },
  },
  {
    name: 'suspended account',
    events: () => [ev('s-susp', 'p1')],
    expect: { kind: IncidentKind.AccountMisuse, actor: 's-susp' },
  },
  {
    name: 'dormant account',
    events: () => [ev('s-dormant', 'p2')],
    expect: { kind: IncidentKind.AccountMisuse, actor: 's-dormant' },
  },
  {
    name: 'third-party over its daily limit',
    events: () =>
      many('c-lab', Array(8).fill('p1'), at(0, 1), { categories: [DataCategory.Results] }),
    expect: { kind: IncidentKind.ThirdPartyAbuse, actor: 'c-lab' },
  },
  {
    name: 'third-party reads patients without an order',
    events: () => many('c-lab', ['p2', 'p3'], at(0, 1), { categories: [DataCategory.Results] }),
    expect: { kind: IncidentKind.ThirdPartyAbuse, actor: 'c-lab' },
  },
  {
    name: 'third-party reads outside its categories',
    events: () => [ev('c-lab', 'p1', { categories: [DataCategory.Contact] })],
    expect: { kind: IncidentKind.ThirdPartyAbuse, actor: 'c-lab' },
  },
  {
    name: 'repeated break-the-glass',
    events: () => many('s-doc', ['m1', 'm2', 'm3'], at(0, 1), { breakGlass: true }),
    expect: { kind: IncidentKind.BreakGlassRepeat, actor: 's-doc' },
  },
  {
    name: 'deceased patient without relationship',
    events: () => [ev('s-bill', 'p-dead')],
    expect: { kind: IncidentKind.DeceasedRecord, actor: 's-bill' },
  },
];

describe('detectors', () => {
  it.each(scenarios)('$name', ({ events, expect: want, facts }) => {
    const f = facts ? facts(baseFacts()) : baseFacts();
    const result = runMonitor(events(), { facts: indexFacts(f, testConfig), config: testConfig });
    expect(result.stats.detectorErrors).toEqual({});
    if (!want) {
      expect(result.alerts.map((a) => `${a.actorId}:${a.kinds.join('+')}`)).toEqual([]);
      return;
    }
    const hit = result.alerts.find((a) => a.actorId === want.actor && a.kinds.includes(want.kind));
    expect(hit, JSON.stringify(result.alerts.map((a) => [a.actorId, a.kinds]))).toBeDefined();
    expect(hit!.evidence.length).toBeGreaterThan(0);
    for (const e of hit!.evidence) {
      expect(e.en).not.toMatch(/\{\w+\}/);
      expect(e.zh).not.toMatch(/\{\w+\}/);
      expect(e.zh).toMatch(/[\u4e00-\u9fff]/);
    }
    expect(hit!.score).toBeGreaterThanOrEqual(testConfig.alertThreshold);
  });

  it('a surname alone is not family', () => {
    const r = runMonitor([ev('s-nurse', 'p-same-surname')], {
      facts: baseFacts(),
      config: testConfig,
    });
    expect(r.alerts.filter((a) => a.kinds.includes(IncidentKind.FamilyLookup))).toEqual([]);
  });
});
