import { AfterSalesTopic } from './after-sales';
import { AlertsTopic } from './alerts';
import { ChannelEventsTopic } from './channel-events';
import { ChannelTargetsTopic } from './channel-targets';
import { CommandRepliesTopic } from './command-replies';
import { DeadLettersTopic } from './dead-letters';
import { OrderOutcomesTopic } from './order-outcomes';
import { SupplierOrdersTopic } from './supplier-orders';

/** Every topic StockSync uses, declared once. Code passes these definitions around, never topic names. */
export const Topics = {
  channelEvents: ChannelEventsTopic,
  orderOutcomes: OrderOutcomesTopic,
  channelTargets: ChannelTargetsTopic,
  deadLetters: DeadLettersTopic,
  commandReplies: CommandRepliesTopic,
  afterSales: AfterSalesTopic,
  alerts: AlertsTopic,
  supplierOrders: SupplierOrdersTopic,
} as const;

export type TopicId = keyof typeof Topics;

export const ALL_TOPICS = Object.values(Topics);

/** Partition counts by topic id, e.g. `{ channelEvents: 12 }`; topics not named keep their default. */
export type PartitionOverrides = Partial<Record<TopicId, number>>;
