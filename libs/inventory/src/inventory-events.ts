import type { OrderRuling, RuleRef } from './order-rules';
import type { SaleObservation, TopUpTarget } from './sale';
import type { SupplyFulfilment, TopUpReceiptRecord } from './supply';
import { ChannelPolicy, LoopAllocation, OrderRecord, ReservedLine, UnitStatus } from './inventory-state';
import { InventoryCommandType } from './inventory-commands';
import { ReasonCode, SkipReason } from './reason-codes';
import { AdjustmentReason, DeliveryMode, StockKind } from './stock-kind';
import type { PricingSettings } from './pricing';

/** `at` is the deciding command's `now` (epoch ms); `actor` is who asked, null when nobody was named. */
export interface EventContext {
  readonly sku: string;
  readonly at: number;
  readonly actor: string | null;
}

type Event<Type extends string, Data> = { readonly type: Type; readonly data: EventContext & Data };

export type SkuRegistered = Event<
  'SkuRegistered',
  { kind: StockKind; lowStockThreshold: number | null; perOrderCap: number | null }
>;

/**
 * The SKU's full settings after the change, whichever fields the command named. `deliveryMode` is absent from events
 * written before it existed: the mode then stays as it was.
 */
export type SkuSettingsChanged = Event<
  'SkuSettingsChanged',
  { lowStockThreshold: number | null; perOrderCap: number | null; deliveryMode?: DeliveryMode }
>;

export type StockReceived = Event<'StockReceived', { batchId: string; quantity: number }>;

export interface ImportedUnit {
  readonly unitId: string;
  readonly fingerprint: string;
  readonly loop: boolean;
}

export interface SkippedUnit {
  readonly unitId: string;
  readonly fingerprint: string;
  readonly reason: SkipReason;
}

/**
 * The batch's result: what was added and what was reported instead (duplicates, invalid rows). A batch of more
 * than MAX_UNITS_PER_IMPORT_EVENT entries is recorded as `parts` events decided together, numbered by `part`
 * (both absent on a batch that fits in one).
 */
export type CardKeysImported = Event<
  'CardKeysImported',
  {
    batchId: string;
    units: readonly ImportedUnit[];
    skipped: readonly SkippedUnit[];
    part?: number;
    parts?: number;
  }
>;

export type StockReserved = Event<
  'StockReserved',
  {
    channel: string;
    channelOrderId: string;
    lines: readonly ReservedLine[];
    quantity: number;
    expiresAt: number;
    /** What the platform said about the sale (price paid, buyer region and reference, IP, shop), when it did. */
    sale?: SaleObservation;
    /** The account a top-up (直充) order credits; only on a top-up SKU's orders. */
    topUp?: TopUpTarget;
    /** What the order rules decided (hold, priority, route), with the rule and version of each. */
    ruling?: Omit<OrderRuling, 'refuse'>;
  }
>;

/** The order's final answer: remembered, so the same order id is answered the same way forever. */
export type ReservationRejected = Event<
  'ReservationRejected',
  {
    channel: string;
    channelOrderId: string;
    reason: ReasonCode;
    requested: number;
    /** ORDER_RULE_REFUSED: the rule (and version) that refused it, and the rule's own code. */
    rule?: RuleRef & { code: string };
  }
>;

export interface RejectedOrder {
  readonly channel: string;
  readonly channelOrderId: string;
  readonly reason: ReasonCode;
  readonly requested: number;
  /** The deciding command's time: the order's settledAt. */
  readonly at: number;
  readonly rule?: RuleRef & { readonly code: string };
}

/**
 * The rejections of one batch of one SKU, stored as one event (compact storage: in a flash sale most orders are
 * refused, and a row each made them most of the writing). Decided one by one as ReservationRejected, evolved
 * exactly as those in order; `channelOrderIds` repeats the ids for the store's lookup by key.
 */
export type ReservationsRejected = Event<
  'ReservationsRejected',
  { rejections: readonly RejectedOrder[]; channelOrderIds: readonly string[] }
>;

