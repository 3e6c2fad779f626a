import {
  closedOrderLookups,
  inventoryDecider,
  MIN_BOOKS_HORIZON_MS,
  orderRecordFromHistory,
  outcomeOf,
  parseOrderKey,
  orderKey,
  evolve,
} from '@libs/inventory';
import { given, stateFrom } from '../../test/decider-specification';
import {
  command,
  confirm,
  confirmed,
  event,
  received,
  registeredQuantity,
  reserve,
  reserved,
  T0,
} from '../../test/fixtures';

const DAY = MIN_BOOKS_HORIZON_MS;
const closeBooks = (before: number, now = before + DAY) => command('CloseBooks', { before, now });
const settled = [
  registeredQuantity(),
  received(10),
  reserved('o1', 2),
  confirmed('o1', 2),
  reserved('o2', 1),
  event('ReservationRejected', {
    channel: 'taobao',
    channelOrderId: 'o3',
    reason: 'INSUFFICIENT_STOCK',
    requested: 20,
  }),
];

describe('CloseBooks', () => {
  it('drops the settled orders before the horizon and keeps the open reservation', () => {
    const result = given(settled).when(closeBooks(T0 + 1));
    result.then([event('BooksClosed', { before: T0 + 1, closed: 2, at: T0 + 1 + DAY })]);
    expect(result.state.orders.size).toBe(1);
    expect(outcomeOf(result.state, 'taobao', 'o2')).toMatchObject({ status: 'reserved' });
    expect(result.state.booksClosedBefore).toBe(T0 + 1);
    expect(result.state.counters).toEqual(given(settled).state.counters);
  });

  it('keeps orders settled at or after the horizon', () => {
    given(settled).when(closeBooks(T0)).thenNothing();
  });

  it('is refused for a horizon less than a day old: platforms still re-send those notices', () => {
    given(settled)
      .when(closeBooks(T0 + 1, T0 + DAY))
      .thenRejects('INVALID_TIME');
  });

  it('is refused for an unregistered SKU', () => {
    given([]).when(closeBooks(T0)).thenRejects('UNKNOWN_SKU');
  });
});

describe('an order the books closed', () => {
  const closed = stateFrom([...settled, event('BooksClosed', { before: T0 + 1, closed: 2 })]);
  const later = T0 + 2 * DAY;

  it('is looked up only once books were closed, and only when the state lacks it', () => {
    expect(closedOrderLookups(reserve('o1', 1, { now: later }), closed)).toEqual([
      { channel: 'taobao', channelOrderId: 'o1' },
    ]);
    expect(closedOrderLookups(reserve('o2', 1, { now: later }), closed)).toEqual([]);
    expect(closedOrderLookups(reserve('o1', 1), stateFrom(settled))).toEqual([]);
  });

  it('given its history, a placement sent again is answered as before and reserves nothing', () => {
    const history = settled.filter((e) => (e.data as { channelOrderId?: string }).channelOrderId === 'o1');
    const record = orderRecordFromHistory({ channel: 'taobao', channelOrderId: 'o1' }, history, evolve);
    expect(record).toMatchObject({ status: 'confirmed', quantity: 2, settledAt: T0 });
    const again = reserve('o1', 1, { now: later, expiresAt: later + DAY });
    const events = inventoryDecider.decide(
      { ...again, data: { ...again.data, recalled: [record!] } },
      closed,
    );
    expect(events).toEqual([event('OrdersRecalled', { orders: [record!], at: later })]);
    const after = events.reduce(evolve, closed);
    expect(outcomeOf(after, 'taobao', 'o1')).toMatchObject({ status: 'confirmed', quantity: 2 });
    expect(after.counters).toEqual(closed.counters);
  });

  it('is new when its history holds no record of it: a payment for it is refused as unknown', () => {
    const record = orderRecordFromHistory({ channel: 'taobao', channelOrderId: 'o9' }, settled, evolve);
    expect(record).toBeNull();
    given([...settled, event('BooksClosed', { before: T0 + 1, closed: 2 })])
      .when(confirm('o9'))
      .thenRejects('RESERVATION_NOT_FOUND');
  });
});

describe('order keys', () => {
  it('read back into channel and order id, colons included', () => {
    expect(parseOrderKey(orderKey('a:b', 'c:d'))).toEqual({ channel: 'a:b', channelOrderId: 'c:d' });
    expect(parseOrderKey('junk')).toBeNull();
    expect(parseOrderKey('9:ab:c')).toBeNull();
  });
});
