import { defineConfig } from '@libs/config';
import { IsOptional, IsString, Matches } from 'class-validator';
import { parseKeyring } from './keyring';
import type { CardVaultKeys } from './keyring';

/**
 * The card vault's keys: all three or none. The api then answers card-key imports with 503 (the rest works); the
 * supplier connector refuses to start without them (it seals the keys suppliers return).
 */
export class CardVaultConfig {
  /** `id:base64,id:base64`, each a 32-byte AES-256 key. */
  @IsOptional()
  @IsString()
  keys?: string;

  @IsOptional()
  @Matches(/^[A-Za-z0-9._-]{1,64}$/)
  activeKeyId?: string;

  /** Base64, at least 32 bytes, different from every encryption key. */
  @IsOptional()
  @IsString()
  fingerprintKey?: string;
}

export const cardVaultConfig = defineConfig(
  'card-vault',
  CardVaultConfig,
  {
    keys: { name: 'CARD_VAULT_KEYS', secret: true, generate: 'keyring' },
    activeKeyId: { name: 'CARD_VAULT_ACTIVE_KEY_ID' },
    fingerprintKey: { name: 'CARD_VAULT_FINGERPRINT_KEY', secret: true, generate: 'key' },
  },
  { allOrNone: [{ label: 'card vault', keys: ['keys', 'activeKeyId', 'fingerprintKey'] }] },
);

/** The vault's keys from a complete configuration; undefined when none is set. */
export function cardVaultKeysOf(config: CardVaultConfig): CardVaultKeys | undefined {
  if (!config.keys || !config.activeKeyId || !config.fingerprintKey) return undefined;
  return {
    activeKeyId: config.activeKeyId,
    keys: parseKeyring(config.keys),
    fingerprintKey: Buffer.from(config.fingerprintKey, 'base64'),
  };
}
