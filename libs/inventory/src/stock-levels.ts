import { DedicatedPool, InventoryState } from './inventory-state';
import { StockKind } from './stock-kind';
import { isSupplyEndless, supplierAvailable } from './supply';

export function poolFree(pool: DedicatedPool): number {
  return pool.status === 'open' ? pool.quantity - pool.reserved - pool.sold : 0;
}

/** Units set aside in open dedicated pools and not yet reserved or sold there. */
export function heldInPools(state: InventoryState): number {
  let held = 0;
  for (const poolId in state.pools) held += poolFree(state.pools[poolId] as DedicatedPool);
  return held;
}

/**
 * Units that an order without a pool can still reserve: counted units, or for a supplier-backed SKU what its
 * suppliers last reported less our orders in flight and the safety buffer (see supply.ts).
 */
export function generalAvailable(state: InventoryState): number {
  if (state.kind === 'supplier') return supplierAvailable(state);
  return state.counters.onHand - state.counters.reserved - heldInPools(state);
}

/**
 * True while the SKU cannot run out: an unlimited SKU, a card-key SKU with a live loop key, or a supplier-backed SKU
 * with a supplier on sale that reports no limit (a top-up).
 */
export function isEndless(state: InventoryState): boolean {
  if (state.kind === 'supplier') return isSupplyEndless(state);
  return state.kind === 'unlimited' || (state.kind === 'cardKey' && state.loopUnitIds.length > 0);
}

export interface StockLevels {
  readonly kind: StockKind | null;
  readonly received: number;
  readonly adjusted: number;
  readonly delivered: number;
  readonly onHand: number;
  readonly reserved: number;
  readonly heldInPools: number;
  /** Counted units free for orders without a pool: onHand − reserved − heldInPools. */
  readonly available: number;
  /** When true, orders beyond `available` are still served (unlimited kind or loop keys). */
  readonly endless: boolean;
  readonly endlessReserved: number;
  readonly endlessDelivered: number;
}

export function stockLevels(state: InventoryState): StockLevels {
  const held = heldInPools(state);
  const { received, adjusted, delivered, onHand, reserved, endlessReserved, endlessDelivered } =
    state.counters;
  return {
    kind: state.kind,
    received,
    adjusted,
    delivered,
    onHand,
    reserved,
    heldInPools: held,
    available: generalAvailable(state),
    endless: isEndless(state),
    endlessReserved,
    endlessDelivered,
  };
}
