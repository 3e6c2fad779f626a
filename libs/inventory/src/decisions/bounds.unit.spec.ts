import fc from 'fast-check';
import {
  inventoryDecider,
  InventoryState,
  MAX_LINE_QUANTITY,
  MAX_ON_HAND,
  MAX_ORDER_QUANTITY,
  MAX_RECEIVED,
  stockLevels,
} from '@libs/inventory';
import { given, stateFrom } from '../../test/decider-specification';
import {
  command,
  event,
  keysImported,
  MINUTE,
  received,
  registeredCardKeys,
  registeredQuantity,
  registeredUnlimited,
  reserve,
  reserved,
  T0,
} from '../../test/fixtures';

const order = (quantities: number[]) =>
  command('ReserveStock', {
    channel: 'taobao',
    channelOrderId: 'big',
    lines: quantities.map((quantity) => ({ quantity })),
    expiresAt: T0 + 15 * MINUTE,
  });

describe('quantity bounds', () => {
  describe('an order line above MAX_LINE_QUANTITY', () => {
    it('is refused with QUANTITY_TOO_LARGE even when the stock would cover it', () => {
      given([registeredQuantity(), received(MAX_LINE_QUANTITY * 2)])
        .when(reserve('big', MAX_LINE_QUANTITY + 1))
        .thenRejects('QUANTITY_TOO_LARGE');
    });

    it('is refused on an unlimited SKU too', () => {
      given([registeredUnlimited()]).when(reserve('big', 500_000_000)).thenRejects('QUANTITY_TOO_LARGE');
    });

    it('is refused on a card-key SKU with a loop key', () => {
      given([registeredCardKeys(), keysImported(1, 'loops', 1, true)])
        .when(reserve('big', 500_000_000))
        .thenRejects('QUANTITY_TOO_LARGE');
    });

    it('records the requested quantity as a safe integer even for absurd lines', () => {
      const { events } = given([registeredUnlimited()]).when(
        order([Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER]),
      );
      expect(events).toHaveLength(1);
      const [rejection] = events;
      expect(rejection?.type).toBe('ReservationRejected');
      if (rejection?.type === 'ReservationRejected') {
        expect(rejection.data.reason).toBe('QUANTITY_TOO_LARGE');
        expect(Number.isSafeInteger(rejection.data.requested)).toBe(true);
      }
    });
  });

  describe('an order whose lines add up past MAX_ORDER_QUANTITY', () => {
    it('is refused with QUANTITY_TOO_LARGE', () => {
      given([registeredUnlimited()])
        .when(order([MAX_ORDER_QUANTITY, 1]))
        .thenRejects('QUANTITY_TOO_LARGE');
    });

    it('is accepted at exactly the bound', () => {
      given([registeredUnlimited()])
        .when(order([MAX_ORDER_QUANTITY / 2, MAX_ORDER_QUANTITY / 2]))
        .then([
          event('StockReserved', {
            channel: 'taobao',
            channelOrderId: 'big',
            lines: [
              { quantity: MAX_ORDER_QUANTITY / 2, poolId: null, endless: MAX_ORDER_QUANTITY / 2 },
              { quantity: MAX_ORDER_QUANTITY / 2, poolId: null, endless: MAX_ORDER_QUANTITY / 2 },
            ],
            quantity: MAX_ORDER_QUANTITY,
            expiresAt: T0 + 15 * MINUTE,
          }),
        ]);
    });
  });

  describe('a receipt that would take on hand past MAX_ON_HAND', () => {
    it('is refused with STOCK_LIMIT_EXCEEDED', () => {
      given([registeredQuantity(), received(MAX_ON_HAND - 10)])
        .when(command('ReceiveStock', { batchId: 'more', quantity: 11 }))
        .thenRejects('STOCK_LIMIT_EXCEEDED');
    });

    it('is accepted up to the ceiling', () => {
      given([registeredQuantity(), received(MAX_ON_HAND - 10)])
        .when(command('ReceiveStock', { batchId: 'more', quantity: 10 }))
        .then([received(10, 'more')]);
    });

    it('counts what is on hand, not what was ever received', () => {
      const soldOut = [
        registeredQuantity(),
        received(MAX_ON_HAND, 'first'),
        reserved('o1', MAX_ORDER_QUANTITY),
        event('ReservationConfirmed', {
          channel: 'taobao',
          channelOrderId: 'o1',
          quantity: MAX_ORDER_QUANTITY,
          allocatedUnitIds: [],
          loopUnits: [],
        }),
      ];
      given(soldOut)
        .when(command('ReceiveStock', { batchId: 'refill', quantity: MAX_ORDER_QUANTITY }))
        .then([received(MAX_ORDER_QUANTITY, 'refill')]);
    });
  });

  describe('a receipt that would take the lifetime received total past MAX_RECEIVED', () => {
    it('is refused with STOCK_LIMIT_EXCEEDED', () => {
      const state: InventoryState = {
        ...stateFrom([registeredQuantity()]),
        counters: { ...stateFrom([registeredQuantity()]).counters, received: MAX_RECEIVED },
      };
      const events = inventoryDecider.decide(command('ReceiveStock', { batchId: 'b', quantity: 1 }), state);
      expect(events).toMatchObject([{ type: 'CommandRejected', data: { reason: 'STOCK_LIMIT_EXCEEDED' } }]);
    });
  });

  describe('a positive adjustment that would take on hand past MAX_ON_HAND', () => {
    it('is refused with STOCK_LIMIT_EXCEEDED', () => {
      given([registeredQuantity(), received(MAX_ON_HAND)])
        .when(command('AdjustStock', { adjustmentId: 'a1', delta: 1, reason: 'count-correction' }))
        .thenRejects('STOCK_LIMIT_EXCEEDED');
    });

    it('is refused for a delta that is itself past the ceiling', () => {
      given([registeredQuantity()])
        .when(
          command('AdjustStock', {
            adjustmentId: 'a1',
            delta: -(MAX_ON_HAND + 1),
            reason: 'count-correction',
          }),
        )
        .thenRejects('STOCK_LIMIT_EXCEEDED');
    });
  });

  describe('a dedicated pool larger than an order may be', () => {
    it('is still allowed: pools hold stock, orders from them are bounded', () => {
      const { events } = given([registeredQuantity(), received(MAX_ORDER_QUANTITY * 3)]).when(
        command('OpenDedicatedPool', { poolId: 'p1', quantity: MAX_ORDER_QUANTITY * 2 }),
      );
      expect(events.map((e) => e.type)).toEqual(['DedicatedPoolOpened']);
    });
  });
});

