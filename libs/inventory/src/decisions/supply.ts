import {
  ConfigureSupply,
  ObserveSupplierStock,
  RecordForwardResult,
  ReleaseHold,
} from '../inventory-commands';
import { decideAllocateCardKeys } from './operator-actions';
import {
  EventContext,
  InventoryEvent,
  SupplierForwardFailed,
  SupplierForwardStarted,
  SupplierForwardingExhausted,
  SupplyConfigured,
} from '../inventory-events';
import { InventoryState, OrderRecord } from '../inventory-state';
import { orderKey } from '../order-key';
import { mapGet, mapHas } from '../persistent-map';
import {
  forwardIdOf,
  MAX_PRICE_MINOR,
  MAX_SUPPLIER_STOCK,
  MAX_SUPPLIERS_PER_SKU,
  supplierLink,
  SUPPLY_FULFILMENTS,
  supplyOf,
  TopUpReceiptRecord,
} from '../supply';
import {
  contextOf,
  isCount,
  isId,
  isInstant,
  isPositiveCount,
  preconditionFailure,
  rejectCommand,
} from './decision-helpers';

/** Ids from a supplier are bounded like every id we store (unit ids, fingerprints, the supplier's order id). */
const MAX_ID_LENGTH = 128;

/**
 * Names the SKU's suppliers in priority order. A supplier kept keeps its last report; one dropped is forgotten (an
 * order it is working on still gets its answer recorded). The same list again changes nothing.
 */
export function decideConfigureSupply(command: ConfigureSupply, state: InventoryState): InventoryEvent[] {
  const failure = preconditionFailure(command, state);
  if (failure !== null) return rejectCommand(command, failure);
  if (state.kind !== 'supplier') return rejectCommand(command, 'KIND_MISMATCH');
  const { suppliers } = command.data;
  const safetyBuffer = command.data.safetyBuffer ?? supplyOf(state).safetyBuffer;
  if (!isCount(safetyBuffer) || safetyBuffer > MAX_SUPPLIER_STOCK)
    return rejectCommand(command, 'INVALID_SETTING');
  if (!Array.isArray(suppliers) || suppliers.length > MAX_SUPPLIERS_PER_SKU) {
    return rejectCommand(command, 'INVALID_SETTING');
  }
  const seen = new Set<string>();
  for (const link of suppliers) {
    if (!isBoundedId(link?.supplierId) || !isBoundedId(link?.productId) || seen.has(link.supplierId)) {
      return rejectCommand(command, 'INVALID_REFERENCE');
    }
    seen.add(link.supplierId);
  }
  const current = supplyOf(state);
  const fulfilment = command.data.fulfilment ?? current.fulfilment ?? 'cardKey';
  if (!SUPPLY_FULFILMENTS.includes(fulfilment)) return rejectCommand(command, 'INVALID_SETTING');
  const same =
    (current.fulfilment ?? 'cardKey') === fulfilment &&
    current.safetyBuffer === safetyBuffer &&
    current.suppliers.length === suppliers.length &&
    current.suppliers.every(
      (link, i) => link.supplierId === suppliers[i]?.supplierId && link.productId === suppliers[i]?.productId,
    );
  if (same && state.supply !== undefined) return [];
  const configured: SupplyConfigured = {
    type: 'SupplyConfigured',
    data: {
      suppliers: suppliers.map(({ supplierId, productId }) => ({ supplierId, productId })),
      safetyBuffer,
      fulfilment,
      ...contextOf(command),
    },
  };
  return [configured];
}

/**
 * A supplier's report. Older than the one applied (by the supplier's own time) it is stale and changes nothing; so
 * does one saying what is known already. A report for a product the link does not name is refused: a supplier
 * that renumbered its catalogue must be linked again, not followed blindly.
 */
