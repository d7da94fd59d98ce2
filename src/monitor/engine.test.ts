import { describe, expect, it } from 'vitest';
import { isCustosError } from '../errors/index.ts';
import { combineScores, groupCases, rankAlerts } from './alerts.ts';
import { resolveMonitorConfig } from './config.ts';
import { CappedSet, type Detector } from './detectors/index.ts';
import { createMonitor, runMonitor } from './engine.ts';
import { explainAccess } from './explain.ts';
import { indexFacts } from './facts.ts';
import { createDetectors } from './registry.ts';
import { DAY, HOUR, T0, baseFacts, ev, many, range, testConfig } from './test-fixture.ts';
import { IncidentKind, type AccessEvent, type Finding } from './types.ts';

const facts = () => indexFacts(baseFacts(), testConfig);

describe('explanations', () => {
  it.each([
    ['own encounter', 's-doc', 'p1', 0, 'encounter', 'direct'],
    ['care team', 's-doc', 'p-family', 0, 'care-team', 'direct'],
    ['patient admitted to the department', 's-nurse', 'm1', 0, 'department-patient', 'department'],
    ['department stay over', 's-nurse', 'm1', 8, undefined, undefined],
    ['third party with an order', 'c-lab', 'p1', 0, 'contract-order', 'direct'],
    ['third party without an order', 'c-lab', 'p2', 0, undefined, undefined],
    ['no relationship', 's-bill', 'p1', 0, undefined, undefined],
    ['own record is never explained', 's-nurse', 'p-self', 0, undefined, undefined],
  ])('%s', (_name, actor, patient, days, reason, strength) => {
    const x = explainAccess(
      ev(actor, patient, { time: T0 + days * DAY + HOUR }),
      facts(),
      testConfig,
    );
    expect(x.explained).toBe(reason !== undefined);
    expect(x.reason).toBe(reason);
    expect(x.strength).toBe(strength);
  });

  it('explains by approved purpose of the role for patients in care', () => {
    const x = explainAccess(ev('s-bill', 'p1', { purpose: 'payment' }), facts(), testConfig);
    expect(x).toEqual({ explained: true, reason: 'approved-purpose', strength: 'purpose' });
    const y = explainAccess(ev('s-bill', 'p1', { purpose: 'research' }), facts(), testConfig);
    expect(y.explained).toBe(false);
  });

  it('explains by the department of the shift being worked (handover, float staff)', () => {
    const f = baseFacts();
    const shifted = indexFacts(
      {
        ...f,
        care: {
          ...f.care,
          shifts: [{ staffId: 's-rad', start: T0, end: T0 + 8 * HOUR, department: 'obstetrics' }],
        },
      },
      testConfig,
    );
    const x = explainAccess(ev('s-rad', 'm1'), shifted, testConfig);
    expect(x).toMatchObject({ explained: true, reason: 'shift-handover' });
  });

  it('reports the explained share per department and role', () => {
    const r = runMonitor([ev('s-doc', 'p1'), ev('s-doc', 'p2'), ev('s-bill', 'p3')], {
      facts: facts(),
      config: testConfig,
    });
    expect(r.stats.patientAccesses).toBe(3);
    expect(r.stats.explained).toBe(2);
    expect(r.stats.byDepartment).toEqual({
      emergency: { total: 2, explained: 2 },
      billing: { total: 1, explained: 0 },
    });
    expect(r.stats.byRole['billing-clerk']).toEqual({ total: 1, explained: 0 });
    expect(r.stats.byReason).toEqual({ encounter: 2 });
  });
});

