import { DAY } from '../config.ts';
import { say } from '../messages.ts';
import { IncidentKind } from '../types.ts';
import { CappedSet, DayOnce, DayState, clampScore, type DetectorFactory } from './detector.ts';

/**
 * Third-party clients held to their contract: calls over the daily limit (rolling 24 h), data
 * categories outside the contract, patients without an order sent to the client
 * (over-collection), use after expiry, or no contract at all.
 */
export const createThirdPartyDetector: DetectorFactory = (config) => {
  const once = new DayOnce();
  const calls = new Map<string, { times: number[]; quietUntil: number }>();
  const outside = new DayState(() => ({
    patients: new CappedSet(config.maxIdsPerFinding),
    first: 0,
    last: 0,
    eventIds: [] as string[],
  }));
  return {
    id: 'third-party',
    kind: IncidentKind.ThirdPartyAbuse,
    observe({ event, explanation, client, day }, emit) {
      if (event.actorKind !== 'client') return;
      const t = event.time;
      const base = {
        detector: 'third-party',
        kind: IncidentKind.ThirdPartyAbuse,
        actorId: event.actorId,
        patientIds: event.patientId ? [event.patientId] : [],
        start: t,
        end: t,
        eventIds: [event.id],
      };
      if (!client) {
        if (once.first(day, `${event.actorId}|unknown`))
          emit({
            ...base,
            score: 0.6,
            evidence: [say('client.unknown', { actor: event.actorId })],
          });
        return;
      }
      if (
        client.expires !== undefined &&
        t >= client.expires &&
        once.first(day, `${client.id}|exp`)
      )
        emit({ ...base, score: 0.8, evidence: [say('client.expired')] });
      if (client.dailyLimit !== undefined) {
        let c = calls.get(client.id);
        if (!c) calls.set(client.id, (c = { times: [], quietUntil: 0 }));
        while (c.times.length > 0 && c.times[0]! < t - DAY) c.times.shift();
        // Bounded: once over the limit, older entries beyond limit+1 carry no information.
        if (c.times.length > client.dailyLimit + 1) c.times.shift();
        c.times.push(t);
        if (c.times.length > client.dailyLimit && t >= c.quietUntil) {
          c.quietUntil = t + DAY;
          emit({
            ...base,
            start: c.times[0]!,
            score: 0.7,
            evidence: [
              say('client.rate', { count: `>${client.dailyLimit}`, limit: client.dailyLimit }),
            ],
          });
        }
      }
      if (client.allowedCategories && event.categories) {
        const extra = event.categories.filter((c) => !client.allowedCategories!.includes(c));
        if (extra.length > 0 && once.first(day, `${client.id}|cat|${extra.join(',')}`))
          emit({
            ...base,
            score: 0.65,
            evidence: [say('client.categories', { categories: extra.join(', ') })],
          });
      }
      if (client.allowedFields && event.fields) {
        const extra = event.fields.filter((f) => !client.allowedFields!.includes(f));
        if (extra.length > 0 && once.first(day, `${client.id}|fld|${extra.join(',')}`))
          emit({
            ...base,
            score: 0.65,
            evidence: [say('client.categories', { categories: extra.join(', ') })],
          });
      }
      const scoped = client.onlyOrderedPatients || client.onlyAppointmentPatients;
      if (scoped && event.patientId && !explanation.explained) {
        const s = outside.get(day, client.id);
        if (s.patients.size === 0) s.first = t;
        s.last = t;
        s.patients.add(event.patientId);
        if (s.eventIds.length < config.maxIdsPerFinding) s.eventIds.push(event.id);
      }
    },
    closeDay(day, emit) {
      once.close(day);
      for (const [id, s] of outside.take(day))
        emit({
          detector: 'third-party',
          kind: IncidentKind.ThirdPartyAbuse,
          actorId: id,
          patientIds: s.patients.list(),
          start: s.first,
          end: s.last,
          score: clampScore(0.5 + 0.02 * s.patients.size),
          evidence: [say('client.patients', { count: s.patients.size })],
          eventIds: s.eventIds,
        });
    },
  };
};
