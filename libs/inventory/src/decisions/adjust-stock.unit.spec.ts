import { stockLevels } from '@libs/inventory';
import { given } from '../../test/decider-specification';
import {
  command,
  event,
  keysImported,
  received,
  registeredCardKeys,
  registeredQuantity,
  reserved,
} from '../../test/fixtures';

const adjust = (
  adjustmentId: string,
  delta: number,
  reason: 'count-correction' | 'reconciliation' = 'count-correction',
) => command('AdjustStock', { adjustmentId, delta, reason, actor: 'ops:carol' });

describe('AdjustStock', () => {
  describe('when stock is on hand', () => {
    const stocked = [registeredQuantity(), received(10)];

    it('corrects the count down and records the reason and actor', () => {
      const result = given(stocked).when(
        command('AdjustStock', {
          adjustmentId: 'a1',
          delta: -4,
          reason: 'reconciliation',
          note: 'nightly',
          actor: 'reconciler',
        }),
      );
      result.then([
        event('StockAdjusted', {
          adjustmentId: 'a1',
          delta: -4,
          reason: 'reconciliation',
          note: 'nightly',
          actor: 'reconciler',
        }),
      ]);
      expect(stockLevels(result.state)).toMatchObject({ received: 10, adjusted: 4, onHand: 6 });
    });

    it('corrects the count up, which makes the net adjustment negative', () => {
      const { state } = given(stocked).when(adjust('a1', 3));
      expect(stockLevels(state)).toMatchObject({ received: 10, adjusted: -3, onHand: 13 });
    });

    it('applies a retried adjustment once', () => {
      given([
        ...stocked,
        event('StockAdjusted', { adjustmentId: 'a1', delta: -4, reason: 'count-correction', note: null }),
      ])
        .when(adjust('a1', -4))
        .thenNothing();
    });

    it('rejects a zero or fractional delta and an unknown reason', () => {
      given(stocked).when(adjust('a1', 0)).thenRejects('INVALID_QUANTITY');
      given(stocked).when(adjust('a1', 0.5)).thenRejects('INVALID_QUANTITY');
      given(stocked)
        .when(adjust('a1', -1, 'theft' as never))
        .thenRejects('INVALID_SETTING');
    });
  });

  describe('when units are reserved', () => {
    const held = [registeredQuantity(), received(10), reserved('o1', 7)];

    it('may take on hand down to what is reserved', () => {
      given(held)
        .when(adjust('a1', -3))
        .then([
          event('StockAdjusted', {
            adjustmentId: 'a1',
            delta: -3,
            reason: 'count-correction',
            note: null,
            actor: 'ops:carol',
          }),
        ]);
    });

    it('may not take on hand below what is reserved', () => {
      given(held).when(adjust('a1', -4)).thenRejects('BELOW_RESERVED');
    });
  });

  describe('when units are set aside in a dedicated pool', () => {
    it('may not take them either', () => {
      given([
        registeredQuantity(),
        received(10),
        event('DedicatedPoolOpened', { poolId: 'p1', quantity: 8, perOrderCap: null }),
      ])
        .when(adjust('a1', -3))
        .thenRejects('BELOW_RESERVED');
    });
  });

  describe('when the SKU holds card keys', () => {
    it('rejects a quantity adjustment: keys are voided one by one', () => {
      given([registeredCardKeys(), keysImported(3)])
        .when(adjust('a1', -1))
        .thenRejects('KIND_MISMATCH');
    });
  });
});