describe('running', () => {
  it('counts bad events and goes on', () => {
    const bad = [
      null,
      {},
      { ...ev('s-doc', 'p1'), time: Number.NaN },
      { ...ev('s-doc', 'p1'), action: 'teleport' },
      { ...ev('s-doc', 'p1'), actorId: '' },
      { ...ev('s-doc', 'p1'), patientId: 42 },
    ] as unknown as AccessEvent[];
    const r = runMonitor([...bad, ev('s-nurse', 'p-vip')], { facts: facts(), config: testConfig });
    expect(r.stats.invalidEvents).toBe(bad.length);
    expect(r.stats.events).toBe(1);
    expect(r.alerts.map((a) => a.kind)).toEqual([IncidentKind.VipSnooping]);
  });

  it('counts unknown staff and patients', () => {
    const r = runMonitor([ev('s-ghost', 'p1'), ev('s-doc', 'p-nobody')], {
      facts: facts(),
      config: testConfig,
    });
    expect(r.stats.unknownActors).toBe(1);
    expect(r.stats.unknownPatients).toBe(1);
    expect(r.alerts.find((a) => a.actorId === 's-ghost')?.kind).toBe(IncidentKind.AccountMisuse);
  });

  it('reports a failing detector by name and keeps the others running', () => {
    const broken: Detector = {
      id: 'broken',
      kind: IncidentKind.NoRelationship,
      observe() {
        throw new Error('boom');
      },
      closeDay() {
        throw new Error('boom at night');
      },
    };
    const detectors = [broken, ...createDetectors(testConfig, ['vip'])];
    const r = runMonitor([ev('s-nurse', 'p-vip'), ev('s-nurse', 'p-vip', { time: T0 + 3 * DAY })], {
      facts: facts(),
      config: testConfig,
      detectors,
    });
    expect(r.stats.detectorErrors.broken).toMatchObject({ message: 'boom' });
    expect(r.stats.detectorErrors.broken!.count).toBeGreaterThanOrEqual(3);
    expect(r.alerts.length).toBe(2);
  });

  it('closes days as time passes and counts events older than a closed day', () => {
    const closed: number[] = [];
    const probe: Detector = {
      id: 'probe',
      kind: IncidentKind.OffHours,
      observe() {},
      closeDay(day) {
        closed.push(day);
      },
    };
    const m = createMonitor({ facts: facts(), config: testConfig, detectors: [probe] });
    m.observe(ev('s-doc', 'p1', { time: T0 }));
    m.observe(ev('s-doc', 'p1', { time: T0 + 2 * DAY }));
    expect(closed.length).toBe(1);
    m.observe(ev('s-doc', 'p1', { time: T0 - 10 * HOUR }));
    expect(m.stats.lateEvents).toBe(1);
    m.finish();
    expect(closed.length).toBe(3);
  });

  it('merges repeated views into one alert with a stable id', () => {
    const events = () => many('s-nurse', ['p-vip', 'p-vip', 'p-vip'], T0 + HOUR);
    const a = runMonitor(events(), { facts: facts(), config: testConfig });
    const b = runMonitor(events(), { facts: facts(), config: testConfig });
    expect(a.alerts).toHaveLength(1);
    expect(a.alerts[0]!.id).toBe(b.alerts[0]!.id);
  });

  it('merges findings about the same actor and patients, attaches support, and groups cases', () => {
    const r = runMonitor(
      [
        ...many('s-nurse', range('m', 1, 20), T0 + 12 * HOUR, {
          categories: ['contact'],
          ip: '203.0.113.4',
        }),
        ev('s-nurse', 'p-vip', { time: T0 + 5 * DAY }),
      ],
      { facts: facts(), config: testConfig },
    );
    const harvest = r.alerts.find((a) => a.kinds.includes(IncidentKind.Harvesting))!;
    expect(harvest.kinds).toEqual(
      expect.arrayContaining([IncidentKind.OffHours, IncidentKind.UnusualNetwork]),
    );
    // Two alerts more than caseGap apart are two cases.
    expect(r.cases.filter((c) => c.actorId === 's-nurse')).toHaveLength(2);
  });

  it('support alone does not alert unless it adds up', () => {
    const f = (score: number, start: number): Finding => ({
      detector: 'x',
      kind: IncidentKind.OffHours,
      actorId: 'u',
      patientIds: [],
      start,
      end: start,
      score,
      evidence: [],
      eventIds: [],
    });
    expect(rankAlerts([f(0.2, T0)], testConfig)).toEqual([]);
    expect(rankAlerts([f(0.3, T0), f(0.35, T0 + HOUR)], testConfig)).toHaveLength(1);
    expect(combineScores([0.5, 0.5])).toBeCloseTo(0.75);
    expect(groupCases([], testConfig)).toEqual([]);
  });
});

describe('configuration and memory', () => {
  it.each([
    [{ alertThreshold: 2 }],
    [{ spike: { minPatients: 0 } }],
    [{ utcOffsetMinutes: 10_000 }],
    [{ seenPerUser: Number.NaN }],
  ])('refuses %j', (bad) => {
    expect(() => resolveMonitorConfig(bad as never)).toThrow(
      expect.objectContaining({ code: 'CUSTOS_CONFIG_INVALID' }),
    );
  });

  it('refuses bad networks and unknown detectors', () => {
    const cfg = resolveMonitorConfig({ internalNetworks: ['10.0.0.0/99'] });
    try {
      createDetectors(cfg, ['unusual-network']);
      expect.unreachable();
    } catch (e) {
      expect(isCustosError(e, 'CUSTOS_CONFIG_INVALID')).toBe(true);
    }
    expect(() => createDetectors(testConfig, ['nope'])).toThrow(/unknown monitor detector/);
  });

  it('caps remembered ids while counting on', () => {
    const s = new CappedSet(3);
    for (const x of ['a', 'b', 'c', 'd', 'e', 'a']) s.add(x);
    expect(s.list()).toEqual(['a', 'b', 'c']);
    expect(s.size).toBe(5);
  });
});
