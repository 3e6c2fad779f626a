import { mapGet, orderRecordOf, stockLevels } from '@libs/inventory';
import { given } from '../../test/decider-specification';
import {
  command,
  confirmed,
  event,
  keysImported,
  MINUTE,
  received,
  registeredCardKeys,
  registeredQuantity,
  reserved,
  T0,
} from '../../test/fixtures';
import { MAX_REDELIVERIES, REDELIVERY_MIN_INTERVAL_MS } from './operator-actions';

const order = { channel: 'taobao', channelOrderId: 'o1' };
const refund = (note?: string) =>
  command('RefundOrder', { ...order, actor: 'admin:1', ...(note === undefined ? {} : { note }) });
const redeliver = (now = T0) => command('RedeliverOrder', { ...order, now, actor: 'op:1' });
const replace = (unitId: string, now = T0) =>
  command('ReplaceCardKey', { ...order, unitId, now, actor: 'op:1', note: 'buyer says invalid' });
const delivered = (unitIds: string[]) => event('DeliveryRecorded', { ...order, unitIds });

/** k1 sold to o1 (paid, not delivered yet), k2 and k3 in stock. */
const paid = [registeredCardKeys(), keysImported(3), reserved('o1', 1), confirmed('o1', 1, ['k1'])];

describe('RefundOrder', () => {
  describe('when the paid order was not delivered yet', () => {
    it('puts its keys back in stock', () => {
      const result = given(paid).when(refund('buyer changed their mind'));
      result.then([
        event('OrderRefunded', {
          ...order,
          returnedUnitIds: ['k1'],
          returnedQuantity: 1,
          endlessReturned: 0,
          note: 'buyer changed their mind',
          actor: 'admin:1',
        }),
      ]);
      expect(stockLevels(result.state)).toMatchObject({ onHand: 3, available: 3, delivered: 0 });
      expect(mapGet(result.state.units, 'k1')).toMatchObject({ status: 'available', orderKey: null });
      expect(orderRecordOf(result.state, 'taobao', 'o1')).toMatchObject({
        status: 'refunded',
        allocatedUnitIds: [],
      });
    });

    it('lets the returned key be sold to the next order', () => {
      const { state } = given([
        ...paid,
        event('OrderRefunded', {
          ...order,
          returnedUnitIds: ['k1'],
          returnedQuantity: 1,
          endlessReturned: 0,
          note: null,
        }),
        reserved('o2', 3),
      ]).when(command('ConfirmReservation', { channel: 'taobao', channelOrderId: 'o2' }));
      expect(orderRecordOf(state, 'taobao', 'o2')?.allocatedUnitIds).toEqual(['k2', 'k3', 'k1']);
    });
  });

  describe('when the keys were delivered', () => {
    it('marks the order refunded and keeps the keys spent', () => {
      const result = given([...paid, delivered(['k1'])]).when(refund());
      result.then([
        event('OrderRefunded', {
          ...order,
          returnedUnitIds: [],
          returnedQuantity: 0,
          endlessReturned: 0,
          note: null,
          actor: 'admin:1',
        }),
      ]);
      expect(stockLevels(result.state)).toMatchObject({ onHand: 2, delivered: 1 });
      expect(mapGet(result.state.units, 'k1')?.status).toBe('delivered');
    });
  });

  it('returns the counted stock of a paid order of a quantity SKU', () => {
    const result = given([registeredQuantity(), received(5), reserved('o1', 2), confirmed('o1', 2)]).when(
      refund(),
    );
    expect(result.events).toMatchObject([{ type: 'OrderRefunded', data: { returnedQuantity: 2 } }]);
    expect(stockLevels(result.state)).toMatchObject({ onHand: 5, delivered: 0, available: 5 });
  });

  it('changes nothing when refunded again', () => {
    given([
      ...paid,
      event('OrderRefunded', {
        ...order,
        returnedUnitIds: ['k1'],
        returnedQuantity: 1,
        endlessReturned: 0,
        note: null,
      }),
    ])
      .when(refund())
      .thenNothing();
  });

  it('refuses an order never paid, and one it does not know', () => {
    given([registeredCardKeys(), keysImported(3), reserved('o1', 1)])
      .when(refund())
      .thenRejects('NOT_PAID');
    given([registeredCardKeys()]).when(refund()).thenRejects('RESERVATION_NOT_FOUND');
    given([]).when(refund()).thenRejects('UNKNOWN_SKU');
  });
});

