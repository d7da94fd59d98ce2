import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  PASSPHRASE_ENV,
  initKeyring,
  keyringPath,
  openKeyring,
  type Keyring,
} from '../crypto/index.ts';
import { CustosError, ErrorCode } from '../errors/index.ts';

/** File holding a generated passphrase on installations that did not set one (not for production). */
export const LOCAL_PASSPHRASE_FILE = 'keyring.passphrase';

/** How the keyring was opened, for the start-up banner. */
export interface KeyringOpening {
  keyring: Keyring;
  created: boolean;
  /** True when the passphrase came from the local file rather than the environment. */
  localPassphrase: boolean;
}

/**
 * Opens the keyring of the data folder, creating it on first start. The passphrase comes from
 * CUSTOS_KEY_PASSPHRASE; outside production, an installation without one gets a random
 * passphrase in `<dataDir>/keyring.passphrase` (mode 0600) so `npm start` works at once — the
 * banner says to move it out. An existing key file is never replaced.
 */
export async function openOrCreateKeyring(
  dataDir: string,
  env: Record<string, string | undefined>,
  production: boolean,
): Promise<KeyringOpening> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const fromEnv = env[PASSPHRASE_ENV];
  const localFile = join(dataDir, LOCAL_PASSPHRASE_FILE);
  const exists = existsSync(keyringPath(dataDir));
  let passphrase = fromEnv;
  let localPassphrase = false;
  if (!passphrase) {
    if (production) {
      throw new CustosError(
        ErrorCode.KeyUnavailable,
        `${PASSPHRASE_ENV} must be set in production`,
      );
    }
    if (existsSync(localFile)) {
      passphrase = readFileSync(localFile, 'utf8').trim();
      localPassphrase = true;
    } else if (!exists) {
      passphrase = randomBytes(24).toString('base64url');
      writeFileSync(localFile, passphrase + '\n', { mode: 0o600, flag: 'wx' });
      localPassphrase = true;
    }
  }
  if (exists)
    return { keyring: await openKeyring(dataDir, passphrase), created: false, localPassphrase };
  return { keyring: await initKeyring(dataDir, passphrase!), created: true, localPassphrase };
}
