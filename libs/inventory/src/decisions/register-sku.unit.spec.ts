import { given } from '../../test/decider-specification';
import { command, event, registeredQuantity, SKU } from '../../test/fixtures';

describe('RegisterSku', () => {
  describe('when the SKU is new', () => {
    it('registers each kind with its threshold and per-order cap', () => {
      for (const kind of ['quantity', 'cardKey', 'unlimited'] as const) {
        given([])
          .when(command('RegisterSku', { kind, lowStockThreshold: 5, perOrderCap: 3, actor: 'ops:alice' }))
          .then([event('SkuRegistered', { kind, lowStockThreshold: 5, perOrderCap: 3, actor: 'ops:alice' })]);
      }
    });

    it('treats a missing threshold and cap as none', () => {
      given([])
        .when(command('RegisterSku', { kind: 'quantity' }))
        .then([event('SkuRegistered', { kind: 'quantity', lowStockThreshold: null, perOrderCap: null })]);
    });

    it('rejects an unknown kind, a negative threshold or a zero cap', () => {
      given([])
        .when(command('RegisterSku', { kind: 'bogus' as never }))
        .thenRejects('INVALID_SETTING');
      given([])
        .when(command('RegisterSku', { kind: 'quantity', lowStockThreshold: -1 }))
        .thenRejects('INVALID_SETTING');
      given([])
        .when(command('RegisterSku', { kind: 'quantity', perOrderCap: 0 }))
        .thenRejects('INVALID_SETTING');
    });

    it('rejects an empty SKU id and an invalid time', () => {
      given([])
        .when(command('RegisterSku', { kind: 'quantity', sku: '' }))
        .thenRejects('INVALID_REFERENCE');
      given([])
        .when(command('RegisterSku', { kind: 'quantity', now: Number.NaN }))
        .thenRejects('INVALID_TIME');
    });
  });

  describe('when the SKU is already registered', () => {
    it('answers a redelivered identical registration with nothing', () => {
      given([registeredQuantity(5, 3)])
        .when(command('RegisterSku', { kind: 'quantity', lowStockThreshold: 5, perOrderCap: 3 }))
        .thenNothing();
    });

    it('answers the first registration, redelivered after a settings change, with nothing', () => {
      const changed = event('SkuSettingsChanged', { lowStockThreshold: 1, perOrderCap: null });
      given([registeredQuantity(5, 3), changed])
        .when(command('RegisterSku', { kind: 'quantity', lowStockThreshold: 5, perOrderCap: 3 }))
        .thenNothing();
      given([registeredQuantity(5, 3), changed])
        .when(command('RegisterSku', { kind: 'quantity', lowStockThreshold: 1 }))
        .thenNothing();
      given([registeredQuantity(5, 3), changed])
        .when(command('RegisterSku', { kind: 'quantity', lowStockThreshold: 2, perOrderCap: 3 }))
        .thenRejects('ALREADY_REGISTERED');
    });

    it('rejects a different registration', () => {
      given([registeredQuantity()])
        .when(command('RegisterSku', { kind: 'cardKey' }))
        .thenRejects('ALREADY_REGISTERED');
    });
  });

  describe('when a command names another SKU', () => {
    it('rejects it as routed to the wrong stream', () => {
      given([registeredQuantity()])
        .when(command('ReceiveStock', { sku: `${SKU}-other`, batchId: 'b1', quantity: 1 }))
        .thenRejects('SKU_MISMATCH');
    });
  });
});
