import { InventoryState } from './inventory-state';

/**
 * A supplier-backed SKU (stock kind `supplier`, 货源): it holds no stock of its own. What it can sell is what its
 * upstream suppliers last reported, and a paid order is forwarded to them (一键代发), first supplier first.
 */

/** The most suppliers one SKU may name: fallback tries them in turn, and a longer list is a mistake, not a plan. */
export const MAX_SUPPLIERS_PER_SKU = 10;

/** The safety buffer never passes the ceiling of what a supplier may report. */
export const MAX_SUPPLIER_STOCK = 1_000_000_000_000;

/** A price in integer minor units (fen). Never a float: 0.1 + 0.2 is not a price. */
export const MAX_PRICE_MINOR = 1_000_000_000_000;

export interface SupplierLink {
  readonly supplierId: string;
  /** The supplier's own id for the product this SKU resells. */
  readonly productId: string;
  /**
   * The stock the supplier last reported; null when it reports none because it cannot run out (a top-up product,
   * 直充). 0 until the first report: nothing is sold on a supplier's word before it has spoken.
   */
  readonly stock: number | null;
  readonly onSale: boolean;
  /** The supply (cost) price last reported, fen; null when not reported. */
  readonly supplyPrice: number | null;
  /** The supplier's time of the last report applied; older reports are stale and change nothing. */
  readonly observedAt: number | null;
  /**
   * Units our own orders took from this supplier since its last report, and when the last was taken: the report
   * does not know them yet, so they are subtracted until a report newer than them arrives.
   */
  readonly takenSinceReport: number;
  readonly lastTakenAt: number | null;
}

export interface SupplyState {
  /** In priority order: forwarding tries the first supplier on sale first. */
  readonly suppliers: readonly SupplierLink[];
  /** Units never offered on the channels, whatever the suppliers report (a margin for their lag). */
  readonly safetyBuffer: number;
  /** What the suppliers provide; absent: card keys. */
  readonly fulfilment?: SupplyFulfilment;
}

/**
 * Card keys come back from the supplier and are delivered by the channel; a top-up (直充) credits the account the
 * order names, and the supplier's receipt is the delivery.
 */
export const SUPPLY_FULFILMENTS = ['cardKey', 'topUp'] as const;
export type SupplyFulfilment = (typeof SUPPLY_FULFILMENTS)[number];

/** A supplier's receipt for a top-up: its reference for the credit, and when it says it was done. */
export interface TopUpReceiptRecord {
  readonly reference: string;
  /** The supplier's time of the credit (ms since epoch), when it says. */
  readonly completedAt?: number;
}

export function fulfilmentOf(state: InventoryState): SupplyFulfilment {
  return supplyOf(state).fulfilment ?? 'cardKey';
}

export const EMPTY_SUPPLY: SupplyState = { suppliers: [], safetyBuffer: 0 };

export function supplyOf(state: InventoryState): SupplyState {
  return state.supply ?? EMPTY_SUPPLY;
}

export function supplierLink(state: InventoryState, supplierId: string): SupplierLink | undefined {
  return supplyOf(state).suppliers.find((link) => link.supplierId === supplierId);
}

/** True while a supplier on sale reports no limit (a top-up product): the SKU is then endless. */
export function isSupplyEndless(state: InventoryState): boolean {
  return supplyOf(state).suppliers.some((link) => link.onSale && link.stock === null);
}

/**
 * What the suppliers on sale still hold for us: each one's report less what our orders took from it since. Orders
 * of ours in flight (reserved, or paid and not yet fulfilled: `endlessReserved`) and the safety buffer are taken
 * off by supplierAvailable, not here.
 */
export function suppliedStock(state: InventoryState): number {
  let total = 0;
  for (const link of supplyOf(state).suppliers) {
    if (link.onSale && link.stock !== null) total += Math.max(0, link.stock - link.takenSinceReport);
  }
  return total;
}

/** Units a new order may take: supplied stock less our orders in flight less the safety buffer (may be negative). */
export function supplierAvailable(state: InventoryState): number {
  return suppliedStock(state) - state.counters.endlessReserved - supplyOf(state).safetyBuffer;
}

/** The deterministic id an attempt is placed under at its supplier: a retried call is the same order there. */
export function forwardIdOf(channel: string, channelOrderId: string, attempt: number): string {
  return `${channel}:${channelOrderId}:${attempt}`;
}
