/**
 * A small bounded least-recently-used map. Used for unwrapped data keys: `onEvict` lets the owner
 * wipe key material when an entry leaves the cache.
 */
export class LruCache<K, V> {
  readonly #max: number;
  readonly #map = new Map<K, V>();
  /** When each key was last moved to the young end, in `#clock` ticks. */
  readonly #moved = new Map<K, number>();
  #clock = 0;
  readonly #onEvict: ((value: V, key: K) => void) | undefined;

  constructor(maxEntries: number, onEvict?: (value: V, key: K) => void) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError('LRU size must be a positive integer');
    }
    this.#max = maxEntries;
    this.#onEvict = onEvict;
  }

  get size(): number {
    return this.#map.size;
  }

  /**
   * The value of `key`, marking it recently used. A key moved to the young end within the last
   * `max / 2` moves stays where it is (it cannot be among the oldest half), so a hot key costs a
   * lookup instead of a delete and re-insert on every read.
   */
  get(key: K): V | undefined {
    const v = this.#map.get(key);
    if (v === undefined) return undefined;
    const at = this.#moved.get(key) ?? -Infinity;
    if (this.#clock - at > this.#max / 2) {
      this.#map.delete(key);
      this.#map.set(key, v);
      this.#moved.set(key, this.#clock++);
    }
    return v;
  }

  set(key: K, value: V): void {
    const old = this.#map.get(key);
    if (old !== undefined) {
      this.#map.delete(key);
      if (old !== value) this.#onEvict?.(old, key);
    }
    this.#map.set(key, value);
    this.#moved.set(key, this.#clock++);
    while (this.#map.size > this.#max) {
      const first = this.#map.keys().next().value as K;
      const v = this.#map.get(first) as V;
      this.#map.delete(first);
      this.#moved.delete(first);
      this.#onEvict?.(v, first);
    }
  }

  delete(key: K): boolean {
    const v = this.#map.get(key);
    if (v === undefined) return false;
    this.#map.delete(key);
    this.#moved.delete(key);
    this.#onEvict?.(v, key);
    return true;
  }

  clear(): void {
    for (const [k, v] of this.#map) this.#onEvict?.(v, k);
    this.#map.clear();
    this.#moved.clear();
  }
}
