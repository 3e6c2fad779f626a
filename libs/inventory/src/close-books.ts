import { InventoryCommand } from './inventory-commands';
import { InventoryEvent, OrdersRecalled } from './inventory-events';
import { initialInventoryState, InventoryState, OrderRecord } from './inventory-state';
import { orderKey } from './order-key';
import { emptyMap, mapDelete, mapEntries, mapGet, mapHas, mapSet, PersistentMap } from './persistent-map';

/**
 * Closing the books: a SKU's state remembers every order so that a repeated or late notice gets the answer the
 * first one got. Left alone that grows with the SKU's whole history (a hot SKU's snapshot reached hundreds of
 * megabytes). Records of orders settled before a horizon leave the state (BooksClosed); an order id the state no
 * longer knows is then looked up in the stream by the caller and handed back with the command (`recalled`), so
 * every decision is the one the full history would give (see the property test in close-books.properties).
 */

/** The books never close on anything settled less than a day ago: platforms re-send notices for days. */
export const MIN_BOOKS_HORIZON_MS = 24 * 60 * 60 * 1000;

/**
 * A record that holds no stock and settled before `before`. Records saved before settledAt existed count as old.
 * An order still holding stock never leaves: reserved, waiting for keys by hand, or being forwarded to a supplier.
 */
export function isClosable(record: OrderRecord, before: number): boolean {
  return (
    record.status !== 'reserved' &&
    record.status !== 'awaiting-keys' &&
    record.status !== 'forwarding' &&
    (record.settledAt ?? 0) < before
  );
}

export function closableCount(state: InventoryState, before: number): number {
  let count = 0;
  for (const [, record] of mapEntries(state.orders)) if (isClosable(record, before)) count += 1;
  return count;
}

export function closeBooks(state: InventoryState, before: number): InventoryState {
  const entries = mapEntries(state.orders);
  const closed = entries.filter(([, record]) => isClosable(record, before));
  let orders: PersistentMap<OrderRecord>;
  if (closed.length * 2 > entries.length) {
    // Most records go: building the survivors' map is cheaper than deleting one by one.
    orders = emptyMap();
    for (const [key, record] of entries)
      if (!isClosable(record, before)) orders = mapSet(orders, key, record);
  } else {
    orders = state.orders;
    for (const [key] of closed) orders = mapDelete(orders, key);
  }
  const booksClosedBefore = Math.max(state.booksClosedBefore ?? before, before);
  return { ...state, orders, booksClosedBefore };
}

/** Puts back the recalled records the state lacks; one it still holds is the newer truth and stays. */
export function recallOrders(state: InventoryState, records: readonly OrderRecord[]): InventoryState {
  let orders = state.orders;
  for (const record of records) {
    const key = orderKey(record.channel, record.channelOrderId);
    if (!mapHas(orders, key)) orders = mapSet(orders, key, record);
  }
  return orders === state.orders ? state : { ...state, orders };
}

export interface OrderReference {
  readonly channel: string;
  readonly channelOrderId: string;
}

/**
 * The orders this command is about that the state does not hold although they may have a history: only once the
 * books were closed (before that, an unknown order id is simply new). The caller reads their events (by
 * `channelOrderId`) and passes what `orderRecordFromHistory` rebuilds as `recalled`.
 */
export function closedOrderLookups(command: InventoryCommand, state: InventoryState): OrderReference[] {
  if (state.booksClosedBefore === null || state.booksClosedBefore === undefined) return [];
  switch (command.type) {
    case 'ReserveStock':
    case 'ConfirmReservation':
    case 'RecordDelivery':
    case 'ReleaseReservation':
    case 'RefundOrder':
    case 'RedeliverOrder':
    case 'ReplaceCardKey':
    case 'AllocateCardKeys':
    case 'ReleaseHold': {
      const { channel, channelOrderId } = command.data;
      if (typeof channel !== 'string' || typeof channelOrderId !== 'string') return [];
      if (channel === '' || channelOrderId === '') return [];
      return mapHas(state.orders, orderKey(channel, channelOrderId)) ? [] : [{ channel, channelOrderId }];
    }
    case 'RedeemCardKey':
    case 'VoidCardKey': {
      // A key sold to an order whose record was closed: its event names the order.
      const unit =
        typeof command.data.unitId === 'string' ? mapGet(state.units, command.data.unitId) : undefined;
      if (unit === undefined || unit.orderKey === null || mapHas(state.orders, unit.orderKey)) return [];
      const reference = parseOrderKey(unit.orderKey);
      return reference === null ? [] : [reference];
    }
    default:
      return [];
  }
}

/** The inverse of orderKey: `<channel length>:<channel>:<channel order id>`. */
export function parseOrderKey(key: string): OrderReference | null {
  const colon = key.indexOf(':');
  const length = Number(key.slice(0, colon));
  if (colon <= 0 || !Number.isSafeInteger(length) || length <= 0) return null;
  const channel = key.slice(colon + 1, colon + 1 + length);
  if (channel.length !== length || key[colon + 1 + length] !== ':') return null;
  return { channel, channelOrderId: key.slice(colon + 2 + length) };
}

/**
 * The record the full history holds for one order, rebuilt from the stream's events about it (in stream order;
 * events about other orders are ignored). Null when none of them created a record: the order id is new.
 */
export function orderRecordFromHistory(
  order: OrderReference,
  events: readonly InventoryEvent[],
  evolve: (state: InventoryState, event: InventoryEvent) => InventoryState,
): OrderRecord | null {
  const key = orderKey(order.channel, order.channelOrderId);
  // Only the order's record is read back: a scratch state folds its events (counters there mean nothing).
  let scratch: InventoryState = initialInventoryState();
  for (const event of events) {
    if (event.type === 'OrdersRecalled') {
      const again = event.data.orders.filter((r) => orderKey(r.channel, r.channelOrderId) === key);
      scratch = recallOrders(scratch, again);
      continue;
    }
    if (event.type === 'ReservationsRejected') {
      const own = event.data.rejections.filter(
        (r) => r.channel === order.channel && r.channelOrderId === order.channelOrderId,
      );
      if (own.length > 0) scratch = evolve(scratch, { ...event, data: { ...event.data, rejections: own } });
      continue;
    }
    const data = event.data as { channel?: unknown; channelOrderId?: unknown };
    if (data.channel !== order.channel || data.channelOrderId !== order.channelOrderId) continue;
    scratch = evolve(scratch, event);
  }
  return mapGet(scratch.orders, key) ?? null;
}

/** The OrdersRecalled event for the recalled records the state lacks, or null when it lacks none. */
export function recalledEvent(command: InventoryCommand, state: InventoryState): OrdersRecalled | null {
  const recalled = command.data.recalled;
  if (!Array.isArray(recalled) || recalled.length === 0) return null;
  const closedBefore = state.booksClosedBefore;
  if (closedBefore === null || closedBefore === undefined) return null;
  // Only what could have been closed, and only the orders this command is about: a record cannot be slipped in.
  const wanted = new Set(
    closedOrderLookups(command, state).map((o) => orderKey(o.channel, o.channelOrderId)),
  );
  const missing = recalled.filter(
    (record) =>
      isClosable(record, closedBefore) &&
      wanted.has(orderKey(record.channel, record.channelOrderId)) &&
      !mapHas(state.orders, orderKey(record.channel, record.channelOrderId)),
  );
  if (missing.length === 0) return null;
  const { sku, now, actor } = command.data;
  return {
    type: 'OrdersRecalled',
    data: { orders: missing, sku, at: now, actor: typeof actor === 'string' ? actor : null },
  };
}
