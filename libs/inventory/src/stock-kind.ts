/**
 * - `quantity`: a counted number of interchangeable units.
 * - `cardKey`: a pool of unique card keys (卡密), each known by unit id and fingerprint, never by secret.
 * - `unlimited`: never runs out. An explicit kind so that no sentinel such as -1 can be mistaken for a count.
 * - `supplier`: held by upstream suppliers (货源), not by us: available is what they last reported, and a paid order
 *   is forwarded to them (see supply.ts).
 */
export const STOCK_KINDS = ['quantity', 'cardKey', 'unlimited', 'supplier'] as const;

export type StockKind = (typeof STOCK_KINDS)[number];

/**
 * How a paid card-key order gets its keys (发货方式): `automatic` picks them at payment (自动发货); `manual` leaves
 * the order waiting, its stock held, until an operator allocates keys to it (手动发货).
 */
export const DELIVERY_MODES = ['automatic', 'manual'] as const;

export type DeliveryMode = (typeof DELIVERY_MODES)[number];

export const ADJUSTMENT_REASONS = ['count-correction', 'reconciliation'] as const;

export type AdjustmentReason = (typeof ADJUSTMENT_REASONS)[number];
