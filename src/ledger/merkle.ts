/**
 * Merkle tree hashing and proofs exactly as RFC 9162 §2.1 (Certificate Transparency v2.0) defines
 * them. Everything here is pure and synchronous: no I/O, no clock. Proof *generation* is split into
 * "which subtree ranges make up the proof" (pure index arithmetic) and "the hash of a range", so the
 * same code serves an in-memory tree (tests, witnesses) and the database (stored subtree nodes).
 *
 * Leaf indices are 0-based here, as in the RFC. The ledger numbers entries from 1, so entry `seq`
 * is leaf `seq - 1`.
 */
import { createHash, hash as oneShotHash, timingSafeEqual } from 'node:crypto';

/** Size in bytes of every hash in the tree (SHA-256). */
export const HASH_SIZE = 32;

/** The one digest function of the ledger: SHA-256 over the concatenation of `parts`. */
export function digest(...parts: Uint8Array[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

/**
 * The one comparison of hashes and signatures: constant time, false on different lengths or
 * non-buffers. Nothing else in the ledger compares hashes.
 */
export function equal(a: Uint8Array | null | undefined, b: Uint8Array | null | undefined): boolean {
  if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array)) return false;
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}

const LEAF_PREFIX = Buffer.from([0x00]);
/** 0x01 || left || right, reused by every interior hash (single-threaded). */
const NODE_INPUT = Buffer.alloc(1 + 2 * HASH_SIZE, 0x01);

/** MTH({}) = SHA-256() — the hash of an empty tree (RFC 9162 §2.1.1). */
export const EMPTY_ROOT: Buffer = digest();

/** MTH({d(0)}) = SHA-256(0x00 || d(0)) — the leaf hash (RFC 9162 §2.1.1). */
export function hashLeaf(data: Uint8Array): Buffer {
  return digest(LEAF_PREFIX, data);
}

