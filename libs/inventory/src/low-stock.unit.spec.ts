import { given } from '../test/decider-specification';
import {
  command,
  confirm,
  confirmed,
  event,
  keysImported,
  received,
  registeredCardKeys,
  registeredQuantity,
  reserve,
  reserved,
} from '../test/fixtures';

const alerted = (onHand: number, threshold = 5) => event('LowStockAlerted', { onHand, threshold });
const cleared = (onHand: number, threshold = 5) => event('LowStockCleared', { onHand, threshold });

describe('low-stock alert', () => {
  describe('when stock is above the threshold', () => {
    const plenty = [registeredQuantity(5), received(7), reserved('o1', 2), reserved('o2', 1)];

    it('does not alert on reservations: they do not move on-hand stock', () => {
      given([registeredQuantity(5), received(7)])
        .when(reserve('o1', 6))
        .then([reserved('o1', 6)]);
    });

    it('alerts once when a sale takes on hand down to the threshold', () => {
      given(plenty)
        .when(confirm('o1'))
        .then([confirmed('o1', 2), alerted(5)]);
    });

    it('does not alert when a sale leaves stock above it', () => {
      given(plenty)
        .when(confirm('o2'))
        .then([confirmed('o2', 1)]);
    });
  });

  describe('when the alert is raised', () => {
    const low = [
      registeredQuantity(5),
      received(7),
      reserved('o1', 2),
      confirmed('o1', 2),
      alerted(5),
      reserved('o2', 1),
    ];

    it('stays silent on further sales', () => {
      given(low)
        .when(confirm('o2'))
        .then([confirmed('o2', 1)]);
    });

    it('clears on a restock above the threshold', () => {
      given(low)
        .when(command('ReceiveStock', { batchId: 'b2', quantity: 10 }))
        .then([event('StockReceived', { batchId: 'b2', quantity: 10 }), cleared(15)]);
    });

    it('stays raised on a restock that does not reach above it', () => {
      given([registeredQuantity(5), received(3), alerted(3)])
        .when(command('ReceiveStock', { batchId: 'b2', quantity: 1 }))
        .then([event('StockReceived', { batchId: 'b2', quantity: 1 })]);
    });

    it('raises again on the next downward crossing after it cleared', () => {
      const restocked = [
        ...low,
        event('StockReceived', { batchId: 'b2', quantity: 10 }),
        cleared(15),
        reserved('o3', 10),
      ];
      given(restocked)
        .when(confirm('o3'))
        .then([confirmed('o3', 10), alerted(5)]);
    });
  });

  describe('when the first receipt is already under the threshold', () => {
    it('alerts on that receipt', () => {
      given([registeredQuantity(5)])
        .when(command('ReceiveStock', { batchId: 'b1', quantity: 3 }))
        .then([event('StockReceived', { batchId: 'b1', quantity: 3 }), alerted(3)]);
    });
  });

  describe('when the SKU has no threshold', () => {
    it('never alerts', () => {
      given([registeredQuantity(), received(1), reserved('o1', 1)])
        .when(confirm('o1'))
        .then([confirmed('o1', 1)]);
    });
  });

  describe('when a card-key pool gets a loop key', () => {
    it('clears: loop keys never run out', () => {
      given([registeredCardKeys(5), keysImported(2), alerted(2)])
        .when(
          command('ImportCardKeys', {
            batchId: 'loop',
            units: [{ unitId: 'k50', fingerprint: 'f50', loop: true }],
          }),
        )
        .then([keysImported(1, 'loop', 50, true), cleared(2)]);
    });
  });
});

describe('low-stock alert when the threshold changes', () => {
  const change = (lowStockThreshold: number | null) => command('ChangeSkuSettings', { lowStockThreshold });
  const changed = (lowStockThreshold: number | null) =>
    event('SkuSettingsChanged', { lowStockThreshold, perOrderCap: null });

  it('raises the alert once when the threshold is raised to or over on-hand stock', () => {
    given([registeredQuantity(2), received(6)])
      .when(change(6))
      .then([changed(6), alerted(6, 6)]);
  });

  it('stays silent when the raised threshold is still under on-hand stock', () => {
    given([registeredQuantity(2), received(6)])
      .when(change(5))
      .then([changed(5)]);
  });

  it('raises it for an SKU that had no threshold', () => {
    given([registeredQuantity(), received(3)])
      .when(change(4))
      .then([changed(4), alerted(3, 4)]);
  });

  it('stays silent when the alert is already raised and the threshold moves but stock is still low', () => {
    given([registeredQuantity(5), received(3), alerted(3)])
      .when(change(4))
      .then([changed(4)]);
  });

  it('clears the alert when the threshold is lowered under on-hand stock', () => {
    given([registeredQuantity(5), received(3), alerted(3)])
      .when(change(2))
      .then([changed(2), cleared(3, 2)]);
  });

  it('clears the alert under the old threshold when the threshold is removed', () => {
    given([registeredQuantity(5), received(3), alerted(3)])
      .when(change(null))
      .then([changed(null), cleared(3, 5)]);
  });

  it('does not alert an SKU that has never had stock', () => {
    given([registeredQuantity()])
      .when(change(5))
      .then([changed(5)]);
  });

  it('does not alert endless stock', () => {
    given([registeredCardKeys(), keysImported(1, 'loop', 1, true)])
      .when(change(5))
      .then([changed(5)]);
  });

  it('judges later sales against the new threshold', () => {
    given([registeredQuantity(1), received(6), changed(4), reserved('o1', 2)])
      .when(confirm('o1'))
      .then([confirmed('o1', 2), alerted(4, 4)]);
  });
});
