import { DAY } from '../config.ts';
import { say } from '../messages.ts';
import { IncidentKind } from '../types.ts';
import { clampScore, type DetectorFactory } from './detector.ts';

/**
 * Repeated break-the-glass by one user within a window, on patients not in the user's personal
 * care: emergency access used as a habit.
 */
export const createBreakGlassDetector: DetectorFactory = (config) => {
  const { windowMs, count } = config.breakGlass;
  const users = new Map<string, { times: number[]; patients: string[]; quietUntil: number }>();
  return {
    id: 'break-glass',
    kind: IncidentKind.BreakGlassRepeat,
    observe({ event, explanation }, emit) {
      // Break-the-glass that a care relationship later explains (the emergency patient was then
      // admitted to the user's care) is the intended use; only unexplained uses count.
      if (!event.breakGlass || explanation.strength === 'direct') return;
      const t = event.time;
      let u = users.get(event.actorId);
      if (!u) users.set(event.actorId, (u = { times: [], patients: [], quietUntil: 0 }));
      while (u.times.length > 0 && u.times[0]! < t - windowMs) {
        u.times.shift();
        u.patients.shift();
      }
      u.times.push(t);
      u.patients.push(event.patientId ?? '');
      if (u.times.length > count * 8) {
        u.times.shift();
        u.patients.shift();
      }
      if (u.times.length < count || t < u.quietUntil) return;
      u.quietUntil = t + windowMs;
      emit({
        detector: 'break-glass',
        kind: IncidentKind.BreakGlassRepeat,
        actorId: event.actorId,
        patientIds: [...new Set(u.patients.filter((p) => p !== ''))],
        start: u.times[0]!,
        end: t,
        score: clampScore(0.5 + 0.05 * (u.times.length - count)),
        evidence: [
          say('breakglass.repeat', { count: u.times.length, days: Math.round(windowMs / DAY) }),
        ],
        eventIds: [event.id],
      });
    },
  };
};
