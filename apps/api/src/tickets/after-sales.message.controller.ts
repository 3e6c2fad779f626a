import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { AfterSalesTopic, type MessageBatch } from '@libs/messaging';
import type { BusPatternExtras } from '@libs/runtime';
import { TicketsRepository } from './tickets.repository';

/** Every API instance shares this group: each platform case is opened by one of them. */
export const AFTER_SALES_GROUP = 'api-after-sales';

/**
 * Opens a ticket for each platform after-sales case its connector publishes on stock.after-sales. Idempotent by
 * (channel, platform case id), so a redelivered batch or a case the platform sent twice opens one ticket. The
 * `after-sales.answered` messages on the same topic are the API's own, for the connectors: skipped here.
 * A database error throws, and the batch is retried until it heals.
 */
@Controller()
export class AfterSalesMessageController {
  constructor(private readonly tickets: TicketsRepository) {}

  @EventPattern(AfterSalesTopic.name, { groupId: AFTER_SALES_GROUP } satisfies BusPatternExtras)
  async handle(@Payload() batch: MessageBatch<typeof AfterSalesTopic>): Promise<void> {
    for (const { envelope } of batch.messages) {
      if (envelope.type !== 'after-sales.requested') continue;
      const p = envelope.payload;
      await this.tickets.open({
        channel: p.channel,
        channelOrderId: p.channelOrderId,
        sku: p.sku,
        source: 'platform',
        platformCaseId: p.platformCaseId,
        reasonCode: p.reasonCode,
        summary: p.summary,
        // The connector that verified the notice, as the order's own steps name it.
        actor: envelope.source,
        at: new Date(envelope.occurredAt),
      });
    }
  }
}
