import { randomUUID } from 'node:crypto';
import { Controller, Inject, type Provider } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { CommandRepliesTopic, type MessageBatch, MessageBus } from '@libs/messaging';
import { MessageBusClient, replyConsumer } from '@libs/runtime';
import { ApiConfig } from '../api.config';

/**
 * The API's client of the SKU lane, a ClientProxy of the message bus transport: `request(ChannelEventsTopic,
 * commands)` publishes `inventory.command`s and emits the owners' answers from stock.command-replies, matched by
 * correlation id, failing with ReplyTimeoutError when none came for API_LANE_TIMEOUT_MS (InventoryCommands).
 */
export const INVENTORY_LANE = Symbol('INVENTORY_LANE');
export type InventoryLane = MessageBusClient<typeof CommandRepliesTopic>;

export const inventoryLaneProvider: Provider = {
  provide: INVENTORY_LANE,
  inject: [MessageBus, ApiConfig],
  useFactory: (bus: MessageBus, config: ApiConfig): InventoryLane => {
    // Names this process on the reply topic; new at every start (replies to a previous run are of no use).
    const replyTo = `api-${randomUUID()}`;
    return new MessageBusClient(bus, {
      replyTopic: CommandRepliesTopic,
      replyTo,
      replyGroup: `api-replies-${replyTo}`,
      replyTimeoutMs: config.laneTimeoutMs,
    });
  },
};

/**
 * The lane's reply consumer. A group of its own per instance: every instance must see its own replies, whichever
 * partition they land in; it reads only its own key, from the end of the topic. An answer it misses is recovered
 * from the event store when the wait times out (InventoryCommands).
 */
@Controller()
export class InventoryLaneRepliesController {
  constructor(@Inject(INVENTORY_LANE) private readonly lane: InventoryLane) {}

  @EventPattern(CommandRepliesTopic.name, replyConsumer(INVENTORY_LANE))
  handle(@Payload() batch: MessageBatch<typeof CommandRepliesTopic>): Promise<void> {
    return this.lane.handleReplies(batch);
  }
}
