import type { BatchCommand, BatchItemResult } from '@libs/command-handling';
import { EVENT_ID_NAMESPACE, uuidV5 } from '@libs/command-handling';
import type { InventoryCommand, InventoryEvent } from '@libs/inventory';
import { observeStage } from '@libs/observability';
import {
  ChannelEventsTopic,
  CommandRepliesTopic,
  OrderOutcomesTopic,
  SupplierOrdersTopic,
  type MessageBatch,
  type MessageBus,
  type OutgoingMessage,
} from '@libs/messaging';
import { commandFor, decisionTime, type ChannelEventEnvelope } from './channel-event-commands';
import { fulfilmentOutcomesFor } from './fulfilment-outcomes';
import type { InventoryBatchHandler } from './inventory-handler';
import type { InventoryMetrics } from './inventory-metrics';
import type { OrderRuleSource } from './order-rule-book';
import { laneCommandFor, type CommandBodies } from './lane-commands';
import {
  checkAllocationOutcomes,
  OUTCOMES_BUILT_FROM_VALIDATED_DATA,
  outcomesFor,
  type OutcomeMessage,
} from './order-outcomes';
import type { ReservationDeadlines } from './reservation-deadlines';
import { skuStreamId } from './sku-stream';
import { supplierForwardsFor, type SupplierForwardMessage } from './supplier-forwards';

/** A placement carries the rules in force into its decision (in the lane, with the stock); other commands do not. */
function withOrderRules(command: InventoryCommand, source: OrderRuleSource | undefined): InventoryCommand {
  if (command.type !== 'ReserveStock' || source === undefined) return command;
  const orderRules = source.current();
  return orderRules.length === 0 ? command : { ...command, data: { ...command.data, orderRules } };
}

export class CommandFailedError extends Error {
  readonly code = 'INVENTORY.COMMAND_FAILED';
}

type ReplyMessage = OutgoingMessage<typeof CommandRepliesTopic>;

export interface ChannelEventProcessorOptions {
  /** Where lane commands too large for one record keep their body; without it such a command fails. */
  bodies?: Pick<CommandBodies, 'read'>;
  /** The owner's reservation clock, fed with every decided state (see ReservationExpiryDriver). */
  deadlines?: ReservationDeadlines;
  /** The order rules in force, handed to each placement's decision; none without it. */
  orderRules?: OrderRuleSource;
}

/**
 * One partition batch of the SKU lane → one transaction of appends → the answers, published before the batch
 * resolves (and so before its offsets are committed). The lane carries channel events (answered on
 * stock.order-outcomes) and the commands of the operations API and of reservation expiry (answered on
 * stock.command-replies when someone waits). A redelivered batch decides nothing twice: its commands carry stable
 * ids and are absorbed as duplicates, and its answers are republished with the same message ids.
 */
export class ChannelEventProcessor {
  constructor(
    private readonly handler: InventoryBatchHandler,
    private readonly bus: MessageBus,
    private readonly clock: () => number = Date.now,
    private readonly metrics?: InventoryMetrics,
    private readonly options: ChannelEventProcessorOptions = {},
  ) {}

  readonly handle = async (batch: MessageBatch<typeof ChannelEventsTopic>): Promise<void> => {
    const started = process.hrtime.bigint();
    const now = this.clock();
    const bodies = await this.readBodies(batch);

    // A message whose command cannot even be formed (a body that is gone) fails alone; the rest are decided.
    const failures: string[] = [];
    const replies: ReplyMessage[] = [];
    const accepted: {
      envelope: ChannelEventEnvelope;
      command: BatchCommand<InventoryCommand>;
      publishedAt: number;
    }[] = [];
    for (const { envelope, timestamp } of batch.messages) {
      try {
        accepted.push({
          envelope,
          command: this.commandOf(envelope, now, bodies),
          publishedAt: Number(timestamp),
        });
      } catch (error) {
        failures.push(`${envelope.eventId}: ${(error as Error).message}`);
        replies.push(...replyTo(envelope, { status: 'failed', version: 0, eventCount: 0 }, error));
      }
    }
    const commands = accepted.map((a) => a.command);
    const result = await this.handler.handleBatch(commands);

    const outcomes: OutcomeMessage[] = [];
    const forwards: SupplierForwardMessage[] = [];
    const decided = new Map<string, { sku: string; events: InventoryEvent[]; expiryAsked: boolean }>();
    result.items.forEach((item, i) => {
      const { envelope } = accepted[i];
      const stream = result.streams.get(item.streamId)!;
      const version =
        item.recorded.length > 0 ? item.recorded[item.recorded.length - 1].version : stream.version;
      if (envelope.type === 'inventory.command') {
        replies.push(
          ...replyTo(envelope, { status: item.status, version, eventCount: item.events.length }, item.error),
        );
        outcomes.push(
          ...fulfilmentOutcomesFor(
            `${envelope.payload.sku}/${envelope.payload.commandId}`,
            envelope.correlationId,
            item,
            now,
          ),
        );
      } else {
        outcomes.push(...outcomesFor(envelope, item, stream.state, stream.version, now));
      }
      forwards.push(...supplierForwardsFor(item, envelope.correlationId, now));
      this.noteDecided(decided, envelope, commands[i].command, item);
      this.record(commands[i].command, item.status, item.recorded.length, item.events);
      if (item.status === 'failed')
        failures.push(`${envelope.eventId}: ${(item.error as Error)?.message ?? item.error}`);
    });
    for (const [streamId, d] of decided) {
      this.options.deadlines?.observe(d.sku, d.events, result.streams.get(streamId)!.state, d.expiryAsked);
    }
    this.countRejections(outcomes);
    await Promise.all([
      outcomes.length > 0
        ? this.bus.publish(OrderOutcomesTopic, outcomes, {
            encodeWithoutValidation: OUTCOMES_BUILT_FROM_VALIDATED_DATA,
          })
        : undefined,
      replies.length > 0 ? this.bus.publish(CommandRepliesTopic, replies) : undefined,
      forwards.length > 0 ? this.bus.publish(SupplierOrdersTopic, forwards) : undefined,
    ]);
    const decidedAt = Date.now();
    for (const { envelope, publishedAt } of accepted) {
      if (envelope.type === 'order.paid')
        observeStage(this.metrics?.stages, 'decision', publishedAt, decidedAt);
    }
    this.metrics?.batchSize.observe(commands.length);
    this.metrics?.batchSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);

