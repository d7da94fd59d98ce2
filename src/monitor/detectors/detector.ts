import type { MonitorConfig } from '../config.ts';
import type { FactIndex } from '../facts.ts';
import type {
  AccessEvent,
  ClientFacts,
  Explanation,
  Finding,
  IncidentKind,
  PatientFacts,
  StaffFacts,
} from '../types.ts';

/** What a detector sees for one access: the event, its explanation and the facts about it. */
export interface DetectorInput {
  event: AccessEvent;
  explanation: Explanation;
  staff: StaffFacts | undefined;
  patient: PatientFacts | undefined;
  client: ClientFacts | undefined;
  /** Local calendar day of the event. */
  day: number;
  index: FactIndex;
  config: MonitorConfig;
}

/** Receives findings from a detector. */
export type Emit = (finding: Finding) => void;

/**
 * A privacy detector: a small stateful object fed one access at a time (in time order, with
 * bounded lateness). It must keep bounded memory per user and must not do I/O.
 */
export interface Detector {
  /** Stable name, reported when the detector fails. */
  readonly id: string;
  readonly kind: IncidentKind;
  /** Looks at one access; may emit findings at once. */
  observe(input: DetectorInput, emit: Emit): void;
  /** The local day `day` is over (no more events of it are expected): emit day-level findings. */
  closeDay?(day: number, emit: Emit, index: FactIndex): void;
}

/** Makes a detector for a configuration. */
export type DetectorFactory = (config: MonitorConfig) => Detector;

/** Remembers keys seen on a local day; forgets a day when it is closed. Bounded by one day's keys. */
export class DayOnce {
  private readonly days = new Map<number, Set<string>>();
  /** True the first time `key` is seen on `day`. */
  first(day: number, key: string): boolean {
    let s = this.days.get(day);
    if (!s) this.days.set(day, (s = new Set()));
    if (s.has(key)) return false;
    s.add(key);
    return true;
  }
  /** Forgets `day` and every earlier day. */
  close(day: number): void {
    for (const d of this.days.keys()) if (d <= day) this.days.delete(d);
  }
}

/** Per-day, per-user state that is dropped when the day closes. */
export class DayState<T> {
  private readonly days = new Map<number, Map<string, T>>();
  // Events come in time order: remember the current day's map to skip one look-up per event.
  private lastDay = Number.NaN;
  private lastMap: Map<string, T> | undefined;
  constructor(private readonly make: () => T) {}
  get(day: number, user: string): T {
    let m = day === this.lastDay ? this.lastMap : this.days.get(day);
    if (!m) this.days.set(day, (m = new Map()));
    this.lastDay = day;
    this.lastMap = m;
    let v = m.get(user);
    if (v === undefined) m.set(user, (v = this.make()));
    return v;
  }
  /** Removes and returns the users' states of `day`. */
  take(day: number): Map<string, T> {
    const m = this.days.get(day) ?? new Map<string, T>();
    this.days.delete(day);
    if (day === this.lastDay) this.lastMap = undefined;
    return m;
  }
}

/** A set that stops growing at `cap` but keeps counting additions of new-looking items. */
export class CappedSet {
  readonly items = new Set<string>();
  overflow = 0;
  constructor(private readonly cap: number) {}
  add(v: string): void {
    if (this.items.has(v)) return;
    if (this.items.size < this.cap) this.items.add(v);
    else this.overflow++;
  }
  get size(): number {
    return this.items.size + this.overflow;
  }
  list(): string[] {
    return [...this.items];
  }
}

/** Clamps a score into 0..0.99. */
export function clampScore(s: number): number {
  return Math.max(0, Math.min(0.99, s));
}
