import { DedicatedPool, InventoryState } from './inventory-state';
import { StockKind } from './stock-kind';

export function poolFree(pool: DedicatedPool): number {
  return pool.status === 'open' ? pool.quantity - pool.reserved - pool.sold : 0;
}

/** Units set aside in open dedicated pools and not yet reserved or sold there. */
export function heldInPools(state: InventoryState): number {
  let held = 0;
  for (const poolId in state.pools) held += poolFree(state.pools[poolId] as DedicatedPool);
  return held;
}

/** Counted units that an order without a pool can still reserve. */
export function generalAvailable(state: InventoryState): number {
  return state.counters.onHand - state.counters.reserved - heldInPools(state);
}

/** True while the SKU cannot run out: an unlimited SKU, or a card-key SKU with a live loop key. */
export function isEndless(state: InventoryState): boolean {
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
    available: onHand - reserved - held,
    endless: isEndless(state),
    endlessReserved,
    endlessDelivered,
  };
}
