import type { BatchCommand } from '@libs/command-handling';
import type { InventoryCommand, InventoryEvent } from '@libs/inventory';
import { ChannelEventsTopic, OrderOutcomesTopic, type MessageBatch, type MessageBus } from '@libs/messaging';
import { commandFor, decisionTime } from './channel-event-commands';
import type { InventoryBatchHandler } from './inventory-handler';
import type { InventoryMetrics } from './inventory-metrics';
import { checkAllocationOutcomes, outcomesFor, type OutcomeMessage } from './order-outcomes';
import { skuStreamId } from './sku-stream';

export class CommandFailedError extends Error {
  readonly code = 'INVENTORY.COMMAND_FAILED';
}

/**
 * One partition batch of channel events → one transaction of appends → the answers, published before the
 * batch resolves (and so before its offsets are committed). A redelivered batch decides nothing twice: its
 * commands carry the events' ids and are absorbed as duplicates, and its answers are republished with the
 * same message ids.
 */
export class ChannelEventProcessor {
  constructor(
    private readonly handler: InventoryBatchHandler,
    private readonly bus: MessageBus,
    private readonly clock: () => number = Date.now,
    private readonly metrics?: InventoryMetrics,
  ) {}

  readonly handle = async (batch: MessageBatch<typeof ChannelEventsTopic>): Promise<void> => {
    const started = process.hrtime.bigint();
    const now = this.clock();
    const commands: BatchCommand<InventoryCommand>[] = batch.messages.map(({ envelope }) => ({
      streamId: skuStreamId(envelope.payload.sku),
      command: commandFor(envelope, decisionTime(envelope, now)),
      commandId: envelope.eventId,
      check: (events) => checkAllocationOutcomes(envelope, events as InventoryEvent[]),
      metadata: { correlationId: envelope.correlationId, causationId: envelope.eventId, actor: envelope.source },
    }));
    const result = await this.handler.handleBatch(commands);

    const outcomes: OutcomeMessage[] = [];
    const failures: string[] = [];
    result.items.forEach((item, i) => {
      const envelope = batch.messages[i].envelope;
      const stream = result.streams.get(item.streamId)!;
      outcomes.push(...outcomesFor(envelope, item, stream.state, stream.version, now));
      this.record(commands[i].command, item.status, item.recorded.length);
      if (item.status === 'failed') failures.push(`${envelope.eventId}: ${(item.error as Error)?.message ?? item.error}`);
    });
    for (const o of outcomes) {
      if (o.type === 'order.rejected' && o.payload.answers === 'order.placed') {
        this.metrics?.rejectedReservations.inc({ reason: o.payload.reasonCode });
      }
      // A refused payment means a buyer paid for what will not be delivered: someone must refund or follow up.
      if (o.type === 'order.rejected' && o.payload.answers === 'order.paid') {
        this.metrics?.rejectedPayments.inc({ channel: o.payload.channel, reason: o.payload.reasonCode });
      }
    }
    if (outcomes.length > 0) await this.bus.publish(OrderOutcomesTopic, outcomes);
    this.metrics?.batchSize.observe(commands.length);
    this.metrics?.batchSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);

    // The others are committed; failing the batch makes the bus retry the faulty message alone and then
    // dead-letter it, while the redelivered good ones are absorbed as duplicates.
    if (failures.length > 0) throw new CommandFailedError(`commands failed: ${failures.join('; ')}`);
  };

  private record(command: InventoryCommand, status: string, appended: number): void {
    if (!this.metrics) return;
    this.metrics.commands.inc({ command: command.type, result: status });
    if (status === 'applied') this.metrics.eventsAppended.inc(appended);
  }
}
