/**
 * Signed tree heads: their signed bytes, export for outside witnesses (a regulator, a second site),
 * defensive parsing of an exported head, and signature checks.
 */
import { CustosError, ErrorCode } from '../errors/index.ts';
import { HASH_SIZE } from './merkle.ts';
import type { Signer } from './signer.ts';

/** A signed Merkle tree head of one tenant's chain. */
export interface TreeHead {
  tenant: string;
  treeSize: number;
  rootHash: Buffer;
  signedAt: Date;
  keyId: string;
  algorithm: 'ed25519' | 'sm2';
  signature: Buffer;
}

/** Domain tag of the signed bytes of a tree head. */
export const TREE_HEAD_TAG = Buffer.from('custos.ledger.tree-head\n', 'ascii');
/** Format of the exported head document. */
export const EXPORTED_HEAD_FORMAT = 'custos-tree-head/1';

/**
 * The bytes a tree head signature covers: tag, format byte 1, u32 length + UTF-8 tenant, u64 tree
 * size, i64 signing time in ms, the 32-byte root, u32 length + UTF-8 key id.
 */
export function encodeTreeHead(h: Omit<TreeHead, 'signature' | 'algorithm'>): Buffer {
  const tenant = Buffer.from(h.tenant, 'utf8');
  const keyId = Buffer.from(h.keyId, 'utf8');
  if (h.rootHash.length !== HASH_SIZE)
    throw new CustosError(ErrorCode.LedgerInvalid, 'root hash is not 32 bytes');
  const buf = Buffer.alloc(
    TREE_HEAD_TAG.length + 1 + 4 + tenant.length + 8 + 8 + HASH_SIZE + 4 + keyId.length,
  );
  let o = TREE_HEAD_TAG.copy(buf, 0);
  o = buf.writeUInt8(1, o);
  o = buf.writeUInt32BE(tenant.length, o);
  o += tenant.copy(buf, o);
  o = buf.writeBigUInt64BE(BigInt(h.treeSize), o);
  o = buf.writeBigInt64BE(BigInt(h.signedAt.getTime()), o);
  o += h.rootHash.copy(buf, o);
  o = buf.writeUInt32BE(keyId.length, o);
  keyId.copy(buf, o);
  return buf;
}

/** Signs a head with `signer`. */
export function signTreeHeadWith(
  signer: Signer,
  h: { tenant: string; treeSize: number; rootHash: Buffer; signedAt: Date },
): TreeHead {
  const unsigned = { ...h, keyId: signer.keyId };
  return {
    ...unsigned,
    algorithm: signer.algorithm,
    signature: signer.sign(encodeTreeHead(unsigned)),
  };
}

/** Result of a signature check, with the reason when it fails. */
export type HeadCheck = { ok: true } | { ok: false; reason: string };

/** Verifies a head's signature with the matching key among `signers` (matched by key id). */
export function verifyTreeHeadSignature(h: TreeHead, signers: readonly Signer[]): HeadCheck {
  const s = signers.find((x) => x.keyId === h.keyId);
  if (!s)
    return {
      ok: false,
      reason: `tree head of size ${h.treeSize} is signed by unknown key ${h.keyId}`,
    };
  if (s.algorithm !== h.algorithm)
    return {
      ok: false,
      reason: `tree head of size ${h.treeSize} names algorithm ${h.algorithm}, key is ${s.algorithm}`,
    };
  return s.verify(encodeTreeHead(h), h.signature)
    ? { ok: true }
    : { ok: false, reason: `signature of the tree head of size ${h.treeSize} does not verify` };
}

/** The exported, self-describing JSON text of a head (what witnesses keep). */
export function exportTreeHead(h: TreeHead, publicKeyPem?: string): string {
  return (
    JSON.stringify(
      {
        format: EXPORTED_HEAD_FORMAT,
        tenant: h.tenant,
        treeSize: h.treeSize,
        rootHash: h.rootHash.toString('hex'),
        signedAt: h.signedAt.toISOString(),
        keyId: h.keyId,
        algorithm: h.algorithm,
        signature: h.signature.toString('base64'),
        ...(publicKeyPem ? { publicKey: publicKeyPem } : {}),
      },
      null,
      2,
    ) + '\n'
  );
}

const bad = (why: string): CustosError =>
  new CustosError(ErrorCode.InputInvalid, `exported tree head rejected: ${why}`);

/**
 * Parses an exported head from untrusted text. Every member is checked for type, size and format
 * (a hash must be 64 hex digits, a signature canonical base64 of 64 bytes for Ed25519, at most
 * 80 for SM2) so a
 * malformed head is refused with the reason instead of being half-trusted.
 */
export function parseExportedHead(text: string): TreeHead & { publicKey?: string } {
  if (typeof text !== 'string' || text.length > 64 * 1024) throw bad('not text of at most 64 KiB');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw bad('not JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad('not a JSON object');
  const o = v as Record<string, unknown>;
  if (o.format !== EXPORTED_HEAD_FORMAT) throw bad(`format is not ${EXPORTED_HEAD_FORMAT}`);
  if (typeof o.tenant !== 'string' || !/^[A-Za-z0-9._:-]{1,128}$/.test(o.tenant))
    throw bad('tenant is missing or malformed');
  if (typeof o.treeSize !== 'number' || !Number.isSafeInteger(o.treeSize) || o.treeSize < 0)
    throw bad('treeSize is not a non-negative integer');
  if (typeof o.rootHash !== 'string' || !/^[0-9a-f]{64}$/.test(o.rootHash))
    throw bad('rootHash is not 64 lowercase hex digits');
  if (typeof o.signedAt !== 'string' || Number.isNaN(Date.parse(o.signedAt)))
    throw bad('signedAt is not a time');
  if (typeof o.keyId !== 'string' || !/^[0-9A-Za-z._:-]{1,128}$/.test(o.keyId))
    throw bad('keyId is missing or malformed');
  if (o.algorithm !== 'ed25519' && o.algorithm !== 'sm2')
    throw bad('algorithm is not ed25519 or sm2');
  if (typeof o.signature !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(o.signature))
    throw bad('signature is not base64');
  const signature = Buffer.from(o.signature, 'base64');
  if (signature.toString('base64') !== o.signature) throw bad('signature is not canonical base64');
  if (o.algorithm === 'ed25519' && signature.length !== 64)
    throw bad(`an Ed25519 signature has 64 bytes, not ${signature.length}`);
  if (o.algorithm === 'sm2' && (signature.length < 8 || signature.length > 80))
    throw bad(`an SM2 signature (DER) has 8 to 80 bytes, not ${signature.length}`);
  if (o.publicKey !== undefined && typeof o.publicKey !== 'string')
    throw bad('publicKey is not text');
  return {
    tenant: o.tenant,
    treeSize: o.treeSize,
    rootHash: Buffer.from(o.rootHash, 'hex'),
    signedAt: new Date(o.signedAt),
    keyId: o.keyId,
    algorithm: o.algorithm,
    signature,
    ...(typeof o.publicKey === 'string' ? { publicKey: o.publicKey } : {}),
  };
}
