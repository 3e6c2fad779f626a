import { given } from '../../test/decider-specification';
import {
  command,
  confirmed,
  event,
  received,
  registeredQuantity,
  registeredUnlimited,
  reserve,
  reserved,
} from '../../test/fixtures';

const settingsChanged = (lowStockThreshold: number | null, perOrderCap: number | null, actor?: string) =>
  event('SkuSettingsChanged', { lowStockThreshold, perOrderCap, ...(actor === undefined ? {} : { actor }) });

describe('ChangeSkuSettings', () => {
  describe('when the SKU is not registered', () => {
    it('rejects it with UNKNOWN_SKU', () => {
      given([])
        .when(command('ChangeSkuSettings', { perOrderCap: 3 }))
        .thenRejects('UNKNOWN_SKU');
    });
  });

  describe('when the SKU is registered', () => {
    it('records the full new settings and who changed them', () => {
      given([registeredQuantity(5, 3)])
        .when(command('ChangeSkuSettings', { lowStockThreshold: 2, perOrderCap: 4, actor: 'ops:alice' }))
        .then([settingsChanged(2, 4, 'ops:alice')]);
    });

    it('keeps a field that is left out', () => {
      given([registeredQuantity(5, 3)])
        .when(command('ChangeSkuSettings', { perOrderCap: 10 }))
        .then([settingsChanged(5, 10)]);
      given([registeredQuantity(5, 3)])
        .when(command('ChangeSkuSettings', { lowStockThreshold: 1 }))
        .then([settingsChanged(1, 3)]);
    });

    it('removes a limit set to null', () => {
      given([registeredQuantity(5, 3)])
        .when(command('ChangeSkuSettings', { lowStockThreshold: null, perOrderCap: null }))
        .then([settingsChanged(null, null)]);
    });

    it('answers settings already in place with nothing', () => {
      given([registeredQuantity(5, 3)])
        .when(command('ChangeSkuSettings', { lowStockThreshold: 5, perOrderCap: 3 }))
        .thenNothing();
      given([registeredQuantity(5, 3)])
        .when(command('ChangeSkuSettings', {}))
        .thenNothing();
      given([registeredQuantity(5, 3), settingsChanged(null, 4)])
        .when(command('ChangeSkuSettings', { lowStockThreshold: null, perOrderCap: 4 }))
        .thenNothing();
    });

    it('rejects a negative or fractional threshold and a cap below 1 with INVALID_SETTING', () => {
      for (const data of [
        { lowStockThreshold: -1 },
        { lowStockThreshold: 1.5 },
        { perOrderCap: 0 },
        { perOrderCap: Number.NaN },
        { perOrderCap: '3' as unknown as number },
      ]) {
        given([registeredQuantity(5, 3)])
          .when(command('ChangeSkuSettings', data))
          .thenRejects('INVALID_SETTING');
      }
    });

    it('rejects an invalid time', () => {
      given([registeredQuantity()])
        .when(command('ChangeSkuSettings', { perOrderCap: 2, now: -1 }))
        .thenRejects('INVALID_TIME');
    });
  });

  describe('when the per-order cap changes', () => {
    const capped = [registeredQuantity(null, 5), received(20)];

    it('applies a lower cap to the next reservation', () => {
      given([...capped, settingsChanged(null, 2)])
        .when(reserve('o1', 3))
        .thenRejects('OVER_ORDER_CAP');
    });

    it('lets a raised or removed cap admit a larger order', () => {
      given([...capped, settingsChanged(null, 8)])
        .when(reserve('o1', 8))
        .then([reserved('o1', 8)]);
      given([registeredUnlimited(2), settingsChanged(null, null)])
        .when(reserve('o1', 3))
        .then([reserved('o1', 3, { endless: 3 })]);
    });

    it('leaves reservations made under the old cap as they are', () => {
      given([...capped, reserved('o1', 5), settingsChanged(null, 1)])
        .when(command('ConfirmReservation', { channel: 'taobao', channelOrderId: 'o1' }))
        .then([confirmed('o1', 5)]);
    });
  });
});
