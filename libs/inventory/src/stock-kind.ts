/**
 * - `quantity`: a counted number of interchangeable units.
 * - `cardKey`: a pool of unique card keys (卡密), each known by unit id and fingerprint, never by secret.
 * - `unlimited`: never runs out. An explicit kind so that no sentinel such as -1 can be mistaken for a count.
 */
export const STOCK_KINDS = ['quantity', 'cardKey', 'unlimited'] as const;

export type StockKind = (typeof STOCK_KINDS)[number];

export const ADJUSTMENT_REASONS = ['count-correction', 'reconciliation'] as const;

export type AdjustmentReason = (typeof ADJUSTMENT_REASONS)[number];
