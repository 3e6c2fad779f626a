import { outcomeOf, stockLevels } from '@libs/inventory';
import { given } from '../../test/decider-specification';
import {
  command,
  confirm,
  confirmed,
  event,
  keysImported,
  MINUTE,
  received,
  registeredCardKeys,
  registeredQuantity,
  registeredUnlimited,
  release,
  reserved,
  T0,
} from '../../test/fixtures';

const quantityReserved = [registeredQuantity(), received(10), reserved('o1', 3)];

describe('ConfirmReservation', () => {
  describe('when a quantity reservation is open', () => {
    it('turns the reserved units into delivered ones', () => {
      const result = given(quantityReserved).when(confirm('o1'));
      result.then([confirmed('o1', 3)]);
      expect(stockLevels(result.state)).toMatchObject({
        received: 10,
        delivered: 3,
        onHand: 7,
        reserved: 0,
        available: 7,
      });
      expect(outcomeOf(result.state, 'taobao', 'o1')).toEqual({
        status: 'confirmed',
        quantity: 3,
        allocatedUnitIds: [],
        loopUnits: [],
      });
    });

    it('still confirms after expiresAt if the expiry sweep has not run: the stock is still held', () => {
      given(quantityReserved)
        .when(
          command('ConfirmReservation', { channel: 'taobao', channelOrderId: 'o1', now: T0 + 60 * MINUTE }),
        )
        .then([{ ...confirmed('o1', 3), data: { ...confirmed('o1', 3).data, at: T0 + 60 * MINUTE } }]);
    });
  });

  describe('when card keys are reserved', () => {
    const keys = [registeredCardKeys(), keysImported(3, 'b1'), keysImported(2, 'b2', 4)];

    it('allocates keys first received first out', () => {
      given([...keys, reserved('o1', 2), confirmed('o1', 2, ['k1', 'k2']), reserved('o2', 2)])
        .when(confirm('o2'))
        .then([confirmed('o2', 2, ['k3', 'k4'])]);
    });

    it('skips voided keys', () => {
      const voided = event('CardKeyVoided', {
        unitId: 'k1',
        previousStatus: 'available',
        loop: false,
        note: null,
      });
      given([...keys, voided, reserved('o1', 2)])
        .when(confirm('o1'))
        .then([confirmed('o1', 2, ['k2', 'k3'])]);
    });

    it('hands out the loop key for the part counted stock could not cover', () => {
      given([
        registeredCardKeys(),
        keysImported(1),
        keysImported(1, 'loop', 50, true),
        reserved('o1', 3, { endless: 2 }),
      ])
        .when(confirm('o1'))
        .then([confirmed('o1', 3, ['k1'], [{ unitId: 'k50', count: 2 }])]);
    });

    it('never gives a key to two orders', () => {
      const { state } = given([...keys, reserved('o1', 2), confirmed('o1', 2, ['k1', 'k2'])]).when(
        confirm('o1'),
      );
      expect(outcomeOf(state, 'taobao', 'o1')).toMatchObject({ allocatedUnitIds: ['k1', 'k2'] });
    });
  });

  describe('when an unlimited order is reserved', () => {
    it('confirms without counted stock', () => {
      const result = given([registeredUnlimited(), reserved('o1', 4, { endless: 4 })]).when(confirm('o1'));
      result.then([confirmed('o1', 4)]);
      expect(stockLevels(result.state)).toMatchObject({
        delivered: 0,
        endlessDelivered: 4,
        endlessReserved: 0,
      });
    });
  });

  describe('when the order is already confirmed', () => {
    it('emits nothing for a repeated payment notice and keeps the first allocation', () => {
      const result = given([
        registeredCardKeys(),
        keysImported(3),
        reserved('o1', 1),
        confirmed('o1', 1, ['k1']),
      ]).when(confirm('o1'));
      result.thenNothing();
      expect(outcomeOf(result.state, 'taobao', 'o1')).toMatchObject({
        status: 'confirmed',
        allocatedUnitIds: ['k1'],
      });
    });
  });

  describe('when there is no open reservation', () => {
    const released = event('ReservationReleased', {
      channel: 'taobao',
      channelOrderId: 'o1',
      quantity: 3,
      note: null,
    });
    const expired = event('ReservationExpired', {
      channel: 'taobao',
      channelOrderId: 'o1',
      quantity: 3,
      expiresAt: T0,
    });
    const rejected = event('ReservationRejected', {
      channel: 'taobao',
      channelOrderId: 'o1',
      reason: 'INSUFFICIENT_STOCK',
      requested: 3,
    });

    it('rejects an unknown order', () => {
      given([registeredQuantity()]).when(confirm('o1')).thenRejects('RESERVATION_NOT_FOUND');
    });
    it('rejects a released and a rejected order (an expired one is renewed: see reordered-notices)', () => {
      given([...quantityReserved, released])
        .when(confirm('o1'))
        .thenRejects('RESERVATION_RELEASED');
      given([...quantityReserved, expired])
        .when(confirm('o1'))
        .then([
          {
            ...confirmed('o1', 3),
            data: { ...confirmed('o1', 3).data, renewedLines: [{ quantity: 3, poolId: null, endless: 0 }] },
          },
        ]);
      given([registeredQuantity(), rejected]).when(confirm('o1')).thenRejects('ORDER_REJECTED');
    });
    it('rejects a confirmation for an unregistered SKU', () => {
      given([]).when(confirm('o1')).thenRejects('UNKNOWN_SKU');
    });
  });
});

