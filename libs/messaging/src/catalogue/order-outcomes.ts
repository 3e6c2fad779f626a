import { ArrayMaxSize, ArrayNotEmpty, IsArray, IsIn, IsInt, Matches, Min } from 'class-validator';
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

/**
 * The card keys allocated to a paid order, by unit id only: the connector asks the vault to reveal each secret
 * when it delivers (and that reveal is recorded). Any extra property, a secret included, fails validation.
 */
export class CardKeysAllocated {
  @IsChannel()
  channel!: string;

  @IsIdentifier()
  channelOrderId!: string;

  @IsIdentifier()
  sku!: string;

  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(1000)
  @IsIdentifier({ each: true })
  unitIds!: string[];

  @IsInt()
  @Min(0)
  skuVersion!: number;
}

export const OrderOutcomesTopic = defineTopic({
  id: 'orderOutcomes',
  name: 'stock.order-outcomes',
  description: 'Accepted or rejected (with reason code) per order event, and the card-key units allocated.',
  defaultPartitions: 6,
  cleanupPolicy: 'delete',
  keyDescription: 'channel:channelOrderId',
  key: (payload) => `${payload.channel}:${payload.channelOrderId}`,
  messages: {
    'order.accepted': { schemaVersion: 1, payload: OrderAccepted },
    'order.rejected': { schemaVersion: 1, payload: OrderRejected },
    'card-keys.allocated': { schemaVersion: 1, payload: CardKeysAllocated },
  },
});
