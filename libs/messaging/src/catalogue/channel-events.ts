import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsIP,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  MinLength,
  Min,
  NotEquals,
  ValidateNested,
} from 'class-validator';
import {
  MAX_BUYER_LEVEL_LENGTH,
  MAX_BUYER_REF_LENGTH,
  MAX_IP_LENGTH,
  MAX_LINE_QUANTITY,
  MAX_ON_HAND,
  MAX_ORDER_QUANTITY,
  MAX_PRICE_MINOR,
  MAX_REGION_NAME_LENGTH,
  MAX_SHOP_LENGTH,
  MAX_TOP_UP_ACCOUNT_LENGTH,
  MAX_TOP_UP_DETAIL_LENGTH,
  MAX_UNITS_PER_IMPORT_EVENT,
} from '@libs/inventory';
import { defineTopic } from './define-topic';
import { ExactlyOneOf, IsChannel, IsIdentifier, QuantitiesAddUpToAtMost } from './fields';

/*
 * stock.channel-events: what happened on a channel, written by the connectors, one message per SKU.
 * An order with several SKUs becomes one message per SKU (same channel order id); each SKU answers on its own.
 */

/*
 * Quantities are bounded by the domain's ceilings (libs/inventory bounds.ts): `Number.isInteger` alone takes 1e300,
 * and a number above 2^31 would stop every read model that sums it. A connector applies its own lower limits.
 */

/** Most unit ids one `card-keys.delivered` report names (the connector splits a larger delivery). */
export const MAX_UNITS_PER_DELIVERY_REPORT = 1000;

export class OrderLine {
  @IsInt()
  @Min(1)
  @Max(MAX_LINE_QUANTITY)
  quantity!: number;

  /** Reserve from this dedicated pool (独立库存池) instead of general stock. */
  @IsOptional()
  @IsIdentifier()
  poolId?: string | null;
}

/**
 * What the platform said about the sale (kept with the order: the diversion rules, the order rules and the reports
 * read it). Every field optional and bounded; the connector leaves out a field it cannot read rather than refuse
 * the order. Text fields follow the identifier rule (no whitespace or invisible characters).
 */
export class SaleFacts {
  /** Price paid per unit, integer fen. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_PRICE_MINOR)
  unitPrice?: number;

  @IsOptional()
  @IsIdentifier()
  @MaxLength(MAX_REGION_NAME_LENGTH)
  province?: string;

  @IsOptional()
  @IsIdentifier()
  @MaxLength(MAX_REGION_NAME_LENGTH)
  city?: string;

  /** The platform's opaque buyer id (never a name or phone number). */
  @IsOptional()
  @IsIdentifier()
  @MaxLength(MAX_BUYER_REF_LENGTH)
  buyerRef?: string;

  @IsOptional()
  @IsIdentifier()
  @MaxLength(MAX_BUYER_LEVEL_LENGTH)
  buyerLevel?: string;

  @IsOptional()
  @IsIP()
  @MaxLength(MAX_IP_LENGTH)
  ip?: string;

  /** The selling shop or 分站, when one channel serves several. */
  @IsOptional()
  @IsIdentifier()
  @MaxLength(MAX_SHOP_LENGTH)
  shop?: string;
}

/** The account a top-up (直充) order credits. */
export class TopUpAccount {
  @IsIdentifier()
  @MaxLength(MAX_TOP_UP_ACCOUNT_LENGTH)
  account!: string;

  /** Game server or zone (区服). */
  @IsOptional()
  @IsIdentifier()
  @MaxLength(MAX_TOP_UP_DETAIL_LENGTH)
  server?: string;

  /** Carrier or game region. */
  @IsOptional()
  @IsIdentifier()
  @MaxLength(MAX_TOP_UP_DETAIL_LENGTH)
  region?: string;

  /**
   * Fen to credit: set by the inventory (quantity × the SKU's face value) on the supplier request; a channel's
   * order notice never sets it, and the inventory ignores one that does.
   */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_PRICE_MINOR)
  amount?: number;
}

export class OrderPlaced {
  @IsChannel()
  channel!: string;

  @IsIdentifier()
  channelOrderId!: string;

  @IsIdentifier()
  sku!: string;

  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => OrderLine)
  @QuantitiesAddUpToAtMost(MAX_ORDER_QUANTITY)
  lines!: OrderLine[];

  /** When an unpaid reservation lapses (ISO 8601 with offset). */
  @IsISO8601({ strict: true })
  expiresAt!: string;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => SaleFacts)
  sale?: SaleFacts;

  /** A top-up order: the account to credit. */
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => TopUpAccount)
  topUp?: TopUpAccount;
}

export class OrderPaid {
  @IsChannel()
  channel!: string;

  @IsIdentifier()
  channelOrderId!: string;

  @IsIdentifier()
  sku!: string;
}

export class OrderCancelled {
  @IsChannel()
  channel!: string;

  @IsIdentifier()
  channelOrderId!: string;

  @IsIdentifier()
  sku!: string;

  @IsOptional()
  @IsString()
  @MaxLength(500)
  note?: string;
}

/**
 * Keys of a paid order the platform acknowledged delivering, reported by the connector that delivered them (from
 * its delivery ledger, so a report lost in an outage is sent again). The inventory records them on the order.
 */
export class CardKeysDelivered {
  @IsChannel()
  channel!: string;

  @IsIdentifier()
  channelOrderId!: string;

  @IsIdentifier()
  sku!: string;

  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(MAX_UNITS_PER_DELIVERY_REPORT)
  @IsIdentifier({ each: true })
  unitIds!: string[];
}

