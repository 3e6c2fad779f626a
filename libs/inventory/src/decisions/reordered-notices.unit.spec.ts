import fc from 'fast-check';
import {
  EARLY_CANCELLATION_TTL_MS,
  inventoryDecider,
  MAX_EARLY_CANCELLATIONS,
  outcomeOf,
  stockLevels,
} from '@libs/inventory';
import { given, stateFrom } from '../../test/decider-specification';
import {
  command,
  confirm,
  event,
  keysImported,
  MINUTE,
  received,
  registeredCardKeys,
  registeredQuantity,
  release,
  reserve,
  reserved,
  T0,
} from '../../test/fixtures';

const DAY = 24 * 60 * MINUTE;
const inStock = [registeredQuantity(), received(10)];
const cancelledEarly = (channelOrderId: string, at = T0, channel = 'taobao') =>
  event('CancelledBeforePlacement', { channel, channelOrderId, note: null, at });
const expired = (channelOrderId: string, quantity: number, expiresAt = T0 + 15 * MINUTE) =>
  event('ReservationExpired', { channel: 'taobao', channelOrderId, quantity, expiresAt, at: expiresAt });

describe('a cancel that arrives before its placement', () => {
  it('is remembered for the order', () => {
    given(inStock)
      .when(release('o1'))
      .then([cancelledEarly('o1')]);
  });

  it('wins when the placement comes: the order is refused with ORDER_CANCELLED and reserves nothing', () => {
    const placement = given([...inStock, cancelledEarly('o1')]).when(reserve('o1', 3));
    placement.thenRejects('ORDER_CANCELLED');
    expect(stockLevels(placement.state)).toMatchObject({ reserved: 0, available: 10 });
    expect(outcomeOf(placement.state, 'taobao', 'o1')).toEqual({
      status: 'rejected',
      reason: 'ORDER_CANCELLED',
    });
  });

  it('then refuses the payment of that order, as for any refused order', () => {
    const refused = event('ReservationRejected', {
      channel: 'taobao',
      channelOrderId: 'o1',
      reason: 'ORDER_CANCELLED',
      requested: 3,
    });
    given([...inStock, cancelledEarly('o1'), refused])
      .when(confirm('o1'))
      .thenRejects('ORDER_REJECTED');
  });

  it('is answered with nothing when repeated', () => {
    given([...inStock, cancelledEarly('o1')])
      .when(release('o1'))
      .thenNothing();
  });

  it('does not touch another channel’s order with the same id', () => {
    given([...inStock, cancelledEarly('o1')])
      .when(reserve('o1', 3, { channel: 'pdd' }))
      .then([reserved('o1', 3, { channel: 'pdd' })]);
  });

  it('is still refused for an SKU that is not registered', () => {
    given([]).when(release('o1')).thenRejects('UNKNOWN_SKU');
  });

  it('is forgotten once older than the retention horizon, and at most MAX_EARLY_CANCELLATIONS are kept', () => {
    const state = stateFrom([
      ...inStock,
      cancelledEarly('old', T0),
      cancelledEarly('recent', T0 + EARLY_CANCELLATION_TTL_MS),
      cancelledEarly('newest', T0 + EARLY_CANCELLATION_TTL_MS + DAY),
    ]);
    expect(Object.keys(state.earlyCancellations).length).toBe(2);
    let many = stateFrom(inStock);
    for (let i = 0; i < MAX_EARLY_CANCELLATIONS + 5; i += 1) {
      many = inventoryDecider.evolve(many, cancelledEarly(`o${i}`, T0 + i));
    }
    const kept = Object.keys(many.earlyCancellations);
    expect(kept.length).toBe(MAX_EARLY_CANCELLATIONS);
    // The oldest went first.
    expect(kept.some((key) => key.endsWith(':o0'))).toBe(false);
    expect(kept.some((key) => key.endsWith(`:o${MAX_EARLY_CANCELLATIONS + 4}`))).toBe(true);
  });
});

describe('a placement that arrives after its pay deadline', () => {
  it('is reserved, not refused for time: it may be the placement a payment carries', () => {
    given(inStock)
      .when(reserve('o1', 3, { expiresAt: T0 - MINUTE }))
      .then([reserved('o1', 3, { expiresAt: T0 - MINUTE })]);
  });

  it('is confirmed by the payment that carried it', () => {
    const paid = given([...inStock, reserved('o1', 3, { expiresAt: T0 - MINUTE })]).when(confirm('o1'));
    expect(paid.events.map((e) => e.type)).toEqual(['ReservationConfirmed']);
    expect(stockLevels(paid.state)).toMatchObject({ onHand: 7, reserved: 0, delivered: 3 });
  });

  it('is still refused when its times are not instants', () => {
    given(inStock)
      .when(reserve('o1', 3, { expiresAt: -1 }))
      .thenRejects('INVALID_TIME');
  });
});

