import { orderKey } from '@libs/inventory';
import { storeHistory } from './from-events';

const ev = (eventId: string, type: string, data: Record<string, unknown>) => ({ eventId, type, data });

describe('storeHistory', () => {
  it('given a SKU stream, when read, then stock in, decisions and allocations come out in stream order', () => {
    const h = storeHistory([
      ev('1', 'SkuRegistered', { sku: 'K', kind: 'cardKey' }),
      ev('2', 'CardKeysImported', {
        sku: 'K',
        units: [{ unitId: 'a' }, { unitId: 'b' }, { unitId: 'L', loop: true }],
      }),
      ev('3', 'StockReserved', {
        sku: 'K',
        channel: 'shop',
        channelOrderId: '1',
        quantity: 4,
        lines: [{ quantity: 4, endless: 2 }],
      }),
      ev('4', 'ReservationConfirmed', {
        sku: 'K',
        channel: 'shop',
        channelOrderId: '1',
        quantity: 4,
        allocatedUnitIds: ['a', 'b'],
        loopUnits: [{ unitId: 'L', count: 2 }],
      }),
      ev('5', 'ReservationRejected', {
        sku: 'K',
        channel: 'shop',
        channelOrderId: '2',
        requested: 3,
        reason: 'INSUFFICIENT_STOCK',
      }),
      ev('6', 'ReservationConfirmed', {
        sku: 'K',
        channel: 'shop',
        channelOrderId: '3',
        quantity: 2,
        allocatedUnitIds: [],
        loopUnitIds: ['L', 'L'],
      }),
    ]);
    const k1 = orderKey('shop', '1');
    expect(h.skus).toEqual([{ sku: 'K', kind: 'cardKey', stockIn: 2 }]);
    expect(h.decisions.map((d) => [d.kind, d.quantity, d.counted])).toEqual([
      ['reserved', 4, 2],
      ['confirmed', 4, undefined],
      ['rejected', 3, undefined],
      ['confirmed', 2, undefined],
    ]);
    expect(h.allocations).toEqual([
      { sku: 'K', orderKey: k1, unitId: 'a', count: 1, loop: false },
      { sku: 'K', orderKey: k1, unitId: 'b', count: 1, loop: false },
      { sku: 'K', orderKey: k1, unitId: 'L', count: 2, loop: true },
      { sku: 'K', orderKey: orderKey('shop', '3'), unitId: 'L', count: 2, loop: true },
    ]);
  });

  it('given a write-off after stock was held and released, when read, then stock in counts only what entered', () => {
    const h = storeHistory([
      ev('1', 'SkuRegistered', { sku: 'Q', kind: 'quantity' }),
      ev('2', 'StockReceived', { sku: 'Q', quantity: 5 }),
      ev('3', 'StockAdjusted', { sku: 'Q', delta: 2 }),
      ev('4', 'StockAdjusted', { sku: 'Q', delta: -3 }),
      ev('5', 'StockReserved', {
        sku: 'Q',
        channel: 'shop',
        channelOrderId: '1',
        quantity: 4,
        lines: [{ quantity: 4, endless: 0 }],
      }),
    ]);
    expect(h.skus).toEqual([{ sku: 'Q', kind: 'quantity', stockIn: 7 }]);
    expect(h.decisions.map((d) => d.stockSoFar)).toEqual([4]);
  });

  it('given a batch of refusals stored as one event, when read, then each order has its own rejected decision', () => {
    const h = storeHistory([
      ev('1', 'SkuRegistered', { sku: 'K', kind: 'quantity' }),
      ev('2', 'ReservationsRejected', {
        sku: 'K',
        rejections: [
          { channel: 'shop', channelOrderId: '7', requested: 1, reason: 'INSUFFICIENT_STOCK', at: 0 },
          { channel: 'pdd', channelOrderId: '8', requested: 2, reason: 'INSUFFICIENT_STOCK', at: 0 },
        ],
        channelOrderIds: ['7', '8'],
      }),
    ]);
    expect(h.decisions.map((d) => [d.orderKey, d.kind, d.quantity])).toEqual([
      [orderKey('shop', '7'), 'rejected', 1],
      [orderKey('pdd', '8'), 'rejected', 2],
    ]);
  });
});
