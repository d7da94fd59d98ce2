import { describe, expect, it } from 'vitest';
import { LruCache } from './lru.ts';

describe('LruCache', () => {
  it('evicts the least recently used entry, wiping it', () => {
    const evicted: string[] = [];
    const c = new LruCache<string, number>(3, (_, k) => evicted.push(k));
    c.set('a', 1);
    c.set('b', 2);
    c.set('c', 3);
    c.set('d', 4);
    expect(evicted).toEqual(['a']);
    expect(c.get('a')).toBeUndefined();
    expect(c.size).toBe(3);
  });

  it('keeps a key that is read while many others come and go', () => {
    const c = new LruCache<string, number>(8);
    c.set('hot', 0);
    for (let i = 0; i < 1000; i++) {
      c.set(`k${i}`, i);
      expect(c.get('hot')).toBe(0);
    }
    expect(c.size).toBe(8);
  });

  it('evicts a key that is no longer read, even one read often before', () => {
    const c = new LruCache<string, number>(4);
    c.set('x', 1);
    for (let i = 0; i < 10; i++) c.get('x');
    for (let i = 0; i < 4; i++) c.set(`k${i}`, i);
    expect(c.get('x')).toBeUndefined();
  });

  it('forgets deleted and cleared keys, wiping them', () => {
    const evicted: number[] = [];
    const c = new LruCache<string, number>(4, (v) => evicted.push(v));
    c.set('a', 1);
    c.set('b', 2);
    expect(c.delete('a')).toBe(true);
    expect(c.delete('a')).toBe(false);
    c.clear();
    expect(evicted).toEqual([1, 2]);
    expect(c.size).toBe(0);
  });
});
