import type { RecordedEvent } from '@libs/event-store';
import { eventSummary, skuEventItem } from './sku-event-summary';

const T0 = Date.UTC(2026, 10, 30, 8);

const recorded = (type: string, data: unknown): RecordedEvent => ({
  eventId: 'e1',
  streamId: 'sku-K',
  version: 7,
  type,
  data,
  metadata: { actor: 'from-metadata' },
  occurredAt: new Date(T0 + 5_000),
  recordedAt: new Date(T0 + 6_000),
  globalPosition: 1,
  transactionId: 1,
});

describe('SKU event summary', () => {
  it('given an imported batch, then only its id and counts are shown, never a fingerprint', () => {
    const summary = eventSummary({
      sku: 'K',
      at: T0,
      actor: 'stock-sam',
      batchId: 'b1',
      units: [
        { unitId: 'u1', fingerprint: 'fp-secret-1', loop: false },
        { unitId: 'u2', fingerprint: 'fp-secret-2', loop: true },
      ],
      skipped: [{ unitId: 'u3', fingerprint: 'fp-secret-3', reason: 'DUPLICATE' }],
      part: 1,
      parts: 2,
    });
    expect(summary).toEqual({ batchId: 'b1', importedCount: 2, skippedCount: 1, part: 1, parts: 2 });
    expect(JSON.stringify(summary)).not.toMatch(/fp-secret|u1|u2|u3/);
  });

  it('given fields no event is known to carry, then they are dropped, whatever their value', () => {
    expect(
      eventSummary({
        quantity: 2,
        fingerprint: 'abc',
        secret: 'KEY-1',
        ciphertext: 'xyz',
        sealed: { iv: 'a' },
        somethingNew: 1,
      }),
    ).toEqual({ quantity: 2 });
  });

  it('given a whitelisted name holding an object, then it is dropped rather than shown whole', () => {
    expect(eventSummary({ channel: { secret: 'KEY-1' }, note: ['KEY-2'], quantity: 1 })).toEqual({
      quantity: 1,
    });
  });

  it('given an order event, then its ids, quantities and times are shown and its unit lists counted', () => {
    expect(
      eventSummary({
        channel: 'shop',
        channelOrderId: 'o1',
        quantity: 3,
        allocatedUnitIds: ['u1', 'u2'],
        loopUnits: [{ unitId: 'L', count: 1 }],
        lines: [{ quantity: 3, poolId: null, endless: 1 }],
        expiresAt: T0,
        awaitingKeys: 1,
      }),
    ).toEqual({
      channel: 'shop',
      channelOrderId: 'o1',
      quantity: 3,
      allocatedUnitCount: 2,
      loopKeyCount: 1,
      lineCount: 1,
      expiresAt: new Date(T0).toISOString(),
      awaitingKeys: 1,
    });
  });

  it('given the stored shape of loop keys before counts, then distinct keys are counted', () => {
    expect(eventSummary({ loopUnitIds: ['L', 'L', 'M'] })).toEqual({ loopKeyCount: 2 });
  });

  it("given a batch's rejections stored together, then they are counted, the repeated order ids left out", () => {
    expect(
      eventSummary({
        rejections: [
          { channel: 'shop', channelOrderId: 'a', reason: 'INSUFFICIENT_STOCK', requested: 1, at: T0 },
          { channel: 'shop', channelOrderId: 'b', reason: 'INSUFFICIENT_STOCK', requested: 1, at: T0 },
        ],
        channelOrderIds: ['a', 'b'],
      }),
    ).toEqual({ rejectedCount: 2 });
  });

  it("given a channel policy, then only the policy's numbers are shown", () => {
    expect(
      eventSummary({
        channel: 'taobao',
        policy: {
          bufferQuantity: 2,
          sharePercent: 50,
          maxListed: null,
          endWhenAtOrBelow: null,
          unlimitedListed: 999,
          token: 'x',
        },
      }),
    ).toEqual({
      channel: 'taobao',
      policy: {
        bufferQuantity: 2,
        sharePercent: 50,
        maxListed: null,
        endWhenAtOrBelow: null,
        unlimitedListed: 999,
      },
    });
  });

  it("given a recorded event, then its time and actor come from its data, else the store's time and null", () => {
    expect(
      skuEventItem(recorded('StockReceived', { at: T0, actor: 'stock-sam', batchId: 'b', quantity: 5 })),
    ).toEqual({
      version: 7,
      type: 'StockReceived',
      at: new Date(T0).toISOString(),
      actor: 'stock-sam',
      summary: { batchId: 'b', quantity: 5 },
    });
    expect(skuEventItem(recorded('LowStockAlerted', { actor: null, onHand: 1, threshold: 2 }))).toMatchObject(
      {
        at: new Date(T0 + 5_000).toISOString(),
        actor: null,
        summary: { onHand: 1, threshold: 2 },
      },
    );
    expect(skuEventItem(recorded('Odd', null))).toMatchObject({ summary: {}, actor: null });
  });
});
