import type { Provider } from '@nestjs/common';
import { CardVault, parseKeyring } from '@libs/card-vault';
import { PG_POOL } from '@libs/runtime';
import type { Pool } from 'pg';
import { CardVaultConfig } from '../api.config';

/** Null when the vault's keys are not configured: card-key import then answers 503, the rest works. */
export const CARD_VAULT = Symbol('CARD_VAULT');

export const cardVaultProvider: Provider = {
  provide: CARD_VAULT,
  inject: [PG_POOL, CardVaultConfig],
  useFactory: async (pool: Pool, config: CardVaultConfig): Promise<CardVault | null> => {
    const set = [config.keys, config.activeKeyId, config.fingerprintKey].filter(
      (v) => v !== undefined,
    ).length;
    if (set === 0) return null;
    if (set < 3) {
      throw new Error(
        'card vault: set all of CARD_VAULT_KEYS, CARD_VAULT_ACTIVE_KEY_ID and CARD_VAULT_FINGERPRINT_KEY, or none',
      );
    }
    return CardVault.create(pool, {
      keys: parseKeyring(config.keys!),
      activeKeyId: config.activeKeyId!,
      fingerprintKey: Buffer.from(config.fingerprintKey!, 'base64'),
    });
  },
};
