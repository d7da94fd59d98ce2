import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isCustosError } from '../errors/index.ts';
import {
  DataKeyCache,
  computeBlindIndex,
  createSigningKey,
  deriveBlindIndexKey,
  equal,
  generateDataKey,
  initKeyring,
  keyringPath,
  loadSigningKey,
  normalise,
  open,
  openField,
  openKeyring,
  openKeyringFromEnv,
  readCiphertextHeader,
  seal,
  sealField,
  unwrapDataKey,
  verifySignature,
  wrapDataKey,
  type CipherSuite,
  type DataKey,
  type FieldContext,
} from './index.ts';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'custos-crypto-'));
  dirs.push(d);
  return d;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const fast = { kdf: { N: 1024 } };
const suites: CipherSuite[] = ['aes-256-gcm', 'sm4-ctr-hmac-sm3'];
const ctx: FieldContext = {
  tenant: 't1',
  table: 'vault_resource',
  column: 'name',
  row: 'Patient/1',
};

function expectCode(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (e) {
    expect(isCustosError(e) ? e.code : e).toBe(code);
    return;
  }
  throw new Error(`expected ${code}`);
}

async function expectCodeAsync(p: Promise<unknown>, code: string): Promise<void> {
  await p.then(
    () => {
      throw new Error(`expected ${code}`);
    },
    (e: unknown) => expect(isCustosError(e) ? e.code : e).toBe(code),
  );
}

describe('equal', () => {
  it.each([
    ['same', [1, 2, 3], [1, 2, 3], true],
    ['differs', [1, 2, 3], [1, 2, 4], false],
    ['shorter', [1, 2], [1, 2, 3], false],
    ['empty', [], [], true],
  ])('%s', (_n, a, b, want) => {
    expect(equal(Buffer.from(a), Buffer.from(b))).toBe(want);
  });
});

describe.each(suites)('suite %s', (suite) => {
  const dek = generateDataKey(suite);

  it('round-trips text and bytes, empty and large', () => {
    for (const v of ['', '张三', 'x'.repeat(100_000)]) {
      expect(openField(dek, sealField(dek, v, ctx), ctx).toString('utf8')).toBe(v);
    }
    const bytes = Buffer.from([0, 255, 1, 2]);
    expect(openField(dek, sealField(dek, bytes, ctx), ctx)).toEqual(bytes);
  });

  it('is randomised: the same value seals differently', () => {
    expect(sealField(dek, 'same', ctx).equals(sealField(dek, 'same', ctx))).toBe(false);
  });

  it('never reuses a nonce, across refills of the nonce pool', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const ct = sealField(dek, 'v', ctx);
      const h = readCiphertextHeader(ct);
      seen.add(
        ct
          .subarray(h.headerLength, h.headerLength + (suite === 'aes-256-gcm' ? 12 : 16))
          .toString('hex'),
      );
    }
    expect(seen.size).toBe(1000);
  });

  it('writes a self-describing header', () => {
    const h = readCiphertextHeader(sealField(dek, 'v', ctx));
    expect(h).toMatchObject({ version: 1, suite, keyId: dek.id });
  });

  it('detects a flipped bit anywhere', () => {
    const ct = sealField(dek, 'a value worth protecting', ctx);
    for (let i = 0; i < ct.length; i++) {
      const bad = Buffer.from(ct);
      bad[i]! ^= 0x01;
      expectCode(() => openField(dek, bad, ctx), 'CUSTOS_CRYPTO_FAILURE');
    }
  });

  it.each([
    ['row', { ...ctx, row: 'Patient/2' }],
    ['column', { ...ctx, column: 'telecom' }],
    ['table', { ...ctx, table: 'other' }],
    ['tenant', { ...ctx, tenant: 't2' }],
  ])('refuses a ciphertext moved to another %s', (_n, other) => {
    const ct = sealField(dek, 'v', ctx);
    expectCode(() => openField(dek, ct, other), 'CUSTOS_CRYPTO_FAILURE');
  });

  it('names the record in the integrity error', () => {
    const ct = sealField(dek, 'v', ctx);
    try {
      openField(dek, ct, { ...ctx, row: 'Patient/9' });
    } catch (e) {
      expect((e as Error).message).toContain('vault_resource.name of Patient/9');
    }
  });

  it('refuses the wrong key, truncation and garbage', () => {
    const ct = sealField(dek, 'v', ctx);
    const other = { ...generateDataKey(suite), id: dek.id };
    expectCode(() => openField(other, ct, ctx), 'CUSTOS_CRYPTO_FAILURE');
    expectCode(() => openField(dek, ct.subarray(0, ct.length - 1), ctx), 'CUSTOS_CRYPTO_FAILURE');
    expectCode(() => openField(dek, ct.subarray(0, 5), ctx), 'CUSTOS_CRYPTO_FAILURE');
    expectCode(
      () => openField(dek, Buffer.from('garbage garbage garbage garbage'), ctx),
      'CUSTOS_CRYPTO_FAILURE',
    );
    expectCode(() => openField(dek, Buffer.alloc(0), ctx), 'CUSTOS_CRYPTO_FAILURE');
  });

  it('refuses a header rewritten to another suite (no downgrade)', () => {
    const ct = Buffer.from(sealField(dek, 'v', ctx));
    ct[1] = suite === 'aes-256-gcm' ? 2 : 1;
    expectCode(() => openField(dek, ct, ctx), 'CUSTOS_CRYPTO_FAILURE');
  });
});

