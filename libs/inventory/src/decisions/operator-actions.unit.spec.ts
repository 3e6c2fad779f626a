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
/** o1 refunded with these keys back in stock. */
const refunded = (returnedUnitIds: string[], extra: { note?: string; actor?: string } = {}) =>
  event('OrderRefunded', {
    ...order,
    returnedUnitIds,
    returnedQuantity: returnedUnitIds.length,
    endlessReturned: 0,
    note: null,
    ...extra,
  });

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
      const { state } = given([...paid, refunded(['k1']), reserved('o2', 3)]).when(
        command('ConfirmReservation', { channel: 'taobao', channelOrderId: 'o2' }),
      );
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
    given([...paid, refunded(['k1'])])
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
    given([...paid, refunded(['k1'])])
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
    given([...deliveredOrder, refunded([])])
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

describe('manual delivery (手动发货)', () => {
  const manual = event('SkuSettingsChanged', {
    lowStockThreshold: null,
    perOrderCap: null,
    deliveryMode: 'manual',
  });
  const base = [registeredCardKeys(), keysImported(4), manual, reserved('o1', 2)];
  const awaiting = [
    ...base,
    { ...confirmed('o1', 2), data: { ...confirmed('o1', 2).data, awaitingKeys: 2 } },
  ];
  const allocate = (unitIds?: string[]) =>
    command('AllocateCardKeys', { ...order, actor: 'op:1', ...(unitIds ? { unitIds } : {}) });

  it('is a setting of card-key SKUs only', () => {
    given([registeredCardKeys()])
      .when(command('ChangeSkuSettings', { deliveryMode: 'manual' }))
      .then([
        event('SkuSettingsChanged', { lowStockThreshold: null, perOrderCap: null, deliveryMode: 'manual' }),
      ]);
    given([registeredQuantity()])
      .when(command('ChangeSkuSettings', { deliveryMode: 'manual' }))
      .thenRejects('KIND_MISMATCH');
    given([registeredCardKeys()])
      .when(command('ChangeSkuSettings', { deliveryMode: 'by-pigeon' as never }))
      .thenRejects('INVALID_SETTING');
  });

  it('leaves a paid order waiting with its stock held, picking no key', () => {
    const result = given(base).when(command('ConfirmReservation', order));
    expect(result.events).toMatchObject([
      { type: 'ReservationConfirmed', data: { allocatedUnitIds: [], awaitingKeys: 2 } },
    ]);
    expect(orderRecordOf(result.state, 'taobao', 'o1')?.status).toBe('awaiting-keys');
    expect(stockLevels(result.state)).toMatchObject({ onHand: 4, reserved: 2, available: 2, delivered: 0 });
    // It no longer expires: the buyer has paid.
    given(awaiting)
      .when(command('ExpireReservations', { now: T0 + 24 * 60 * MINUTE }))
      .thenNothing();
  });

  it('gives the named keys, then the rest, and the order is confirmed once it has them all', () => {
    const first = given(awaiting).when(allocate(['k3']));
    first.then([event('KeysAllocatedManually', { ...order, unitIds: ['k3'], actor: 'op:1' })]);
    expect(orderRecordOf(first.state, 'taobao', 'o1')).toMatchObject({
      status: 'awaiting-keys',
      allocatedUnitIds: ['k3'],
    });
    expect(stockLevels(first.state)).toMatchObject({ onHand: 3, reserved: 1, available: 2, delivered: 1 });
    given([...awaiting, ...first.events])
      .when(allocate(['k3']))
      .thenNothing();
    const rest = given([...awaiting, ...first.events]).when(allocate());
    rest.then([event('KeysAllocatedManually', { ...order, unitIds: ['k1'], actor: 'op:1' })]);
    expect(orderRecordOf(rest.state, 'taobao', 'o1')).toMatchObject({
      status: 'confirmed',
      allocatedUnitIds: ['k3', 'k1'],
    });
    expect(stockLevels(rest.state)).toMatchObject({ onHand: 2, reserved: 0, available: 2, delivered: 2 });
    given([...awaiting, ...first.events, ...rest.events])
      .when(allocate())
      .thenRejects('NOT_AWAITING_KEYS');
  });

  it('refuses keys it cannot give', () => {
    given(awaiting)
      .when(allocate(['k1', 'k2', 'k3']))
      .thenRejects('TOO_MANY_KEYS');
    given(awaiting)
      .when(allocate(['k9']))
      .thenRejects('UNIT_NOT_FOUND');
    given([
      ...awaiting,
      event('CardKeyVoided', { unitId: 'k1', previousStatus: 'available', loop: false, note: null }),
    ])
      .when(allocate(['k1']))
      .thenRejects('UNIT_NOT_AVAILABLE');
    given(paid).when(allocate()).thenRejects('NOT_AWAITING_KEYS');
  });

  it('records a loop key delivered once while the order still waits for its single keys', () => {
    const loops = [registeredCardKeys(), manual, keysImported(1, 'loop1', 9, true), keysImported(1, 'c1', 1)];
    const placed = {
      ...reserved('o1', 2),
      data: { ...reserved('o1', 2).data, lines: [{ quantity: 2, poolId: null, endless: 1 }] },
    };
    const confirmation = given([...loops, placed]).when(command('ConfirmReservation', order)).events;
    expect(confirmation).toMatchObject([
      { data: { loopUnits: [{ unitId: 'k9', count: 1 }], awaitingKeys: 1 } },
    ]);
    const first = given([...loops, placed, ...confirmation]).when(command('RecordDelivery', order));
    first.then([event('DeliveryRecorded', { ...order, unitIds: ['k9'] })]);
    expect(orderRecordOf(first.state, 'taobao', 'o1')?.status).toBe('awaiting-keys');
    given([...loops, placed, ...confirmation, ...first.events])
      .when(command('RecordDelivery', order))
      .thenNothing();
  });

  it('a refund releases what the waiting order still held', () => {
    const first = given(awaiting).when(allocate(['k3'])).events;
    const result = given([...awaiting, ...first]).when(refund());
    expect(result.events).toMatchObject([
      { type: 'OrderRefunded', data: { returnedUnitIds: ['k3'], returnedQuantity: 1, releasedHeld: 1 } },
    ]);
    expect(stockLevels(result.state)).toMatchObject({ onHand: 4, reserved: 0, available: 4, delivered: 0 });
  });
});
