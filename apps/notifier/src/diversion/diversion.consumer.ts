import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { ChannelEventsTopic, type MessageBatch } from '@libs/messaging';
import type { BusPatternExtras } from '@libs/runtime';
import { DiversionConfig } from './diversion.config';
import { DiversionService } from './diversion.service';

/** The diversion engine's input: every order notice on stock.channel-events, in its own consumer group. */
@Controller()
export class DiversionConsumer {
  constructor(private readonly diversion: DiversionService) {}

  @EventPattern(ChannelEventsTopic.name, {
    groupId: (app) => app.get(DiversionConfig).consumerGroup,
    optionsFrom: (app) => ({ fromBeginning: app.get(DiversionConfig).fromBeginning }),
    subscribeIf: (app) => app.get(DiversionConfig).enabled,
  } satisfies BusPatternExtras)
  async orders(@Payload() batch: MessageBatch<typeof ChannelEventsTopic>): Promise<void> {
    await this.diversion.handle(batch.messages);
  }
}
