import { describe, expect, it } from 'vitest';
import {
  CompactRange,
  EMPTY_ROOT,
  consistencyProof,
  digest,
  equal,
  hashChildren,
  hashLeaf,
  inclusionProof,
  merkleRoot,
  verifyConsistency,
  verifyInclusion,
} from './merkle.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Buffer => Buffer.from(s, 'hex');

// Golden vectors: the RFC 6962 / RFC 9162 reference leaves of Certificate Transparency
// (transparency-dev/merkle testonly), their roots for sizes 0..8 and published proofs.
const LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map((h) => hashLeaf(unhex(h)));
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const root = (n: number): Buffer => unhex(ROOTS[n] as string);

const INCLUSION = [
  {
    index: 0,
    size: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    index: 5,
    size: 8,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];
const CONSISTENCY = [
  {
    first: 2,
    second: 8,
    proof: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    first: 6,
    second: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    first: 2,
    second: 5,
    proof: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];

describe('RFC 9162 hashing', () => {
  it('empty tree, leaf and node prefixes', () => {
    expect(hex(EMPTY_ROOT)).toBe(ROOTS[0]);
    expect(hex(hashLeaf(Buffer.alloc(0)))).toBe(ROOTS[1]);
    expect(hex(hashChildren(LEAVES[0] as Buffer, LEAVES[1] as Buffer))).toBe(ROOTS[2]);
    expect(hex(hashChildren(LEAVES[0] as Buffer, LEAVES[1] as Buffer))).toBe(
      hex(digest(Buffer.from([1]), LEAVES[0] as Buffer, LEAVES[1] as Buffer)),
    );
  });

  it('matches the reference root for every size 0..8, recursively and incrementally', () => {
    const c = new CompactRange();
    expect(hex(c.root())).toBe(ROOTS[0]);
    for (let n = 1; n <= 8; n++) {
      expect(hex(merkleRoot(LEAVES.slice(0, n))), `size ${n}`).toBe(ROOTS[n]);
      c.append(LEAVES[n - 1] as Buffer);
      expect(hex(c.root())).toBe(ROOTS[n]);
      expect(hex(CompactRange.from(n, c.toBuffer()).root())).toBe(ROOTS[n]);
    }
  });

  it('reports every completed perfect subtree', () => {
    const seen: string[] = [];
    const c = new CompactRange();
    for (const l of LEAVES)
      c.append(l, (level, index) => level > 0 && seen.push(`${level}:${index}`));
    expect(seen).toEqual(['1:0', '1:1', '2:0', '1:2', '1:3', '2:1', '3:0']);
  });

  it('equal() is exact and refuses other lengths and non-buffers', () => {
    expect(equal(root(3), root(3))).toBe(true);
    expect(equal(root(3), root(4))).toBe(false);
    expect(equal(root(3), root(3).subarray(0, 31))).toBe(false);
    expect(equal(null, root(3))).toBe(false);
  });

  it('hashChildren refuses anything but two 32-byte hashes', () => {
    expect(() => hashChildren(Buffer.alloc(31), Buffer.alloc(32))).toThrow(TypeError);
  });
});

describe('inclusion proofs (RFC 9162 §2.1.3)', () => {
  it.each(INCLUSION)('golden proof for leaf $index of $size', ({ index, size, proof }) => {
    expect(inclusionProof(LEAVES, index, size).map(hex)).toEqual(proof);
    expect(
      verifyInclusion(index, size, LEAVES[index] as Buffer, proof.map(unhex), root(size)),
    ).toEqual({ ok: true });
  });

  const many = Array.from({ length: 40 }, (_, i) => hashLeaf(Buffer.from([i, i * 7])));
  it('every leaf of every tree size up to 40 verifies, and mangled proofs do not', () => {
    for (let n = 1; n <= many.length; n++) {
      const r = merkleRoot(many.slice(0, n));
      for (let i = 0; i < n; i++) {
        const p = inclusionProof(many, i, n);
        const leaf = many[i] as Buffer;
        expect(verifyInclusion(i, n, leaf, p, r).ok).toBe(true);
        if (n > 1) expect(verifyInclusion(i === 0 ? 1 : i - 1, n, leaf, p, r).ok).toBe(false);
        expect(verifyInclusion(i, n, many[(i + 1) % 40] as Buffer, p, r).ok).toBe(false);
        if (p.length > 0) {
          const flipped = p.map((x) => Buffer.from(x));
          (flipped[0] as Buffer)[5] ^= 0x01;
          expect(verifyInclusion(i, n, leaf, flipped, r).ok).toBe(false);
          expect(verifyInclusion(i, n, leaf, p.slice(1), r).ok).toBe(false);
        }
        expect(verifyInclusion(i, n, leaf, [...p, Buffer.alloc(32)], r).ok).toBe(false);
      }
    }
  });

  // Broken vectors: each with the reason it must be rejected for.
  const good = INCLUSION[1] as (typeof INCLUSION)[number];
  const proof = good.proof.map(unhex);
  const leaf = LEAVES[5] as Buffer;
  const broken: Array<[string, () => ReturnType<typeof verifyInclusion>, RegExp]> = [
    [
      'flipped bit',
      () =>
        verifyInclusion(
          5,
          8,
          leaf,
          [Buffer.from(proof[0] as Buffer).fill(0, 0, 1), ...proof.slice(1)],
          root(8),
        ),
      /does not lead/,
    ],
    [
      'wrong size element',
      () => verifyInclusion(5, 8, leaf, [Buffer.alloc(31), ...proof.slice(1)], root(8)),
      /element 0 is 31 bytes/,
    ],
    [
      'garbage prefix on a hash',
      () =>
        verifyInclusion(
          5,
          8,
          leaf,
          [Buffer.concat([Buffer.from('xx'), proof[0] as Buffer]), ...proof.slice(1)],
          root(8),
        ),
      /34 bytes/,
    ],
    ['index beyond size', () => verifyInclusion(8, 8, leaf, proof, root(8)), /not below tree size/],
    ['negative index', () => verifyInclusion(-1, 8, leaf, proof, root(8)), /non-negative/],
    ['fractional size', () => verifyInclusion(5, 8.5, leaf, proof, root(8)), /non-negative/],
    [
      'not a list',
      () => verifyInclusion(5, 8, leaf, 'abc' as unknown as Buffer[], root(8)),
      /not a list/,
    ],
    [
      'string element',
      () => verifyInclusion(5, 8, leaf, ['00'] as unknown as Buffer[], root(8)),
      /not a hash/,
    ],
    [
      'too long',
      () =>
        verifyInclusion(
          5,
          8,
          leaf,
          Array.from({ length: 65 }, () => Buffer.alloc(32)),
          root(8),
        ),
      /more than any tree/,
    ],
    [
      'short root',
      () => verifyInclusion(5, 8, leaf, proof, Buffer.alloc(31)),
      /root hash is not 32/,
    ],
    [
      'wrong tree size',
      () => verifyInclusion(5, 6, leaf, proof, root(8)),
      /does not lead|longer|shorter/,
    ],
  ];
  it.each(broken)('rejects: %s', (_name, run, reason) => {
    const r = run();
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.reason).toMatch(reason);
  });
});

describe('consistency proofs (RFC 9162 §2.1.4)', () => {
  it.each(CONSISTENCY)('golden proof $first -> $second', ({ first, second, proof }) => {
    expect(consistencyProof(LEAVES, first, second).map(hex)).toEqual(proof);
    expect(verifyConsistency(first, second, root(first), root(second), proof.map(unhex))).toEqual({
      ok: true,
    });
  });

  const many = Array.from({ length: 33 }, (_, i) => hashLeaf(Buffer.from(`leaf ${i}`)));
  const roots = Array.from({ length: 34 }, (_, n) => merkleRoot(many.slice(0, n)));
  it('every pair of sizes up to 33 verifies, and mangled proofs do not', () => {
    for (let n = 1; n <= 33; n++) {
      for (let m = 1; m <= n; m++) {
        const p = consistencyProof(many, m, n);
        expect(
          verifyConsistency(m, n, roots[m] as Buffer, roots[n] as Buffer, p).ok,
          `${m}->${n}`,
        ).toBe(true);
        if (m < n) {
          const flipped = p.map((x) => Buffer.from(x));
          (flipped[flipped.length - 1] as Buffer)[0] ^= 0x80;
          expect(verifyConsistency(m, n, roots[m] as Buffer, roots[n] as Buffer, flipped).ok).toBe(
            false,
          );
          expect(
            verifyConsistency(m, n, roots[m] as Buffer, roots[n] as Buffer, p.slice(0, -1)).ok,
          ).toBe(false);
          expect(
            verifyConsistency(m, n, roots[m] as Buffer, roots[n] as Buffer, [
              ...p,
              Buffer.alloc(32),
            ]).ok,
          ).toBe(false);
          expect(verifyConsistency(m, n, roots[m - 1] as Buffer, roots[n] as Buffer, p).ok).toBe(
            false,
          );
        }
      }
    }
  });

  it('degenerate and hostile cases', () => {
    expect(verifyConsistency(0, 8, EMPTY_ROOT, root(8), []).ok).toBe(true);
    expect(verifyConsistency(0, 8, root(1), root(8), []).ok).toBe(false);
    expect(verifyConsistency(4, 4, root(4), root(4), []).ok).toBe(true);
    expect(verifyConsistency(4, 4, root(4), root(5), []).ok).toBe(false);
    expect(verifyConsistency(4, 4, root(4), root(4), [Buffer.alloc(32)]).ok).toBe(false);
    const r = verifyConsistency(6, 8, root(6), root(8), []);
    expect(r.ok ? '' : r.reason).toMatch(/empty/);
    const back = verifyConsistency(8, 6, root(8), root(6), []);
    expect(back.ok ? '' : back.reason).toMatch(/larger/);
    const g = verifyConsistency(6, 8, root(6), root(8), [Buffer.from('garbage')]);
    expect(g.ok ? '' : g.reason).toMatch(/7 bytes/);
  });
});