/** A card-key unit by reference: the secret stays in the vault, only its id and keyed fingerprint travel. */
export class CardKeyUnitRef {
  @IsIdentifier()
  unitId!: string;

  @IsIdentifier()
  fingerprint!: string;

  /** A loop key (循环卡密) is reusable and never runs out by delivery. */
  @IsOptional()
  @IsBoolean()
  loop?: boolean;
}

@ExactlyOneOf(['quantity', 'units'])
export class StockRestocked {
  @IsIdentifier()
  sku!: string;

  /** The same batch id twice adds nothing. */
  @IsIdentifier()
  batchId!: string;

  /** Counted stock: how many units arrived. Exactly one of `quantity` and `units`. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_ON_HAND)
  quantity?: number;

  /**
   * Card-key stock: the units of an import batch (上货). At most MAX_UNITS_PER_IMPORT_EVENT (1,000): one record
   * stays far below the broker's 1 MB message limit even with 128-character ids.
   */
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(MAX_UNITS_PER_IMPORT_EVENT)
  @ValidateNested({ each: true })
  @Type(() => CardKeyUnitRef)
  units?: CardKeyUnitRef[];
}

export const ADJUSTMENT_REASONS = ['count-correction', 'reconciliation'] as const;

export class StockAdjusted {
  @IsIdentifier()
  sku!: string;

  /** The same adjustment id twice changes nothing. */
  @IsIdentifier()
  adjustmentId!: string;

  @IsInt()
  @NotEquals(0)
  @Min(-MAX_ON_HAND)
  @Max(MAX_ON_HAND)
  delta!: number;

  @IsIn(ADJUSTMENT_REASONS)
  reason!: (typeof ADJUSTMENT_REASONS)[number];

  @IsOptional()
  @IsString()
  @MaxLength(500)
  note?: string;
}

/**
 * The commands other components ask of a SKU's owner (the inventory-service instance consuming the SKU's
 * partition): the operations API's writes and the owner's own reservation expiry and closing of the books. A channel order never takes this
 * form; it arrives as the channel event above.
 */
export const LANE_COMMAND_TYPES = [
  'RegisterSku',
  'ChangeSkuSettings',
  'ReceiveStock',
  'AdjustStock',
  'ImportCardKeys',
  'OpenDedicatedPool',
  'CloseDedicatedPool',
  'SetChannelPolicy',
  'ReleaseReservation',
  'RedeemCardKey',
  'VoidCardKey',
  'RefundOrder',
  'RedeliverOrder',
  'ReplaceCardKey',
  'AllocateCardKeys',
  'ExpireReservations',
  'CloseBooks',
  // Supplier-backed SKUs: the API names the suppliers; the supplier connector reports their stock and answers.
  'ConfigureSupply',
  'ObserveSupplierStock',
  'RecordForwardResult',
  'SetPricing',
  // An operator releases a paid order an order rule held for review.
  'ReleaseHold',
] as const;
export type LaneCommandType = (typeof LANE_COMMAND_TYPES)[number];

/**
 * `inventory.command`: one command for one SKU, decided in order with the SKU's channel events by its one writer.
 * The decider checks `data` (it refuses what it cannot use with a reason code); here only its shape is bounded.
 * A body too large for one record (a card-key import of many thousand units) travels as `bodyRef`: the requester
 * stored it first (table command_bodies) and the owner reads it before deciding.
 */
@ExactlyOneOf(['data', 'bodyRef'])
export class InventoryCommandRequested {
  @IsIdentifier()
  sku!: string;

  /** Event ids derive from it: the same command id twice is decided once and answered twice alike. */
  @IsString()
  @MinLength(1)
  @MaxLength(512)
  commandId!: string;

  @IsIn(LANE_COMMAND_TYPES)
  commandType!: LaneCommandType;

  /** The command's fields without sku, now and actor (those come from this message and its envelope). */
  @IsOptional()
  @IsObject()
  data?: Record<string, unknown>;

  @IsOptional()
  @IsIdentifier()
  bodyRef?: string;

  /** Who asked (an API key's name, `reservation-expiry`): recorded as the actor of the events. */
  @IsString()
  @MaxLength(200)
  actor!: string;

  /** Written into the metadata of the events decided (for example an import's batch id). */
  @IsOptional()
  @IsObject()
  metadata?: Record<string, string>;

  /** The requester waiting for the answer on stock.command-replies (its instance id); absent when none waits. */
  @IsOptional()
  @IsIdentifier()
  replyTo?: string;
}

export const ChannelEventsTopic = defineTopic({
  id: 'channelEvents',
  name: 'stock.channel-events',
  description:
    "The SKU lane: orders, payments, cancellations, restocks and adjustments reported by the channel connectors, and the commands of the operations API and of reservation expiry — everything one SKU's single writer decides, in order.",
  defaultPartitions: 6,
  cleanupPolicy: 'delete',
  keyDescription: 'SKU',
  key: (payload) => payload.sku,
  messages: {
    'order.placed': { schemaVersion: 1, payload: OrderPlaced },
    'order.paid': { schemaVersion: 1, payload: OrderPaid },
    'order.cancelled': { schemaVersion: 1, payload: OrderCancelled },
    'stock.restocked': { schemaVersion: 1, payload: StockRestocked },
    'stock.adjusted': { schemaVersion: 1, payload: StockAdjusted },
    'card-keys.delivered': { schemaVersion: 1, payload: CardKeysDelivered },
    'inventory.command': { schemaVersion: 1, payload: InventoryCommandRequested },
  },
});
