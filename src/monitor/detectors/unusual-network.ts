import { findShift } from '../facts.ts';
import { say } from '../messages.ts';
import { inNetworks, ipToBigint, parseCidr } from '../cidr.ts';
import { IncidentKind } from '../types.ts';
import { DayOnce, type DetectorFactory } from './detector.ts';

/**
 * Access from outside the hospital networks (foreign addresses weigh most: overseas IPs reached
 * medical-internet systems), from unregistered workstations, or from a workstation of another
 * department the user has not worked from before.
 */
export const createUnusualNetworkDetector: DetectorFactory = (config) => {
  const internal = config.internalNetworks.map(parseCidr);
  const geo = config.geoNetworks.map((g) => ({ block: parseCidr(g.cidr), country: g.country }));
  const once = new DayOnce();
  const verdicts = new Map<string, 'internal' | 'domestic' | 'foreign' | 'unknown' | 'invalid'>();
  const seen = new Map<string, string[]>();
  const classify = (ip: string): 'internal' | 'domestic' | 'foreign' | 'unknown' | 'invalid' => {
    let v = verdicts.get(ip);
    if (v) return v;
    const n = ipToBigint(ip);
    if (!n) v = 'invalid';
    else if (inNetworks(n, internal)) v = 'internal';
    else {
      const hit = geo.find((g) => inNetworks(n, [g.block]));
      v = !hit ? 'unknown' : hit.country === config.homeCountry ? 'domestic' : 'foreign';
    }
    if (verdicts.size > 50_000) verdicts.clear();
    verdicts.set(ip, v);
    return v;
  };
  return {
    id: 'unusual-network',
    kind: IncidentKind.UnusualNetwork,
    observe({ event, explanation, staff, index, day }, emit) {
      const base = () => ({
        detector: 'unusual-network',
        kind: IncidentKind.UnusualNetwork,
        actorId: event.actorId,
        patientIds: event.patientId ? [event.patientId] : [],
        start: event.time,
        end: event.time,
        eventIds: [event.id],
      });
      if (event.ip) {
        const v = classify(event.ip);
        if (
          (v === 'foreign' || v === 'unknown' || v === 'domestic') &&
          once.first(day, `${event.actorId}|${event.ip}`)
        ) {
          const foreign = v === 'foreign';
          const score = foreign
            ? explanation.explained
              ? 0.7
              : 0.85
            : event.actorKind === 'client'
              ? 0.1
              : explanation.explained
                ? 0.3
                : 0.5;
          emit({
            ...base(),
            score,
            evidence: [say(foreign ? 'network.foreign' : 'network.unknown', { ip: event.ip })],
          });
        }
      }
      const ws = event.workstation;
      if (!ws || event.actorKind !== 'staff' || index.workstations.size === 0) return;
      let list = seen.get(event.actorId);
      if (!list) seen.set(event.actorId, (list = []));
      const i = list.indexOf(ws);
      if (i >= 0) {
        // Move to the most recent end without allocating.
        for (let k = i; k < list.length - 1; k++) list[k] = list[k + 1]!;
        list[list.length - 1] = ws;
        return;
      }
      list.push(ws);
      if (list.length > config.seenPerUser) list.shift();
      const w = index.workstations.get(ws);
      if (!w) {
        if (once.first(day, `${event.actorId}|ws|${ws}`))
          emit({
            ...base(),
            score: 0.3,
            evidence: [say('workstation.unknown', { workstation: ws })],
          });
        return;
      }
      if (!w.department || !staff || w.department === staff.department) return;
      const shift = findShift(index, staff.id, event.time, config.shiftGraceMs);
      if (shift?.department === w.department) return;
      if (once.first(day, `${event.actorId}|ws|${ws}`))
        emit({
          ...base(),
          score: explanation.explained ? 0.15 : 0.35,
          evidence: [say('workstation.unusual', { workstation: ws, department: w.department })],
        });
    },
    closeDay(day) {
      once.close(day);
    },
  };
};