export type ReservationConfirmed = Event<
  'ReservationConfirmed',
  {
    channel: string;
    channelOrderId: string;
    quantity: number;
    /** Single-use card keys, first received first allocated. Empty for other kinds. */
    allocatedUnitIds: readonly string[];
    /**
     * Present when the payment came after the order's hold had lapsed (expired): the lines planned again
     * from the stock available at payment, which moves straight from available to sold.
     */
    renewedLines?: readonly ReservedLine[];
    /** Loop keys handed out for the endless part of the order, each with how many times. */
    loopUnits: readonly LoopAllocation[];
    /**
     * Manual delivery mode: how many single-use keys the order waits for, its stock still held, until an operator
     * allocates them (KeysAllocatedManually). Absent in automatic mode.
     */
    awaitingKeys?: number;
    /**
     * Supplier-backed SKU: the units a supplier is to provide; the order is forwarded (SupplierForwardStarted, in the
     * same answer) and its units stay held as in flight until a supplier fulfils it. Absent for other kinds.
     */
    forwarding?: number;
    /**
     * The shape stored before loop allocations were counted: one entry per unit, ids repeating. Only read
     * (see loopAllocationsOf), never written, so that old event stores still replay.
     */
    loopUnitIds?: readonly string[];
  }
>;

/** `unitIds`: the keys this delivery reached the buyer with (all of the order's, in events written before parts). */
export type DeliveryRecorded = Event<
  'DeliveryRecorded',
  { channel: string; channelOrderId: string; unitIds: readonly string[] }
>;

/**
 * A paid order refunded. `returnedUnitIds` (keys never delivered) and `returnedQuantity` counted units went back
 * to general stock; `endlessReturned` is the endless supply it no longer counts as delivered.
 */
export type OrderRefunded = Event<
  'OrderRefunded',
  {
    channel: string;
    channelOrderId: string;
    returnedUnitIds: readonly string[];
    returnedQuantity: number;
    endlessReturned: number;
    /** Stock an order waiting for keys (manual mode) still held, released. Absent when none. */
    releasedHeld?: number;
    /** Units of a supplier-backed order no supplier fulfilled, released from in flight. Absent when none. */
    releasedForwarding?: number;
    note: string | null;
  }
>;

/** The order's keys are to be sent again: `redelivery` counts the repeats of this order, from 1. */
export type DeliveryRepeated = Event<
  'DeliveryRepeated',
  {
    channel: string;
    channelOrderId: string;
    unitIds: readonly string[];
    loopUnits: readonly LoopAllocation[];
    redelivery: number;
    note: string | null;
  }
>;

/** An operator gave these keys to an order waiting for them (manual delivery mode). */
export type KeysAllocatedManually = Event<
  'KeysAllocatedManually',
  { channel: string; channelOrderId: string; unitIds: readonly string[] }
>;

/** `unitId` was voided (never sold again) and `replacementUnitId` allocated to the order in its place. */
export type CardKeyReplaced = Event<
  'CardKeyReplaced',
  {
    channel: string;
    channelOrderId: string;
    unitId: string;
    previousStatus: UnitStatus;
    replacementUnitId: string;
    note: string | null;
  }
>;

export type ReservationReleased = Event<
  'ReservationReleased',
  { channel: string; channelOrderId: string; quantity: number; note: string | null }
>;

/** A cancel for an order not placed yet (its placement is late): remembered, so the placement is refused. */
export type CancelledBeforePlacement = Event<
  'CancelledBeforePlacement',
  { channel: string; channelOrderId: string; note: string | null }
>;

export type ReservationExpired = Event<
  'ReservationExpired',
  { channel: string; channelOrderId: string; quantity: number; expiresAt: number }
>;

export type StockAdjusted = Event<
  'StockAdjusted',
  { adjustmentId: string; delta: number; reason: AdjustmentReason; note: string | null }
>;

export type CardKeyRedeemed = Event<
  'CardKeyRedeemed',
  { unitId: string; channel: string; channelOrderId: string }
>;

