import { stockLevels } from '@libs/inventory';
import { given } from '../../test/decider-specification';
import {
  command,
  confirmed,
  event,
  keysImported,
  registeredCardKeys,
  registeredQuantity,
  reserved,
} from '../../test/fixtures';

const redeem = (unitId: string) => command('RedeemCardKey', { unitId, actor: 'merchant:1' });
const voidKey = (unitId: string, note?: string) =>
  command('VoidCardKey', note === undefined ? { unitId } : { unitId, note });
const sold = [registeredCardKeys(), keysImported(3), reserved('o1', 1), confirmed('o1', 1, ['k1'])];

describe('RedeemCardKey', () => {
  describe('when the key was delivered', () => {
    it('marks it redeemed, naming the order', () => {
      given(sold)
        .when(redeem('k1'))
        .then([
          event('CardKeyRedeemed', {
            unitId: 'k1',
            channel: 'taobao',
            channelOrderId: 'o1',
            actor: 'merchant:1',
          }),
        ]);
    });

    it('emits nothing when it is redeemed again', () => {
      given([...sold, event('CardKeyRedeemed', { unitId: 'k1', channel: 'taobao', channelOrderId: 'o1' })])
        .when(redeem('k1'))
        .thenNothing();
    });
  });

  describe('when the key was not sold', () => {
    it('rejects an unsold, an unknown, a voided and a loop key', () => {
      given(sold).when(redeem('k2')).thenRejects('UNIT_NOT_DELIVERED');
      given(sold).when(redeem('k9')).thenRejects('UNIT_NOT_FOUND');
      given([
        ...sold,
        event('CardKeyVoided', { unitId: 'k1', previousStatus: 'allocated', loop: false, note: null }),
      ])
        .when(redeem('k1'))
        .thenRejects('UNIT_VOIDED');
      given([...sold, keysImported(1, 'loop', 50, true)])
        .when(redeem('k50'))
        .thenRejects('UNIT_IS_LOOP_KEY');
    });
  });

  describe('when the SKU counts quantity', () => {
    it('rejects with KIND_MISMATCH', () => {
      given([registeredQuantity()]).when(redeem('k1')).thenRejects('KIND_MISMATCH');
    });
  });
});

describe('VoidCardKey', () => {
  describe('when the key is unsold', () => {
    it('takes it out of stock, counted as an adjustment', () => {
      const result = given(sold).when(voidKey('k2', 'leaked'));
      result.then([
        event('CardKeyVoided', { unitId: 'k2', previousStatus: 'available', loop: false, note: 'leaked' }),
      ]);
      expect(stockLevels(result.state)).toMatchObject({ received: 3, adjusted: 1, delivered: 1, onHand: 1 });
    });

    it('emits nothing when it is voided again', () => {
      given([
        ...sold,
        event('CardKeyVoided', { unitId: 'k2', previousStatus: 'available', loop: false, note: null }),
      ])
        .when(voidKey('k2'))
        .thenNothing();
    });
  });

  describe('when every unsold key is reserved', () => {
    it('refuses to void one, which would oversell', () => {
      given([registeredCardKeys(), keysImported(2), reserved('o1', 2)])
        .when(voidKey('k1'))
        .thenRejects('BELOW_RESERVED');
    });
  });

  describe('when the key was delivered', () => {
    it('marks it void without touching stock', () => {
      const result = given(sold).when(voidKey('k1'));
      result.then([
        event('CardKeyVoided', { unitId: 'k1', previousStatus: 'allocated', loop: false, note: null }),
      ]);
      expect(stockLevels(result.state)).toMatchObject({ onHand: 2, adjusted: 0 });
    });
  });

  describe('when the key was redeemed', () => {
    it('rejects: a used key cannot be withdrawn', () => {
      given([...sold, event('CardKeyRedeemed', { unitId: 'k1', channel: 'taobao', channelOrderId: 'o1' })])
        .when(voidKey('k1'))
        .thenRejects('UNIT_ALREADY_REDEEMED');
    });
  });

  describe('when the key is the last loop key', () => {
    const loop = [registeredCardKeys(), keysImported(1, 'loop', 50, true)];

    it('withdraws it while no order counts on it, and the SKU is no longer endless', () => {
      const result = given(loop).when(voidKey('k50'));
      result.then([
        event('CardKeyVoided', { unitId: 'k50', previousStatus: 'available', loop: true, note: null }),
      ]);
      expect(stockLevels(result.state)).toMatchObject({ endless: false, onHand: 0, adjusted: 0 });
    });

    it('refuses while an open reservation counts on it', () => {
      given([...loop, reserved('o1', 2, { endless: 2 })])
        .when(voidKey('k50'))
        .thenRejects('LOOP_KEY_IN_USE');
    });
  });
});