describe('a payment that arrives after its hold lapsed', () => {
  const lapsed = [...inStock, reserved('o1', 3), expired('o1', 3)];

  it('is confirmed from the stock still available, never refused for time', () => {
    const paid = given(lapsed).when(
      command('ConfirmReservation', { channel: 'taobao', channelOrderId: 'o1', now: T0 + 60 * MINUTE }),
    );
    expect(paid.events).toMatchObject([
      {
        type: 'ReservationConfirmed',
        data: {
          channelOrderId: 'o1',
          quantity: 3,
          renewedLines: [{ quantity: 3, poolId: null, endless: 0 }],
        },
      },
    ]);
    expect(stockLevels(paid.state)).toMatchObject({ onHand: 7, reserved: 0, delivered: 3, available: 7 });
    expect(outcomeOf(paid.state, 'taobao', 'o1')).toMatchObject({ status: 'confirmed', quantity: 3 });
  });

  it('is refused with INSUFFICIENT_STOCK when the lapsed stock was sold meanwhile', () => {
    given([...lapsed, reserved('o2', 9)])
      .when(confirm('o1'))
      .thenRejects('INSUFFICIENT_STOCK');
  });

  it('allocates card keys from what is available', () => {
    const keys = [registeredCardKeys(), keysImported(3), reserved('o1', 2), expired('o1', 2)];
    const paid = given(keys).when(confirm('o1'));
    expect(paid.events).toMatchObject([
      { type: 'ReservationConfirmed', data: { allocatedUnitIds: ['k1', 'k2'], loopUnits: [] } },
    ]);
    expect(stockLevels(paid.state)).toMatchObject({ onHand: 1, reserved: 0 });
  });

  it('is answered with nothing when repeated', () => {
    const paid = given(lapsed).when(confirm('o1'));
    given([...lapsed, ...paid.events])
      .when(confirm('o1'))
      .thenNothing();
  });
});

describe('a state saved before tombstones and loop counts existed', () => {
  it('evolves and decides without them', () => {
    const current = stateFrom([
      registeredCardKeys(),
      keysImported(1, 'loops', 1, true),
      reserved('o1', 2, { endless: 2 }),
    ]);
    const legacyOrders = JSON.parse(JSON.stringify(current));
    delete legacyOrders.earlyCancellations;
    const legacyConfirmed = event('ReservationConfirmed', {
      channel: 'taobao',
      channelOrderId: 'o1',
      quantity: 2,
      allocatedUnitIds: [],
      loopUnitIds: ['k1', 'k1'],
    } as never);
    let state = inventoryDecider.evolve(legacyOrders, legacyConfirmed);
    state = inventoryDecider.evolve(
      state,
      event('ReservationRejected', {
        channel: 'taobao',
        channelOrderId: 'o9',
        reason: 'INSUFFICIENT_STOCK',
        requested: 1,
      }),
    );
    state = inventoryDecider.evolve(state, cancelledEarly('o7'));
    expect(Object.keys(state.earlyCancellations)).toHaveLength(1);
    expect(outcomeOf(state, 'taobao', 'o1')).toMatchObject({ loopUnits: [{ unitId: 'k1', count: 2 }] });
    const { [`earlyCancellations`]: _dropped, ...withoutTombstones } = JSON.parse(JSON.stringify(state));
    expect(inventoryDecider.decide(reserve('o8', 1), withoutTombstones)).toMatchObject([
      { type: 'StockReserved' },
    ]);
  });
});

describe('notices of several orders in any order (property)', () => {
  type Notice = { kind: 'placed' | 'paid' | 'cancelled' | 'sweep'; order: number; late: boolean };
  const notice = fc.record({
    kind: fc.constantFrom<Notice['kind']>('placed', 'paid', 'cancelled', 'sweep'),
    order: fc.integer({ min: 0, max: 3 }),
    late: fc.boolean(),
  });

  it('never oversells, confirms an order at most once, and never reserves an order whose cancel came first', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 6 }), fc.array(notice, { maxLength: 30 }), (onHand, notices) => {
        let state = stateFrom(onHand > 0 ? [registeredQuantity(), received(onHand)] : [registeredQuantity()]);
        const confirmations = new Map<string, number>();
        const cancelledFirst = new Set<string>();
        notices.forEach((n, i) => {
          const id = `o${n.order}`;
          const now = T0 + i * MINUTE;
          const cmd =
            n.kind === 'placed'
              ? reserve(id, 1 + n.order, { now, expiresAt: n.late ? now - MINUTE : now + 5 * MINUTE })
              : n.kind === 'paid'
                ? command('ConfirmReservation', { channel: 'taobao', channelOrderId: id, now })
                : n.kind === 'cancelled'
                  ? command('ReleaseReservation', { channel: 'taobao', channelOrderId: id, now })
                  : command('ExpireReservations', { now });
          for (const e of inventoryDecider.decide(cmd, state)) {
            if (e.type === 'CancelledBeforePlacement') cancelledFirst.add(e.data.channelOrderId);
            if (e.type === 'StockReserved') expect(cancelledFirst.has(e.data.channelOrderId)).toBe(false);
            if (e.type === 'ReservationConfirmed') {
              confirmations.set(e.data.channelOrderId, (confirmations.get(e.data.channelOrderId) ?? 0) + 1);
            }
            state = inventoryDecider.evolve(state, e);
          }
          const levels = stockLevels(state);
          expect(levels.reserved).toBeGreaterThanOrEqual(0);
          expect(levels.onHand - levels.reserved).toBeGreaterThanOrEqual(0);
          expect(levels.received - levels.adjusted - levels.delivered).toBe(levels.onHand);
        });
        for (const count of confirmations.values()) expect(count).toBe(1);
      }),
      { numRuns: 500 },
    );
  });
});