describe('raw seal/open', () => {
  it('binds associated data', () => {
    const key = generateDataKey('aes-256-gcm').key;
    const ct = seal('aes-256-gcm', key, 'k1', Buffer.from('x'), Buffer.from('a'));
    expect(open(key, ct, Buffer.from('a')).toString()).toBe('x');
    expectCode(() => open(key, ct, Buffer.from('b')), 'CUSTOS_CRYPTO_FAILURE');
  });
});

describe('keyring', () => {
  it('creates, reopens, and refuses to overwrite', async () => {
    const dir = tempDir();
    const k = await initKeyring(dir, 'correct horse', fast);
    expect(k.activeKek()).toMatchObject({ version: 1, active: true });
    await expectCodeAsync(initKeyring(dir, 'another', fast), 'CUSTOS_CONFLICT');
    const again = await openKeyring(dir, 'correct horse');
    expect(again.id).toBe(k.id);
    const file = readFileSync(keyringPath(dir), 'utf8');
    expect(file).not.toContain(k.getSecret('blind-index-root')!.toString('base64'));
  });

  it('refuses a wrong passphrase, a missing file, a missing passphrase and a damaged file', async () => {
    const dir = tempDir();
    await initKeyring(dir, 'right', fast);
    await expectCodeAsync(openKeyring(dir, 'wrong'), 'CUSTOS_KEY_UNAVAILABLE');
    await expectCodeAsync(openKeyring(dir, undefined), 'CUSTOS_KEY_UNAVAILABLE');
    await expectCodeAsync(openKeyringFromEnv(dir, {}), 'CUSTOS_KEY_UNAVAILABLE');
    await expectCodeAsync(openKeyring(tempDir(), 'right'), 'CUSTOS_KEY_UNAVAILABLE');
    const damaged = tempDir();
    writeFileSync(keyringPath(damaged), '{"format":"custos-keyring"');
    await expectCodeAsync(openKeyring(damaged, 'right'), 'CUSTOS_KEY_UNAVAILABLE');
    const crafted = tempDir();
    const f = JSON.parse(readFileSync(keyringPath(dir), 'utf8')) as { kdf: { N: number } };
    f.kdf.N = 1 << 30;
    writeFileSync(keyringPath(crafted), JSON.stringify(f));
    await expectCodeAsync(openKeyring(crafted, 'right'), 'CUSTOS_KEY_UNAVAILABLE');
    await expect(
      openKeyringFromEnv(dir, { CUSTOS_KEY_PASSPHRASE: 'right' }),
    ).resolves.toBeDefined();
  });

  it('wraps data keys bound to their owner, rotates and retires', async () => {
    const dir = tempDir();
    const k = await initKeyring(dir, 'pw', fast);
    for (const suite of suites) {
      const dek = generateDataKey(suite);
      const w1 = await wrapDataKey(k, 't', 'Patient/1', dek);
      expect(k.kekIdOf(w1)).toBe('local-kek-1');
      expect((await unwrapDataKey(k, 't', 'Patient/1', dek.id, suite, w1)).key).toEqual(dek.key);
      await expectCodeAsync(
        unwrapDataKey(k, 't', 'Patient/2', dek.id, suite, w1),
        'CUSTOS_CRYPTO_FAILURE',
      );
      await expectCodeAsync(
        unwrapDataKey(k, 't2', 'Patient/1', dek.id, suite, w1),
        'CUSTOS_CRYPTO_FAILURE',
      );
    }
    const dek = generateDataKey('aes-256-gcm');
    const old = await wrapDataKey(k, 't', 'o', dek);
    const kek2 = await k.rotateKek();
    expect(kek2).toMatchObject({ id: 'local-kek-2', version: 2, active: true });
    const fresh = await wrapDataKey(k, 't', 'o', dek);
    expect(k.kekIdOf(fresh)).toBe('local-kek-2');
    // Old wraps still open until the old KEK is retired; the rotation is persisted.
    const reopened = await openKeyring(dir, 'pw');
    expect(reopened.activeKek().id).toBe('local-kek-2');
    expect((await unwrapDataKey(reopened, 't', 'o', dek.id, dek.suite, old)).key).toEqual(dek.key);
    await expectCodeAsync(k.retireKek('local-kek-2'), 'CUSTOS_CONFLICT');
    await k.retireKek('local-kek-1');
    await expectCodeAsync(
      unwrapDataKey(k, 't', 'o', dek.id, dek.suite, old),
      'CUSTOS_KEY_UNAVAILABLE',
    );
    const reopened2 = await openKeyring(dir, 'pw');
    expect(reopened2.listKeks().map((x) => x.id)).toEqual(['local-kek-2']);
  });
});

