import type { OrderRule } from './order-rules';
import type { SaleObservation, TopUpTarget } from './sale';
import type { SupplyFulfilment, TopUpReceiptRecord } from './supply';
import { OrderRecord } from './inventory-state';
import { AdjustmentReason, DeliveryMode, StockKind } from './stock-kind';
import type { MarkupRule, PriceRounding } from './pricing';

/**
 * Every command names its SKU (the stream it is for), the time it is decided at and, optionally, who
 * asked. `now` and every other instant are epoch milliseconds (UTC): numbers compare without parsing
 * and survive JSON unchanged. The decider never reads a clock.
 */
export interface CommandContext {
  readonly sku: string;
  readonly now: number;
  readonly actor?: string;
  /**
   * Order records the books closed out of the state that this command is about, rebuilt from their events by
   * the caller (see closedOrderLookups and orderRecordFromHistory). The decider puts back those the state lacks,
   * as an OrdersRecalled event, before deciding: so the answer is the one the full history would give.
   */
  readonly recalled?: readonly OrderRecord[];
}

type Command<Type extends string, Data> = { readonly type: Type; readonly data: CommandContext & Data };

export type RegisterSku = Command<
  'RegisterSku',
  { kind: StockKind; lowStockThreshold?: number | null; perOrderCap?: number | null }
>;

/**
 * Changes a registered SKU's limits. A field left out keeps its value; `null` removes the limit. The
 * stock kind is not a setting: it decides how every event so far was counted.
 */
export type ChangeSkuSettings = Command<
  'ChangeSkuSettings',
  { lowStockThreshold?: number | null; perOrderCap?: number | null; deliveryMode?: DeliveryMode }
>;

/** Counted stock arrives; `batchId` makes a redelivered receipt a no-op. */
export type ReceiveStock = Command<'ReceiveStock', { batchId: string; quantity: number }>;

export interface CardKeyUnitInput {
  readonly unitId: string;
  readonly fingerprint: string;
  readonly loop?: boolean;
}

/** A card-key batch (上货): ids and keyed fingerprints only; the secrets stay in the vault. */
export type ImportCardKeys = Command<
  'ImportCardKeys',
  { batchId: string; units: readonly CardKeyUnitInput[] }
>;

export interface OrderLineInput {
  readonly quantity: number;
  /** Reserve from this dedicated pool instead of general stock. */
  readonly poolId?: string | null;
}

export type ReserveStock = Command<
  'ReserveStock',
  {
    channel: string;
    channelOrderId: string;
    lines: readonly OrderLineInput[];
    expiresAt: number;
    /** What the platform said about the sale (kept with the order; malformed fields are dropped). */
    sale?: SaleObservation;
    /** The account a top-up (直充) SKU credits: required by such a SKU, ignored by any other. */
    topUp?: TopUpTarget;
    /** The order rules in force (see order-rules.ts): applied in this decision, recorded by the ruling. */
    orderRules?: readonly OrderRule[];
  }
>;

export type ConfirmReservation = Command<'ConfirmReservation', { channel: string; channelOrderId: string }>;

/**
 * An operator approves a paid order an order rule held for review: a supplier-backed SKU's order is forwarded
 * (SupplierForwardStarted), a card-key order gets the first available keys (KeysAllocatedManually; naming keys is
 * AllocateCardKeys). Refused with NOT_HELD for an order no rule holds.
 */
export type ReleaseHold = Command<'ReleaseHold', { channel: string; channelOrderId: string }>;

/**
 * The connector delivered (the platform acknowledged) keys of a paid order: `unitIds` names which; absent, every
 * key allocated to the order. The order is delivered once none of its keys is still waiting.
 */
export type RecordDelivery = Command<
  'RecordDelivery',
  { channel: string; channelOrderId: string; unitIds?: readonly string[] }
>;

export type ReleaseReservation = Command<
  'ReleaseReservation',
  { channel: string; channelOrderId: string; note?: string }
>;

/** Expires every reservation whose expiresAt ≤ now. */
export type ExpireReservations = Command<'ExpireReservations', Record<never, never>>;

export type AdjustStock = Command<
  'AdjustStock',
  { adjustmentId: string; delta: number; reason: AdjustmentReason; note?: string }
>;

export type RedeemCardKey = Command<'RedeemCardKey', { unitId: string }>;

export type VoidCardKey = Command<'VoidCardKey', { unitId: string; note?: string }>;

/**
 * An operator refunds a paid order (退款). Keys not delivered yet and counted stock of an order never delivered go
 * back to stock; what the buyer already has stays spent. Refused for an order that was never paid.
 */
