/**
 * Stable reason codes carried by rejection events. Connectors and HTTP adapters map them to their own
 * answers, so a code is never renamed once published; new codes are only added.
 */
export const REASON_CODES = [
  'UNKNOWN_SKU',
  'SKU_MISMATCH',
  'ALREADY_REGISTERED',
  'KIND_MISMATCH',
  'INVALID_QUANTITY',
  'INVALID_SETTING',
  'INVALID_TIME',
  'INVALID_REFERENCE',
  'INSUFFICIENT_STOCK',
  'INSUFFICIENT_POOL_STOCK',
  'OVER_ORDER_CAP',
  'POOL_NOT_FOUND',
  'POOL_CLOSED',
  'POOL_ALREADY_EXISTS',
  'RESERVATION_NOT_FOUND',
  'RESERVATION_RELEASED',
  'RESERVATION_EXPIRED',
  'ORDER_REJECTED',
  'ALREADY_CONFIRMED',
  'NOT_CONFIRMED',
  'BELOW_RESERVED',
  'UNIT_NOT_FOUND',
  'UNIT_NOT_DELIVERED',
  'UNIT_ALREADY_REDEEMED',
  'UNIT_VOIDED',
  'UNIT_IS_LOOP_KEY',
  'LOOP_KEY_IN_USE',
  /** An order line or order above MAX_LINE_QUANTITY / MAX_ORDER_QUANTITY (see bounds.ts). */
  'QUANTITY_TOO_LARGE',
  /** A receipt, import or adjustment that would take stock past MAX_ON_HAND or MAX_RECEIVED. */
  'STOCK_LIMIT_EXCEEDED',
  /** A placement whose cancel arrived first: the order was cancelled before it could be reserved. */
  'ORDER_CANCELLED',
  /** A refund or redelivery for an order that was never paid (reserved, released, expired or rejected). */
  'NOT_PAID',
  /** An operator action on an order already refunded. */
  'ORDER_REFUNDED',
  /** A key named for an order that was not allocated to it. */
  'UNIT_NOT_IN_ORDER',
  /** A redelivery for an order with no key left to send (all voided, or not a card-key order). */
  'NOTHING_TO_DELIVER',
  /** A redelivery sooner than REDELIVERY_MIN_INTERVAL_MS after the last one. */
  'REDELIVERY_TOO_SOON',
  /** An order already sent again MAX_REDELIVERIES times. */
  'REDELIVERY_LIMIT_REACHED',
  /** Keys allocated by hand to an order that is not waiting for any (automatic mode, or all given already). */
  'NOT_AWAITING_KEYS',
  /** A key named for an order that is not available (sold, voided or redeemed). */
  'UNIT_NOT_AVAILABLE',
  /** More keys named than the order still waits for. */
  'TOO_MANY_KEYS',
  /** A supplier command for a SKU that does not name that supplier. */
  'SUPPLIER_NOT_LINKED',
  /** A refund of an order a supplier is working on: its answer comes first. */
  'FORWARD_IN_PROGRESS',
  /** A forwarding result for an order that is not being forwarded. */
  'NOT_FORWARDING',
  /** An order for a top-up (直充) SKU that names no account to credit. */
  'TOP_UP_ACCOUNT_REQUIRED',
  /** An order for a top-up SKU whose face value (the amount to credit per unit) is not set, or is out of range. */
  'FACE_VALUE_UNKNOWN',
  /** An order rule refused the order (the event names the rule and its own code). */
  'ORDER_RULE_REFUSED',
  /** ReleaseHold for an order no rule holds, or one already released. */
  'NOT_HELD',
] as const;

export type ReasonCode = (typeof REASON_CODES)[number];

/** Why a unit of a card-key batch was reported instead of added. */
export const SKIP_REASONS = [
  'DUPLICATE_IN_BATCH',
  'ALREADY_IN_POOL',
  'UNIT_ID_TAKEN',
  'INVALID_UNIT',
] as const;

export type SkipReason = (typeof SKIP_REASONS)[number];
