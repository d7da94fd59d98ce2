import { generateKeyPairSync, sign as rawSign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSigningKey,
  ensureSigningKey,
  initKeyring,
  loadSigningKey,
  openKeyring,
  verifySignature,
} from '../crypto/index.ts';
import type { Store } from '../store/index.ts';
import {
  encodeTreeHead,
  exportTreeHead,
  parseExportedHead,
  verifyTreeHeadSignature,
  type TreeHead,
} from './heads.ts';
import { createLedger } from './ledger.ts';
import { CompactRange } from './merkle.ts';
import type { LedgerTables } from './migrations.ts';
import { getRecordedPublicKey, getTreeHead } from './proofs.ts';
import {
  createEd25519Verifier,
  createSm2Signer,
  createSm2Verifier,
  createTestSigner,
  createTestSm2Signer,
  createVerifier,
  type Signer,
} from './signer.ts';
import { createLedgerTestStore, createTickingClock, sampleEntry } from './testing.ts';
import { verifyLedger } from './verify.ts';

// Made with the OpenSSL 3.0 command line (not node):
//   openssl genpkey -algorithm SM2 -out k.pem; openssl pkey -in k.pem -pubout
//   printf 'custos SM2 interop vector' | openssl pkeyutl -sign -rawin -inkey k.pem -digest sm3
// and once more with `-pkeyopt distid:1234567812345678` (GM/T 0009's ID).
const OPENSSL_PUB = `-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoEcz1UBgi0DQgAErRgO+5uhg950R6iVRaTHLoqu9I97
5kPDd7sIn2UacCgPAcBsqtAg045oMNdm4bxL7ti2fwSgmWHK85YWK8O53w==
-----END PUBLIC KEY-----
`;
const OPENSSL_MSG = Buffer.from('custos SM2 interop vector');
const OPENSSL_SIG = Buffer.from(
  'MEUCIQDEgaxSlS0qGtY8uXTn3W4IbCPvyoh69iJ2NtDt993dbQIgU8lS61gOOogrLNTcECejCXUcGOVp6baCwc9jWvgXiiU=',
  'base64',
);
const OPENSSL_SIG_GMT_ID = Buffer.from(
  'MEUCIQCVCSsUFvX38aF8uXc9ZyFPBSyoB4pq9G5v8XCOyzakZwIgT59hWMAP2KgdW0UkguDOWuxP7u1d8n3ozEGQJT49XKc=',
  'base64',
);

const flip = (b: Buffer, i: number): Buffer => {
  const c = Buffer.from(b);
  c[i] = (c[i] as number) ^ 1;
  return c;
};

