import { randomBytes } from 'node:crypto';
import type { CardVaultKeys } from '@libs/card-vault';

export function testKeys(activeKeyId = 'k1', ids = ['k1']): CardVaultKeys {
  return {
    activeKeyId,
    keys: Object.fromEntries(ids.map((id) => [id, randomBytes(32)])),
    fingerprintKey: randomBytes(32),
  };
}
