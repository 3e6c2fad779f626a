import type { RecordedEvent } from '@libs/event-store';
import { mergeSteps, orderSteps } from './order-history';

const T0 = Date.UTC(2026, 10, 30, 8);
let version = 0;
const recorded = (type: string, data: Record<string, unknown>): RecordedEvent => ({
  eventId: `e${++version}`,
  streamId: 'sku-K',
  version,
  type,
  data: { sku: 'K', actor: null, ...data },
  metadata: {},
  occurredAt: new Date(0),
  recordedAt: new Date(0),
  globalPosition: version,
  transactionId: 1,
});

describe('order history', () => {
  it("given a stream's events about an order id, then only that channel's order makes steps, in stream order", () => {
    const events = [
      recorded('StockReserved', {
        channel: 'shop',
        channelOrderId: 'o1',
        quantity: 1,
        lines: [{ quantity: 1, poolId: null, endless: 0 }],
        expiresAt: T0 + 900_000,
        at: T0,
        actor: 'connector-shop',
      }),
      recorded('StockReserved', {
        channel: 'pdd',
        channelOrderId: 'o1',
        quantity: 1,
        lines: [],
        expiresAt: T0,
        at: T0,
      }),
      recorded('ReservationConfirmed', {
        channel: 'shop',
        channelOrderId: 'o1',
        quantity: 1,
        allocatedUnitIds: ['k1'],
        loopUnits: [],
        at: T0 + 1000,
      }),
      recorded('DeliveryRecorded', { channel: 'shop', channelOrderId: 'o1', unitIds: ['k1'], at: T0 + 2000 }),
      recorded('CardKeyRedeemed', { unitId: 'k1', channel: 'shop', channelOrderId: 'o1', at: T0 + 3000 }),
    ];
    const steps = orderSteps({ channel: 'shop', channelOrderId: 'o1' }, 'K', events);
    expect(steps.map((s) => [s.step, s.at, s.actor])).toEqual([
      ['placed-and-reserved', new Date(T0).toISOString(), 'connector-shop'],
      ['paid', new Date(T0 + 1000).toISOString(), null],
      ['delivered', new Date(T0 + 2000).toISOString(), null],
      ['redeemed', new Date(T0 + 3000).toISOString(), null],
    ]);
    expect(steps[1].detail).toMatchObject({ allocatedUnitIds: ['k1'], renewedAfterExpiry: false });
  });

  it("given a batch's refusals stored as one event, then the order's own refusal is a step with its time", () => {
    const merged = recorded('ReservationsRejected', {
      rejections: [
        { channel: 'shop', channelOrderId: 'o7', reason: 'INSUFFICIENT_STOCK', requested: 1, at: T0 + 5 },
        { channel: 'shop', channelOrderId: 'o8', reason: 'OVER_ORDER_CAP', requested: 9, at: T0 + 6 },
      ],
      channelOrderIds: ['o7', 'o8'],
      at: T0 + 6,
    });
    expect(orderSteps({ channel: 'shop', channelOrderId: 'o8' }, 'K', [merged])).toEqual([
      expect.objectContaining({
        step: 'rejected',
        at: new Date(T0 + 6).toISOString(),
        detail: { reason: 'OVER_ORDER_CAP', requested: 9 },
      }),
    ]);
  });

  it('merges the steps of an order split over several SKUs into one time line', () => {
    const a = orderSteps({ channel: 'shop', channelOrderId: 'o1' }, 'A', [
      recorded('ReservationExpired', {
        channel: 'shop',
        channelOrderId: 'o1',
        quantity: 1,
        expiresAt: T0,
        at: T0 + 9,
      }),
    ]);
    const b = orderSteps({ channel: 'shop', channelOrderId: 'o1' }, 'B', [
      recorded('ReservationReleased', {
        channel: 'shop',
        channelOrderId: 'o1',
        quantity: 1,
        note: null,
        at: T0 + 1,
      }),
    ]);
    expect(mergeSteps([a, b]).map((s) => [s.sku, s.step])).toEqual([
      ['B', 'cancelled'],
      ['A', 'expired'],
    ]);
  });
});
