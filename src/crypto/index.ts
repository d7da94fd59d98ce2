/**
 * Cryptography of Custos: the keyring (KMS interface, local passphrase-sealed key file), envelope
 * encryption with per-owner data keys, the versioned ciphertext format of both cipher suites
 * (AES-256-GCM, SM4-CTR + HMAC-SM3), blind indexes, Ed25519 signing keys, and the one
 * constant-time `equal()` and `digest()` helpers. Everything comes from `node:crypto`.
 */
export { equal, digest, type DigestAlgorithm } from './equal.ts';
export { LruCache } from './lru.ts';
export {
  CipherSuite,
  CIPHERTEXT_VERSION,
  KEY_BYTES,
  isCipherSuite,
  readCiphertextHeader,
  seal,
  open,
  type CiphertextHeader,
} from './suites.ts';
export {
  initKeyring,
  openKeyring,
  openKeyringFromEnv,
  keyringPath,
  KEYRING_FILE,
  PASSPHRASE_ENV,
  type Keyring,
  type KekInfo,
  type KdfCost,
} from './keyring.ts';
export {
  generateDataKey,
  fieldAad,
  sealField,
  openField,
  keyIdOfCiphertext,
  wrapDataKey,
  unwrapDataKey,
  DataKeyCache,
  type DataKey,
  type FieldContext,
} from './envelope.ts';
export {
  deriveBlindIndexKey,
  computeBlindIndex,
  normalise,
  BLIND_INDEX_ROOT,
  BLIND_INDEX_BYTES,
  type BlindIndexAlgorithm,
  type BlindIndexKey,
} from './blind-index.ts';
export {
  createSigningKey,
  loadSigningKey,
  ensureSigningKey,
  verifySignature,
  type SigningKey,
} from './signing.ts';