export type CardKeyVoided = Event<
  'CardKeyVoided',
  { unitId: string; previousStatus: UnitStatus; loop: boolean; note: string | null }
>;

export type ChannelPolicySet = Event<'ChannelPolicySet', { channel: string; policy: ChannelPolicy }>;

export type DedicatedPoolOpened = Event<
  'DedicatedPoolOpened',
  { poolId: string; quantity: number; perOrderCap: number | null }
>;

export type DedicatedPoolClosed = Event<'DedicatedPoolClosed', { poolId: string; returned: number }>;

export type LowStockAlerted = Event<'LowStockAlerted', { onHand: number; threshold: number }>;

export type LowStockCleared = Event<'LowStockCleared', { onHand: number; threshold: number }>;

/** The order records settled before `before` left the state; `closed` is how many. */
export type BooksClosed = Event<'BooksClosed', { before: number; closed: number }>;

/**
 * Closed order records a command needed, put back (as rebuilt from their own events) before it was decided. Kept
 * as an event so that the state folded from the stream is the state the decision was taken on.
 */
export type OrdersRecalled = Event<'OrdersRecalled', { orders: readonly OrderRecord[] }>;

/**
 * Any other command that cannot be carried out. It changes no state, so repeating it is harmless; the
 * ids tell the caller which order, unit, pool or batch the answer is about.
 */
export type CommandRejected = Event<
  'CommandRejected',
  {
    command: InventoryCommandType;
    reason: ReasonCode;
    channel: string | null;
    channelOrderId: string | null;
    ref: string | null;
  }
>;

/** The SKU's prices and price rules after the change: the whole settings each time (see pricing.ts). */
export type PricingSet = Event<'PricingSet', { pricing: PricingSettings }>;

/** The suppliers of a supplier-backed SKU, in priority order, and its safety buffer: the whole list each time. */
export type SupplyConfigured = Event<
  'SupplyConfigured',
  {
    suppliers: readonly { supplierId: string; productId: string }[];
    safetyBuffer: number;
    /** Absent in events written before top-ups: card keys. */
    fulfilment?: SupplyFulfilment;
  }
>;

/**
 * A supplier's report of its product (a notice, or a poll): `stock` null when it cannot run out; prices in fen.
 * `observedAt` is the supplier's own time of the report, which orders reports; `at` is when we decided.
 */
export type SupplierStockObserved = Event<
  'SupplierStockObserved',
  {
    supplierId: string;
    productId: string;
    stock: number | null;
    supplyPrice: number | null;
    onSale: boolean;
    observedAt: number;
  }
>;

/**
 * A paid order sent to a supplier: the connector places it there under `forwardId`, which the supplier takes as its
 * idempotency key, so a retried or repeated call is the same order at the supplier. `expectedUnitPrice` is the
 * supply price we last saw (fen): a supplier whose price rose refuses rather than charging more.
 */
export type SupplierForwardStarted = Event<
  'SupplierForwardStarted',
  {
    channel: string;
    channelOrderId: string;
    attempt: number;
    supplierId: string;
    productId: string;
    forwardId: string;
    quantity: number;
    expectedUnitPrice: number | null;
    /** A top-up order: the account the supplier credits (its amount is quantity × the product's face value). */
    topUp?: TopUpTarget;
    /** An order rule's priority (1–100, higher first): the supplier connector places such attempts first. */
    priority?: number;
  }
>;

/**
 * The supplier fulfilled the attempt: its card keys, sealed in the vault under `units`, now belong to the order; or,
 * for a top-up, it credited the buyer's account and `receipt` says so.
 */
export type SupplierForwardFulfilled = Event<
  'SupplierForwardFulfilled',
  {
    channel: string;
    channelOrderId: string;
    attempt: number;
    supplierId: string;
    supplierOrderId: string;
    /** Card keys, sealed in the vault; empty for a top-up. */
    units: readonly { unitId: string; fingerprint: string }[];
    /** A top-up done: the supplier's receipt. The order is delivered with it (nothing is left to send). */
    receipt?: TopUpReceiptRecord;
  }