export function decideObserveSupplierStock(
  command: ObserveSupplierStock,
  state: InventoryState,
): InventoryEvent[] {
  const failure = preconditionFailure(command, state);
  if (failure !== null) return rejectCommand(command, failure);
  if (state.kind !== 'supplier') return rejectCommand(command, 'KIND_MISMATCH');
  const { supplierId, productId, stock, onSale, observedAt } = command.data;
  const supplyPrice = command.data.supplyPrice ?? null;
  const link = supplierLink(state, supplierId);
  if (link === undefined || link.productId !== productId)
    return rejectCommand(command, 'SUPPLIER_NOT_LINKED');
  if (!isInstant(observedAt)) return rejectCommand(command, 'INVALID_TIME');
  if (stock !== null && (!isCount(stock) || stock > MAX_SUPPLIER_STOCK)) {
    return rejectCommand(command, 'INVALID_QUANTITY');
  }
  if (supplyPrice !== null && (!isCount(supplyPrice) || supplyPrice > MAX_PRICE_MINOR)) {
    return rejectCommand(command, 'INVALID_SETTING');
  }
  if (typeof onSale !== 'boolean') return rejectCommand(command, 'INVALID_SETTING');
  if (link.observedAt !== null && observedAt < link.observedAt) return [];
  const unchanged =
    link.observedAt !== null &&
    link.stock === stock &&
    link.onSale === onSale &&
    link.supplyPrice === supplyPrice &&
    (link.takenSinceReport === 0 || (link.lastTakenAt ?? 0) > observedAt);
  if (unchanged) return [];
  return [
    {
      type: 'SupplierStockObserved',
      data: { supplierId, productId, stock, supplyPrice, onSale, observedAt, ...contextOf(command) },
    },
  ];
}

/**
 * An operator releases a paid order an order rule held: a supplier-backed SKU's order goes to its first supplier
 * now; a card-key order gets the first available keys, as AllocateCardKeys without named keys would give them.
 */
export function decideReleaseHold(command: ReleaseHold, state: InventoryState): InventoryEvent[] {
  const failure = preconditionFailure(command, state);
  if (failure !== null) return rejectCommand(command, failure);
  const { channel, channelOrderId } = command.data;
  if (!isId(channel) || !isId(channelOrderId)) return rejectCommand(command, 'INVALID_REFERENCE');
  const order = mapGet(state.orders, orderKey(channel, channelOrderId));
  if (order === undefined) return rejectCommand(command, 'RESERVATION_NOT_FOUND');
  if (order.held === undefined) return rejectCommand(command, 'NOT_HELD');
  if (order.status === 'reserved' || order.status === 'expired') return rejectCommand(command, 'NOT_PAID');
  if (state.kind === 'supplier') {
    if (order.status !== 'forwarding' || order.forward !== undefined)
      return rejectCommand(command, 'NOT_HELD');
    return [nextForward(state, order, contextOf(command))];
  }
  if (state.kind === 'cardKey') {
    if (order.status !== 'awaiting-keys') return rejectCommand(command, 'NOT_HELD');
    return decideAllocateCardKeys(
      { type: 'AllocateCardKeys', data: { ...command.data, channel, channelOrderId } },
      state,
    );
  }
  return rejectCommand(command, 'NOT_HELD');
}

/**
 * The first attempt of a paid order, or the next one after a failure: the first supplier on sale, in priority
 * order, not tried yet for this order. None left: the order is given up to an operator.
 */
