import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { type MessageBatch, RetryableHandlerError, SupplierOrdersTopic } from '@libs/messaging';
import type { BusPatternExtras } from '@libs/runtime';
import { SupplierConnectorRuntime } from './supplier-connector.runtime';

/** The attempts to place (stock.supplier-orders): recorded before the batch resolves, then worked on. */
@Controller()
export class SupplierOrdersConsumer {
  constructor(private readonly runtime: SupplierConnectorRuntime) {}

  @EventPattern(SupplierOrdersTopic.name, { groupId: 'connector-supplier' } satisfies BusPatternExtras)
  async requests(@Payload() batch: MessageBatch<typeof SupplierOrdersTopic>): Promise<void> {
    if (!this.runtime.forwarder) throw new RetryableHandlerError('forwarding is not set up yet');
    await this.runtime.forwarder.onRequests(batch.messages.map((m) => m.envelope.payload));
  }
}