>;

export const FORWARD_FAILURES = ['refused', 'timeout', 'invalid-fulfilment'] as const;
export type ForwardFailure = (typeof FORWARD_FAILURES)[number];

/**
 * The attempt ended without fulfilment: the supplier refused (`code` is its reason), did not answer within the
 * limit, or answered with keys that cannot be sold (wrong count, or a key already known).
 */
export type SupplierForwardFailed = Event<
  'SupplierForwardFailed',
  {
    channel: string;
    channelOrderId: string;
    attempt: number;
    supplierId: string;
    reason: ForwardFailure;
    code: string | null;
  }
>;

/** No supplier left to try: the paid order waits for an operator (refund, or keys by hand). */
export type SupplierForwardingExhausted = Event<
  'SupplierForwardingExhausted',
  { channel: string; channelOrderId: string; attempts: number }
>;

/**
 * A supplier fulfilled an attempt after it had been given up (a timeout): the order is served elsewhere or
 * refunded, so these keys are surplus we paid for, kept sealed in the vault and listed for an operator.
 */
export type SupplierLateFulfilment = Event<
  'SupplierLateFulfilment',
  {
    channel: string;
    channelOrderId: string;
    attempt: number;
    supplierId: string;
    supplierOrderId: string;
    unitIds: readonly string[];
    /** A top-up credited after it was given up: the account may have been credited twice. */
    receipt?: TopUpReceiptRecord;
  }
>;

export type InventoryEvent =
  | SkuRegistered
  | SkuSettingsChanged
  | StockReceived
  | CardKeysImported
  | StockReserved
  | ReservationRejected
  | ReservationsRejected
  | ReservationConfirmed
  | DeliveryRecorded
  | ReservationReleased
  | CancelledBeforePlacement
  | ReservationExpired
  | StockAdjusted
  | CardKeyRedeemed
  | CardKeyVoided
  | OrderRefunded
  | DeliveryRepeated
  | CardKeyReplaced
  | KeysAllocatedManually
  | ChannelPolicySet
  | DedicatedPoolOpened
  | DedicatedPoolClosed
  | LowStockAlerted
  | LowStockCleared
  | CommandRejected
  | BooksClosed
  | OrdersRecalled
  | SupplyConfigured
  | SupplierStockObserved
  | SupplierForwardStarted
  | SupplierForwardFulfilled
  | SupplierForwardFailed
  | SupplierForwardingExhausted
  | SupplierLateFulfilment
  | PricingSet;

export type InventoryEventType = InventoryEvent['type'];

/** A confirmation's loop allocations, whichever shape it was stored in. */
export function loopAllocationsOf(data: {
  readonly loopUnits?: readonly LoopAllocation[];
  readonly loopUnitIds?: readonly string[];
}): readonly LoopAllocation[] {
  if (Array.isArray(data.loopUnits)) return data.loopUnits;
  const counts = new Map<string, number>();
  for (const unitId of data.loopUnitIds ?? []) counts.set(unitId, (counts.get(unitId) ?? 0) + 1);
  return [...counts].map(([unitId, count]) => ({ unitId, count }));
}

export const REJECTION_EVENT_TYPES = ['ReservationRejected', 'CommandRejected'] as const;

/** The stored form of several ReservationRejected events decided in one batch (see ReservationsRejected). */
export function mergedRejections(events: readonly ReservationRejected[]): ReservationsRejected {
  const rejections = events.map(({ data: { channel, channelOrderId, reason, requested, at, rule } }) => ({
    channel,
    channelOrderId,
    reason,
    requested,
    at,
    // The rule that refused it stays with it: the order history shows which rule, whichever event holds it.
    ...(rule === undefined ? {} : { rule }),
  }));
  const last = events[events.length - 1].data;
  return {
    type: 'ReservationsRejected',
    data: {
      rejections,
      channelOrderIds: rejections.map((r) => r.channelOrderId),
      sku: last.sku,
      at: last.at,
      actor: events[0].data.actor,
    },
  };
}