    // The others are committed; failing the batch makes the bus retry the faulty message alone and then
    // dead-letter it, while the redelivered good ones are absorbed as duplicates.
    if (failures.length > 0) throw new CommandFailedError(`commands failed: ${failures.join('; ')}`);
  };

  private commandOf(
    envelope: ChannelEventEnvelope,
    now: number,
    bodies: ReadonlyMap<string, Record<string, unknown>>,
  ): BatchCommand<InventoryCommand> {
    const at = decisionTime(envelope, now);
    if (envelope.type === 'inventory.command') {
      const p = envelope.payload;
      return {
        streamId: skuStreamId(p.sku),
        command: laneCommandFor(envelope, at, bodies),
        // The requester's id, not the message's: a request sent again after a lost answer is the same command.
        commandId: p.commandId,
        metadata: {
          ...p.metadata,
          correlationId: envelope.correlationId,
          causationId: envelope.eventId,
          actor: p.actor,
        },
      };
    }
    return {
      streamId: skuStreamId(envelope.payload.sku),
      command: withOrderRules(commandFor(envelope, at), this.options.orderRules),
      commandId: envelope.eventId,
      check: (events) => checkAllocationOutcomes(envelope, events as InventoryEvent[]),
      metadata: {
        correlationId: envelope.correlationId,
        causationId: envelope.eventId,
        actor: envelope.source,
      },
    };
  }

  private async readBodies(
    batch: MessageBatch<typeof ChannelEventsTopic>,
  ): Promise<ReadonlyMap<string, Record<string, unknown>>> {
    const refs: string[] = [];
    for (const { envelope } of batch.messages) {
      if (envelope.type === 'inventory.command' && envelope.payload.bodyRef !== undefined) {
        refs.push(envelope.payload.bodyRef);
      }
    }
    if (refs.length === 0 || !this.options.bodies) return new Map();
    return this.options.bodies.read(refs);
  }

  private noteDecided(
    decided: Map<string, { sku: string; events: InventoryEvent[]; expiryAsked: boolean }>,
    envelope: ChannelEventEnvelope,
    command: InventoryCommand,
    item: BatchItemResult<InventoryEvent>,
  ): void {
    if (!this.options.deadlines || item.status === 'failed') return;
    const streamId = item.streamId;
    let d = decided.get(streamId);
    if (!d) decided.set(streamId, (d = { sku: envelope.payload.sku, events: [], expiryAsked: false }));
    if (item.status === 'applied') for (const e of item.events) d.events.push(e);
    if (command.type === 'ExpireReservations') d.expiryAsked = true;
  }

  private countRejections(outcomes: readonly OutcomeMessage[]): void {
    for (const o of outcomes) {
      if (o.type === 'order.rejected' && o.payload.answers === 'order.placed') {
        this.metrics?.rejectedReservations.inc({ reason: o.payload.reasonCode });
      }
      // A refused payment means a buyer paid for what will not be delivered: someone must refund or follow up.
      if (o.type === 'order.rejected' && o.payload.answers === 'order.paid') {
        this.metrics?.rejectedPayments.inc({ channel: o.payload.channel, reason: o.payload.reasonCode });
      }
    }
  }

  private record(
    command: InventoryCommand,
    status: string,
    appended: number,
    events: readonly InventoryEvent[] = [],
  ): void {
    if (!this.metrics) return;
    this.metrics.commands.inc({ command: command.type, result: status });
    if (status === 'applied') this.metrics.eventsAppended.inc(appended);
    if (status !== 'applied' || command.type !== 'ReserveStock') return;
    for (const event of events) {
      if (event.type === 'ReservationRejected' && event.data.rule !== undefined)
        this.metrics.orderRulings.inc({ action: 'refuse' });
      if (event.type === 'StockReserved' && event.data.ruling !== undefined)
        for (const action of Object.keys(event.data.ruling)) this.metrics.orderRulings.inc({ action });
    }
  }
}

/** The answer to a lane command whose requester waits; none when no one does. */
function replyTo(
  envelope: ChannelEventEnvelope,
  outcome: { status: 'applied' | 'duplicate' | 'failed'; version: number; eventCount: number },
  error?: unknown,
): ReplyMessage[] {
  if (envelope.type !== 'inventory.command' || envelope.payload.replyTo === undefined) return [];
  const { sku, commandId, replyTo: requester } = envelope.payload;
  const failure =
    outcome.status === 'failed'
      ? {
          errorCode: errorCodeOf(error),
          errorMessage: String((error as Error)?.message ?? error).slice(0, 500),
        }
      : {};
  return [
    {
      type: 'inventory.command-answered',
      eventId: uuidV5(`${envelope.eventId}/answered`, EVENT_ID_NAMESPACE),
      correlationId: envelope.correlationId,
      payload: { replyTo: requester, commandId, sku, ...outcome, ...failure },
    },
  ];
}

function errorCodeOf(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && /^[A-Z][A-Z0-9_]*(\.[A-Z][A-Z0-9_]*)*$/.test(code)
    ? code
    : 'INVENTORY.COMMAND_FAILED';
}