export type RefundOrder = Command<'RefundOrder', { channel: string; channelOrderId: string; note?: string }>;

/** Sends a paid order's keys again (补发: the buyer lost the message). Rate-limited per order. */
export type RedeliverOrder = Command<
  'RedeliverOrder',
  { channel: string; channelOrderId: string; note?: string }
>;

/**
 * Void-and-replace (换卡): a key of the order reported invalid is voided, never sold again, and the next available
 * key is allocated to the order in its place, to be delivered like any other.
 */
export type ReplaceCardKey = Command<
  'ReplaceCardKey',
  { channel: string; channelOrderId: string; unitId: string; note?: string }
>;

/**
 * 手动发货: an operator gives keys to a paid order waiting for them (a SKU in manual delivery mode): the named
 * available single-use keys, or the first available ones when none is named.
 */
export type AllocateCardKeys = Command<
  'AllocateCardKeys',
  { channel: string; channelOrderId: string; unitIds?: readonly string[] }
>;

export type SetChannelPolicy = Command<
  'SetChannelPolicy',
  {
    channel: string;
    bufferQuantity?: number;
    sharePercent?: number;
    maxListed?: number | null;
    endWhenAtOrBelow?: number | null;
    unlimitedListed?: number;
  }
>;

export type OpenDedicatedPool = Command<
  'OpenDedicatedPool',
  { poolId: string; quantity: number; perOrderCap?: number | null }
>;

export type CloseDedicatedPool = Command<'CloseDedicatedPool', { poolId: string }>;

/**
 * Drops the order records settled before `before` from the state (closing the books). Refused for an instant
 * less than MIN_BOOKS_HORIZON_MS before `now`: platforms re-send notices for days.
 */
export type CloseBooks = Command<'CloseBooks', { before: number }>;

/**
 * Names the suppliers of a supplier-backed SKU, in priority order (the first is tried first), and the safety buffer.
 * The whole list each time; a supplier kept keeps what it last reported.
 */
export type ConfigureSupply = Command<
  'ConfigureSupply',
  {
    suppliers: readonly { supplierId: string; productId: string }[];
    safetyBuffer?: number;
    /** What the suppliers provide: card keys (the default) or a top-up (直充). Left out, it keeps its value. */
    fulfilment?: SupplyFulfilment;
  }
>;

/** A supplier's report of the product this SKU resells (see SupplierStockObserved). */
export type ObserveSupplierStock = Command<
  'ObserveSupplierStock',
  {
    supplierId: string;
    productId: string;
    stock: number | null;
    supplyPrice?: number | null;
    onSale: boolean;
    observedAt: number;
  }
>;

/**
 * What a supplier answered for one forwarding attempt. `fulfilled` carries the keys it returned, sealed in the
 * vault first (ids and fingerprints only); `refused` and `timeout` move the order to the next supplier.
 */
export type RecordForwardResult = Command<
  'RecordForwardResult',
  {
    channel: string;
    channelOrderId: string;
    attempt: number;
    supplierId: string;
    outcome: 'fulfilled' | 'refused' | 'timeout';
    supplierOrderId?: string;
    units?: readonly { unitId: string; fingerprint: string }[];
    /** A top-up's fulfilment: the supplier's receipt (its reference for the credit), instead of keys. */
    receipt?: TopUpReceiptRecord;
    code?: string;
  }
>;

/**
 * Sets the SKU's prices and price rules. A field left out keeps its value; `null` removes it. `channelRules`
 * replaces the whole map when given (a channel left out falls back to the default rule).
 */
export type SetPricing = Command<
  'SetPricing',
  {
    faceValue?: number | null;
    costPrice?: number | null;
    defaultRule?: MarkupRule | null;
    channelRules?: Readonly<Record<string, MarkupRule>>;
    rounding?: PriceRounding;
    floor?: number | null;
  }
>;

export type InventoryCommand =
  | RegisterSku
  | ChangeSkuSettings
  | ReceiveStock
  | ImportCardKeys
  | ReserveStock
  | ConfirmReservation
  | RecordDelivery
  | ReleaseReservation
  | ExpireReservations
  | AdjustStock
  | RedeemCardKey
  | VoidCardKey
  | RefundOrder
  | RedeliverOrder
  | ReplaceCardKey
  | AllocateCardKeys
  | SetChannelPolicy
  | OpenDedicatedPool
  | CloseDedicatedPool
  | CloseBooks
  | ConfigureSupply
  | ObserveSupplierStock
  | RecordForwardResult
  | SetPricing
  | ReleaseHold;

export type InventoryCommandType = InventoryCommand['type'];
