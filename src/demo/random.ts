/**
 * Seeded pseudo-random numbers for the demo generator: sfc32 (Chris Doty-Humphrey's Small Fast
 * Counting generator, 128-bit state) seeded by the cyrb128 string hash. Not for cryptography:
 * only for reproducible synthetic data. `fork(label)` derives an independent stream from the
 * original seed and a label, so one part of the generator never shifts the numbers of another.
 */

/** cyrb128: a 128-bit non-cryptographic string hash (public domain, bryc). */
export function hashString(str: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < str.length; i++) {
    const k = str.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

/** A cumulative weight table for {@link DemoRandom.weighted}. */
export interface WeightTable<T> {
  items: readonly T[];
  cumulative: Float64Array;
  total: number;
}

/** Build a weight table from items and their (non-negative) weights. */
export function makeWeights<T>(items: readonly T[], weights: readonly number[]): WeightTable<T> {
  const cumulative = new Float64Array(items.length);
  let total = 0;
  for (let i = 0; i < items.length; i++) {
    total += weights[i] ?? 0;
    cumulative[i] = total;
  }
  return { items, cumulative, total };
}

/** A seeded sfc32 generator. */
export class DemoRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  readonly seed: string;

  constructor(seed: string) {
    this.seed = seed;
    [this.a, this.b, this.c, this.d] = hashString(seed);
    for (let i = 0; i < 12; i++) this.uint32();
  }

  /** An independent generator for a named part of the output. */
  fork(label: string): DemoRandom {
    return new DemoRandom(`${this.seed}/${label}`);
  }

  /** The next unsigned 32-bit integer. */
  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    return this.uint32() / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [lo, hi] (both inclusive). */
  between(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  weighted<T>(table: WeightTable<T>): T {
    const x = this.next() * table.total;
    const c = table.cumulative;
    let lo = 0;
    let hi = c.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((c[mid] as number) > x) hi = mid;
      else lo = mid + 1;
    }
    return table.items[lo] as T;
  }

  /** A normally distributed number (Box–Muller). */
  normal(mean: number, sd: number): number {
    const u = 1 - this.next();
    const v = this.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A Poisson-distributed count (Knuth; fine for small means). */
  poisson(mean: number): number {
    const l = Math.exp(-mean);
    let k = 0;
    let p = 1;
    do {
      k++;
      p *= this.next();
    } while (p > l);
    return k - 1;
  }

  /** Shuffle in place (Fisher–Yates) and return the array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const t = items[i] as T;
      items[i] = items[j] as T;
      items[j] = t;
    }
    return items;
  }

  /** Up to n distinct items, in random order. */
  sample<T>(items: readonly T[], n: number): T[] {
    const copy = items.slice();
    const k = Math.min(n, copy.length);
    for (let i = 0; i < k; i++) {
      const j = i + Math.floor(this.next() * (copy.length - i));
      const t = copy[i] as T;
      copy[i] = copy[j] as T;
      copy[j] = t;
    }
    return copy.slice(0, k);
  }

  /** n random decimal digits. */
  digits(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += String(this.int(10));
    return s;
  }
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A keyed bijection on 64-bit values (a 4-round Feistel network over two 32-bit halves). Event
 * ids are made from a (source, counter) pair through it, so they are unique by construction and
 * reveal neither the order in which they were made nor which part of the generator made them.
 */
export class IdScrambler {
  private readonly keys: number[];
  constructor(seed: string) {
    this.keys = hashString(`${seed}/event-ids`);
  }

  scramble(hi: number, lo: number): string {
    let l = hi >>> 0;
    let r = lo >>> 0;
    for (const k of this.keys) {
      const t = (l ^ fmix32((r ^ k) >>> 0)) >>> 0;
      l = r;
      r = t;
    }
    return l.toString(16).padStart(8, '0') + r.toString(16).padStart(8, '0');
  }
}
