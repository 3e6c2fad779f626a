import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { issueApiKey } from '../../api/src/auth/api-key';
import type { ApiKeysRepository } from '../../api/src/auth/api-keys.repository';

/** The creator recorded on the engine's own admin keys, so the next run can find and revoke them. */
export const ENGINE_ACTOR = 'stocksync-engine';

/** The card vault's three variables, as every app of the process reads them. */
export interface VaultEnv {
  CARD_VAULT_KEYS: string;
  CARD_VAULT_ACTIVE_KEY_ID: string;
  CARD_VAULT_FINGERPRINT_KEY: string;
}

const VAULT_KEYS_FILE = 'card-vault.keys.json';

/**
 * The card vault's keys for this run, made with node:crypto. In memory they live and die with the process, like
 * the database. With a data directory the card keys sealed in its database must still open on the next run, so
 * the keys are made once, at the directory's first run, and kept beside the database in a file only the owner
 * can read (a demo's directory: a production vault's keys come from a secret store, never from a file next to
 * the data). Never printed.
 */
export function engineVaultKeys(dataDir: string | undefined): {
  env: VaultEnv;
  kept: 'new' | 'reused' | 'memory';
} {
  const made = (): VaultEnv => {
    const keyId = `engine-${randomBytes(4).toString('hex')}`;
    return {
      CARD_VAULT_KEYS: `${keyId}:${randomBytes(32).toString('base64')}`,
      CARD_VAULT_ACTIVE_KEY_ID: keyId,
      CARD_VAULT_FINGERPRINT_KEY: randomBytes(32).toString('base64'),
    };
  };
  if (!dataDir) return { env: made(), kept: 'memory' };
  const file = join(dataDir, VAULT_KEYS_FILE);
  try {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<VaultEnv>;
    // Only the three variables, each a string: the vault's own checks then name whatever else is wrong.
    const env: VaultEnv = {
      CARD_VAULT_KEYS: String(stored.CARD_VAULT_KEYS ?? ''),
      CARD_VAULT_ACTIVE_KEY_ID: String(stored.CARD_VAULT_ACTIVE_KEY_ID ?? ''),
      CARD_VAULT_FINGERPRINT_KEY: String(stored.CARD_VAULT_FINGERPRINT_KEY ?? ''),
    };
    return { env, kept: 'reused' };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new Error(`${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'not JSON'})`);
    }
  }
  const env = made();
  // 'wx': two first runs racing on one directory never overwrite each other's keys.
  writeFileSync(file, JSON.stringify(env), { mode: 0o600, flag: 'wx' });
  return { env, kept: 'new' };
}

/**
 * Claims a data directory for this process: PGlite has one backend and no lock of its own, so two engines on
 * one directory would corrupt it. A lock left by a process that is gone (killed) is taken over.
 */
export function claimDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const lock = join(dataDir, 'engine.pid');
  let holder: number | undefined;
  try {
    holder = Number(readFileSync(lock, 'utf8'));
  } catch {
    holder = undefined;
  }
  if (holder && holder !== process.pid && isAlive(holder)) {
    throw new Error(
      `${dataDir} is in use by another engine (pid ${holder}); stop it or choose another --data-dir`,
    );
  }
  writeFileSync(lock, String(process.pid));
  return () => rmSync(lock, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * An admin API key for this run, stored hashed like any other (the operator sees it once, in the terminal). The
 * keys of earlier runs on the same data directory are revoked first: a key printed in an old scrollback keeps
 * nothing open.
 */
export async function issueSessionAdminKey(
  keys: ApiKeysRepository,
): Promise<{ key: string; revoked: number }> {
  let revoked = 0;
  for (const k of await keys.list()) {
    if (k.createdBy === ENGINE_ACTOR && k.revokedAt === null && (await keys.revoke(k.keyId))) revoked++;
  }
  const issued = issueApiKey();
  const inserted = await keys.insert({
    keyId: issued.keyId,
    name: `engine-run-${new Date().toISOString()}-${issued.keyId.slice(0, 4)}`,
    role: 'admin',
    hash: issued.hash,
    createdBy: ENGINE_ACTOR,
  });
  if (!inserted) throw new Error('the admin API key of this run could not be stored');
  return { key: issued.key, revoked };
}