describe('SM2 signer', () => {
  it('signs and verifies, and refuses tampered data or signatures', () => {
    const s = createTestSm2Signer();
    expect(s.algorithm).toBe('sm2');
    const msg = Buffer.from('tree head 42');
    const sig = s.sign(msg);
    expect(sig.length).toBeGreaterThanOrEqual(68);
    expect(sig.length).toBeLessThanOrEqual(72);
    expect(s.verify(msg, sig)).toBe(true);
    expect(s.verify(Buffer.from('tree head 43'), sig)).toBe(false);
    expect(s.verify(msg, flip(sig, sig.length - 3))).toBe(false);
    expect(s.verify(msg, Buffer.alloc(0))).toBe(false);
    expect(s.verify(msg, Buffer.alloc(200, 1))).toBe(false);
    // a verifier from the PEM alone accepts it and has the same key id
    const v = createSm2Verifier(s.publicKeyPem as string);
    expect(v.keyId).toBe(s.keyId);
    expect(v.verify(msg, sig)).toBe(true);
    expect(() => v.sign(msg)).toThrow(/only verify/);
    // another SM2 key does not
    expect(createTestSm2Signer().verify(msg, sig)).toBe(false);
  });

  it('makes SM2 signatures as OpenSSL does (empty distinguishing ID), not ECDSA', () => {
    const v = createSm2Verifier(OPENSSL_PUB);
    expect(v.verify(OPENSSL_MSG, OPENSSL_SIG)).toBe(true);
    // the same key with GM/T 0009's ID '1234567812345678' gives a signature node:crypto cannot check
    expect(v.verify(OPENSSL_MSG, OPENSSL_SIG_GMT_ID)).toBe(false);
    expect(verifySignature(OPENSSL_PUB, OPENSSL_MSG, OPENSSL_SIG)).toBe(true);
    expect(verifySignature(OPENSSL_PUB, OPENSSL_MSG, flip(OPENSSL_SIG, 40))).toBe(false);
    // An EC KeyObject fresh from generateKeyPairSync would sign ECDSA over the curve; the signer
    // re-imports it, and its signatures do not verify against the un-imported key's ECDSA.
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'SM2' });
    const s = createSm2Signer(privateKey);
    const msg = Buffer.from('x');
    const ecdsa = rawSign('sm3', msg, privateKey);
    expect(s.verify(msg, s.sign(msg))).toBe(true);
    expect(s.verify(msg, ecdsa)).toBe(false);
  });

  it('refuses keys of another kind', () => {
    const ed = generateKeyPairSync('ed25519');
    expect(() => createSm2Signer(ed.privateKey)).toThrow(/not an SM2 key/);
    expect(() => createSm2Verifier(ed.publicKey)).toThrow(/not an SM2 key/);
    const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => createSm2Signer(p256.privateKey)).toThrow(/not an SM2 key/);
    expect(() => createEd25519Verifier(OPENSSL_PUB)).toThrow(/not Ed25519/);
    expect(createVerifier(OPENSSL_PUB, 'sm2').algorithm).toBe('sm2');
  });

  it('signs heads that export, parse back and check, and refuses altered ones', () => {
    const s = createTestSm2Signer();
    const unsigned = {
      tenant: 'hosp-sm',
      treeSize: 10,
      rootHash: Buffer.alloc(32, 7),
      signedAt: new Date(Date.UTC(2025, 0, 1)),
      keyId: s.keyId,
    };
    const head: TreeHead = {
      ...unsigned,
      algorithm: 'sm2',
      signature: s.sign(encodeTreeHead(unsigned)),
    };
    const parsed = parseExportedHead(exportTreeHead(head, s.publicKeyPem));
    expect(parsed.algorithm).toBe('sm2');
    const witness = createSm2Verifier(parsed.publicKey as string);
    expect(verifyTreeHeadSignature(parsed, [witness])).toEqual({ ok: true });
    expect(verifyTreeHeadSignature({ ...parsed, treeSize: 11 }, [witness]).ok).toBe(false);
    expect(
      verifyTreeHeadSignature({ ...parsed, rootHash: flip(parsed.rootHash, 0) }, [witness]).ok,
    ).toBe(false);
    // an Ed25519 key with the same id is refused: the algorithms differ
    const ed = createTestSigner();
    expect(verifyTreeHeadSignature(parsed, [{ ...ed, keyId: s.keyId }]).ok).toBe(false);
    // an exported SM2 head with a signature of an impossible size is rejected when parsed
    const doc = JSON.parse(exportTreeHead(head)) as Record<string, unknown>;
    doc.signature = Buffer.alloc(100, 1).toString('base64');
    expect(() => parseExportedHead(JSON.stringify(doc))).toThrow(/SM2 signature/);
  });
});

