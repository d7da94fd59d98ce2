import { HOUR } from '../config.ts';
import { say } from '../messages.ts';
import { AccessAction, IncidentKind } from '../types.ts';
import { clampScore, type DetectorFactory } from './detector.ts';

interface Window {
  /** (time, amount) entries inside the rolling window; merged when too many. */
  entries: { t: number; n: number }[];
  sum: number;
  patients: Set<string>;
  quietUntil: number;
  eventIds: string[];
}

/**
 * Bulk export (records of many patients) and mass image download (PACS) per user over a rolling
 * window, as in the vendor backdoor that exported three years of images.
 */
export const createBulkExportDetector: DetectorFactory = (config) => {
  const b = config.bulk;
  const exports = new Map<string, Window>();
  const images = new Map<string, Window>();
  const win = (m: Map<string, Window>, id: string): Window => {
    let w = m.get(id);
    if (!w)
      m.set(id, (w = { entries: [], sum: 0, patients: new Set(), quietUntil: 0, eventIds: [] }));
    return w;
  };
  const add = (w: Window, t: number, n: number, pids: readonly string[], eventId: string): void => {
    while (w.entries.length > 0 && w.entries[0]!.t < t - b.windowMs) w.sum -= w.entries.shift()!.n;
    if (w.entries.length === 0) {
      w.patients.clear();
      w.eventIds = [];
    }
    const last = w.entries[w.entries.length - 1];
    if (last && w.entries.length > 256 && t - last.t < b.windowMs / 256) last.n += n;
    else w.entries.push({ t, n });
    w.sum += n;
    for (const p of pids) if (w.patients.size < config.maxIdsPerFinding) w.patients.add(p);
    if (w.eventIds.length < config.maxIdsPerFinding) w.eventIds.push(eventId);
  };
  return {
    id: 'bulk-export',
    kind: IncidentKind.BulkExport,
    observe({ event }, emit) {
      const pids = event.patientIds ?? (event.patientId ? [event.patientId] : []);
      const t = event.time;
      const hours = Math.round(b.windowMs / HOUR);
      if (event.action === AccessAction.Export) {
        const w = win(exports, event.actorId);
        add(w, t, Math.max(pids.length, 1), pids, event.id);
        if (w.sum >= b.exportPatients && t >= w.quietUntil) {
          w.quietUntil = t + b.windowMs;
          emit({
            detector: 'bulk-export',
            kind: IncidentKind.BulkExport,
            actorId: event.actorId,
            patientIds: [...w.patients],
            start: w.entries[0]!.t,
            end: t,
            score: clampScore(0.6 + 0.1 * Math.log2(w.sum / b.exportPatients + 1)),
            evidence: [say('bulk.export', { count: w.sum, hours })],
            eventIds: [...w.eventIds],
          });
        }
      }
      const n = event.instances ?? 0;
      if (
        event.action === AccessAction.ImageDownload ||
        (event.action === AccessAction.Export && n > 0)
      ) {
        const w = win(images, event.actorId);
        add(w, t, Math.max(n, 1), pids, event.id);
        if (w.sum >= b.images && t >= w.quietUntil) {
          w.quietUntil = t + b.windowMs;
          emit({
            detector: 'bulk-export',
            kind: IncidentKind.BulkExport,
            actorId: event.actorId,
            patientIds: [...w.patients],
            start: w.entries[0]!.t,
            end: t,
            score: clampScore(0.6 + 0.1 * Math.log2(w.sum / b.images + 1)),
            evidence: [say('bulk.images', { count: w.sum, hours })],
            eventIds: [...w.eventIds],
          });
        }
      }
    },
  };
};