describe('no accepted command ever leaves a count outside [0, MAX]', () => {
  const huge = fc.oneof(
    fc.integer({ min: 1, max: 10 }),
    fc.constantFrom(
      MAX_LINE_QUANTITY,
      MAX_LINE_QUANTITY + 1,
      MAX_ON_HAND,
      MAX_ON_HAND + 1,
      2 ** 31,
      2 ** 53 - 1,
    ),
  );
  const kind = fc.constantFrom('quantity', 'cardKey', 'unlimited');
  const step = fc.oneof(
    fc.record({ type: fc.constant('ReceiveStock' as const), quantity: huge }),
    fc.record({ type: fc.constant('AdjustStock' as const), delta: huge, negative: fc.boolean() }),
    fc.record({
      type: fc.constant('ReserveStock' as const),
      lines: fc.array(huge, { minLength: 1, maxLength: 3 }),
    }),
    fc.record({ type: fc.constant('ConfirmReservation' as const), pick: fc.nat(20) }),
    fc.record({ type: fc.constant('ImportLoopKey' as const) }),
  );

  it('holds for random receipts, adjustments and orders with huge quantities', () => {
    fc.assert(
      fc.property(kind, fc.array(step, { maxLength: 25 }), (k, steps) => {
        let state = inventoryDecider.evolve(
          inventoryDecider.initialState(),
          event('SkuRegistered', { kind: k, lowStockThreshold: null, perOrderCap: null }),
        );
        steps.forEach((s, i) => {
          const now = T0 + i;
          const cmd =
            s.type === 'ReceiveStock'
              ? command('ReceiveStock', { batchId: `b${i}`, quantity: s.quantity, now })
              : s.type === 'AdjustStock'
                ? command('AdjustStock', {
                    adjustmentId: `a${i}`,
                    delta: s.negative ? -s.delta : s.delta,
                    reason: 'count-correction',
                    now,
                  })
                : s.type === 'ReserveStock'
                  ? command('ReserveStock', {
                      channel: 'taobao',
                      channelOrderId: `o${i}`,
                      lines: s.lines.map((quantity) => ({ quantity })),
                      expiresAt: now + MINUTE,
                      now,
                    })
                  : s.type === 'ConfirmReservation'
                    ? command('ConfirmReservation', { channel: 'taobao', channelOrderId: `o${s.pick}`, now })
                    : command('ImportCardKeys', {
                        batchId: `l${i}`,
                        units: [{ unitId: `loop${i}`, fingerprint: `fl${i}`, loop: true }],
                        now,
                      });
          const events = inventoryDecider.decide(cmd, state);
          for (const e of events) {
            if (e.type === 'StockReserved') {
              expect(e.data.quantity).toBeLessThanOrEqual(MAX_ORDER_QUANTITY);
              for (const line of e.data.lines) expect(line.quantity).toBeLessThanOrEqual(MAX_LINE_QUANTITY);
            }
            state = inventoryDecider.evolve(state, e);
          }
          const levels = stockLevels(state);
          for (const value of Object.values(state.counters)) expect(Number.isSafeInteger(value)).toBe(true);
          expect(levels.onHand).toBeGreaterThanOrEqual(0);
          expect(levels.onHand).toBeLessThanOrEqual(MAX_ON_HAND);
          expect(levels.received).toBeLessThanOrEqual(MAX_RECEIVED);
          expect(levels.reserved).toBeGreaterThanOrEqual(0);
          expect(levels.reserved).toBeLessThanOrEqual(levels.onHand);
          expect(levels.endlessReserved).toBeGreaterThanOrEqual(0);
          expect(levels.endlessReserved).toBeLessThanOrEqual(MAX_ORDER_QUANTITY * (i + 1));
        });
      }),
      { numRuns: 300 },
    );
  });
});