describe('SM2 keys in the keyring', () => {
  const dir = mkdtempSync(join(tmpdir(), 'custos-sm2-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates, seals, reloads, signs and verifies an SM2 key', async () => {
    const k = await initKeyring(dir, 'pw', { kdf: { N: 1024 } });
    const key = await createSigningKey(k, 'ledger-tree-head-sm2', 'sm2');
    expect(key.algorithm).toBe('sm2');
    expect(key.publicKey.length).toBe(65);
    const msg = Buffer.from('tree head 7');
    const sig = key.sign(msg);
    const loaded = loadSigningKey(await openKeyring(dir, 'pw'), 'ledger-tree-head-sm2');
    expect(loaded.algorithm).toBe('sm2');
    expect(loaded.keyId).toBe(key.keyId);
    expect(loaded.verify(msg, sig)).toBe(true);
    expect(loaded.verify(msg, flip(sig, 20))).toBe(false);
    expect(verifySignature(key.publicKeyPem, msg, sig)).toBe(true);
    expect(createSm2Verifier(key.publicKeyPem).verify(msg, loaded.sign(msg))).toBe(true);
    // asking for the same name with another algorithm is a conflict, not a silent swap
    await expect(ensureSigningKey(k, 'ledger-tree-head-sm2', 'ed25519')).rejects.toMatchObject({
      code: 'CUSTOS_CONFLICT',
    });
    expect((await ensureSigningKey(k, 'ledger-tree-head-sm2', 'sm2')).keyId).toBe(key.keyId);
  });

  it('signs ledger heads with keyring keys that verify against the recorded public keys', async () => {
    const k = await openKeyring(dir, 'pw');
    const ed = await createSigningKey(k, 'ledger-tree-head');
    const sm = loadSigningKey(k, 'ledger-tree-head-sm2');
    // as the service's runtime wraps them (keyring key ids hash the raw public key)
    const asSigner = (key: typeof ed): Signer => ({
      keyId: key.keyId,
      algorithm: key.algorithm,
      sign: (d) => key.sign(d),
      verify: (d, s) => key.verify(d, s),
      publicKeyPem: key.publicKeyPem,
    });
    const store = await createLedgerTestStore();
    try {
      const ledger = createLedger(store.ledgerDb, {
        signer: asSigner(ed),
        signerFor: (t) => (t === 'hosp-sm' ? asSigner(sm) : undefined),
        headEvery: 5,
        maxBatch: 5,
        headIntervalMs: 0,
        clock: createTickingClock(),
      });
      for (const t of ['hosp-sm', 'hosp-ed'])
        await ledger.appendEntries(
          t,
          Array.from({ length: 12 }, (_, i) => sampleEntry(i)),
        );
      await ledger.close();
      for (const [t, alg] of [
        ['hosp-sm', 'sm2'],
        ['hosp-ed', 'ed25519'],
      ] as const) {
        const r = await verifyLedger(store.ledgerDb, { tenant: t });
        expect(r.warnings).toEqual([]);
        expect(r).toMatchObject({ ok: true, checkedHeads: 3, keySource: 'database' });
        expect((await getTreeHead(store.ledgerDb, t))?.algorithm).toBe(alg);
      }
      // a recorded key whose id matches neither derivation is ignored, and its heads fail
      await sql`update ledger_key set key_id = 'ffff' || substr(key_id, 5) where tenant_id = 'hosp-sm'`.execute(
        store.ledgerDb,
      );
      const bad = await verifyLedger(store.ledgerDb, { tenant: 'hosp-sm' });
      expect(bad.ok).toBe(false);
      expect(bad.warnings.join()).toMatch(/does not match its public key/);
      expect(bad.firstBad).toMatchObject({
        seq: 5,
        reason: expect.stringMatching(/unknown key/) as string,
      });
    } finally {
      await store.close();
    }
  });
});

describe('ledger heads signed with SM2', () => {
  const sm2 = createTestSm2Signer();
  const ed = createTestSigner();
  let store: Store & { ledgerDb: Kysely<LedgerTables> };
  let db: Kysely<LedgerTables>;

  beforeAll(async () => {
    store = await createLedgerTestStore();
    db = store.ledgerDb;
    // the SM suite tenant gets SM2 heads, the other Ed25519 ones
    const ledger = createLedger(db, {
      signer: ed,
      signerFor: async (t) => (t === 'hosp-sm' ? sm2 : undefined),
      headEvery: 20,
      maxBatch: 10,
      headIntervalMs: 0,
      clock: createTickingClock(),
    });
    await ledger.appendEntries(
      'hosp-sm',
      Array.from({ length: 50 }, (_, i) => sampleEntry(i)),
    );
    await ledger.appendEntries(
      'hosp-ed',
      Array.from({ length: 30 }, (_, i) => sampleEntry(i)),
    );
    await ledger.close();
  });
  afterAll(async () => store.close());

  it('chooses the signer by tenant and verifies with the recorded keys', async () => {
    const heads = await db
      .selectFrom('ledger_tree_head')
      .select(['tenant_id', 'algorithm', 'key_id'])
      .execute();
    const sm = heads.filter((h) => h.tenant_id === 'hosp-sm');
    const eh = heads.filter((h) => h.tenant_id === 'hosp-ed');
    expect(sm.length).toBeGreaterThanOrEqual(3);
    expect(sm.every((h) => h.algorithm === 'sm2' && h.key_id === sm2.keyId)).toBe(true);
    expect(eh.length).toBeGreaterThanOrEqual(2);
    expect(eh.every((h) => h.algorithm === 'ed25519' && h.key_id === ed.keyId)).toBe(true);

    const r = await verifyLedger(db, { tenant: 'hosp-sm', pageSize: 16 });
    expect(r.warnings).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.checkedHeads).toBe(sm.length);
    const pinned = await verifyLedger(db, {
      tenant: 'hosp-sm',
      signers: [createSm2Verifier(sm2.publicKeyPem as string)],
    });
    expect(pinned.ok).toBe(true);
    // pinning only the Ed25519 key fails on the first SM2 head
    const wrong = await verifyLedger(db, { tenant: 'hosp-sm', signers: [ed] });
    expect(wrong.ok).toBe(false);
    expect(wrong.firstBad?.seq).toBe(20);
    expect(wrong.firstBad?.reason).toMatch(/unknown key/);
  });

  it('names the head whose SM2 signature was altered', async () => {
    let report: Awaited<ReturnType<typeof verifyLedger>> | undefined;
    await db
      .transaction()
      .execute(async (trx) => {
        const h = await trx
          .selectFrom('ledger_tree_head')
          .select('signature')
          .where('tenant_id', '=', 'hosp-sm')
          .where('tree_size', '=', 40)
          .executeTakeFirstOrThrow();
        await sql`update ledger_tree_head set signature = ${flip(h.signature, 30)}
          where tenant_id = 'hosp-sm' and tree_size = 40`.execute(trx);
        report = await verifyLedger(trx, { tenant: 'hosp-sm', pageSize: 16 });
        throw new Error('rollback');
      })
      .catch((e: unknown) => {
        if ((e as Error).message !== 'rollback') throw e;
      });
    expect(report?.ok).toBe(false);
    expect(report?.firstBad?.seq).toBe(40);
    expect(report?.firstBad?.reason).toMatch(/does not verify/);
  });

  it('exports an SM2 head that a witness checks back, and detects a rollback behind it', async () => {
    const head = await getTreeHead(db, 'hosp-sm');
    expect(head?.algorithm).toBe('sm2');
    // the key recorded for the head is the SM2 key (what the HTTP API exports with it)
    expect(await getRecordedPublicKey(db, 'hosp-sm', (head as TreeHead).keyId)).toBe(
      sm2.publicKeyPem,
    );
    expect(await getRecordedPublicKey(db, 'hosp-sm', ed.keyId)).toBeUndefined();
    const kept = parseExportedHead(exportTreeHead(head as TreeHead, sm2.publicKeyPem));
    const witness = createSm2Verifier(kept.publicKey as string);
    expect(verifyTreeHeadSignature(kept, [witness]).ok).toBe(true);
    const ok = await verifyLedger(db, {
      tenant: 'hosp-sm',
      exportedHeads: [kept],
      signers: [witness],
    });
    expect(ok.ok).toBe(true);
    expect(ok.checkedExportedHeads).toBe(1);
    // the same head claiming a larger tree no longer verifies: refused, not trusted
    await expect(
      verifyLedger(db, {
        tenant: 'hosp-sm',
        exportedHeads: [{ ...kept, treeSize: kept.treeSize + 5 }],
        signers: [witness],
      }),
    ).rejects.toThrow(/exported tree head rejected/);
    // rolling the database back behind the exported head is detected
    let report: Awaited<ReturnType<typeof verifyLedger>> | undefined;
    await db
      .transaction()
      .execute(async (trx) => {
        // restore the state at 40 entries the way a backup would: consistent, but behind the witness
        const kept40 = await trx
          .selectFrom('ledger_entry')
          .select('entry_hash')
          .where('tenant_id', '=', 'hosp-sm')
          .where('seq', '<=', 40)
          .orderBy('seq')
          .execute();
        const range = new CompactRange();
        for (const e of kept40) range.append(e.entry_hash);
        await sql`delete from ledger_entry where tenant_id = 'hosp-sm' and seq > 40`.execute(trx);
        await sql`delete from ledger_tree_head where tenant_id = 'hosp-sm' and tree_size > 40`.execute(
          trx,
        );
        await trx
          .updateTable('ledger_chain')
          .set({
            size: 40,
            head_size: 40,
            last_hash: (kept40[39] as { entry_hash: Buffer }).entry_hash,
            frontier: range.toBuffer(),
          })
          .where('tenant_id', '=', 'hosp-sm')
          .execute();
        expect((await verifyLedger(trx, { tenant: 'hosp-sm' })).ok).toBe(true);
        report = await verifyLedger(trx, {
          tenant: 'hosp-sm',
          exportedHeads: [kept],
          signers: [witness],
        });
        throw new Error('rollback');
      })
      .catch((e: unknown) => {
        if ((e as Error).message !== 'rollback') throw e;
      });
    expect(report?.ok).toBe(false);
    expect(report?.firstBad?.seq).toBe(41);
    expect(report?.firstBad?.reason).toMatch(/rolled back/);
  });
});
