import { EVENT_ID_NAMESPACE, uuidV5, type BatchItemResult } from '@libs/command-handling';
import {
  isCancelledBeforePlacement,
  loopAllocationsOf,
  outcomeOf,
  recallOrders,
  type InventoryEvent,
  type InventoryState,
  type LoopAllocation,
} from '@libs/inventory';
import {
  encodeMessage,
  MAX_UNITS_PER_ALLOCATION_MESSAGE,
  OrderOutcomesTopic,
  type OutgoingMessage,
} from '@libs/messaging';
import type { ChannelEventEnvelope } from './channel-event-commands';

export type OutcomeMessage = OutgoingMessage<typeof OrderOutcomesTopic>;

/**
 * The answers published without validation on encode (PublishOptions.encodeWithoutValidation). Every field of
 * them is copied from the order event, validated by the same field rules when it was decoded (channel, order id,
 * SKU), or comes from the decision: `answers` is the event's own type, `reasonCode` one of the domain's
 * REASON_CODES, `skuVersion` a stream version, the ids name-based UUIDs. `order-outcomes.properties.unit.spec.ts`
 * holds every such answer the processor builds to the schema. Card-key allocations are still validated: their
 * unit ids come from the stored stock, not from the event being answered.
 */
export const OUTCOMES_BUILT_FROM_VALIDATED_DATA = ['order.accepted', 'order.rejected'] as const;

type OrderEnvelope = Extract<
  ChannelEventEnvelope,
  { type: 'order.placed' | 'order.paid' | 'order.cancelled' }
>;

function isOrderEvent(e: ChannelEventEnvelope): e is OrderEnvelope {
  return e.type === 'order.placed' || e.type === 'order.paid' || e.type === 'order.cancelled';
}

interface Decision {
  accepted: boolean;
  reasonCode?: string;
  unitIds?: readonly string[];
  loopUnits?: readonly LoopAllocation[];
}

/**
 * The answers a connector gets for one order event. A repeated delivery is answered from the same stored
 * decision with the same message ids, so a connector that sees an answer twice can drop the copy.
 */
export function outcomesFor(
  envelope: ChannelEventEnvelope,
  item: BatchItemResult<InventoryEvent>,
  state: InventoryState,
  streamVersion: number,
  /** When the answer was given (epoch ms): passed in, so that an in-process run stays deterministic. */
  answeredAt: number,
): OutcomeMessage[] {
  if (!isOrderEvent(envelope) || item.status === 'failed') return [];
  const { channel, channelOrderId, sku } = envelope.payload;
  const decision =
    decisionFromEvents(envelope.type, item.events, channel, channelOrderId) ??
    decisionFromState(envelope.type, withRecalledOrders(state, item.events), channel, channelOrderId);
  const skuVersion =
    item.recorded.length > 0 ? item.recorded[item.recorded.length - 1].version : streamVersion;
  const id = (kind: string) => uuidV5(`${envelope.eventId}/${kind}`, EVENT_ID_NAMESPACE);
  const common = { correlationId: envelope.correlationId, occurredAt: new Date(answeredAt) };
  const answers = envelope.type;

  if (!decision.accepted) {
    return [
      {
        ...common,
        type: 'order.rejected',
        eventId: id('rejected'),
        payload: {
          channel,
          channelOrderId,
          sku,
          answers,
          reasonCode: decision.reasonCode ?? 'ORDER_REJECTED',
          skuVersion,
        },
      },
    ];
  }
  const out: OutcomeMessage[] = [
    {
      ...common,
      type: 'order.accepted',
      eventId: id('accepted'),
      payload: { channel, channelOrderId, sku, answers, skuVersion },
    },
  ];
  allocationPayloads(envelope.payload, decision, skuVersion).forEach((payload, i) => {
    out.push({
      ...common,
      type: 'card-keys.allocated',
      // Part 1 keeps the id a single allocation always had, so answers stored before splitting still match.
      eventId: id(i === 0 ? 'allocated' : `allocated/${i + 1}`),
      payload,
    });
  });
  return out;
}

type AllocationPayload = Extract<OutcomeMessage, { type: 'card-keys.allocated' }>['payload'];

function allocationPayloads(
  order: { channel: string; channelOrderId: string; sku: string },
  decision: Decision,
  skuVersion: number,
): AllocationPayload[] {
  const { channel, channelOrderId, sku } = order;
  const parts = allocationParts(decision.unitIds ?? [], decision.loopUnits ?? []);
  return parts.map((part, i) => ({
    channel,
    channelOrderId,
    sku,
    ...part,
    ...(parts.length > 1 ? { part: i + 1, parts: parts.length } : {}),
    skuVersion,
  }));
}

/**
 * Throws (MESSAGING.INVALID_MESSAGE) when the allocation a payment has just decided could not be published, for
 * example a unit id the topic refuses. Run before the decision is stored, so keys are never allocated to an
 * answer that cannot reach the connector. Only allocations are checked: the other answers carry fields already
 * validated when the channel event was read, and checking them too would cost every order a validation.
 */
