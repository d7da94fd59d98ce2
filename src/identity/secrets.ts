import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { authenticator } from 'otplib';
import { CustosError, ErrorCode } from '../errors/index.ts';

/** Argon2id (the library default) with OWASP's minimum parameters: 19 MiB, 2 passes. */
const ARGON2 = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

/** Minimum password rules: length over composition (NIST SP 800-63B §5.1.1.2). */
export function checkPasswordStrength(password: string, username?: string): void {
  if (typeof password !== 'string' || [...password].length < 12) {
    throw new CustosError(ErrorCode.InputInvalid, 'password must have at least 12 characters', {
      field: 'password',
    });
  }
  if ([...password].length > 256) {
    throw new CustosError(ErrorCode.InputInvalid, 'password must have at most 256 characters', {
      field: 'password',
    });
  }
  if (username && password.toLowerCase().includes(username.toLowerCase())) {
    throw new CustosError(ErrorCode.InputInvalid, 'password must not contain the user name', {
      field: 'password',
    });
  }
  if (new Set(password).size < 5) {
    throw new CustosError(ErrorCode.InputInvalid, 'password is too repetitive', {
      field: 'password',
    });
  }
}

/** Hashes a password with Argon2id. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2);
}

/** Checks a password against its Argon2id hash; false on any malformed hash. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/** A hash to compare against when the user does not exist, so timing does not reveal it. */
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
  return dummyHash;
}

/** A new random bearer secret (256 bits, base64url) and the SHA-256 we store instead of it. */
export function newBearerSecret(): { secret: string; hash: Buffer } {
  const secret = randomBytes(32).toString('base64url');
  return { secret, hash: hashBearer(secret) };
}

/** The stored form of a bearer secret. */
export function hashBearer(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/** Constant-time equality of two digests. */
export function equalDigest(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

const STEP = 30;

/** A new TOTP secret (RFC 6238, SHA-1, 6 digits, 30 s) and its otpauth:// URI for authenticator apps. */
export function newTotpSecret(account: string, issuer: string): { secret: string; uri: string } {
  const secret = authenticator.generateSecret(20);
  return { secret, uri: authenticator.keyuri(account, issuer, secret) };
}

/**
 * Checks a TOTP code within ±1 step and returns the time step it matched, or null. The caller
 * rejects a step not greater than the last one used, so a code cannot be replayed.
 */
export function matchTotp(secret: string, code: string, now: Date): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const step = Math.floor(now.getTime() / 1000 / STEP);
  for (const d of [0, -1, 1]) {
    const at = (step + d) * STEP * 1000;
    const expected = authenticator.clone({ epoch: at }).generate(secret);
    if (timingSafeEqual(Buffer.from(expected), Buffer.from(code))) return step + d;
  }
  return null;
}

/** The current TOTP code (used by tests and the demo's printed hints, never by login). */
export function currentTotp(secret: string, now: Date): string {
  return authenticator.clone({ epoch: now.getTime() }).generate(secret);
}
