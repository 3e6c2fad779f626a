export type CardVaultErrorCode =
  | 'CARD_VAULT.INVALID_CONFIG'
  | 'CARD_VAULT.UNKNOWN_UNIT'
  | 'CARD_VAULT.UNKNOWN_KEY'
  | 'CARD_VAULT.DECRYPTION_FAILED'
  | 'CARD_VAULT.INVALID_SECRET'
  | 'CARD_VAULT.INVALID_REVEAL'
  /** The event store did not allocate this unit to the order the reveal names: nothing is revealed. */
  | 'CARD_VAULT.NOT_ALLOCATED'
  | 'CARD_VAULT.REVEALED_TO_ANOTHER_ORDER';

/** Messages name units and key ids, never a secret or key material. */
export class CardVaultError extends Error {
  constructor(
    readonly code: CardVaultErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CardVaultError';
  }
}
