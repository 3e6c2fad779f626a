import {
  SupplierForwardFailed,
  SupplierForwardFulfilled,
  SupplierForwardingExhausted,
  SupplierForwardStarted,
  SupplierLateFulfilment,
  SupplierStockObserved,
  SupplyConfigured,
} from './inventory-events';
import { ForwardRecord, InventoryState, OrderRecord } from './inventory-state';
import { orderKey } from './order-key';
import { mapGet, mapSet } from './persistent-map';
import { SupplierLink, supplyOf } from './supply';

/** How the supplier events change the state; evolve.ts hands them here. Pure, like evolve. */

export function configureSupply(state: InventoryState, event: SupplyConfigured): InventoryState {
  const before = supplyOf(state).suppliers;
  const suppliers = event.data.suppliers.map(({ supplierId, productId }): SupplierLink => {
    const kept = before.find((link) => link.supplierId === supplierId && link.productId === productId);
    return (
      kept ?? {
        supplierId,
        productId,
        stock: 0,
        onSale: false,
        supplyPrice: null,
        observedAt: null,
        takenSinceReport: 0,
        lastTakenAt: null,
      }
    );
  });
  const { safetyBuffer, fulfilment } = event.data;
  return {
    ...state,
    supply: { suppliers, safetyBuffer, ...(fulfilment === undefined ? {} : { fulfilment }) },
  };
}

export function observeSupplierStock(state: InventoryState, event: SupplierStockObserved): InventoryState {
  const { supplierId, stock, supplyPrice, onSale, observedAt } = event.data;
  return updateLink(state, supplierId, (link) => {
    // A report newer than our last take from this supplier counts it already; an older one does not.
    const counted = link.lastTakenAt === null || observedAt >= link.lastTakenAt;
    return {
      ...link,
      stock,
      supplyPrice,
      onSale,
      observedAt,
      takenSinceReport: counted ? 0 : link.takenSinceReport,
      lastTakenAt: counted ? null : link.lastTakenAt,
    };
  });
}

export function startForward(state: InventoryState, event: SupplierForwardStarted): InventoryState {
  const { attempt, supplierId } = event.data;
  // Forwarding a held order is its release: the hold has done its work.
  const released = releaseHold(state, event.data);
  return updateForward(released, event.data, (forward) => ({
    attempt,
    open: supplierId,
    tried: [...(forward?.tried ?? []), supplierId],
    exhausted: false,
    ...(forward?.late === undefined ? {} : { late: forward.late }),
  }));
}

export function failForward(state: InventoryState, event: SupplierForwardFailed): InventoryState {
  const unusable = event.data.reason === 'invalid-fulfilment';
  return updateForward(
    state,
    event.data,
    (forward) =>
      forward && {
        ...forward,
        open: null,
        ...(unusable ? { late: [...(forward.late ?? []), event.data.attempt] } : {}),
      },
  );
}

export function exhaustForward(state: InventoryState, event: SupplierForwardingExhausted): InventoryState {
  return updateForward(state, event.data, (forward) => ({
    attempt: forward?.attempt ?? 0,
    tried: forward?.tried ?? [],
    ...(forward?.late === undefined ? {} : { late: forward.late }),
    open: null,
    exhausted: true,
  }));
}

export function recordLateFulfilment(state: InventoryState, event: SupplierLateFulfilment): InventoryState {
  return updateForward(
    state,
    event.data,
    (forward) => forward && { ...forward, late: [...(forward.late ?? []), event.data.attempt] },
  );
}

/**
 * The supplier's keys join the SKU as allocated to the order, to be delivered like any other; the units leave our
 * orders in flight and count against the supplier until its next report.
 */
export function fulfilForward(state: InventoryState, event: SupplierForwardFulfilled): InventoryState {
  const { channel, channelOrderId, supplierId, units, at } = event.data;
  const key = orderKey(channel, channelOrderId);
  const record = mapGet(state.orders, key);
  if (record === undefined) return state;
  let unitMap = state.units;
  let fingerprints = state.fingerprints;
  for (const unit of units) {
    unitMap = mapSet(unitMap, unit.unitId, {
      fingerprint: unit.fingerprint,
      loop: false,
      status: 'allocated',
      orderKey: key,
      batchId: `forward:${event.data.supplierOrderId}`,
    });
    fingerprints = mapSet(fingerprints, unit.fingerprint, unit.unitId);
  }
  const quantity = record.quantity;
  const receipt = event.data.receipt;
  // A top-up is done when the supplier credits the account: there is nothing left for a channel to deliver.
  const next: OrderRecord = {
    ...record,
    status: receipt === undefined ? 'confirmed' : 'delivered',
    allocatedUnitIds: units.map((unit) => unit.unitId),
    settledAt: at,
    ...(receipt === undefined ? {} : { receipt }),
    ...(record.forward === undefined ? {} : { forward: { ...record.forward, open: null } }),
  };
  const withOrder: InventoryState = {
    ...state,
    units: unitMap,
    fingerprints,
    orders: mapSet(state.orders, key, next),
    counters: {
      ...state.counters,
      endlessReserved: state.counters.endlessReserved - quantity,
      endlessDelivered: state.counters.endlessDelivered + quantity,
    },
  };
  return updateLink(withOrder, supplierId, (link) => ({
    ...link,
    takenSinceReport: link.takenSinceReport + quantity,
    lastTakenAt: at,
  }));
}

/** The order without its hold (an order rule's review), once an operator let it go on. */
export function releaseHold(
  state: InventoryState,
  ids: { channel: string; channelOrderId: string },
): InventoryState {
  const key = orderKey(ids.channel, ids.channelOrderId);
  const record = mapGet(state.orders, key);
  if (record?.held === undefined) return state;
  const { held: _released, ...rest } = record;
  return { ...state, orders: mapSet(state.orders, key, rest) };
}

function updateLink(
  state: InventoryState,
  supplierId: string,
  change: (link: SupplierLink) => SupplierLink,
): InventoryState {
  const supply = supplyOf(state);
  if (!supply.suppliers.some((link) => link.supplierId === supplierId)) return state;
  return {
    ...state,
    supply: {
      ...supply,
      suppliers: supply.suppliers.map((link) => (link.supplierId === supplierId ? change(link) : link)),
    },
  };
}

function updateForward(
  state: InventoryState,
  ids: { channel: string; channelOrderId: string },
  change: (forward: ForwardRecord | undefined) => ForwardRecord | undefined,
): InventoryState {
  const key = orderKey(ids.channel, ids.channelOrderId);
  const record = mapGet(state.orders, key);
  if (record === undefined) return state;
  const forward = change(record.forward);
  if (forward === undefined) return state;
  return { ...state, orders: mapSet(state.orders, key, { ...record, forward }) };
}
