import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const ROLES = ['admin', 'inventory-admin', 'order-operator', 'analyst'] as const;
export type Role = (typeof ROLES)[number];

/** Who made a request: the key's name is the actor written into every event the request causes. */
export interface Principal {
  keyId: string;
  name: string;
  role: Role;
}

const KEY_FORMAT = /^ssk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface IssuedKey {
  keyId: string;
  /** Shown once; only its hash is stored. */
  key: string;
  hash: Buffer;
}

/** A new key: `ssk_<16 hex id>_<32 random bytes, base64url>`. The id finds the row; the hash proves the key. */
export function issueApiKey(): IssuedKey {
  const keyId = randomBytes(8).toString('hex');
  const key = `ssk_${keyId}_${randomBytes(32).toString('base64url')}`;
  return { keyId, key, hash: hashApiKey(key) };
}

export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** The key id of a well-formed key, or null. */
export function keyIdOf(key: string): string | null {
  return KEY_FORMAT.exec(key)?.[1] ?? null;
}

/** Compares two SHA-256 digests in constant time. */
export function sameHash(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