export function nextForward(
  state: InventoryState,
  order: Pick<
    OrderRecord,
    'channel' | 'channelOrderId' | 'quantity' | 'forward' | 'topUp' | 'routeTo' | 'priority'
  >,
  context: EventContext,
): SupplierForwardStarted | SupplierForwardingExhausted {
  const tried = new Set(order.forward?.tried ?? []);
  const attempt = (order.forward?.attempt ?? 0) + 1;
  const { channel, channelOrderId, quantity } = order;
  // An order rule's supplier goes first when the SKU links it and it is on sale; the others follow in their order.
  const candidates = supplyOf(state).suppliers.filter((link) => link.onSale && !tried.has(link.supplierId));
  const next = candidates.find((link) => link.supplierId === order.routeTo) ?? candidates[0];
  if (next === undefined) {
    return {
      type: 'SupplierForwardingExhausted',
      data: { channel, channelOrderId, attempts: attempt - 1, ...context },
    };
  }
  return {
    type: 'SupplierForwardStarted',
    data: {
      channel,
      channelOrderId,
      attempt,
      supplierId: next.supplierId,
      productId: next.productId,
      forwardId: forwardIdOf(channel, channelOrderId, attempt),
      quantity,
      expectedUnitPrice: next.supplyPrice,
      ...(order.topUp === undefined ? {} : { topUp: order.topUp }),
      ...(order.priority === undefined ? {} : { priority: order.priority }),
      ...context,
    },
  };
}

/**
 * A supplier's answer to one attempt. Only the open attempt moves the order: a fulfilment gives it the keys, a
 * failure closes the attempt and starts the next supplier's in the same answer (never two open at once). The same
 * answer again changes nothing. A fulfilment of an attempt already given up is recorded as surplus
 * (SupplierLateFulfilment), never given to the order a second time.
 */
export function decideRecordForwardResult(
  command: RecordForwardResult,
  state: InventoryState,
): InventoryEvent[] {
  const failure = preconditionFailure(command, state);
  if (failure !== null) return rejectCommand(command, failure);
  if (state.kind !== 'supplier') return rejectCommand(command, 'KIND_MISMATCH');
  const { channel, channelOrderId, attempt, supplierId, outcome } = command.data;
  if (!isId(channel) || !isId(channelOrderId) || !isId(supplierId) || !isPositiveCount(attempt)) {
    return rejectCommand(command, 'INVALID_REFERENCE');
  }
  if (outcome !== 'fulfilled' && outcome !== 'refused' && outcome !== 'timeout') {
    return rejectCommand(command, 'INVALID_REFERENCE');
  }
  const order = mapGet(state.orders, orderKey(channel, channelOrderId));
  if (order === undefined) return rejectCommand(command, 'RESERVATION_NOT_FOUND');
  const forward = order.forward;
  if (forward === undefined || attempt > forward.attempt || forward.tried[attempt - 1] !== supplierId) {
    return rejectCommand(command, 'NOT_FORWARDING');
  }
  const context = contextOf(command);
  const isOpen = attempt === forward.attempt && forward.open === supplierId && order.status === 'forwarding';
  if (!isOpen) return lateAnswer(command, state, context);

  if (outcome === 'fulfilled' && order.topUp !== undefined) {
    const receipt = receiptOf(command);
    if (receipt === null) {
      return failAndMoveOn(state, order, attempt, supplierId, 'invalid-fulfilment', 'NO_RECEIPT', context);
    }
    return [
      {
        type: 'SupplierForwardFulfilled',
        data: {
          channel,
          channelOrderId,
          attempt,
          supplierId,
          supplierOrderId: command.data.supplierOrderId as string,
          units: [],
          receipt,
          ...context,
        },
      },
    ];
  }
  if (outcome === 'fulfilled') {
    const invalid = invalidFulfilment(command, state, order.quantity);
    if (invalid === null) {
      return [
        {
          type: 'SupplierForwardFulfilled',
          data: {
            channel,
            channelOrderId,
            attempt,
            supplierId,
            supplierOrderId: command.data.supplierOrderId as string,
            units: (command.data.units ?? []).map(({ unitId, fingerprint }) => ({ unitId, fingerprint })),
            ...context,
          },
        },
      ];
    }
    return failAndMoveOn(state, order, attempt, supplierId, 'invalid-fulfilment', invalid, context);
  }
  const code = isBoundedId(command.data.code) ? command.data.code : null;
  return failAndMoveOn(state, order, attempt, supplierId, outcome, code, context);
}

