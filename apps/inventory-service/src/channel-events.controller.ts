import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { ChannelEventsTopic, type MessageBatch } from '@libs/messaging';
import type { BusPatternExtras } from '@libs/runtime';
import { InventoryPipeline } from './inventory-pipeline';
import { InventoryServiceConfig } from './inventory-service.config';

/** The SKU lane's consumer: the instances of one group share the partitions, each SKU with one owner. */
@Controller()
export class ChannelEventsController {
  constructor(private readonly pipeline: InventoryPipeline) {}

  // Resolving commits the batch's offsets; a failure is retried or dead-lettered by the bus.
  @EventPattern(ChannelEventsTopic.name, {
    groupId: (app) => app.get(InventoryServiceConfig).consumerGroup,
  } satisfies BusPatternExtras)
  handle(@Payload() batch: MessageBatch<typeof ChannelEventsTopic>): Promise<void> {
    return this.pipeline.processor.handle(batch);
  }
}
