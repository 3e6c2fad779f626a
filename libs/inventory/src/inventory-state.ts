import type { RuleRef } from './order-rules';
import type { TopUpTarget } from './sale';
import { EarlyCancellations } from './early-cancellations';
import { emptyMap, PersistentMap, sharedIfEmpty } from './persistent-map';
import { ReasonCode } from './reason-codes';
import { DeliveryMode, StockKind } from './stock-kind';
import type { SupplyState, TopUpReceiptRecord } from './supply';
import type { PricingSettings } from './pricing';
import { emptyUnitQueue, sharedIfEmptyQueue, UnitQueue } from './unit-queue';

/**
 * Counters over counted stock (quantity units and single-use card keys), kept so that the invariants
 * can be checked at every version:
 *   received − adjusted − delivered = onHand,   onHand − reserved ≥ 0.
 * `adjusted` is the net number of units taken out by adjustments and by voiding unsold keys (a positive
 * count correction makes it smaller). "Endless" supply — unlimited SKUs and loop keys — never touches
 * these counters; it is counted apart in `endlessReserved` / `endlessDelivered`.
 */
export interface StockCounters {
  readonly received: number;
  readonly adjusted: number;
  readonly delivered: number;
  readonly onHand: number;
  readonly reserved: number;
  readonly endlessReserved: number;
  readonly endlessDelivered: number;
  readonly voided: number;
}

export type UnitStatus = 'available' | 'allocated' | 'delivered' | 'redeemed' | 'voided';

export interface CardKeyUnit {
  readonly fingerprint: string;
  /** A loop key (循环卡密) is handed out again and again and never leaves stock by delivery. */
  readonly loop: boolean;
  readonly status: UnitStatus;
  readonly orderKey: string | null;
  readonly batchId: string;
}

/**
 * `awaiting-keys`: paid in manual delivery mode; its stock is held until an operator allocates its keys.
 * `forwarding`: paid for a supplier-backed SKU; its stock is held until a supplier fulfils it (see `forward`).
 */
export type OrderStatus =
  | 'rejected'
  | 'reserved'
  | 'confirmed'
  | 'delivered'
  | 'released'
  | 'expired'
  | 'refunded'
  | 'awaiting-keys'
  | 'forwarding';

/**
 * Where forwarding a paid order to its suppliers stands. `attempt` counts from 1; `open` names the supplier of the
 * attempt waiting for an answer (at most one at a time: never two suppliers for one order), null between attempts.
 */
export interface ForwardRecord {
  readonly attempt: number;
  readonly open: string | null;
  /** Suppliers tried, in order. */
  readonly tried: readonly string[];
  /** Every supplier was tried and none fulfilled: the order waits for an operator (refund). */
  readonly exhausted: boolean;
  /**
   * Attempts whose keys were answered for apart from the order: fulfilled after being given up
   * (SupplierLateFulfilment) or with keys that could not be sold (invalid-fulfilment). The same keys again from
   * such an attempt change nothing.
   */
  readonly late?: readonly number[];
}

export interface ReservedLine {
  readonly quantity: number;
  readonly poolId: string | null;
  /** The part of `quantity` served by endless supply (unlimited SKU or loop keys), not by counted stock. */
  readonly endless: number;
}

/**
 * A loop key handed to an order `count` times. Stored as a count, never as a repeated list: an order of a
 * million units on one loop key is one entry.
 */
export interface LoopAllocation {
  readonly unitId: string;
  readonly count: number;
}

export interface OrderRecord {
  readonly channel: string;
  readonly channelOrderId: string;
  readonly status: OrderStatus;
  readonly reason: ReasonCode | null;
  readonly lines: readonly ReservedLine[];
  readonly quantity: number;
  readonly expiresAt: number | null;
  readonly allocatedUnitIds: readonly string[];
  readonly loopUnits: readonly LoopAllocation[];
  /**
   * When the order last reached an answer that holds no stock (rejected, confirmed, delivered, released,
   * expired); null while it is reserved. Closing the books drops records settled before its horizon. Absent on
   * records saved before it existed: they count as settled long ago.
   */
  readonly settledAt?: number | null;
  /**
   * The keys of a paid order delivered so far, kept only while some are still waiting (absent once the order is
   * delivered, and before any delivery): the record alone tells delivered from waiting, so an order rebuilt from its
   * own events after the books closed (see close-books.ts) is the same record.
   */
  readonly deliveredUnitIds?: readonly string[];
  /** How often the order's keys were sent again, and when last (absent until the first repeat). */
  readonly redeliveries?: number;
  readonly lastRedeliveryAt?: number;
  /** Forwarding to suppliers (supplier-backed SKUs only; absent before payment). */
  readonly forward?: ForwardRecord;
  /** The account a top-up order credits (top-up SKUs only), forwarded with each attempt. */
  readonly topUp?: TopUpTarget;
  /** A top-up's receipt, once a supplier credited the account. */
  readonly receipt?: TopUpReceiptRecord;
  /** An order rule holds it for review: nothing is allocated or forwarded at payment until an operator says so. */
  readonly held?: RuleRef;
  /** An order rule's priority (1–100, higher first). */
  readonly priority?: number;
  /** An order rule's supplier to try first. */
  readonly routeTo?: string;
}

export interface DedicatedPool {
  readonly poolId: string;
  readonly status: 'open' | 'closed';
  readonly quantity: number;
  readonly reserved: number;
  readonly sold: number;
  readonly returned: number;
  readonly perOrderCap: number | null;
}