describe('RecordDelivery', () => {
  const delivered = [registeredCardKeys(), keysImported(2), reserved('o1', 1), confirmed('o1', 1, ['k1'])];

  it('records that the allocated keys reached the buyer', () => {
    const result = given(delivered).when(
      command('RecordDelivery', { channel: 'taobao', channelOrderId: 'o1' }),
    );
    result.then([event('DeliveryRecorded', { channel: 'taobao', channelOrderId: 'o1', unitIds: ['k1'] })]);
    expect(outcomeOf(result.state, 'taobao', 'o1')).toMatchObject({
      status: 'delivered',
      allocatedUnitIds: ['k1'],
    });
  });

  it('emits nothing the second time', () => {
    given([
      ...delivered,
      event('DeliveryRecorded', { channel: 'taobao', channelOrderId: 'o1', unitIds: ['k1'] }),
    ])
      .when(command('RecordDelivery', { channel: 'taobao', channelOrderId: 'o1' }))
      .thenNothing();
  });

  it('rejects an order that is not paid for', () => {
    given([registeredCardKeys(), keysImported(2), reserved('o1', 1)])
      .when(command('RecordDelivery', { channel: 'taobao', channelOrderId: 'o1' }))
      .thenRejects('NOT_CONFIRMED');
  });
});

describe('ReleaseReservation', () => {
  describe('when the reservation is open', () => {
    it('returns the units to available stock', () => {
      const result = given(quantityReserved).when(
        command('ReleaseReservation', {
          channel: 'taobao',
          channelOrderId: 'o1',
          note: 'buyer cancelled',
          actor: 'connector:taobao',
        }),
      );
      result.then([
        event('ReservationReleased', {
          channel: 'taobao',
          channelOrderId: 'o1',
          quantity: 3,
          note: 'buyer cancelled',
          actor: 'connector:taobao',
        }),
      ]);
      expect(stockLevels(result.state)).toMatchObject({ onHand: 10, reserved: 0, available: 10 });
      expect(outcomeOf(result.state, 'taobao', 'o1')).toEqual({ status: 'released', quantity: 3 });
    });
  });

  describe('when nothing is held any more', () => {
    it('emits nothing for a repeated cancel', () => {
      const released = event('ReservationReleased', {
        channel: 'taobao',
        channelOrderId: 'o1',
        quantity: 3,
        note: null,
      });
      given([...quantityReserved, released])
        .when(release('o1'))
        .thenNothing();
    });

    it('emits nothing for a cancel after expiry', () => {
      const expired = event('ReservationExpired', {
        channel: 'taobao',
        channelOrderId: 'o1',
        quantity: 3,
        expiresAt: T0,
      });
      given([...quantityReserved, expired])
        .when(release('o1'))
        .thenNothing();
    });
  });

  describe('when the order is paid for', () => {
    it('rejects the cancel', () => {
      given([...quantityReserved, confirmed('o1', 3)])
        .when(release('o1'))
        .thenRejects('ALREADY_CONFIRMED');
    });
  });

  describe('when the order is unknown', () => {
    it('remembers the cancel for its placement (see reordered-notices)', () => {
      given([registeredQuantity()])
        .when(release('o1'))
        .then([event('CancelledBeforePlacement', { channel: 'taobao', channelOrderId: 'o1', note: null })]);
    });
  });
});

describe('ExpireReservations', () => {
  const open = [
    registeredQuantity(),
    received(10),
    reserved('late', 1, { expiresAt: T0 + 30 * MINUTE }),
    reserved('b', 2, { expiresAt: T0 + 10 * MINUTE }),
    reserved('a', 3, { expiresAt: T0 + 5 * MINUTE }),
  ];

  describe('when some reservations are past their expiry', () => {
    it('expires every reservation with expiresAt ≤ now, oldest first', () => {
      const result = given(open).when(command('ExpireReservations', { now: T0 + 10 * MINUTE }));
      result.then([
        event('ReservationExpired', {
          channel: 'taobao',
          channelOrderId: 'a',
          quantity: 3,
          expiresAt: T0 + 5 * MINUTE,
          at: T0 + 10 * MINUTE,
        }),
        event('ReservationExpired', {
          channel: 'taobao',
          channelOrderId: 'b',
          quantity: 2,
          expiresAt: T0 + 10 * MINUTE,
          at: T0 + 10 * MINUTE,
        }),
      ]);
      expect(stockLevels(result.state)).toMatchObject({ reserved: 1, available: 9 });
    });
  });

  describe('when nothing is due', () => {
    it('emits nothing', () => {
      given(open)
        .when(command('ExpireReservations', { now: T0 + MINUTE }))
        .thenNothing();
    });
  });

  describe('when confirmed orders are past their expiry', () => {
    it('leaves them alone', () => {
      given([...open, confirmed('a', 3), confirmed('b', 2), confirmed('late', 1)])
        .when(command('ExpireReservations', { now: T0 + 60 * MINUTE }))
        .thenNothing();
    });
  });
});
