import { CardVaultError } from './errors';

export interface CardVaultKeys {
  /** New secrets are encrypted under this key; rotate() moves older rows to it. */
  activeKeyId: string;
  /** Key id → 32-byte AES-256 key. Keep retired keys here until rotate() has moved every row off them. */
  keys: Record<string, Buffer>;
  /** HMAC-SHA256 key for fingerprints, distinct from the encryption keys; at least 32 bytes. */
  fingerprintKey: Buffer;
}

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function assertValidKeys(keys: CardVaultKeys): void {
  const fail = (message: string) => {
    throw new CardVaultError('CARD_VAULT.INVALID_CONFIG', message);
  };
  if (!keys.keys[keys.activeKeyId]) fail(`active key ${keys.activeKeyId} is not in the keyring`);
  for (const [id, key] of Object.entries(keys.keys)) {
    if (!KEY_ID.test(id)) fail(`key id ${JSON.stringify(id)} must be 1-64 of [A-Za-z0-9._-]`);
    if (!Buffer.isBuffer(key) || key.length !== 32) fail(`key ${id} must be 32 bytes (AES-256)`);
  }
  if (!Buffer.isBuffer(keys.fingerprintKey) || keys.fingerprintKey.length < 32) {
    fail('the fingerprint key must be at least 32 bytes');
  }
  if (Object.values(keys.keys).some((key) => key.equals(keys.fingerprintKey))) {
    fail('the fingerprint key must differ from every encryption key');
  }
}

/**
 * Reads a keyring written as `id:base64,id:base64` (the shape of an environment variable). Configuration
 * validation calls this so that a bad key stops the process at boot, naming the key but never printing it.
 */
export function parseKeyring(spec: string): Record<string, Buffer> {
  const keys: Record<string, Buffer> = {};
  for (const entry of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const separator = entry.indexOf(':');
    if (separator <= 0)
      throw new CardVaultError('CARD_VAULT.INVALID_CONFIG', 'keyring entries must be id:base64');
    const id = entry.slice(0, separator);
    if (keys[id])
      throw new CardVaultError('CARD_VAULT.INVALID_CONFIG', `key ${id} appears twice in the keyring`);
    keys[id] = Buffer.from(entry.slice(separator + 1), 'base64');
  }
  return keys;
}
