import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  Matches,
  Max,
  Min,
  registerDecorator,
  ValidateNested,
  type ValidationArguments,
} from 'class-validator';
import { defineTopic } from './define-topic';
import { IsChannel, IsIdentifier, REASON_CODE_PATTERN } from './fields';

/*
 * stock.order-outcomes: the inventory service's answer to every order event, read by the connector of that
 * channel. Keyed by channel:channelOrderId so all answers for one order stay in order.
 */

/** Which channel event an outcome answers. */
export const ANSWERED_EVENTS = ['order.placed', 'order.paid', 'order.cancelled'] as const;
export type AnsweredEvent = (typeof ANSWERED_EVENTS)[number];

export class OrderAccepted {
  @IsChannel()
  channel!: string;

  @IsIdentifier()
  channelOrderId!: string;

  @IsIdentifier()
  sku!: string;

  @IsIn(ANSWERED_EVENTS)
  answers!: AnsweredEvent;

  /** The SKU stream version that recorded the decision. */
  @IsInt()
  @Min(0)
  skuVersion!: number;
}

export class OrderRejected {
  @IsChannel()
  channel!: string;

  @IsIdentifier()
  channelOrderId!: string;

  @IsIdentifier()
  sku!: string;

  @IsIn(ANSWERED_EVENTS)
  answers!: AnsweredEvent;

  /** The domain's stable reason code, e.g. INSUFFICIENT_STOCK, OVER_ORDER_CAP, UNKNOWN_SKU. */
  @Matches(REASON_CODE_PATTERN, {
    message: '$property must be an upper-case reason code like INSUFFICIENT_STOCK',
  })
  reasonCode!: string;

  @IsInt()
  @Min(0)
  skuVersion!: number;
}

/** Most entries (single-use unit ids plus loop allocations) one `card-keys.allocated` message carries. */
export const MAX_UNITS_PER_ALLOCATION_MESSAGE = 1000;

/** On `unitIds`: together with `loopUnits`, between 1 and MAX_UNITS_PER_ALLOCATION_MESSAGE entries. */
function HoldsSomeUnits(): PropertyDecorator {
  return (target, propertyName) => {
    registerDecorator({
      name: 'holdsSomeUnits',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: `unitIds and loopUnits together must hold 1 to ${MAX_UNITS_PER_ALLOCATION_MESSAGE} entries`,
      },
      validator: {
        validate: (value: unknown, args?: ValidationArguments) => {
          const loops = (args?.object as { loopUnits?: unknown }).loopUnits;
          const entries =
            (Array.isArray(value) ? value.length : 0) + (Array.isArray(loops) ? loops.length : 0);
          return entries >= 1 && entries <= MAX_UNITS_PER_ALLOCATION_MESSAGE;
        },
      },
    });
  };
}

/** A loop key (循环卡密) handed to the order `count` times: one entry, however large the order. */
export class LoopUnitAllocation {
  @IsIdentifier()
  unitId!: string;

  /** At most the inventory decider's per-order maximum (MAX_ORDER_QUANTITY). */
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  count!: number;
}

/**
 * The card keys allocated to a paid order, by unit id only: the connector asks the vault to reveal each secret
 * when it delivers (and that reveal is recorded). Any extra property, a secret included, fails validation.
 *
 * An order of more than 1,000 keys is answered in several messages (`part` of `parts`), each with its own id;
 * a unit id is never in two parts. Messages written before loop allocations were counted carry no
 * `loopUnits` and may repeat a loop key inside `unitIds`.
 */
export class CardKeysAllocated {
  @IsChannel()
  channel!: string;

  @IsIdentifier()
  channelOrderId!: string;

  @IsIdentifier()
  sku!: string;

  /** Single-use keys, each delivered once. Empty when this part holds loop keys only. */
  @IsArray()
  @ArrayMaxSize(MAX_UNITS_PER_ALLOCATION_MESSAGE)
  @IsIdentifier({ each: true })
  @HoldsSomeUnits()
  unitIds!: string[];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_UNITS_PER_ALLOCATION_MESSAGE)
  @ValidateNested({ each: true })
  @Type(() => LoopUnitAllocation)
  loopUnits?: LoopUnitAllocation[];

  /** 1-based; absent means 1 of 1. */
  @IsOptional()
  @IsInt()
  @Min(1)
  part?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  parts?: number;

  @IsInt()
  @Min(0)
  skuVersion!: number;
}

/**
 * An operator asked for a paid order's keys to be sent again (补发): the connector queues them once more for
 * `redelivery` (1, 2, ...), so a message read twice sends them once.
 */
export class CardKeysRedeliver {
  @IsChannel()
  channel!: string;

  @IsIdentifier()
  channelOrderId!: string;

  @IsIdentifier()
  sku!: string;

  @IsArray()
  @ArrayMaxSize(MAX_UNITS_PER_ALLOCATION_MESSAGE)
  @IsIdentifier({ each: true })
  @HoldsSomeUnits()
  unitIds!: string[];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_UNITS_PER_ALLOCATION_MESSAGE)
  @ValidateNested({ each: true })
  @Type(() => LoopUnitAllocation)
  loopUnits?: LoopUnitAllocation[];

  @IsInt()
  @Min(1)
  @Max(1000)
  redelivery!: number;

  @IsInt()
  @Min(0)
  skuVersion!: number;
}

export const WITHDRAWAL_REASONS = ['refunded', 'replaced'] as const;

/**
 * Keys no longer to be delivered to the order: returned to stock by a refund, or voided and replaced. The connector
 * drops them from its queue if they are still waiting there (the vault refuses to reveal them anyway).
 */
export class CardKeysWithdrawn {
  @IsChannel()
  channel!: string;

  @IsIdentifier()
  channelOrderId!: string;

  @IsIdentifier()
  sku!: string;

  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(MAX_UNITS_PER_ALLOCATION_MESSAGE)
  @IsIdentifier({ each: true })
  unitIds!: string[];

  @IsIn(WITHDRAWAL_REASONS)
  reason!: (typeof WITHDRAWAL_REASONS)[number];

  @IsInt()
  @Min(0)
  skuVersion!: number;
}

export const OrderOutcomesTopic = defineTopic({
  id: 'orderOutcomes',
  name: 'stock.order-outcomes',
  description:
    'Accepted or rejected (with reason code) per order event; the card-key units allocated, to send again (补发) or withdrawn (refund, void-and-replace).',
  defaultPartitions: 6,
  cleanupPolicy: 'delete',
  keyDescription: 'channel:channelOrderId',
  key: (payload) => `${payload.channel}:${payload.channelOrderId}`,
  messages: {
    'order.accepted': { schemaVersion: 1, payload: OrderAccepted },
    'order.rejected': { schemaVersion: 1, payload: OrderRejected },
    'card-keys.allocated': { schemaVersion: 1, payload: CardKeysAllocated },
    'card-keys.redeliver': { schemaVersion: 1, payload: CardKeysRedeliver },
    'card-keys.withdrawn': { schemaVersion: 1, payload: CardKeysWithdrawn },
  },
});