/** SHA-256(0x01 || left || right) — an interior node (RFC 9162 §2.1.1). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Buffer {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) {
    throw new TypeError('hashChildren: both children must be 32-byte hashes');
  }
  // One-shot over a reused 65-byte buffer: about twice as fast as a Hash object with 3 updates.
  NODE_INPUT.set(left, 1);
  NODE_INPUT.set(right, 1 + HASH_SIZE);
  return oneShotHash('sha256', NODE_INPUT, 'buffer');
}

/** The largest power of two strictly smaller than n, for n > 1 (the split point k of §2.1.1). */
export function splitPoint(n: number): number {
  if (!Number.isSafeInteger(n) || n < 2)
    throw new RangeError('splitPoint: n must be an integer > 1');
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** True for 1, 2, 4, 8, … */
export function isPowerOfTwo(n: number): boolean {
  return Number.isSafeInteger(n) && n > 0 && 2 ** Math.round(Math.log2(n)) === n;
}

/** A half-open range [start, end) of leaf indices whose subtree hash is one proof element. */
export type LeafRange = readonly [start: number, end: number];

/** MTH(D[0:n]) for a list of leaf hashes (RFC 9162 §2.1.1), recursive split at k. */
export function merkleRoot(leafHashes: readonly Uint8Array[]): Buffer {
  if (leafHashes.length === 0) return EMPTY_ROOT;
  return rangeHashOf(leafHashes, 0, leafHashes.length);
}

/** MTH(D[start:end]) over in-memory leaf hashes. */
export function rangeHashOf(leafHashes: readonly Uint8Array[], start: number, end: number): Buffer {
  const n = end - start;
  if (n < 1 || start < 0 || end > leafHashes.length) throw new RangeError('rangeHashOf: bad range');
  if (n === 1) {
    const leaf = leafHashes[start];
    if (!(leaf instanceof Uint8Array) || leaf.length !== HASH_SIZE) {
      throw new TypeError('rangeHashOf: leaf hashes must be 32 bytes');
    }
    return Buffer.from(leaf);
  }
  const k = splitPoint(n);
  return hashChildren(
    rangeHashOf(leafHashes, start, start + k),
    rangeHashOf(leafHashes, start + k, end),
  );
}

/**
 * The ranges whose hashes form PATH(m, D[0:n]) (RFC 9162 §2.1.3.1), in proof order (from the leaf
 * up). 0 <= m < n.
 */
export function inclusionProofRanges(m: number, n: number): LeafRange[] {
  if (!Number.isSafeInteger(m) || !Number.isSafeInteger(n) || m < 0 || m >= n) {
    throw new RangeError('inclusion proof needs 0 <= leaf index < tree size');
  }
  const out: LeafRange[] = [];
  // PATH(m, D[lo:lo+size]) iteratively; elements are appended leaf-first, so collect top-down
  // and reverse at the end.
  let lo = 0;
  let size = n;
  let idx = m;
  const topDown: LeafRange[] = [];
  while (size > 1) {
    const k = splitPoint(size);
    if (idx < k) {
      topDown.push([lo + k, lo + size]); // MTH(D[k:n])
      size = k;
    } else {
      topDown.push([lo, lo + k]); // MTH(D[0:k])
      lo += k;
      idx -= k;
      size -= k;
    }
  }
  for (let i = topDown.length - 1; i >= 0; i--) out.push(topDown[i] as LeafRange);
  return out;
}

/**
 * The ranges whose hashes form PROOF(m, D[0:n]) = SUBPROOF(m, D[0:n], true) (RFC 9162 §2.1.4.1),
 * in proof order. 0 < m <= n; m == n gives the empty proof.
 */
export function consistencyProofRanges(m: number, n: number): LeafRange[] {
  if (!Number.isSafeInteger(m) || !Number.isSafeInteger(n) || m < 1 || m > n) {
    throw new RangeError('consistency proof needs 0 < first size <= second size');
  }
  const topDown: LeafRange[] = [];
  let lo = 0;
  let size = n;
  let mm = m;
  let b = true;
  for (;;) {
    if (mm === size) {
      // SUBPROOF(m, D[m], b): [] if b, else [MTH(D[m])]
      if (!b) topDown.push([lo, lo + size]);
      break;
    }
    const k = splitPoint(size);
    if (mm <= k) {
      // SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
      topDown.push([lo + k, lo + size]);
      size = k;
    } else {
      // SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])
      topDown.push([lo, lo + k]);
      lo += k;
      size -= k;
      mm -= k;
      b = false;
    }
  }
  return topDown.reverse();
}

/** PATH(m, D[0:n]) over in-memory leaf hashes. */
export function inclusionProof(
  leafHashes: readonly Uint8Array[],
  m: number,
  n: number = leafHashes.length,
): Buffer[] {
  if (n > leafHashes.length)
    throw new RangeError('inclusion proof: tree size beyond the leaves given');
  return inclusionProofRanges(m, n).map(([a, b]) => rangeHashOf(leafHashes, a, b));
}

/** PROOF(m, D[0:n]) over in-memory leaf hashes. */
export function consistencyProof(
  leafHashes: readonly Uint8Array[],
  m: number,
  n: number = leafHashes.length,
): Buffer[] {
  if (n > leafHashes.length)
    throw new RangeError('consistency proof: tree size beyond the leaves given');
  return consistencyProofRanges(m, n).map(([a, b]) => rangeHashOf(leafHashes, a, b));
}

/** Why a proof did not verify; `ok` alone means it did. */
export type ProofResult = { ok: true } | { ok: false; reason: string };

const fail = (reason: string): ProofResult => ({ ok: false, reason });

function checkHashList(path: unknown, what: string): string | null {
  // Untrusted input: it must be an array of 32-byte buffers and no longer than a 64-level tree.
  if (!Array.isArray(path)) return `${what} is not a list of hashes`;
  if (path.length > 64)
    return `${what} has ${path.length} hashes, more than any tree of 2^64 leaves`;
  for (let i = 0; i < path.length; i++) {
    const p: unknown = path[i];
    if (!(p instanceof Uint8Array)) return `${what} element ${i} is not a hash`;
    if (p.length !== HASH_SIZE)
      return `${what} element ${i} is ${p.length} bytes, not ${HASH_SIZE}`;
  }
  return null;
}

function isIndex(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/**
 * Verifies an inclusion proof (RFC 9162 §2.1.3.2): that `leafHash` is leaf `leafIndex` of the tree
 * of `treeSize` leaves whose root is `rootHash`. Every argument is treated as untrusted.
 */
export function verifyInclusion(
  leafIndex: number,
  treeSize: number,
  leafHash: Uint8Array,
  path: readonly Uint8Array[],
  rootHash: Uint8Array,
): ProofResult {
  if (!isIndex(leafIndex) || !isIndex(treeSize))
    return fail('leaf index and tree size must be non-negative integers');
  // 1. Compare leaf_index from the inclusion_proof_v2 structure against tree_size.
  if (leafIndex >= treeSize)
    return fail(`leaf index ${leafIndex} is not below tree size ${treeSize}`);
  if (!(leafHash instanceof Uint8Array) || leafHash.length !== HASH_SIZE)
    return fail('leaf hash is not 32 bytes');
  if (!(rootHash instanceof Uint8Array) || rootHash.length !== HASH_SIZE)
    return fail('root hash is not 32 bytes');
  const bad = checkHashList(path, 'inclusion path');
  if (bad) return fail(bad);
  // Sizes up to 2^53 are handled with arithmetic instead of 32-bit shifts.
  // 2. Set fn to leaf_index and sn to tree_size - 1.
  let fn = leafIndex;
  let sn = treeSize - 1;
  // 3. Set r to hash.
  let r: Buffer = Buffer.from(leafHash);
  // 4. For each value p in the inclusion_path array:
  for (const p of path) {
    // a. If sn is 0, then stop the iteration and fail the proof verification.
    if (sn === 0) return fail('inclusion path is longer than the tree is deep');
    // b. If LSB(fn) is set, or if fn is equal to sn, then:
    if (fn % 2 === 1 || fn === sn) {
      r = hashChildren(p, r);
      // If LSB(fn) is not set, right-shift both fn and sn equally until either LSB(fn) is set or fn is 0.
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = hashChildren(r, p);
    }
    // c. Finally, right-shift both fn and sn one time.
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // 5. Compare sn to 0. Compare r against the root_hash.
  if (sn !== 0) return fail('inclusion path is shorter than the tree is deep');
  if (!equal(r, rootHash)) return fail('inclusion path does not lead to the root hash');
  return { ok: true };
}

/**
 * Verifies a consistency proof (RFC 9162 §2.1.4.2): that the tree of `firstSize` leaves with root
 * `firstRoot` is a prefix of the tree of `secondSize` leaves with root `secondRoot`.
 */
export function verifyConsistency(
  firstSize: number,
  secondSize: number,
  firstRoot: Uint8Array,
  secondRoot: Uint8Array,
  proof: readonly Uint8Array[],
): ProofResult {
  if (!isIndex(firstSize) || !isIndex(secondSize))
    return fail('tree sizes must be non-negative integers');
  if (!(firstRoot instanceof Uint8Array) || firstRoot.length !== HASH_SIZE)
    return fail('first root is not 32 bytes');
  if (!(secondRoot instanceof Uint8Array) || secondRoot.length !== HASH_SIZE)
    return fail('second root is not 32 bytes');
  const bad = checkHashList(proof, 'consistency proof');
  if (bad) return fail(bad);
  if (firstSize > secondSize)
    return fail(`first size ${firstSize} is larger than second size ${secondSize}`);
  if (firstSize === secondSize) {
    // Same tree: the proof is empty and the roots are equal.
    if (proof.length !== 0) return fail('proof between equal sizes must be empty');
    return equal(firstRoot, secondRoot) ? { ok: true } : fail('roots of equal sizes differ');
  }
  if (firstSize === 0) {
    // Every tree extends the empty tree; the proof is empty.
    if (proof.length !== 0) return fail('proof from the empty tree must be empty');
    return equal(firstRoot, EMPTY_ROOT)
      ? { ok: true }
      : fail('first root is not the empty-tree hash');
  }
  // 1. If consistency_path is an empty array, stop and fail the proof verification.
  if (proof.length === 0) return fail('consistency proof is empty');
  // 2. If first is an exact power of 2, then prepend first_hash to the consistency_path array.
  const path: Uint8Array[] = isPowerOfTwo(firstSize) ? [firstRoot, ...proof] : [...proof];
  // 3. Set fn to first - 1 and sn to second - 1.
  let fn = firstSize - 1;
  let sn = secondSize - 1;
  // 4. If LSB(fn) is set, then right-shift both fn and sn equally until LSB(fn) is not set.
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // 5. Set both fr and sr to the first value in the consistency_path array.
  let fr: Buffer = Buffer.from(path[0] as Uint8Array);
  let sr: Buffer = Buffer.from(path[0] as Uint8Array);
  // 6. For each subsequent value c in the consistency_path array:
  for (let i = 1; i < path.length; i++) {
    const c = path[i] as Uint8Array;
    // a. If sn is 0, then stop the iteration and fail the proof verification.
    if (sn === 0) return fail('consistency proof is longer than needed');
    // b. If LSB(fn) is set, or if fn is equal to sn, then:
    if (fn % 2 === 1 || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      // If LSB(fn) is not set, right-shift both fn and sn equally until either LSB(fn) is set or fn is 0.
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = hashChildren(sr, c);
    }
    // c. Finally, right-shift both fn and sn one time.
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // 7. Verify that fr is equal to first_hash, sr to second_hash, and sn is 0.
  if (sn !== 0) return fail('consistency proof is shorter than needed');
  if (!equal(fr, firstRoot)) return fail('consistency proof does not lead to the first root');
  if (!equal(sr, secondRoot)) return fail('consistency proof does not lead to the second root');
  return { ok: true };
}

/**
 * A compact range over leaves [0, size): the roots of the perfect subtrees that the binary
 * decomposition of `size` gives, largest first. It lets an appender or a verifier compute the
 * root after every leaf with O(log n) memory.
 */
export class CompactRange {
  /** Roots of perfect subtrees, left to right; `levels[i]` is the height of `hashes[i]`. */
  hashes: Buffer[] = [];
  levels: number[] = [];
  size = 0;

  /**
   * Appends one leaf hash; calls `onComplete(level, index, hash)` for every perfect subtree that
   * becomes complete (level 0 = the leaf itself).
   */
  append(
    leafHash: Uint8Array,
    onComplete?: (level: number, index: number, hash: Buffer) => void,
  ): void {
    let h: Buffer = Buffer.from(leafHash);
    let level = 0;
    let index = this.size;
    onComplete?.(0, index, h);
    while (this.levels.length > 0 && this.levels[this.levels.length - 1] === level) {
      const left = this.hashes.pop() as Buffer;
      this.levels.pop();
      h = hashChildren(left, h);
      level++;
      index = Math.floor(index / 2);
      onComplete?.(level, index, h);
    }
    this.hashes.push(h);
    this.levels.push(level);
    this.size++;
  }

  /** MTH(D[0:size]): fold the perfect subtrees from the right (RFC 9162 §2.1.1 split rule). */
  root(): Buffer {
    if (this.hashes.length === 0) return EMPTY_ROOT;
    let acc = this.hashes[this.hashes.length - 1] as Buffer;
    for (let i = this.hashes.length - 2; i >= 0; i--)
      acc = hashChildren(this.hashes[i] as Buffer, acc);
    return acc;
  }

  /** Serialises as concatenated hashes; the levels follow from `size`. */
  toBuffer(): Buffer {
    return Buffer.concat(this.hashes);
  }

  /** Rebuilds a compact range for `size` leaves from `toBuffer()` output. */
  static from(size: number, data: Uint8Array): CompactRange {
    const levels = perfectSubtreeLevels(size);
    if (data.length !== levels.length * HASH_SIZE)
      throw new RangeError('compact range: wrong length for size');
    const c = new CompactRange();
    c.size = size;
    c.levels = levels;
    c.hashes = levels.map((_, i) => Buffer.from(data.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE)));
    return c;
  }
}

/** Heights of the perfect subtrees making up [0, size), largest first (the set bits of size). */
export function perfectSubtreeLevels(size: number): number[] {
  const out: number[] = [];
  let rest = size;
  for (let level = 52; level >= 0; level--) {
    const w = 2 ** level;
    if (rest >= w) {
      out.push(level);
      rest -= w;
    }
  }
  return out;
}