describe('blind indexes', () => {
  it.each([
    ['idNumber', ' 110101-19900307 123x ', '11010119900307123X'],
    ['phone', '+86 138-0013-8000', '13800138000'],
    ['phone', '0086 13800138000', '13800138000'],
    ['phone', '555-810-7203', '5558107203'],
    ['mrn', ' mrn 0042 ', 'MRN0042'],
    ['name', '欧阳 娜娜', '欧阳娜娜'],
    ['name', 'Sumiko254  Medhurst46', 'sumiko254medhurst46'],
    ['address', '北京市 朝阳区, 建国路 1号', '北京市朝阳区建国路1号'],
  ] as const)('normalises %s %j', (kind, input, want) => {
    expect(normalise[kind](input)).toBe(want);
  });

  it('is keyed per tenant and per kind, and deterministic', async () => {
    const k = await initKeyring(tempDir(), 'pw', fast);
    const a = deriveBlindIndexKey(k, 'a');
    const b = deriveBlindIndexKey(k, 'b');
    const sm = deriveBlindIndexKey(k, 'a', 'hmac-sm3');
    const v = normalise.phone('13800138000');
    const ia = computeBlindIndex(a, 'phone', v)!;
    expect(ia).toHaveLength(16);
    expect(equal(ia, computeBlindIndex(deriveBlindIndexKey(k, 'a'), 'phone', v)!)).toBe(true);
    expect(equal(ia, computeBlindIndex(b, 'phone', v)!)).toBe(false);
    expect(equal(ia, computeBlindIndex(a, 'mrn', v)!)).toBe(false);
    expect(equal(ia, computeBlindIndex(sm, 'phone', v)!)).toBe(false);
    expect(computeBlindIndex(a, 'phone', '')).toBeUndefined();
  });
});

