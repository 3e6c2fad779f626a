import {
  ConfirmReservation,
  ExpireReservations,
  RecordDelivery,
  ReleaseReservation,
} from '../inventory-commands';
import { isCancelledBeforePlacement } from '../early-cancellations';
import {
  CancelledBeforePlacement,
  DeliveryRecorded,
  InventoryEvent,
  loopAllocationsOf,
  ReservationConfirmed,
  ReservationExpired,
  ReservationReleased,
} from '../inventory-events';
import { InventoryState, LoopAllocation, OrderRecord, ReservedLine } from '../inventory-state';
import { orderKey } from '../order-key';
import { mapEntries, mapGet } from '../persistent-map';
import { ReasonCode } from '../reason-codes';
import { peekUnits } from '../unit-queue';
import { contextOf, isId, isInstant, noteOf, preconditionFailure, rejectCommand } from './decision-helpers';
import { planLines } from './reserve-stock';
import { nextForward } from './supply';

type OrderCommand = ConfirmReservation | RecordDelivery | ReleaseReservation;

function findOrder(command: OrderCommand, state: InventoryState): OrderRecord | ReasonCode {
  const failure = preconditionFailure(command, state);
  if (failure !== null) return failure;
  const { channel, channelOrderId } = command.data;
  if (!isId(channel) || !isId(channelOrderId)) return 'INVALID_REFERENCE';
  return mapGet(state.orders, orderKey(channel, channelOrderId)) ?? 'RESERVATION_NOT_FOUND';
}

/**
 * Payment turns the reservation into a sale. Card keys are picked here, first received first out, and
 * not at reservation, so a key is never bound to an order that is not paid for. A confirmation that
 * arrives after expiresAt but before the expiry sweep still wins: the stock is still held for it.
 *
 * A payment is never refused for time: the buyer has paid. If the hold lapsed (expired) before the payment
 * arrived, the order is planned again from the stock available now and sold at once (`renewedLines`); only a
 * lack of stock can then refuse it.
 */
export function decideConfirmReservation(
  command: ConfirmReservation,
  state: InventoryState,
): InventoryEvent[] {
  const order = findOrder(command, state);
  if (typeof order === 'string') return rejectCommand(command, order);
  switch (order.status) {
    case 'confirmed':
    case 'delivered':
    case 'refunded':
    case 'awaiting-keys':
    case 'forwarding':
      return [];
    case 'rejected':
      return rejectCommand(command, 'ORDER_REJECTED');
    case 'released':
      return rejectCommand(command, 'RESERVATION_RELEASED');
    case 'expired':
    case 'reserved':
      break;
    default: {
      const unreachable: never = order.status;
      return unreachable;
    }
  }

  let lines: readonly ReservedLine[] = order.lines;
  let renewedLines: readonly ReservedLine[] | undefined;
  if (order.status === 'expired') {
    const planned = planLines(
      order.lines.map((line) => ({ quantity: line.quantity, poolId: line.poolId })),
      state,
    );
    if (typeof planned === 'string') return rejectCommand(command, planned);
    lines = planned;
    renewedLines = planned;
  }
  let allocatedUnitIds: string[] = [];
  let loopUnits: LoopAllocation[] = [];
  let awaitingKeys: number | undefined;
  if (state.kind === 'cardKey') {
    const counted = lines.reduce((sum, line) => sum + line.quantity - line.endless, 0);
    const endless = lines.reduce((sum, line) => sum + line.endless, 0);
    // Manual delivery: the single-use keys wait for an operator, their stock held (loop keys are handed out now).
    // An order a rule holds for review waits the same way, in the same queue.
    if ((state.deliveryMode === 'manual' || order.held !== undefined) && counted > 0) awaitingKeys = counted;
    allocatedUnitIds =
      awaitingKeys !== undefined
        ? []
        : peekUnits(
            state.unitQueue,
            counted,
            (unitId) => mapGet(state.units, unitId)?.status === 'available',
          );
    // Unreachable while on hand ≥ reserved holds; answered rather than thrown so the order still gets a reply.
    if (awaitingKeys === undefined && allocatedUnitIds.length < counted)
      return rejectCommand(command, 'INSUFFICIENT_STOCK');
    if (endless > 0 && state.loopUnitIds.length === 0) return rejectCommand(command, 'INSUFFICIENT_STOCK');
    loopUnits = spreadOverLoopKeys(endless, state.loopUnitIds);
  }
  const forwarding = state.kind === 'supplier' ? order.quantity : undefined;
  const confirmed: ReservationConfirmed = {
    type: 'ReservationConfirmed',
    data: {
      channel: order.channel,
      channelOrderId: order.channelOrderId,
      quantity: order.quantity,
      allocatedUnitIds,
      loopUnits,
      ...(renewedLines === undefined ? {} : { renewedLines }),
      ...(awaitingKeys === undefined ? {} : { awaitingKeys }),
      ...(forwarding === undefined ? {} : { forwarding }),
      ...contextOf(command),
    },
  };
  // 一键代发: the paid order goes to its first supplier in the same answer, so no payment is left unforwarded —
  // unless a rule holds it for review: then it is forwarded when an operator releases it (ReleaseHold).
  if (forwarding !== undefined && order.held === undefined)
    return [confirmed, nextForward(state, order, contextOf(command))];
  return [confirmed];
}

