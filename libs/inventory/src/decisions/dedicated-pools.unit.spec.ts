import { stockLevels } from '@libs/inventory';
import { given } from '../../test/decider-specification';
import {
  command,
  confirmed,
  event,
  keysImported,
  received,
  registeredCardKeys,
  registeredQuantity,
  registeredUnlimited,
  reserve,
  reserved,
  T0,
} from '../../test/fixtures';

const open = (poolId: string, quantity: number, perOrderCap: number | null = null) =>
  command('OpenDedicatedPool', { poolId, quantity, perOrderCap });
const opened = (poolId: string, quantity: number, perOrderCap: number | null = null) =>
  event('DedicatedPoolOpened', { poolId, quantity, perOrderCap });
const close = (poolId: string) => command('CloseDedicatedPool', { poolId });
const stocked = [registeredQuantity(), received(10)];

describe('OpenDedicatedPool', () => {
  describe('when general stock is enough', () => {
    it('moves the quantity out of general availability', () => {
      const result = given(stocked).when(open('flash', 6, 1));
      result.then([opened('flash', 6, 1)]);
      expect(stockLevels(result.state)).toMatchObject({ onHand: 10, heldInPools: 6, available: 4 });
    });

    it('emits nothing for a repeated identical opening', () => {
      given([...stocked, opened('flash', 6)])
        .when(open('flash', 6))
        .thenNothing();
    });

    it('rejects a different pool under a used id, and a closed pool', () => {
      given([...stocked, opened('flash', 6)])
        .when(open('flash', 5))
        .thenRejects('POOL_ALREADY_EXISTS');
      given([...stocked, opened('flash', 6), event('DedicatedPoolClosed', { poolId: 'flash', returned: 6 })])
        .when(open('flash', 6))
        .thenRejects('POOL_CLOSED');
    });
  });

  describe('when general stock is short', () => {
    it('rejects with INSUFFICIENT_STOCK', () => {
      given([...stocked, reserved('o1', 5)])
        .when(open('flash', 6))
        .thenRejects('INSUFFICIENT_STOCK');
    });
  });

  describe('when the SKU is unlimited', () => {
    it('rejects: there is nothing to set aside', () => {
      given([registeredUnlimited()]).when(open('flash', 6)).thenRejects('KIND_MISMATCH');
    });
  });

  it('rejects a zero quantity and an invalid cap', () => {
    given(stocked).when(open('flash', 0)).thenRejects('INVALID_QUANTITY');
    given(stocked)
      .when(open('flash', 2, 0))
      .thenRejects('INVALID_SETTING');
  });
});

describe('ReserveStock with a dedicated pool', () => {
  const pooled = [...stocked, opened('flash', 6, 2)];

  describe('when the pool is open', () => {
    it('reserves from the pool, leaving general availability alone', () => {
      const result = given(pooled).when(reserve('o1', 2, { poolId: 'flash' }));
      result.then([reserved('o1', 2, { poolId: 'flash' })]);
      expect(stockLevels(result.state)).toMatchObject({ reserved: 2, heldInPools: 4, available: 4 });
    });

    it('applies the pool per-order cap', () => {
      given(pooled)
        .when(reserve('o1', 3, { poolId: 'flash' }))
        .thenRejects('OVER_ORDER_CAP');
    });

    it('keeps general orders away from pooled units', () => {
      given(pooled).when(reserve('o1', 5)).thenRejects('INSUFFICIENT_STOCK');
    });

    it('rejects when the pool is spent', () => {
      given([
        ...pooled,
        reserved('o1', 2, { poolId: 'flash' }),
        reserved('o2', 2, { poolId: 'flash' }),
        reserved('o3', 2, { poolId: 'flash' }),
      ])
        .when(reserve('o4', 1, { poolId: 'flash' }))
        .thenRejects('INSUFFICIENT_POOL_STOCK');
    });

    it('rejects the whole order when one line names an unknown pool', () => {
      given(pooled)
        .when(
          command('ReserveStock', {
            channel: 'taobao',
            channelOrderId: 'o1',
            lines: [{ quantity: 1 }, { quantity: 1, poolId: 'nope' }],
            expiresAt: T0 + 1000,
          }),
        )
        .thenRejects('POOL_NOT_FOUND');
    });

    it('counts a pool sale as delivered and as sold from the pool', () => {
      const { state } = given([...pooled, reserved('o1', 2, { poolId: 'flash' })]).when(
        command('ConfirmReservation', { channel: 'taobao', channelOrderId: 'o1' }),
      );
      expect(stockLevels(state)).toMatchObject({
        delivered: 2,
        onHand: 8,
        reserved: 0,
        heldInPools: 4,
        available: 4,
      });
      expect(state.pools['flash']).toMatchObject({ sold: 2, reserved: 0 });
    });
  });

  describe('when the pool is closed', () => {
    it('rejects orders naming it', () => {
      given([...pooled, event('DedicatedPoolClosed', { poolId: 'flash', returned: 6 })])
        .when(reserve('o1', 1, { poolId: 'flash' }))
        .thenRejects('POOL_CLOSED');
    });
  });

  describe('when a card-key SKU has a pool', () => {
    it('allocates pooled orders from the same first-in-first-out keys', () => {
      given([
        registeredCardKeys(),
        keysImported(4),
        opened('flash', 2),
        reserved('o1', 1, { poolId: 'flash' }),
      ])
        .when(command('ConfirmReservation', { channel: 'taobao', channelOrderId: 'o1' }))
        .then([confirmed('o1', 1, ['k1'])]);
    });
  });
});

describe('CloseDedicatedPool', () => {
  const pooled = [...stocked, opened('flash', 6), reserved('o1', 2, { poolId: 'flash' })];

  describe('when the pool is open', () => {
    it('returns the unreserved rest to general stock', () => {
      const result = given(pooled).when(close('flash'));
      result.then([event('DedicatedPoolClosed', { poolId: 'flash', returned: 4 })]);
      expect(stockLevels(result.state)).toMatchObject({ heldInPools: 0, reserved: 2, available: 8 });
    });

    it('lets reservations taken from it come back to general stock when released', () => {
      const closed = event('DedicatedPoolClosed', { poolId: 'flash', returned: 4 });
      const { state } = given([...pooled, closed]).when(
        command('ReleaseReservation', { channel: 'taobao', channelOrderId: 'o1' }),
      );
      expect(stockLevels(state)).toMatchObject({ reserved: 0, available: 10 });
    });
  });

  describe('when the pool is already closed', () => {
    it('emits nothing', () => {
      given([...pooled, event('DedicatedPoolClosed', { poolId: 'flash', returned: 4 })])
        .when(close('flash'))
        .thenNothing();
    });
  });

  describe('when the pool does not exist', () => {
    it('rejects with POOL_NOT_FOUND', () => {
      given(stocked).when(close('nope')).thenRejects('POOL_NOT_FOUND');
    });
  });
});