/** Steps, in this order: buffer → share % (rounded down) → max listed → "end when" floor → not below 0. */
export interface ChannelPolicy {
  readonly bufferQuantity: number;
  readonly sharePercent: number;
  readonly maxListed: number | null;
  readonly endWhenAtOrBelow: number | null;
  /** What this channel lists while the stock is endless (unlimited SKU, or a live loop key). */
  readonly unlimitedListed: number;
}

export interface BatchRecord {
  readonly added: number;
  readonly skipped: number;
}

export interface SkuSettings {
  readonly lowStockThreshold: number | null;
  readonly perOrderCap: number | null;
}

/**
 * Plain JSON only: the state is snapshotted with JSON.stringify and read back with JSON.parse. Large
 * collections are persistent maps (see persistent-map.ts) so that evolving one event stays cheap.
 */
export interface InventoryState {
  readonly sku: string | null;
  readonly kind: StockKind | null;
  readonly lowStockThreshold: number | null;
  readonly perOrderCap: number | null;
  /** Absent on states saved before it existed: automatic. */
  readonly deliveryMode?: DeliveryMode;
  /** The settings the SKU was registered with, so a redelivered registration is known after a change. */
  readonly registeredSettings: SkuSettings | null;
  readonly counters: StockCounters;
  readonly lowStockAlertActive: boolean;
  readonly orders: PersistentMap<OrderRecord>;
  /** Cancels that arrived before their placement (bounded: see early-cancellations.ts). */
  readonly earlyCancellations: EarlyCancellations;
  /** Order key → expiresAt, for the orders still holding stock. */
  readonly openReservations: PersistentMap<number>;
  readonly units: PersistentMap<CardKeyUnit>;
  /** Fingerprint → unit id, for every key ever received, so a secret is never added twice. */
  readonly fingerprints: PersistentMap<string>;
  readonly unitQueue: UnitQueue;
  /** Live loop keys in order of receipt. */
  readonly loopUnitIds: readonly string[];
  readonly batches: PersistentMap<BatchRecord>;
  /** Adjustment id → delta, so a retried adjustment is applied once. */
  readonly adjustments: PersistentMap<number>;
  readonly pools: Readonly<Record<string, DedicatedPool>>;
  readonly channelPolicies: Readonly<Record<string, ChannelPolicy>>;
  /** The suppliers of a supplier-backed SKU; absent for other kinds and until configured. */
  readonly supply?: SupplyState;
  /** Face value, cost and the selling-price rules; absent until set (no price is pushed then). */
  readonly pricing?: PricingSettings;
  /**
   * Set once the books were closed (see close-books.ts): order records settled before this instant have left the
   * state, so an order id the state does not know may still have a history in the stream. Null: nothing ever
   * left, and an unknown order id is a new one.
   */
  readonly booksClosedBefore: number | null;
}

export const ZERO_COUNTERS: StockCounters = {
  received: 0,
  adjusted: 0,
  delivered: 0,
  onHand: 0,
  reserved: 0,
  endlessReserved: 0,
  endlessDelivered: 0,
  voided: 0,
};

// Shared empty values (never mutated: every change builds a new object), so a SKU at rest does not carry a dozen
// empty collections of its own.
const NO_IDS: readonly string[] = Object.freeze([]);
const NO_RECORDS = Object.freeze({}) as Readonly<Record<string, never>>;

export function initialInventoryState(): InventoryState {
  return {
    sku: null,
    kind: null,
    lowStockThreshold: null,
    perOrderCap: null,
    registeredSettings: null,
    counters: ZERO_COUNTERS,
    lowStockAlertActive: false,
    orders: emptyMap(),
    earlyCancellations: NO_RECORDS,
    openReservations: emptyMap(),
    units: emptyMap(),
    fingerprints: emptyMap(),
    unitQueue: emptyUnitQueue(),
    loopUnitIds: NO_IDS,
    batches: emptyMap(),
    adjustments: emptyMap(),
    pools: NO_RECORDS,
    channelPolicies: NO_RECORDS,
    booksClosedBefore: null,
  };
}

/**
 * A state read back from a snapshot, with its empty collections replaced by the shared ones: JSON.parse gives each
 * its own objects, which a cache of a million SKUs would otherwise hold a million times over.
 */
export function reviveInventoryState(state: InventoryState): InventoryState {
  const empty = (record: object) => Object.keys(record).length === 0;
  return {
    ...state,
    orders: sharedIfEmpty(state.orders),
    openReservations: sharedIfEmpty(state.openReservations),
    units: sharedIfEmpty(state.units),
    fingerprints: sharedIfEmpty(state.fingerprints),
    batches: sharedIfEmpty(state.batches),
    adjustments: sharedIfEmpty(state.adjustments),
    unitQueue: sharedIfEmptyQueue(state.unitQueue),
    loopUnitIds: state.loopUnitIds.length === 0 ? NO_IDS : state.loopUnitIds,
    earlyCancellations: empty(state.earlyCancellations) ? NO_RECORDS : state.earlyCancellations,
    pools: empty(state.pools) ? NO_RECORDS : state.pools,
    channelPolicies: empty(state.channelPolicies) ? NO_RECORDS : state.channelPolicies,
    counters: sameCounters(state.counters, ZERO_COUNTERS) ? ZERO_COUNTERS : state.counters,
    booksClosedBefore: state.booksClosedBefore ?? null,
  };
}

function sameCounters(a: StockCounters, b: StockCounters): boolean {
  return (Object.keys(b) as (keyof StockCounters)[]).every((k) => a[k] === b[k]);
}