export function checkAllocationOutcomes(
  envelope: ChannelEventEnvelope,
  events: readonly InventoryEvent[],
): void {
  if (envelope.type !== 'order.paid') return;
  const decision = decisionFromEvents(
    'order.paid',
    events,
    envelope.payload.channel,
    envelope.payload.channelOrderId,
  );
  if (decision === null || !decision.accepted) return;
  for (const payload of allocationPayloads(envelope.payload, decision, 0)) {
    encodeMessage(OrderOutcomesTopic, { type: 'card-keys.allocated', payload }, 'inventory-service');
  }
}

/**
 * An allocation cut into messages of at most MAX_UNITS_PER_ALLOCATION_MESSAGE entries (single-use unit ids first,
 * then loop keys with their counts), in a fixed order so that a redelivery cuts it the same way. Each key is in
 * exactly one part: the connector delivers the parts independently and loses nothing if one comes late.
 */
export function allocationParts(
  unitIds: readonly string[],
  loopUnits: readonly LoopAllocation[],
): { unitIds: string[]; loopUnits?: { unitId: string; count: number }[] }[] {
  const entries: ({ single: string } | { loop: LoopAllocation })[] = [
    ...unitIds.map((single) => ({ single })),
    ...loopUnits.map((loop) => ({ loop })),
  ];
  const parts: { unitIds: string[]; loopUnits?: { unitId: string; count: number }[] }[] = [];
  for (let start = 0; start < entries.length; start += MAX_UNITS_PER_ALLOCATION_MESSAGE) {
    const chunk = entries.slice(start, start + MAX_UNITS_PER_ALLOCATION_MESSAGE);
    const singles = chunk.flatMap((e) => ('single' in e ? [e.single] : []));
    const loops = chunk.flatMap((e) => ('loop' in e ? [{ unitId: e.loop.unitId, count: e.loop.count }] : []));
    parts.push(loops.length > 0 ? { unitIds: singles, loopUnits: loops } : { unitIds: singles });
  }
  return parts;
}

function decisionFromEvents(
  type: OrderEnvelope['type'],
  events: readonly InventoryEvent[],
  channel: string,
  channelOrderId: string,
): Decision | null {
  for (const e of events) {
    switch (e.type) {
      case 'ReservationsRejected': {
        // A redelivered placement whose first answer was stored with the rest of its batch's rejections.
        const own = e.data.rejections.find(
          (r) => r.channel === channel && r.channelOrderId === channelOrderId,
        );
        if (own) return { accepted: false, reasonCode: own.reason };
        break;
      }
      case 'ReservationRejected':
      case 'CommandRejected':
        return { accepted: false, reasonCode: e.data.reason };
      case 'StockReserved':
        if (type === 'order.placed') return { accepted: true };
        break;
      case 'ReservationConfirmed':
        if (type === 'order.paid') {
          return { accepted: true, unitIds: e.data.allocatedUnitIds, loopUnits: loopAllocationsOf(e.data) };
        }
        break;
      case 'ReservationReleased':
      case 'CancelledBeforePlacement':
        if (type === 'order.cancelled') return { accepted: true };
        break;
      default:
        break;
    }
  }
  return null;
}

/**
 * A decision that only brought an order's closed record back (a notice sent again long after) is answered from
 * that record, even when the books have closed on it again since (a redelivery of that decision).
 */
function withRecalledOrders(state: InventoryState, events: readonly InventoryEvent[]): InventoryState {
  const recalled = events.flatMap((e) => (e.type === 'OrdersRecalled' ? e.data.orders : []));
  return recalled.length === 0 ? state : recallOrders(state, recalled);
}

/** A repeat that emitted nothing (the decider's idempotency) is answered from the order's recorded state. */
function decisionFromState(
  type: OrderEnvelope['type'],
  state: InventoryState,
  channel: string,
  channelOrderId: string,
): Decision {
  const outcome = outcomeOf(state, channel, channelOrderId);
  if (outcome === null && type === 'order.cancelled') {
    // A cancel remembered for a placement still to come.
    if (isCancelledBeforePlacement(state.earlyCancellations, channel, channelOrderId))
      return { accepted: true };
  }
  if (outcome === null) return { accepted: false, reasonCode: 'RESERVATION_NOT_FOUND' };
  if (outcome.status === 'rejected') return { accepted: false, reasonCode: outcome.reason };
  switch (type) {
    case 'order.placed':
      return { accepted: true };
    case 'order.paid':
      // Paid (confirmed, delivered, refunded since, or waiting for keys by hand): the payment was accepted.
      if ('allocatedUnitIds' in outcome) {
        return { accepted: true, unitIds: outcome.allocatedUnitIds, loopUnits: outcome.loopUnits };
      }
      return {
        accepted: false,
        reasonCode: outcome.status === 'expired' ? 'RESERVATION_EXPIRED' : 'RESERVATION_RELEASED',
      };
    case 'order.cancelled':
      return outcome.status === 'released' || outcome.status === 'expired'
        ? { accepted: true }
        : { accepted: false, reasonCode: 'ALREADY_CONFIRMED' };
    default: {
      const unreachable: never = type;
      return unreachable;
    }
  }
}
