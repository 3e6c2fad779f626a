import { AllocateCardKeys, RedeliverOrder, RefundOrder, ReplaceCardKey } from '../inventory-commands';
import {
  CardKeyReplaced,
  DeliveryRepeated,
  InventoryEvent,
  KeysAllocatedManually,
  loopAllocationsOf,
  OrderRefunded,
} from '../inventory-events';
import { InventoryState, OrderRecord } from '../inventory-state';
import { orderKey } from '../order-key';
import { mapGet } from '../persistent-map';
import { ReasonCode } from '../reason-codes';
import { generalAvailable } from '../stock-levels';
import { peekUnits } from '../unit-queue';
import { contextOf, isId, noteOf, preconditionFailure, rejectCommand } from './decision-helpers';

/** The shortest time between two redeliveries of one order: a double click, or a buyer asking again at once. */
export const REDELIVERY_MIN_INTERVAL_MS = 60_000;
/** Redeliveries one order may have: past that the order needs a look, not another copy. */
export const MAX_REDELIVERIES = 5;

type OperatorOrderCommand = RefundOrder | RedeliverOrder | ReplaceCardKey | AllocateCardKeys;

/** Single-use keys an order waiting in manual mode still needs: its counted units not given a key yet. */
export function keysAwaited(order: OrderRecord): number {
  if (order.status !== 'awaiting-keys') return 0;
  const counted = order.lines.reduce((sum, line) => sum + line.quantity - line.endless, 0);
  return Math.max(0, counted - order.allocatedUnitIds.length);
}

/** The paid order the command is about, or why there is none to act on. */
function paidOrder(command: OperatorOrderCommand, state: InventoryState): OrderRecord | ReasonCode {
  const failure = preconditionFailure(command, state);
  if (failure !== null) return failure;
  const { channel, channelOrderId } = command.data;
  if (!isId(channel) || !isId(channelOrderId)) return 'INVALID_REFERENCE';
  const order = mapGet(state.orders, orderKey(channel, channelOrderId));
  if (order === undefined) return 'RESERVATION_NOT_FOUND';
  switch (order.status) {
    case 'confirmed':
    case 'delivered':
    case 'refunded':
    case 'awaiting-keys':
    case 'forwarding':
      return order;
    case 'reserved':
    case 'released':
    case 'expired':
    case 'rejected':
      return 'NOT_PAID';
    default: {
      const unreachable: never = order.status;
      return unreachable;
    }
  }
}

/**
 * 退款. Keys the buyer has not received go back to stock (first in the queue again behind what is there); keys
 * delivered stay spent (void them to take them out of use). Counted stock of an order that is not a card-key order
 * goes back whole: nothing here tracks its shipment, so an order already shipped is refunded and then corrected
 * with an adjustment. Endless supply is no longer counted as delivered. Refunding again changes nothing.
 */
export function decideRefundOrder(command: RefundOrder, state: InventoryState): InventoryEvent[] {
  const order = paidOrder(command, state);
  if (typeof order === 'string') return rejectCommand(command, order);
  if (order.status === 'refunded') return [];
  if (order.status === 'forwarding' && order.forward?.open != null) {
    return rejectCommand(command, 'FORWARD_IN_PROGRESS');
  }
  // Keys a supplier sold us stay bought: a supplier-backed order gives back only what no supplier fulfilled.
  const forwarding = order.status === 'forwarding' ? order.quantity : 0;
  const returnedUnitIds =
    state.kind === 'cardKey'
      ? order.allocatedUnitIds.filter((unitId) => mapGet(state.units, unitId)?.status === 'allocated')
      : [];
  const delivered = order.status === 'delivered' || state.kind === 'supplier';
  const counted = order.lines.reduce((sum, line) => sum + line.quantity - line.endless, 0);
  const endless = order.lines.reduce((sum, line) => sum + line.endless, 0);
  const held = keysAwaited(order);
  const refunded: OrderRefunded = {
    type: 'OrderRefunded',
    data: {
      channel: order.channel,
      channelOrderId: order.channelOrderId,
      returnedUnitIds,
      returnedQuantity: state.kind === 'cardKey' ? returnedUnitIds.length : delivered ? 0 : counted,
      endlessReturned: delivered ? 0 : endless,
      ...(held > 0 ? { releasedHeld: held } : {}),
      ...(forwarding > 0 ? { releasedForwarding: forwarding } : {}),
      note: noteOf(command.data.note),
      ...contextOf(command),
    },
  };
  return [refunded];
}

/**
 * 补发: the order's keys, every one not voided, are to be sent again. Not more often than once a
 * REDELIVERY_MIN_INTERVAL_MS nor more than MAX_REDELIVERIES times per order.
 */
export function decideRedeliverOrder(command: RedeliverOrder, state: InventoryState): InventoryEvent[] {
  const order = paidOrder(command, state);
  if (typeof order === 'string') return rejectCommand(command, order);
  if (order.status === 'refunded') return rejectCommand(command, 'ORDER_REFUNDED');
  // A supplier-backed SKU's keys are units of the SKU too, once a supplier fulfilled the order.
  if (state.kind !== 'cardKey' && state.kind !== 'supplier') return rejectCommand(command, 'KIND_MISMATCH');
  const unitIds = order.allocatedUnitIds.filter((unitId) => {
    const status = mapGet(state.units, unitId)?.status;
    return status !== undefined && status !== 'voided';
  });
  const loopUnits = loopAllocationsOf(order).filter(
    ({ unitId }) => mapGet(state.units, unitId)?.status !== 'voided',
  );
  if (unitIds.length === 0 && loopUnits.length === 0) return rejectCommand(command, 'NOTHING_TO_DELIVER');
  const done = order.redeliveries ?? 0;
  if (done >= MAX_REDELIVERIES) return rejectCommand(command, 'REDELIVERY_LIMIT_REACHED');
  const { now } = command.data;
  if (order.lastRedeliveryAt !== undefined && now - order.lastRedeliveryAt < REDELIVERY_MIN_INTERVAL_MS)
    return rejectCommand(command, 'REDELIVERY_TOO_SOON');
  const repeated: DeliveryRepeated = {
    type: 'DeliveryRepeated',
    data: {
      channel: order.channel,
      channelOrderId: order.channelOrderId,
      unitIds,
      loopUnits,
      redelivery: done + 1,
      note: noteOf(command.data.note),
      ...contextOf(command),
    },
  };
  return [repeated];
}