/**
 * The live loop keys take turns, first received first: key i of n gets ⌊units/n⌋, plus one for the first
 * units mod n keys. Computed as counts, so its size is the number of loop keys, whatever the order's size.
 */
function spreadOverLoopKeys(units: number, loopKeys: readonly string[]): LoopAllocation[] {
  const each = Math.floor(units / loopKeys.length);
  const extra = units % loopKeys.length;
  const spread: LoopAllocation[] = [];
  loopKeys.forEach((unitId, i) => {
    const count = each + (i < extra ? 1 : 0);
    if (count > 0) spread.push({ unitId, count });
  });
  return spread;
}

/**
 * Records that keys of the order reached the buyer (the connector reports each delivery the platform acknowledged);
 * the order is delivered once none of its keys is still waiting. A report that adds nothing changes nothing.
 */
export function decideRecordDelivery(command: RecordDelivery, state: InventoryState): InventoryEvent[] {
  const order = findOrder(command, state);
  if (typeof order === 'string') return rejectCommand(command, order);
  if (order.status === 'delivered' || order.status === 'refunded') return [];
  if (order.status !== 'confirmed' && order.status !== 'awaiting-keys')
    return rejectCommand(command, 'NOT_CONFIRMED');
  const loops = loopAllocationsOf(order).map((loop) => loop.unitId);
  const named = command.data.unitIds;
  if (named !== undefined && !Array.isArray(named)) return rejectCommand(command, 'INVALID_REFERENCE');
  const reported = new Set(named ?? [...order.allocatedUnitIds, ...loops]);
  // The record alone says which keys arrived (see OrderRecord.deliveredUnitIds), as after closing the books.
  const received = new Set(order.deliveredUnitIds ?? []);
  const unitIds = [...order.allocatedUnitIds, ...loops].filter((id) => reported.has(id) && !received.has(id));
  // An order with keys records only keys newly delivered; one without (counted or unlimited stock) is delivered
  // as a whole.
  const withoutKeys =
    order.status === 'confirmed' && order.allocatedUnitIds.length === 0 && loops.length === 0;
  if (unitIds.length === 0 && !withoutKeys) return [];
  const delivered: DeliveryRecorded = {
    type: 'DeliveryRecorded',
    data: { channel: order.channel, channelOrderId: order.channelOrderId, unitIds, ...contextOf(command) },
  };
  return [delivered];
}

/**
 * A cancel. Releasing what holds nothing (already released, expired or rejected) is a silent no-op. A cancel
 * for an order this SKU has not seen yet is remembered (see early-cancellations.ts), so that its placement,
 * arriving late, is refused rather than holding stock for a cancelled order.
 */
export function decideReleaseReservation(
  command: ReleaseReservation,
  state: InventoryState,
): InventoryEvent[] {
  const order = findOrder(command, state);
  if (order === 'RESERVATION_NOT_FOUND') return rememberEarlyCancel(command, state);
  if (typeof order === 'string') return rejectCommand(command, order);
  switch (order.status) {
    case 'released':
    case 'expired':
    case 'rejected':
      return [];
    case 'confirmed':
    case 'delivered':
    case 'refunded':
    case 'awaiting-keys':
    case 'forwarding':
      return rejectCommand(command, 'ALREADY_CONFIRMED');
    case 'reserved': {
      const released: ReservationReleased = {
        type: 'ReservationReleased',
        data: {
          channel: order.channel,
          channelOrderId: order.channelOrderId,
          quantity: order.quantity,
          note: noteOf(command.data.note),
          ...contextOf(command),
        },
      };
      return [released];
    }
    default: {
      const unreachable: never = order.status;
      return unreachable;
    }
  }
}

function rememberEarlyCancel(command: ReleaseReservation, state: InventoryState): InventoryEvent[] {
  const { channel, channelOrderId } = command.data;
  if (isCancelledBeforePlacement(state.earlyCancellations, channel, channelOrderId)) return [];
  const remembered: CancelledBeforePlacement = {
    type: 'CancelledBeforePlacement',
    data: { channel, channelOrderId, note: noteOf(command.data.note), ...contextOf(command) },
  };
  return [remembered];
}

/** Every reservation whose expiresAt ≤ now, oldest first, one event per order. */
export function decideExpireReservations(
  command: ExpireReservations,
  state: InventoryState,
): InventoryEvent[] {
  const { now } = command.data;
  if (!isInstant(now)) return rejectCommand(command, 'INVALID_TIME');
  const due = mapEntries(state.openReservations)
    .filter(([, expiresAt]) => expiresAt <= now)
    .sort(([keyA, a], [keyB, b]) => a - b || (keyA < keyB ? -1 : keyA > keyB ? 1 : 0));
  const expired: ReservationExpired[] = [];
  for (const [key, expiresAt] of due) {
    const order = mapGet(state.orders, key);
    if (order === undefined) continue;
    expired.push({
      type: 'ReservationExpired',
      data: {
        channel: order.channel,
        channelOrderId: order.channelOrderId,
        quantity: order.quantity,
        expiresAt,
        ...contextOf(command),
      },
    });
  }
  return expired;
}
