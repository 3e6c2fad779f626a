import {
  loopAllocationsOf,
  mapGet,
  orderRecordOf,
  type InventoryEvent,
  type OrderRecord,
  type InventoryState,
  type StockLevels,
  type UnitStatus,
} from '@libs/inventory';
import {
  RESERVATION_FIRST_SET,
  type CardKeyCountDelta,
  type ReservationRow,
  type StockMovementRow,
} from './read-model-rows';
import { NO_SALE, saleOf } from './sale-observation';

/** Where an event sits in its stream and in the store. */
export interface EventPosition {
  sku: string;
  eventId: string;
  version: number;
  globalPosition: number;
  at: Date;
}

export type AlertSignal =
  | { kind: 'raised'; threshold: number; onHand: number; at: Date }
  | { kind: 'cleared'; threshold: number; onHand: number; at: Date };

/** What one event changes in the read models, given the state before and after it. */
export interface EventRowChanges {
  movement: StockMovementRow | null;
  /** One row per order the event decided (a batch's merged rejections name many). */
  reservations: ReservationRow[];
  cardKeyCounts: CardKeyCountDelta[];
  alert: AlertSignal | null;
}

export function eventRowChanges(
  event: InventoryEvent,
  position: EventPosition,
  before: { state: InventoryState; levels: StockLevels },
  after: { state: InventoryState; levels: StockLevels },
): EventRowChanges {
  return {
    movement: movementRow(event, position, before.levels, after.levels),
    reservations: reservationRows(event, position, after.state),
    cardKeyCounts: cardKeyCountDeltas(event, position.sku, before.state, after.state),
    alert: alertSignal(event, position.at),
  };
}

interface MovementFacts {
  quantity: number;
  channel?: string;
  channelOrderId?: string;
  reason?: string;
  ref?: string;
  note?: string | null;
}