describe('RedeliverOrder', () => {
  it('sends the keys of a delivered order again, counting the repeat', () => {
    given([...paid, delivered(['k1'])])
      .when(redeliver())
      .then([
        event('DeliveryRepeated', {
          ...order,
          unitIds: ['k1'],
          loopUnits: [],
          redelivery: 1,
          note: null,
          actor: 'op:1',
        }),
      ]);
  });

  it('refuses a second redelivery within the interval, and allows it after', () => {
    const once = [
      ...paid,
      event('DeliveryRepeated', { ...order, unitIds: ['k1'], loopUnits: [], redelivery: 1, note: null }),
    ];
    given(once)
      .when(redeliver(T0 + REDELIVERY_MIN_INTERVAL_MS - 1))
      .thenRejects('REDELIVERY_TOO_SOON');
    expect(given(once).when(redeliver(T0 + REDELIVERY_MIN_INTERVAL_MS)).events).toMatchObject([
      { type: 'DeliveryRepeated', data: { redelivery: 2 } },
    ]);
  });

  it(`refuses past ${MAX_REDELIVERIES} redeliveries`, () => {
    const repeats = Array.from({ length: MAX_REDELIVERIES }, (_, i) =>
      event('DeliveryRepeated', {
        ...order,
        unitIds: ['k1'],
        loopUnits: [],
        redelivery: i + 1,
        note: null,
        at: T0 + i * 10 * MINUTE,
      }),
    );
    given([...paid, ...repeats])
      .when(redeliver(T0 + 24 * 60 * MINUTE))
      .thenRejects('REDELIVERY_LIMIT_REACHED');
  });

  it('never sends a voided key', () => {
    given([
      ...paid,
      event('CardKeyVoided', { unitId: 'k1', previousStatus: 'allocated', loop: false, note: null }),
    ])
      .when(redeliver())
      .thenRejects('NOTHING_TO_DELIVER');
  });

  it('refuses a refunded order, an unpaid one and a quantity SKU', () => {
    given([
      ...paid,
      event('OrderRefunded', {
        ...order,
        returnedUnitIds: ['k1'],
        returnedQuantity: 1,
        endlessReturned: 0,
        note: null,
      }),
    ])
      .when(redeliver())
      .thenRejects('ORDER_REFUNDED');
    given([registeredCardKeys(), keysImported(1), reserved('o1', 1)])
      .when(redeliver())
      .thenRejects('NOT_PAID');
    given([registeredQuantity(), received(2), reserved('o1', 1), confirmed('o1', 1)])
      .when(redeliver())
      .thenRejects('KIND_MISMATCH');
  });
});

describe('ReplaceCardKey', () => {
  const deliveredOrder = [...paid, delivered(['k1'])];

  it('voids the reported key and allocates the next one to the order', () => {
    const result = given(deliveredOrder).when(replace('k1'));
    result.then([
      event('CardKeyReplaced', {
        ...order,
        unitId: 'k1',
        previousStatus: 'delivered',
        replacementUnitId: 'k2',
        note: 'buyer says invalid',
        actor: 'op:1',
      }),
    ]);
    expect(mapGet(result.state.units, 'k1')?.status).toBe('voided');
    expect(mapGet(result.state.units, 'k2')).toMatchObject({ status: 'allocated' });
    expect(orderRecordOf(result.state, 'taobao', 'o1')).toMatchObject({
      status: 'confirmed',
      allocatedUnitIds: ['k2'],
    });
    expect(stockLevels(result.state)).toMatchObject({ onHand: 1, delivered: 2 });
    expect(result.state.counters.voided).toBe(1);
  });

  it('changes nothing when the same key is replaced again', () => {
    const once = given(deliveredOrder).when(replace('k1')).events;
    given([...deliveredOrder, ...once])
      .when(replace('k1'))
      .thenNothing();
  });

  it('delivers the replacement like any key: the order is delivered again once it arrives', () => {
    const once = given(deliveredOrder).when(replace('k1')).events;
    const result = given([...deliveredOrder, ...once]).when(
      command('RecordDelivery', { ...order, unitIds: ['k2'] }),
    );
    expect(result.events).toMatchObject([{ type: 'DeliveryRecorded', data: { unitIds: ['k2'] } }]);
    expect(orderRecordOf(result.state, 'taobao', 'o1')?.status).toBe('delivered');
  });

  it('never takes stock another order holds', () => {
    given([...deliveredOrder, reserved('o2', 2)])
      .when(replace('k1'))
      .thenRejects('INSUFFICIENT_STOCK');
  });

  it('refuses a key of another order, an unknown key, a redeemed key and a refunded order', () => {
    const two = [...deliveredOrder, reserved('o2', 1), confirmed('o2', 1, ['k2'])];
    given(two).when(replace('k2')).thenRejects('UNIT_NOT_IN_ORDER');
    given(two).when(replace('k9')).thenRejects('UNIT_NOT_FOUND');
    given([...deliveredOrder, event('CardKeyRedeemed', { unitId: 'k1', ...order })])
      .when(replace('k1'))
      .thenRejects('UNIT_ALREADY_REDEEMED');
    given([
      ...deliveredOrder,
      event('OrderRefunded', {
        ...order,
        returnedUnitIds: [],
        returnedQuantity: 0,
        endlessReturned: 0,
        note: null,
      }),
    ])
      .when(replace('k1'))
      .thenRejects('ORDER_REFUNDED');
  });
});

describe('RecordDelivery of some of the keys', () => {
  const two = [registeredCardKeys(), keysImported(3), reserved('o1', 2), confirmed('o1', 2, ['k1', 'k2'])];

  it('keeps the order waiting until every key arrived', () => {
    const first = given(two).when(command('RecordDelivery', { ...order, unitIds: ['k1'] }));
    expect(orderRecordOf(first.state, 'taobao', 'o1')?.status).toBe('confirmed');
    const second = given([...two, ...first.events]).when(
      command('RecordDelivery', { ...order, unitIds: ['k2'] }),
    );
    expect(orderRecordOf(second.state, 'taobao', 'o1')?.status).toBe('delivered');
    given([...two, ...first.events])
      .when(command('RecordDelivery', { ...order, unitIds: ['k1'] }))
      .thenNothing();
  });
});