/**
 * 换卡: the named key of the order is voided and the first available key takes its place. Asking again for a key
 * already replaced changes nothing. Only a single-use key is replaced, and only from general stock: what other
 * orders hold or pools keep aside is never taken.
 */
export function decideReplaceCardKey(command: ReplaceCardKey, state: InventoryState): InventoryEvent[] {
  const order = paidOrder(command, state);
  if (typeof order === 'string') return rejectCommand(command, order);
  if (state.kind !== 'cardKey') return rejectCommand(command, 'KIND_MISMATCH');
  const { unitId } = command.data;
  const unit = isId(unitId) ? mapGet(state.units, unitId) : undefined;
  if (unit === undefined) return rejectCommand(command, 'UNIT_NOT_FOUND');
  const key = orderKey(order.channel, order.channelOrderId);
  if (unit.orderKey !== key) {
    const loopOfOrder = loopAllocationsOf(order).some((l) => l.unitId === unitId);
    return rejectCommand(command, loopOfOrder ? 'UNIT_IS_LOOP_KEY' : 'UNIT_NOT_IN_ORDER');
  }
  // Allocated to this order once and no longer among its keys: replaced before.
  if (!order.allocatedUnitIds.includes(unitId)) return [];
  if (order.status === 'refunded') return rejectCommand(command, 'ORDER_REFUNDED');
  if (unit.status === 'redeemed') return rejectCommand(command, 'UNIT_ALREADY_REDEEMED');
  if (unit.status === 'voided') return rejectCommand(command, 'UNIT_VOIDED');
  if (generalAvailable(state) < 1) return rejectCommand(command, 'INSUFFICIENT_STOCK');
  const [replacementUnitId] = peekUnits(
    state.unitQueue,
    1,
    (id) => mapGet(state.units, id)?.status === 'available',
  );
  // Unreachable while on hand counts the available keys; answered rather than thrown.
  if (replacementUnitId === undefined) return rejectCommand(command, 'INSUFFICIENT_STOCK');
  const replaced: CardKeyReplaced = {
    type: 'CardKeyReplaced',
    data: {
      channel: order.channel,
      channelOrderId: order.channelOrderId,
      unitId,
      previousStatus: unit.status,
      replacementUnitId,
      note: noteOf(command.data.note),
      ...contextOf(command),
    },
  };
  return [replaced];
}

/**
 * 手动发货: keys for an order waiting in manual mode — the named ones (each an available single-use key of this SKU)
 * or, none named, the first available. The order is confirmed once it has all its keys; giving the same keys again
 * changes nothing.
 */
export function decideAllocateCardKeys(command: AllocateCardKeys, state: InventoryState): InventoryEvent[] {
  const order = paidOrder(command, state);
  if (typeof order === 'string') return rejectCommand(command, order);
  if (state.kind !== 'cardKey') return rejectCommand(command, 'KIND_MISMATCH');
  const named = command.data.unitIds;
  if (named !== undefined && (!Array.isArray(named) || !named.every(isId)))
    return rejectCommand(command, 'INVALID_REFERENCE');
  const key = orderKey(order.channel, order.channelOrderId);
  const wanted = named === undefined ? undefined : [...new Set(named)];
  // The same keys given again (a repeated request): already the order's.
  if (
    wanted !== undefined &&
    wanted.length > 0 &&
    wanted.every((u) => mapGet(state.units, u)?.orderKey === key)
  )
    return [];
  if (order.status === 'refunded') return rejectCommand(command, 'ORDER_REFUNDED');
  const awaited = keysAwaited(order);
  if (awaited === 0) return rejectCommand(command, 'NOT_AWAITING_KEYS');
  let unitIds: string[];
  if (wanted === undefined) {
    unitIds = peekUnits(state.unitQueue, awaited, (id) => mapGet(state.units, id)?.status === 'available');
    // Unreachable while the held stock counts these keys; answered rather than thrown.
    if (unitIds.length < awaited) return rejectCommand(command, 'INSUFFICIENT_STOCK');
  } else {
    if (wanted.length === 0) return rejectCommand(command, 'INVALID_REFERENCE');
    if (wanted.length > awaited) return rejectCommand(command, 'TOO_MANY_KEYS');
    for (const unitId of wanted) {
      const unit = mapGet(state.units, unitId);
      if (unit === undefined) return rejectCommand(command, 'UNIT_NOT_FOUND');
      if (unit.loop) return rejectCommand(command, 'UNIT_IS_LOOP_KEY');
      if (unit.status !== 'available') return rejectCommand(command, 'UNIT_NOT_AVAILABLE');
    }
    unitIds = wanted;
  }
  const allocated: KeysAllocatedManually = {
    type: 'KeysAllocatedManually',
    data: { channel: order.channel, channelOrderId: order.channelOrderId, unitIds, ...contextOf(command) },
  };
  return [allocated];
}
