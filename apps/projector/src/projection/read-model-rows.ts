import type { OrderStatus, StockKind, UnitStatus } from '@libs/inventory';

/*
 * Rows as the projector writes them, one interface per table (columns in libs/read-models/README.md). Every
 * value is derived from the events alone, times included, so a rebuild writes exactly the same rows.
 */

export interface SkuStockRow {
  sku: string;
  kind: StockKind;
  received: number;
  adjusted: number;
  delivered: number;
  onHand: number;
  reserved: number;
  heldInPools: number;
  available: number;
  endless: boolean;
  endlessReserved: number;
  endlessDelivered: number;
  lowStockThreshold: number | null;
  perOrderCap: number | null;
  version: number;
  updatedAt: Date;
}

export interface ReservationRow {
  channel: string;
  channelOrderId: string;
  sku: string;
  quantity: number;
  status: OrderStatus;
  reason: string | null;
  expiresAt: Date | null;
  allocatedUnitIds: readonly string[];
  loopUnitIds: readonly string[];
  /** Time of the first event about the order; an existing row keeps its own. */
  createdAt: Date;
  updatedAt: Date;
  updatedVersion: number;
  /*
   * Set by one kind of event each and then kept: the first non-null value wins (in a batch, in the writer and on
   * replay), so the row does not depend on how the events were batched. See RESERVATION_FIRST_SET.
   */
  /** The first payment (ReservationConfirmed). */
  paidAt: Date | null;
  /** When the order first reached `delivered`. */
  deliveredAt: Date | null;
  refundedAt: Date | null;
  refundNote: string | null;
  /** The supplier that fulfilled a forwarded order. */
  supplierId: string | null;
  /** The sale observations of the order notice (see sale-observation.ts). */
  unitPrice: number | null;
  buyerRef: string | null;
  buyerLevel: string | null;
  province: string | null;
  city: string | null;
  shop: string | null;
  /** An order rule's priority (1–100), from the reservation's ruling: the manual queue is worked highest first. */
  priority: number | null;
}

/** The reservation columns whose first non-null value is kept. */
export const RESERVATION_FIRST_SET = [
  'paidAt',
  'deliveredAt',
  'refundedAt',
  'refundNote',
  'supplierId',
  'unitPrice',
  'buyerRef',
  'buyerLevel',
  'province',
  'city',
  'shop',
  'priority',
] as const satisfies readonly (keyof ReservationRow)[];

/** `later` with each first-set column that `earlier` already had kept from `earlier`. */
export function keepFirstSet(earlier: ReservationRow, later: ReservationRow): ReservationRow {
  const merged: ReservationRow = { ...later };
  for (const column of RESERVATION_FIRST_SET) {
    if (earlier[column] !== null) (merged as unknown as Record<string, unknown>)[column] = earlier[column];
  }
  return merged;
}

export interface StockMovementRow {
  /** The event's global position in the store: stable across rebuilds. */
  id: number;
  eventId: string;
  sku: string;
  version: number;
  eventType: string;
  channel: string | null;
  channelOrderId: string | null;
  quantity: number;
  deltaOnHand: number;
  deltaReserved: number;
  deltaHeldInPools: number;
  deltaAvailable: number;
  onHandAfter: number;
  availableAfter: number;
  reason: string | null;
  ref: string | null;
  note: string | null;
  actor: string | null;
  occurredAt: Date;
}

/** Added to card_key_counts.count; safe because each event reaches the writer exactly once (version guard). */
export interface CardKeyCountDelta {
  sku: string;
  batchId: string;
  state: UnitStatus;
  delta: number;
}

export interface StockAlertRow {
  sku: string;
  kind: 'low_stock';
  threshold: number;
  onHand: number;
  /** Null when only the clearing was seen in this batch: the stored row keeps its raised_at. */
  raisedAt: Date | null;
  clearedAt: Date | null;
  open: boolean;
}

export interface ProjectionStateRow {
  sku: string;
  version: number;
  /** Present when the fold crossed a multiple of the save interval: the state at exactly that version. */
  saved: { version: number; state: unknown } | null;
}

export interface TargetOutboxRow {
  channel: string;
  sku: string;
  quantity: number;
  /** The channel's selling price in fen; null when no price rule names one. */
  price: number | null;
  version: number;
  occurredAt: Date;
}

/** A supplier-backed SKU's suppliers after a batch that changed them: the SKU's whole list replaces its rows. */
export interface SkuSuppliersRow {
  sku: string;
  version: number;
  suppliers: {
    supplierId: string;
    productId: string;
    priority: number;
    stock: number | null;
    onSale: boolean;
    supplyPrice: number | null;
    observedAt: Date | null;
    takenSinceReport: number;
  }[];
}
