import {
  CardKeyReplaced,
  InventoryEvent,
  KeysAllocatedManually,
  loopAllocationsOf,
  OrderRefunded,
  RejectedOrder,
  ReservationConfirmed,
  StockReserved,
} from './inventory-events';
import {
  BatchRecord,
  CardKeyUnit,
  DedicatedPool,
  InventoryState,
  OrderRecord,
  OrderStatus,
  ReservedLine,
  StockCounters,
} from './inventory-state';
import { closeBooks, recallOrders } from './close-books';
import { addEarlyCancellation, removeEarlyCancellation } from './early-cancellations';
import { orderKey } from './order-key';
import { own } from './own';
import { mapDelete, mapGet, mapSet, PersistentMap } from './persistent-map';
import { enqueueUnits, settleHead, UnitQueue } from './unit-queue';
import {
  configureSupply,
  exhaustForward,
  failForward,
  fulfilForward,
  observeSupplierStock,
  recordLateFulfilment,
  releaseHold,
  startForward,
} from './evolve-supply';

/** Pure: returns a new state and never touches the one it is given. */
export function evolve(state: InventoryState, event: InventoryEvent): InventoryState {
  switch (event.type) {
    case 'SkuRegistered': {
      const { lowStockThreshold, perOrderCap } = event.data;
      return {
        ...state,
        sku: event.data.sku,
        kind: event.data.kind,
        lowStockThreshold,
        perOrderCap,
        registeredSettings: { lowStockThreshold, perOrderCap },
      };
    }
    case 'SkuSettingsChanged':
      return {
        ...state,
        lowStockThreshold: event.data.lowStockThreshold,
        perOrderCap: event.data.perOrderCap,
        ...(event.data.deliveryMode === undefined ? {} : { deliveryMode: event.data.deliveryMode }),
      };
    case 'StockReceived': {
      const { quantity, batchId } = event.data;
      return {
        ...state,
        counters: bump(state.counters, { received: quantity, onHand: quantity }),
        batches: mapSet(state.batches, batchId, { added: quantity, skipped: 0 }),
      };
    }
    case 'CardKeysImported': {
      const { batchId, units, skipped } = event.data;
      let unitMap = state.units;
      let fingerprints = state.fingerprints;
      const singles: string[] = [];
      const loops: string[] = [];
      for (const unit of units) {
        unitMap = mapSet(unitMap, unit.unitId, {
          fingerprint: unit.fingerprint,
          loop: unit.loop,
          status: 'available',
          orderKey: null,
          batchId,
        });
        fingerprints = mapSet(fingerprints, unit.fingerprint, unit.unitId);
        (unit.loop ? loops : singles).push(unit.unitId);
      }
      return {
        ...state,
        units: unitMap,
        fingerprints,
        unitQueue: enqueueUnits(state.unitQueue, singles),
        loopUnitIds: loops.length === 0 ? state.loopUnitIds : [...state.loopUnitIds, ...loops],
        counters: bump(state.counters, { received: singles.length, onHand: singles.length }),
        batches: mapSet(state.batches, batchId, importedSoFar(state, batchId, units.length, skipped.length)),
      };
    }
    case 'StockReserved':
      return reserve(state, event);
    case 'ReservationRejected':
      return rejectOrder(state, event.data);
    case 'ReservationsRejected':
      return event.data.rejections.reduce(rejectOrder, state);
    case 'CancelledBeforePlacement': {
      const key = orderKey(event.data.channel, event.data.channelOrderId);
      return {
        ...state,
        earlyCancellations: addEarlyCancellation(state.earlyCancellations, key, event.data.at),
      };
    }
    case 'ReservationConfirmed':
      return confirm(state, event);
    case 'DeliveryRecorded': {
      const key = orderKey(event.data.channel, event.data.channelOrderId);
      const record = mapGet(state.orders, key);
      if (record === undefined) return state;
      let units = state.units;
      for (const unitId of event.data.unitIds) {
        const unit = mapGet(units, unitId);
        if (unit !== undefined && unit.status === 'allocated' && unit.orderKey === key)
          units = mapSet(units, unitId, { ...unit, status: 'delivered' });
      }
      const delivered = new Set([...deliveredOf(record), ...event.data.unitIds]);
      const keys = keysOf(record);
      const waiting = record.status === 'awaiting-keys' || keys.some((unitId) => !delivered.has(unitId));
      const { deliveredUnitIds: _before, ...rest } = record;
      const next: OrderRecord = waiting
        ? { ...rest, settledAt: event.data.at, deliveredUnitIds: keys.filter((u) => delivered.has(u)) }
        : { ...rest, status: 'delivered', settledAt: event.data.at };
      return { ...state, units, orders: mapSet(state.orders, key, next) };
    }
    case 'OrderRefunded':
      return refund(state, event);
    case 'DeliveryRepeated': {
      const key = orderKey(event.data.channel, event.data.channelOrderId);
      const record = mapGet(state.orders, key);
      if (record === undefined) return state;
      return {
        ...state,
        orders: mapSet(state.orders, key, {
          ...record,
          redeliveries: event.data.redelivery,
          lastRedeliveryAt: event.data.at,
        }),
      };
    }
    case 'CardKeyReplaced':
      return replaceKey(state, event);
    case 'KeysAllocatedManually':
      return allocateByHand(state, event);
    case 'ReservationReleased':
      return endReservation(state, event.data, 'released');
    case 'ReservationExpired':
      return endReservation(state, event.data, 'expired');
    case 'StockAdjusted': {
      const { delta, adjustmentId } = event.data;
      return {
        ...state,
        counters: bump(state.counters, { adjusted: -delta, onHand: delta }),
        adjustments: mapSet(state.adjustments, adjustmentId, delta),
      };
    }
    case 'CardKeyRedeemed':
      return updateUnit(state, event.data.unitId, (unit) => ({ ...unit, status: 'redeemed' }));
    case 'CardKeyVoided': {
      const { unitId, previousStatus, loop } = event.data;
      const next = updateUnit(state, unitId, (unit) => ({ ...unit, status: 'voided' }));
      if (loop) return { ...next, loopUnitIds: next.loopUnitIds.filter((id) => id !== unitId) };
      const unsold = previousStatus === 'available';
      return {
        ...next,
        counters: bump(next.counters, unsold ? { onHand: -1, adjusted: 1, voided: 1 } : { voided: 1 }),
        unitQueue: unsold ? settle(next.unitQueue, next.units) : next.unitQueue,
      };
    }
    case 'ChannelPolicySet':
      return {
        ...state,
        channelPolicies: { ...state.channelPolicies, [event.data.channel]: event.data.policy },
      };
    case 'DedicatedPoolOpened': {
      const { poolId, quantity, perOrderCap } = event.data;
      const pool: DedicatedPool = {
        poolId,
        status: 'open',
        quantity,
        reserved: 0,
        sold: 0,
        returned: 0,
        perOrderCap,
      };
      return { ...state, pools: { ...state.pools, [poolId]: pool } };
    }
    case 'DedicatedPoolClosed': {
      const pool = own(state.pools, event.data.poolId);
      if (pool === undefined) return state;
      const closed: DedicatedPool = { ...pool, status: 'closed', returned: event.data.returned };
      return { ...state, pools: { ...state.pools, [pool.poolId]: closed } };
    }
    case 'LowStockAlerted':
      return { ...state, lowStockAlertActive: true };
    case 'LowStockCleared':
      return { ...state, lowStockAlertActive: false };
    case 'CommandRejected':
      return state;
    case 'BooksClosed':
      return closeBooks(state, event.data.before);
    case 'OrdersRecalled':
      return recallOrders(state, event.data.orders);
    case 'SupplyConfigured':
      return configureSupply(state, event);
    case 'SupplierStockObserved':
      return observeSupplierStock(state, event);
    case 'SupplierForwardStarted':
      return startForward(state, event);
    case 'SupplierForwardFulfilled':
      return fulfilForward(state, event);
    case 'SupplierForwardFailed':
      return failForward(state, event);
    case 'SupplierForwardingExhausted':
      return exhaustForward(state, event);
    case 'SupplierLateFulfilment':
      return recordLateFulfilment(state, event);
    case 'PricingSet':
      return { ...state, pricing: event.data.pricing };
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

function rejectOrder(
  state: InventoryState,
  rejected: Pick<RejectedOrder, 'channel' | 'channelOrderId' | 'reason' | 'at'>,
): InventoryState {
  const { channel, channelOrderId, reason, at } = rejected;
  const record: OrderRecord = {
    channel,
    channelOrderId,
    status: 'rejected',
    reason,
    lines: [],
    quantity: 0,
    expiresAt: null,
    allocatedUnitIds: [],
    loopUnits: [],
    settledAt: at,
  };
  const key = orderKey(channel, channelOrderId);
  return {
    ...state,
    orders: mapSet(state.orders, key, record),
    earlyCancellations: removeEarlyCancellation(state.earlyCancellations, key),
  };
}

function reserve(state: InventoryState, event: StockReserved): InventoryState {
  const { channel, channelOrderId, lines, quantity, expiresAt, topUp, ruling } = event.data;
  const key = orderKey(channel, channelOrderId);
  const record: OrderRecord = {
    channel,
    channelOrderId,
    status: 'reserved',
    reason: null,
    lines,
    quantity,
    expiresAt,
    allocatedUnitIds: [],
    loopUnits: [],
    settledAt: null,
    ...(topUp === undefined ? {} : { topUp }),
    ...(ruling?.hold === undefined ? {} : { held: ruling.hold }),
    ...(ruling?.priority === undefined ? {} : { priority: ruling.priority.priority }),
    ...(ruling?.route === undefined ? {} : { routeTo: ruling.route.supplierId }),
  };
  const { counted, endless } = split(lines);
  return {
    ...state,
    orders: mapSet(state.orders, key, record),
    openReservations: mapSet(state.openReservations, key, expiresAt),
    counters: bump(state.counters, { reserved: counted, endlessReserved: endless }),
    pools: movePools(state.pools, lines, (pool, q) => ({ ...pool, reserved: pool.reserved + q })),
  };
}

function confirm(state: InventoryState, event: ReservationConfirmed): InventoryState {
  const { channel, channelOrderId, allocatedUnitIds } = event.data;
  const loopUnits = loopAllocationsOf(event.data);
  const key = orderKey(channel, channelOrderId);
  const record = mapGet(state.orders, key);
  if (record === undefined) return state;
  // A renewed order (its hold had lapsed) holds nothing: its units go straight from available to sold.
  const renewed = event.data.renewedLines;
  const lines = renewed ?? record.lines;
  const held = renewed === undefined ? split(lines) : { counted: 0, endless: 0 };
  const { counted, endless } = split(lines);
  // Manual delivery: the single-use keys' stock stays held (a renewed order's is held now) until they are given.
  const awaiting = event.data.awaitingKeys ?? 0;
  // Supplier-backed: the units stay in flight (held as endless reserved) until a supplier fulfils the order.
  const forwarding = event.data.forwarding ?? 0;
  const waiting = awaiting > 0 || forwarding > 0;
  let units = state.units;
  for (const unitId of allocatedUnitIds) {
    const unit = mapGet(units, unitId);
    if (unit !== undefined) units = mapSet(units, unitId, { ...unit, status: 'allocated', orderKey: key });
  }
  return {
    ...state,
    units,
    unitQueue: allocatedUnitIds.length === 0 ? state.unitQueue : settle(state.unitQueue, units),
    orders: mapSet(state.orders, key, {
      ...record,
      lines,
      status: forwarding > 0 ? 'forwarding' : awaiting > 0 ? 'awaiting-keys' : 'confirmed',
      allocatedUnitIds,
      loopUnits,
      settledAt: waiting ? null : event.data.at,
    }),
    openReservations: mapDelete(state.openReservations, key),
    counters: bump(state.counters, {
      reserved: awaiting - held.counted,
      onHand: awaiting - counted,
      delivered: counted - awaiting,
      endlessReserved: forwarding - held.endless,
      endlessDelivered: endless - forwarding,
    }),
    pools: movePools(state.pools, lines, (pool, q) => ({
      ...pool,
      reserved: renewed === undefined ? pool.reserved - q : pool.reserved,
      sold: pool.sold + q,
    })),
  };
}

function refund(state: InventoryState, event: OrderRefunded): InventoryState {
  const { channel, channelOrderId, returnedUnitIds, returnedQuantity, endlessReturned, at } = event.data;
  const releasedHeld = event.data.releasedHeld ?? 0;
  const releasedForwarding = event.data.releasedForwarding ?? 0;
  const key = orderKey(channel, channelOrderId);
  const record = mapGet(state.orders, key);
  if (record === undefined) return state;
  let units = state.units;
  for (const unitId of returnedUnitIds) {
    const unit = mapGet(units, unitId);
    const back: CardKeyUnit | undefined = unit && { ...unit, status: 'available', orderKey: null };
    if (back !== undefined) units = mapSet(units, unitId, back);
  }
  const returned = new Set(returnedUnitIds);
  return {
    ...state,
    units,
    unitQueue:
      returnedUnitIds.length === 0 ? state.unitQueue : enqueueUnits(state.unitQueue, returnedUnitIds),
    orders: mapSet(state.orders, key, {
      ...record,
      status: 'refunded',
      allocatedUnitIds:
        returned.size === 0
          ? record.allocatedUnitIds
          : record.allocatedUnitIds.filter((u) => !returned.has(u)),
      settledAt: at,
    }),
    counters: bump(state.counters, {
      onHand: returnedQuantity,
      delivered: -returnedQuantity,
      endlessDelivered: -endlessReturned,
      reserved: -releasedHeld,
      endlessReserved: -releasedForwarding,
    }),
  };
}

function allocateByHand(state: InventoryState, event: KeysAllocatedManually): InventoryState {
  const { channel, channelOrderId, unitIds, at } = event.data;
  const key = orderKey(channel, channelOrderId);
  // Keys given to a held order are its release: the hold has done its work.
  const record = mapGet(releaseHold(state, event.data).orders, key);
  if (record === undefined) return state;
  let units = state.units;
  for (const unitId of unitIds) {
    const unit = mapGet(units, unitId);
    const given: CardKeyUnit | undefined = unit && { ...unit, status: 'allocated', orderKey: key };
    if (given !== undefined) units = mapSet(units, unitId, given);
  }
  const allocatedUnitIds = [...record.allocatedUnitIds, ...unitIds];
  const counted = split(record.lines).counted;
  const complete = allocatedUnitIds.length >= counted;
  // The held stock becomes sold, key by key.
  const n = unitIds.length;
  return {
    ...state,
    units,
    unitQueue: settle(state.unitQueue, units),
    orders: mapSet(state.orders, key, {
      ...record,
      status: complete ? 'confirmed' : 'awaiting-keys',
      allocatedUnitIds,
      settledAt: complete ? at : (record.settledAt ?? null),
    }),
    counters: bump(state.counters, { reserved: -n, onHand: -n, delivered: n }),
  };
}

function replaceKey(state: InventoryState, event: CardKeyReplaced): InventoryState {
  const { channel, channelOrderId, unitId, replacementUnitId, at } = event.data;
  const key = orderKey(channel, channelOrderId);
  const record = mapGet(state.orders, key);
  if (record === undefined) return state;
  // The voided key was sold already (on hand counted it out then); the replacement leaves stock now. The units may
  // be absent where only the order's record is rebuilt (closed books): the record changes all the same.
  let units = state.units;
  const old = mapGet(units, unitId);
  if (old !== undefined) units = mapSet(units, unitId, { ...old, status: 'voided' } as CardKeyUnit);
  const replacement = mapGet(units, replacementUnitId);
  if (replacement !== undefined)
    units = mapSet(units, replacementUnitId, {
      ...replacement,
      status: 'allocated',
      orderKey: key,
    } as CardKeyUnit);
  // The order waits for the replacement; what it had received stays received.
  const delivered = deliveredOf(record).filter((u) => u !== unitId);
  const { deliveredUnitIds: _before, ...rest } = record;
  return {
    ...state,
    units,
    unitQueue: settle(state.unitQueue, units),
    orders: mapSet(state.orders, key, {
      ...rest,
      status: record.status === 'awaiting-keys' ? 'awaiting-keys' : 'confirmed',
      allocatedUnitIds: record.allocatedUnitIds.map((u) => (u === unitId ? replacementUnitId : u)),
      settledAt: at,
      ...(delivered.length > 0 ? { deliveredUnitIds: delivered } : {}),
    }),
    counters: bump(state.counters, { onHand: -1, delivered: 1, voided: 1 }),
  };
}

function endReservation(
  state: InventoryState,
  ended: { channel: string; channelOrderId: string; at: number },
  status: Extract<OrderStatus, 'released' | 'expired'>,
): InventoryState {
  const key = orderKey(ended.channel, ended.channelOrderId);
  const record = mapGet(state.orders, key);
  if (record === undefined) return state;
  const { counted, endless } = split(record.lines);
  return {
    ...state,
    orders: mapSet(state.orders, key, { ...record, status, settledAt: ended.at }),
    openReservations: mapDelete(state.openReservations, key),
    counters: bump(state.counters, { reserved: -counted, endlessReserved: -endless }),
    pools: movePools(state.pools, record.lines, (pool, q) => ({ ...pool, reserved: pool.reserved - q })),
  };
}

/** The order's keys delivered so far: all of them once it is delivered. */
function deliveredOf(record: OrderRecord): readonly string[] {
  return record.status === 'delivered' ? keysOf(record) : (record.deliveredUnitIds ?? []);
}

/** Every key the order holds: its single-use keys and the loop keys it was handed. */
function keysOf(record: OrderRecord): string[] {
  return [...record.allocatedUnitIds, ...loopAllocationsOf(record).map((loop) => loop.unitId)];
}

function split(lines: readonly ReservedLine[]): { counted: number; endless: number } {
  let counted = 0;
  let endless = 0;
  for (const line of lines) {
    counted += line.quantity - line.endless;
    endless += line.endless;
  }
  return { counted, endless };
}

function movePools(
  pools: InventoryState['pools'],
  lines: readonly ReservedLine[],
  move: (pool: DedicatedPool, quantity: number) => DedicatedPool,
): InventoryState['pools'] {
  let next = pools;
  for (const line of lines) {
    if (line.poolId === null) continue;
    const pool = own(next, line.poolId);
    if (pool === undefined) continue;
    next = { ...next, [line.poolId]: move(pool, line.quantity) };
  }
  return next;
}

function updateUnit(
  state: InventoryState,
  unitId: string,
  change: (unit: CardKeyUnit) => CardKeyUnit,
): InventoryState {
  const unit = mapGet(state.units, unitId);
  return unit === undefined ? state : { ...state, units: mapSet(state.units, unitId, change(unit)) };
}

function settle(queue: UnitQueue, units: PersistentMap<CardKeyUnit>): UnitQueue {
  return settleHead(queue, (unitId) => mapGet(units, unitId)?.status === 'available');
}

function bump(counters: StockCounters, delta: Partial<StockCounters>): StockCounters {
  return {
    received: counters.received + (delta.received ?? 0),
    adjusted: counters.adjusted + (delta.adjusted ?? 0),
    delivered: counters.delivered + (delta.delivered ?? 0),
    onHand: counters.onHand + (delta.onHand ?? 0),
    reserved: counters.reserved + (delta.reserved ?? 0),
    endlessReserved: counters.endlessReserved + (delta.endlessReserved ?? 0),
    endlessDelivered: counters.endlessDelivered + (delta.endlessDelivered ?? 0),
    voided: counters.voided + (delta.voided ?? 0),
  };
}

/** A batch recorded in parts (see CardKeysImported) adds up across its events; a one-event batch is as before. */
function importedSoFar(state: InventoryState, batchId: string, added: number, skipped: number): BatchRecord {
  const before = mapGet(state.batches, batchId);
  return before === undefined
    ? { added, skipped }
    : { added: before.added + added, skipped: before.skipped + skipped };
}
