import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { CardVaultError } from './errors';

export interface SealedSecret {
  iv: Buffer;
  ciphertext: Buffer;
  authTag: Buffer;
}

const MAX_SECRET_LENGTH = 4096;

/**
 * Import files carry stray spaces and CR/LF around keys; the same key with and without them must count as one,
 * both for the fingerprint and for what is delivered.
 */
export function normalizeSecret(secret: string): string {
  if (typeof secret !== 'string')
    throw new CardVaultError('CARD_VAULT.INVALID_SECRET', 'a secret must be a string');
  const trimmed = secret.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_SECRET_LENGTH) {
    throw new CardVaultError(
      'CARD_VAULT.INVALID_SECRET',
      `a secret must have 1 to ${MAX_SECRET_LENGTH} characters`,
    );
  }
  return trimmed;
}

export function fingerprintOf(fingerprintKey: Buffer, normalizedSecret: string): Buffer {
  return createHmac('sha256', fingerprintKey).update(normalizedSecret, 'utf8').digest();
}

/**
 * The unit id is authenticated data: a ciphertext copied onto another row fails to decrypt instead of
 * delivering one unit's secret as another's.
 */
function associatedData(unitId: string): Buffer {
  return Buffer.from(`card-vault:v1:${unitId}`, 'utf8');
}

export function seal(key: Buffer, unitId: string, normalizedSecret: string): SealedSecret {
  // A fresh random 96-bit nonce per encryption; GCM must never reuse one under the same key.
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(associatedData(unitId));
  const ciphertext = Buffer.concat([cipher.update(normalizedSecret, 'utf8'), cipher.final()]);
  return { iv, ciphertext, authTag: cipher.getAuthTag() };
}

export function open(key: Buffer, unitId: string, sealed: SealedSecret): string {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.iv);
    decipher.setAAD(associatedData(unitId));
    decipher.setAuthTag(sealed.authTag);
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]).toString('utf8');
  } catch {
    throw new CardVaultError('CARD_VAULT.DECRYPTION_FAILED', `unit ${unitId} could not be decrypted`);
  }
}