describe('signing keys', () => {
  it('creates, seals, reloads, signs and verifies', async () => {
    const dir = tempDir();
    const k = await initKeyring(dir, 'pw', fast);
    const key = await createSigningKey(k, 'ledger-tree-head');
    await expectCodeAsync(createSigningKey(k, 'ledger-tree-head'), 'CUSTOS_CONFLICT');
    const msg = Buffer.from('tree head 42');
    const sig = key.sign(msg);
    const loaded = loadSigningKey(await openKeyring(dir, 'pw'), 'ledger-tree-head');
    expect(loaded.keyId).toBe(key.keyId);
    expect(loaded.verify(msg, sig)).toBe(true);
    expect(verifySignature(key.publicKey, msg, sig)).toBe(true);
    expect(verifySignature(key.publicKeyPem, msg, sig)).toBe(true);
    const bad = Buffer.from(sig);
    bad[10]! ^= 1;
    expect(verifySignature(key.publicKey, msg, bad)).toBe(false);
    expect(verifySignature(key.publicKey, Buffer.from('tree head 43'), sig)).toBe(false);
    expect(verifySignature(Buffer.from('short'), msg, sig)).toBe(false);
    expect(verifySignature(key.publicKey, msg, sig.subarray(0, 10))).toBe(false);
    expectCode(() => loadSigningKey(k, 'nope'), 'CUSTOS_KEY_UNAVAILABLE');
  });
});

describe('data key cache', () => {
  it('is bounded (least recently used goes first) and expires entries', () => {
    let now = 0;
    const cache = new DataKeyCache(2, 1000, () => now);
    const [a, b, c] = [1, 2, 3].map(() => generateDataKey('aes-256-gcm')) as [
      DataKey,
      DataKey,
      DataKey,
    ];
    cache.set('t', a);
    cache.set('t', b);
    expect(cache.get('t', a.id)).toBe(a); // a is now most recent
    cache.set('t', c);
    expect(cache.size).toBe(2);
    expect(cache.get('t', b.id)).toBeUndefined();
    expect(cache.get('t2', a.id)).toBeUndefined();
    // Evicted keys are not wiped: a batch may still be sealing with them.
    expect(b.key.some((x) => x !== 0)).toBe(true);
    cache.delete('t', a.id);
    expect(cache.get('t', a.id)).toBeUndefined();
    now = 999;
    expect(cache.get('t', c.id)).toBe(c);
    now = 2001;
    expect(cache.get('t', c.id)).toBeUndefined();
    expect(cache.size).toBe(0);
  });
  it("tells whether an owner's key is at hand", () => {
    let now = 0;
    const cache = new DataKeyCache(4, 1000, () => now);
    const [a, b] = [1, 2].map(() => generateDataKey('aes-256-gcm')) as [DataKey, DataKey];
    expect(cache.hasOwner('t', 'Patient/1')).toBe(false);
    cache.set('t', a, 'Patient/1');
    cache.set('t', b);
    expect(cache.hasOwner('t', 'Patient/1')).toBe(true);
    expect(cache.hasOwner('t2', 'Patient/1')).toBe(false);
    expect(cache.hasOwner('t', 'Patient/2')).toBe(false);
    cache.delete('t', a.id);
    expect(cache.hasOwner('t', 'Patient/1')).toBe(false);
    cache.set('t', a, 'Patient/1');
    now = 2000;
    expect(cache.hasOwner('t', 'Patient/1')).toBe(false);
    cache.set('t', b, 'Patient/1');
    cache.clear();
    expect(cache.hasOwner('t', 'Patient/1')).toBe(false);
  });
});
