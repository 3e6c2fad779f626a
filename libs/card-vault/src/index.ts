export * from './errors';
export { parseKeyring, type CardVaultKeys } from './keyring';
export { cardVaultMigrations } from './card-vault.migrations';
export {
  CardVault,
  orderKey,
  type CardToStore,
  type DuplicateCard,
  type RejectedCard,
  type RevealContext,
  type RevealRecord,
  type RotateOptions,
  type RotationResult,
  type StoreBatchResult,
  type StoredCard,
} from './card-vault';
export * from './card-vault.config';