/** The events that move stock, and what each is about; null for the others. */
function movementFacts(event: InventoryEvent): MovementFacts | null {
  switch (event.type) {
    case 'StockReceived':
      return { quantity: event.data.quantity, ref: event.data.batchId };
    case 'CardKeysImported':
      return { quantity: event.data.units.length, ref: event.data.batchId };
    case 'StockReserved':
    case 'ReservationConfirmed':
    case 'ReservationExpired': {
      const { quantity, channel, channelOrderId } = event.data;
      return { quantity, channel, channelOrderId };
    }
    case 'ReservationReleased': {
      const { quantity, channel, channelOrderId, note } = event.data;
      return { quantity, channel, channelOrderId, note };
    }
    case 'StockAdjusted':
      return {
        quantity: event.data.delta,
        reason: event.data.reason,
        ref: event.data.adjustmentId,
        note: event.data.note,
      };
    case 'CardKeyVoided':
      return { quantity: 1, ref: event.data.unitId, note: event.data.note };
    case 'OrderRefunded': {
      const { returnedQuantity, channel, channelOrderId, note } = event.data;
      return { quantity: returnedQuantity, channel, channelOrderId, note };
    }
    case 'CardKeyReplaced': {
      const { channel, channelOrderId, unitId, note } = event.data;
      return { quantity: 1, channel, channelOrderId, ref: unitId, note };
    }
    case 'KeysAllocatedManually': {
      const { channel, channelOrderId, unitIds } = event.data;
      return { quantity: unitIds.length, channel, channelOrderId };
    }
    case 'DedicatedPoolOpened':
      return { quantity: event.data.quantity, ref: event.data.poolId };
    case 'DedicatedPoolClosed':
      return { quantity: event.data.returned, ref: event.data.poolId };
    // A supplier-backed SKU's availability moves with its suppliers' reports and its safety buffer.
    case 'SupplierStockObserved':
      return { quantity: event.data.stock ?? 0, ref: event.data.supplierId };
    case 'SupplyConfigured':
      return { quantity: event.data.safetyBuffer, reason: 'safety-buffer' };
    case 'SupplierForwardFulfilled': {
      const { channel, channelOrderId, units, supplierId } = event.data;
      return { quantity: units.length, channel, channelOrderId, ref: supplierId };
    }
    case 'SkuRegistered':
    case 'SkuSettingsChanged':
    case 'ReservationRejected':
    case 'ReservationsRejected':
    case 'CancelledBeforePlacement':
    case 'DeliveryRecorded':
    case 'DeliveryRepeated':
    case 'CardKeyRedeemed':
    case 'ChannelPolicySet':
    case 'LowStockAlerted':
    case 'LowStockCleared':
    case 'CommandRejected':
    case 'BooksClosed':
    case 'OrdersRecalled':
    case 'SupplierForwardStarted':
    case 'SupplierForwardFailed':
    case 'SupplierForwardingExhausted':
    case 'SupplierLateFulfilment':
    case 'PricingSet':
      return null;
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

function movementRow(
  event: InventoryEvent,
  position: EventPosition,
  before: StockLevels,
  after: StockLevels,
): StockMovementRow | null {
  const facts = movementFacts(event);
  if (facts === null) return null;
  return {
    id: position.globalPosition,
    eventId: position.eventId,
    sku: position.sku,
    version: position.version,
    eventType: event.type,
    channel: facts.channel ?? null,
    channelOrderId: facts.channelOrderId ?? null,
    quantity: facts.quantity,
    // Deltas come from the levels themselves, not from the event's numbers, so they always add up to the
    // sku_stock row whatever the event kind (pools, endless parts, voids of sold keys).
    deltaOnHand: after.onHand - before.onHand,
    deltaReserved: after.reserved - before.reserved,
    deltaHeldInPools: after.heldInPools - before.heldInPools,
    deltaAvailable: after.available - before.available,
    onHandAfter: after.onHand,
    availableAfter: after.available,
    reason: facts.reason ?? null,
    ref: facts.ref ?? null,
    note: facts.note ?? null,
    actor: event.data.actor ?? null,
    occurredAt: position.at,
  };
}

/**
 * The order an event is about, if any. A CommandRejected names one too, but the domain does not remember it (an
 * out-of-order notice may still succeed later), so it gets no row either.
 */
interface OrderRef {
  channel: string;
  channelOrderId: string;
  requested?: number;
  /** The data the order's own facts are in: the event's, or one rejection's of a merged batch. */
  source?: unknown;
}

function ordersOf(event: InventoryEvent): OrderRef[] {
  switch (event.type) {
    case 'StockReserved':
    case 'ReservationConfirmed':
    case 'DeliveryRecorded':
    case 'ReservationReleased':
    case 'ReservationExpired':
    case 'OrderRefunded':
    case 'DeliveryRepeated':
    case 'CardKeyReplaced':
    case 'KeysAllocatedManually':
    case 'SupplierForwardStarted':
    case 'SupplierForwardFulfilled':
    case 'SupplierForwardFailed':
    case 'SupplierForwardingExhausted':
    case 'SupplierLateFulfilment':
      return [{ channel: event.data.channel, channelOrderId: event.data.channelOrderId }];
    case 'ReservationRejected':
      return [{ ...event.data, source: event.data }];
    case 'ReservationsRejected':
      return event.data.rejections.map((r) => ({ ...r, source: r }));
    case 'SkuRegistered':
    case 'SkuSettingsChanged':
    case 'StockReceived':
    case 'CardKeysImported':
    case 'StockAdjusted':
    case 'CardKeyRedeemed':
    case 'CardKeyVoided':
    case 'CancelledBeforePlacement':
    case 'ChannelPolicySet':
    case 'DedicatedPoolOpened':
    case 'DedicatedPoolClosed':
    case 'LowStockAlerted':
    case 'LowStockCleared':
    case 'CommandRejected':
    case 'BooksClosed':
    case 'OrdersRecalled':
    case 'SupplyConfigured':
    case 'SupplierStockObserved':
    case 'PricingSet':
      return [];
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

/** Each order's whole row as the domain now records it, so writing it twice is harmless. */
function reservationRows(
  event: InventoryEvent,
  position: EventPosition,
  after: InventoryState,
): ReservationRow[] {
  return ordersOf(event).flatMap((order) => {
    const record = orderRecordOf(after, order.channel, order.channelOrderId);
    return record === null ? [] : [reservationRow(event, order, record, position)];
  });
}

/**
 * The report columns this event sets, null where it sets none: the writer keeps each column's first value, so
 * only the event that settles a fact names it (a later event on the same order names nothing).
 */
function firstSetFacts(
  event: InventoryEvent,
  order: OrderRef,
  record: OrderRecord,
  at: Date,
): Pick<ReservationRow, (typeof RESERVATION_FIRST_SET)[number]> {
  // The sale observations come with the order notice: its reservation, or its rejection.
  const sale =
    event.type === 'StockReserved' ||
    event.type === 'ReservationRejected' ||
    event.type === 'ReservationsRejected'
      ? saleOf(order.source ?? event.data)
      : NO_SALE;
  return {
    paidAt: event.type === 'ReservationConfirmed' ? at : null,
    // Whichever event completes the delivery (the last keys reported, a supplier's keys delivered).
    deliveredAt: record.status === 'delivered' ? at : null,
    refundedAt: event.type === 'OrderRefunded' ? at : null,
    refundNote: event.type === 'OrderRefunded' ? (event.data.note ?? null) : null,
    supplierId: event.type === 'SupplierForwardFulfilled' ? event.data.supplierId : null,
    priority: record.priority ?? null,
    ...sale,
  };
}

function reservationRow(
  event: InventoryEvent,
  order: OrderRef,
  record: OrderRecord,
  position: EventPosition,
): ReservationRow {
  return {
    ...firstSetFacts(event, order, record, position.at),
    channel: record.channel,
    channelOrderId: record.channelOrderId,
    sku: position.sku,
    // The domain keeps 0 for a rejected order; analysts want what was asked for.
    quantity: record.status === 'rejected' ? (order.requested ?? 0) : record.quantity,
    status: record.status,
    reason: record.reason,
    expiresAt: record.expiresAt === null ? null : new Date(record.expiresAt),
    allocatedUnitIds: record.allocatedUnitIds,
    // A state saved before loop allocations were counted still holds the repeated list: read either shape.
    loopUnitIds: loopAllocationsOf(record).map((loop) => loop.unitId),
    createdAt: position.at,
    updatedAt: position.at,
    updatedVersion: position.version,
  };
}

/** Card keys whose status an event may change. */
function touchedUnitIds(event: InventoryEvent, before: InventoryState): readonly string[] {
  switch (event.type) {
    case 'CardKeysImported':
      return event.data.units.map((u) => u.unitId);
    case 'ReservationConfirmed':
      return event.data.allocatedUnitIds;
    case 'DeliveryRecorded': {
      // evolve delivers the keys the order was allocated; the event names them too.
      const record = orderRecordOf(before, event.data.channel, event.data.channelOrderId);
      return [...event.data.unitIds, ...(record?.allocatedUnitIds ?? [])];
    }
    case 'CardKeyRedeemed':
    case 'CardKeyVoided':
      return [event.data.unitId];
    case 'OrderRefunded':
      return event.data.returnedUnitIds;
    case 'CardKeyReplaced':
      return [event.data.unitId, event.data.replacementUnitId];
    case 'KeysAllocatedManually':
      return event.data.unitIds;
    case 'SupplierForwardFulfilled':
      return event.data.units.map((u) => u.unitId);
    case 'SkuRegistered':
    case 'SkuSettingsChanged':
    case 'StockReceived':
    case 'StockReserved':
    case 'ReservationRejected':
    case 'ReservationsRejected':
    case 'ReservationReleased':
    case 'ReservationExpired':
    case 'CancelledBeforePlacement':
    case 'StockAdjusted':
    case 'ChannelPolicySet':
    case 'DedicatedPoolOpened':
    case 'DedicatedPoolClosed':
    case 'LowStockAlerted':
    case 'LowStockCleared':
    case 'CommandRejected':
    case 'BooksClosed':
    case 'OrdersRecalled':
    case 'DeliveryRepeated':
    case 'SupplyConfigured':
    case 'SupplierStockObserved':
    case 'SupplierForwardStarted':
    case 'SupplierForwardFailed':
    case 'SupplierForwardingExhausted':
    case 'SupplierLateFulfilment':
    case 'PricingSet':
      return [];
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

/** Moves each touched key from its old status to its new one, per import batch. */
function cardKeyCountDeltas(
  event: InventoryEvent,
  sku: string,
  before: InventoryState,
  after: InventoryState,
): CardKeyCountDelta[] {
  const deltas = new Map<string, CardKeyCountDelta>();
  const add = (batchId: string, state: UnitStatus, delta: number) => {
    const key = `${batchId.length}:${batchId}:${state}`;
    const entry = deltas.get(key) ?? { sku, batchId, state, delta: 0 };
    entry.delta += delta;
    deltas.set(key, entry);
  };
  for (const unitId of new Set(touchedUnitIds(event, before))) {
    const was = mapGet(before.units, unitId);
    const now = mapGet(after.units, unitId);
    if (now === undefined || was?.status === now.status) continue;
    if (was !== undefined) add(was.batchId, was.status, -1);
    add(now.batchId, now.status, 1);
  }
  return [...deltas.values()].filter((d) => d.delta !== 0);
}

function alertSignal(event: InventoryEvent, at: Date): AlertSignal | null {
  if (event.type === 'LowStockAlerted') {
    return { kind: 'raised', threshold: event.data.threshold, onHand: event.data.onHand, at };
  }
  if (event.type === 'LowStockCleared') {
    return { kind: 'cleared', threshold: event.data.threshold, onHand: event.data.onHand, at };
  }
  return null;
}