function failAndMoveOn(
  state: InventoryState,
  order: OrderRecord,
  attempt: number,
  supplierId: string,
  reason: SupplierForwardFailed['data']['reason'],
  code: string | null,
  context: EventContext,
): InventoryEvent[] {
  const failed: SupplierForwardFailed = {
    type: 'SupplierForwardFailed',
    data: {
      channel: order.channel,
      channelOrderId: order.channelOrderId,
      attempt,
      supplierId,
      reason,
      code,
      ...context,
    },
  };
  const tried = order.forward?.tried ?? [];
  return [
    failed,
    nextForward(state, { ...order, forward: { attempt, open: null, tried, exhausted: false } }, context),
  ];
}

/**
 * A top-up's receipt when the answer is one: the supplier's order id and its reference for the credit, and no keys
 * (a top-up that came back with keys is not the product the order was placed for). Null otherwise.
 */
function receiptOf(command: RecordForwardResult): TopUpReceiptRecord | null {
  const { receipt, supplierOrderId, units } = command.data;
  if (!isBoundedId(supplierOrderId) || (units !== undefined && units.length > 0)) return null;
  if (typeof receipt !== 'object' || receipt === null || !isBoundedId(receipt.reference)) return null;
  const completedAt = receipt.completedAt;
  return {
    reference: receipt.reference,
    ...(completedAt !== undefined && isInstant(completedAt) ? { completedAt } : {}),
  };
}

/** Why a fulfilment cannot be given to the buyer, or null when it can. */
function invalidFulfilment(
  command: RecordForwardResult,
  state: InventoryState,
  quantity: number,
): string | null {
  const { units, supplierOrderId } = command.data;
  if (!isBoundedId(supplierOrderId)) return 'NO_SUPPLIER_ORDER_ID';
  if (!Array.isArray(units) || units.length !== quantity) return 'WRONG_KEY_COUNT';
  const ids = new Set<string>();
  const fingerprints = new Set<string>();
  for (const unit of units) {
    if (!isBoundedId(unit?.unitId) || !isBoundedId(unit?.fingerprint)) return 'INVALID_KEY';
    // A key sold before (by us, from any supplier) would reach two buyers: the whole fulfilment is refused.
    if (ids.has(unit.unitId) || mapHas(state.units, unit.unitId)) return 'DUPLICATE_KEY';
    if (fingerprints.has(unit.fingerprint) || mapHas(state.fingerprints, unit.fingerprint))
      return 'DUPLICATE_KEY';
    ids.add(unit.unitId);
    fingerprints.add(unit.fingerprint);
  }
  return null;
}

/** An answer for an attempt that is no longer open: only a fulfilment of a given-up attempt is worth recording. */
function lateAnswer(
  command: RecordForwardResult,
  state: InventoryState,
  context: EventContext,
): InventoryEvent[] {
  const { channel, channelOrderId, attempt, supplierId, outcome, supplierOrderId, units } = command.data;
  if (outcome !== 'fulfilled' || !isBoundedId(supplierOrderId)) return [];
  const order = mapGet(state.orders, orderKey(channel, channelOrderId));
  if (order?.forward?.late?.includes(attempt) === true) return [];
  if (order?.topUp !== undefined) {
    // A top-up credited after it was given up: the account may have been credited twice, which an operator must see.
    const receipt = receiptOf(command);
    if (receipt === null) return [];
    return [
      {
        type: 'SupplierLateFulfilment',
        data: {
          channel,
          channelOrderId,
          attempt,
          supplierId,
          supplierOrderId,
          unitIds: [],
          receipt,
          ...context,
        },
      },
    ];
  }
  if (!Array.isArray(units)) return [];
  const unitIds = units.map((unit) => unit?.unitId).filter(isBoundedId);
  if (unitIds.length === 0 || unitIds.every((unitId) => mapHas(state.units, unitId))) return [];
  return [
    {
      type: 'SupplierLateFulfilment',
      data: { channel, channelOrderId, attempt, supplierId, supplierOrderId, unitIds, ...context },
    },
  ];
}

function isBoundedId(value: unknown): value is string {
  return isId(value) && value.length <= MAX_ID_LENGTH;
}
