import { DAY } from '../config.ts';
import { say } from '../messages.ts';
import { DataCategory, IncidentKind, type Evidence } from '../types.ts';
import { clampScore, type DetectorFactory } from './detector.ts';

interface Seen {
  time: number;
  maternity: boolean;
  unexplained: boolean;
}

interface UserState {
  contacts: Map<string, Seen>;
  maternity: number;
  unexplained: number;
  lastTime: number;
  /** Count at the last emission; re-emit only when it doubles. */
  emittedAt: number;
  emittedTime: number;
  firstEvent: string[];
  lastMrn?: number;
  run: string[];
  runStart: number;
  runEmitted: boolean;
}

/**
 * Harvesting: many patients' contact details read without a personal care relationship within a
 * rolling window (maternity and newborn records weigh most: they are what postpartum-centre
 * marketers buy), and records opened in medical-record-number order (sequential browsing).
 * Memory per user is bounded by a cap on remembered patients.
 */
export const createHarvestingDetector: DetectorFactory = (config) => {
  const h = config.harvesting;
  const cap = Math.max(4 * h.contactPatients, config.maxIdsPerFinding);
  const users = new Map<string, UserState>();
  const get = (id: string): UserState => {
    let u = users.get(id);
    if (!u)
      users.set(
        id,
        (u = {
          contacts: new Map(),
          maternity: 0,
          unexplained: 0,
          lastTime: 0,
          emittedAt: 0,
          emittedTime: 0,
          firstEvent: [],
          run: [],
          runStart: 0,
          runEmitted: false,
        }),
      );
    return u;
  };
  const prune = (u: UserState, now: number): void => {
    for (const [pid, s] of u.contacts) {
      if (s.time >= now - h.windowMs) continue;
      u.contacts.delete(pid);
      if (s.maternity) u.maternity--;
      if (s.unexplained) u.unexplained--;
    }
    if (u.emittedTime < now - h.windowMs) u.emittedAt = 0;
  };
  return {
    id: 'harvesting',
    kind: IncidentKind.Harvesting,
    observe({ event, explanation, patient }, emit) {
      const pid = event.patientId;
      if (pid === undefined || explanation.strength === 'direct') return;
      const u = get(event.actorId);
      const t = event.time;
      // Sequential browsing over medical-record numbers.
      const mrn = patient?.mrnNumber;
      if (mrn !== undefined) {
        const gap = u.lastMrn === undefined ? Infinity : Math.abs(mrn - u.lastMrn);
        if (gap > 0 && gap <= h.sequentialGap && t - u.runStart < DAY) {
          u.run.push(pid);
        } else if (gap !== 0) {
          u.run = [pid];
          u.runStart = t;
          u.runEmitted = false;
        }
        u.lastMrn = mrn;
        if (u.run.length > cap) u.run.shift();
        if (!u.runEmitted && u.run.length >= h.sequentialRun) {
          u.runEmitted = true;
          emit({
            detector: 'harvesting',
            kind: IncidentKind.Harvesting,
            actorId: event.actorId,
            patientIds: [...u.run],
            start: u.runStart,
            end: t,
            score: clampScore(0.55 + 0.02 * u.run.length),
            evidence: [say('harvest.sequential', { count: u.run.length })],
            eventIds: [event.id],
          });
        }
      }
      // Contact details of many patients.
      const cats = event.categories;
      const contact =
        cats?.includes(DataCategory.Contact) ||
        (event.action === 'export' &&
          (cats === undefined || cats.includes(DataCategory.Demographics)));
      if (!contact) return;
      const maternity = !!(patient?.maternity || patient?.newborn);
      const prev = u.contacts.get(pid);
      if (prev) {
        prev.time = t;
        if (!prev.unexplained && !explanation.explained) {
          prev.unexplained = true;
          u.unexplained++;
        }
      } else {
        if (u.contacts.size >= cap) prune(u, t);
        if (u.contacts.size < cap) {
          u.contacts.set(pid, { time: t, maternity, unexplained: !explanation.explained });
          if (maternity) u.maternity++;
          if (!explanation.explained) u.unexplained++;
        }
      }
      u.lastTime = t;
      const triggered = u.contacts.size >= h.contactPatients || u.maternity >= h.maternityPatients;
      if (!triggered || u.contacts.size < 2 * u.emittedAt) return;
      prune(u, t);
      const n = u.contacts.size;
      const mat = u.maternity;
      const unx = u.unexplained;
      if (n < h.contactPatients && mat < h.maternityPatients) return;
      let first = t;
      for (const s of u.contacts.values()) if (s.time < first) first = s.time;
      u.emittedAt = n;
      u.emittedTime = t;
      const evidence: Evidence[] = [
        say('harvest.contact', { count: n, days: Math.round(h.windowMs / DAY) }),
      ];
      if (mat > 0) evidence.push(say('harvest.maternity', { count: mat }));
      if (unx > 0) evidence.push(say('harvest.unexplained', { count: unx }));
      emit({
        detector: 'harvesting',
        kind: IncidentKind.Harvesting,
        actorId: event.actorId,
        patientIds: [...u.contacts.keys()].slice(0, config.maxIdsPerFinding),
        start: first,
        end: t,
        score: clampScore(0.5 + 0.25 * (mat / Math.max(n, 1)) + 0.2 * (unx / Math.max(n, 1))),
        evidence,
        eventIds: [event.id],
      });
    },
    closeDay(day) {
      // Drop users whose remembered contacts have all left the window.
      const now = (day + 1) * DAY;
      for (const [id, u] of users) {
        if (u.lastTime < now - h.windowMs - DAY) users.delete(id);
        else if (u.contacts.size > 0) prune(u, u.lastTime);
      }
    },
  };
};
