import { outcomeOf, stockLevels } from '@libs/inventory';
import { given } from '../../test/decider-specification';
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

const inStock = [registeredQuantity(null, 5), received(10)];

describe('ReserveStock', () => {
  describe('when the SKU is not registered', () => {
    it('rejects the order with UNKNOWN_SKU and remembers it', () => {
      const result = given([]).when(reserve('o1', 1));
      result.then([
        event('ReservationRejected', {
          channel: 'taobao',
          channelOrderId: 'o1',
          reason: 'UNKNOWN_SKU',
          requested: 1,
        }),
      ]);
      expect(outcomeOf(result.state, 'taobao', 'o1')).toEqual({ status: 'rejected', reason: 'UNKNOWN_SKU' });
    });
  });

  describe('when in stock', () => {
    it('reserves the order and attributes it to the actor', () => {
      given(inStock)
        .when(reserve('o1', 3, { actor: 'connector:taobao' }))
        .then([{ ...reserved('o1', 3), data: { ...reserved('o1', 3).data, actor: 'connector:taobao' } }]);
    });

    it('moves the quantity from available to reserved', () => {
      const { state } = given(inStock).when(reserve('o1', 3));
      expect(stockLevels(state)).toMatchObject({ onHand: 10, reserved: 3, available: 7 });
      expect(outcomeOf(state, 'taobao', 'o1')).toEqual({
        status: 'reserved',
        quantity: 3,
        expiresAt: T0 + 15 * MINUTE,
      });
    });

    it('keeps orders of different channels apart even with the same order id', () => {
      given([...inStock, reserved('o1', 3)])
        .when(reserve('o1', 3, { channel: 'pdd' }))
        .then([reserved('o1', 3, { channel: 'pdd' })]);
    });

    it('reserves every line of a multi-line order', () => {
      given(inStock)
        .when(
          command('ReserveStock', {
            channel: 'shop',
            channelOrderId: 'o1',
            lines: [{ quantity: 2 }, { quantity: 1 }],
            expiresAt: T0 + MINUTE,
          }),
        )
        .then([
          event('StockReserved', {
            channel: 'shop',
            channelOrderId: 'o1',
            lines: [
              { quantity: 2, poolId: null, endless: 0 },
              { quantity: 1, poolId: null, endless: 0 },
            ],
            quantity: 3,
            expiresAt: T0 + MINUTE,
          }),
        ]);
    });

    it('rejects an order above the per-order cap', () => {
      given(inStock).when(reserve('o1', 6)).thenRejects('OVER_ORDER_CAP');
    });

    it('rejects a quantity that is not a positive whole number, and an order without lines', () => {
      given(inStock).when(reserve('o1', 0)).thenRejects('INVALID_QUANTITY');
      given(inStock).when(reserve('o2', 1.5)).thenRejects('INVALID_QUANTITY');
      given(inStock)
        .when(
          command('ReserveStock', {
            channel: 'taobao',
            channelOrderId: 'o3',
            lines: [],
            expiresAt: T0 + MINUTE,
          }),
        )
        .thenRejects('INVALID_QUANTITY');
    });

    it('reserves an order whose expiry is not after now: time never refuses an order', () => {
      given(inStock)
        .when(reserve('o1', 1, { expiresAt: T0 }))
        .then([reserved('o1', 1, { expiresAt: T0 })]);
    });

    it('rejects an order without an order id, without remembering it', () => {
      given(inStock).when(reserve('', 1)).thenRejects('INVALID_REFERENCE');
    });
  });

  describe('when stock is short', () => {
    const lowStock = [registeredQuantity(), received(2)];

    it('rejects the whole order, all or nothing', () => {
      const result = given(lowStock).when(
        command('ReserveStock', {
          channel: 'taobao',
          channelOrderId: 'o1',
          lines: [{ quantity: 2 }, { quantity: 1 }],
          expiresAt: T0 + MINUTE,
        }),
      );
      result.thenRejects('INSUFFICIENT_STOCK');
      expect(stockLevels(result.state)).toMatchObject({ reserved: 0, available: 2 });
    });

    it('counts other reservations as taken', () => {
      given([...lowStock, reserved('o1', 2)])
        .when(reserve('o2', 1))
        .thenRejects('INSUFFICIENT_STOCK');
    });
  });

  describe('when out of stock', () => {
    it('rejects with INSUFFICIENT_STOCK', () => {
      given([registeredQuantity()]).when(reserve('o1', 1)).thenRejects('INSUFFICIENT_STOCK');
    });
  });

  describe('when the order was already answered', () => {
    it('emits nothing for a repeated accepted order and keeps its outcome', () => {
      const result = given([...inStock, reserved('o1', 3)]).when(reserve('o1', 3));
      result.thenNothing();
      expect(outcomeOf(result.state, 'taobao', 'o1')).toMatchObject({ status: 'reserved', quantity: 3 });
    });

    it('keeps a rejected order rejected even after a restock', () => {
      const rejected = event('ReservationRejected', {
        channel: 'taobao',
        channelOrderId: 'o1',
        reason: 'INSUFFICIENT_STOCK',
        requested: 3,
      });
      const result = given([registeredQuantity(), rejected, received(10)]).when(reserve('o1', 3));
      result.thenNothing();
      expect(outcomeOf(result.state, 'taobao', 'o1')).toEqual({
        status: 'rejected',
        reason: 'INSUFFICIENT_STOCK',
      });
    });
  });

  describe('when the SKU is unlimited', () => {
    it('always reserves, from endless supply', () => {
      const result = given([registeredUnlimited()]).when(reserve('o1', 1000));
      result.then([reserved('o1', 1000, { endless: 1000 })]);
      expect(stockLevels(result.state)).toMatchObject({ reserved: 0, endlessReserved: 1000, endless: true });
    });

    it('still applies the per-order cap', () => {
      given([registeredUnlimited(2)])
        .when(reserve('o1', 3))
        .thenRejects('OVER_ORDER_CAP');
    });
  });

  describe('when a card-key pool has single-use keys and a loop key', () => {
    const pool = [registeredCardKeys(), keysImported(2, 'b1'), keysImported(1, 'b2', 100, true)];

    it('takes single-use keys first and covers only the rest with the loop key', () => {
      given(pool)
        .when(reserve('o1', 5))
        .then([reserved('o1', 5, { endless: 3 })]);
    });
  });

  describe('when a card-key pool has only single-use keys', () => {
    it('cannot reserve more keys than it holds', () => {
      given([registeredCardKeys(), keysImported(2)])
        .when(reserve('o1', 3))
        .thenRejects('INSUFFICIENT_STOCK');
    });
  });
});
