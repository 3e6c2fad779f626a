import type { ChannelEventsTopic, ReceivedMessage } from '@libs/messaging';
import { observedOrderOf } from './diversion.service';

function message(type: string, payload: object, occurredAt = '2026-12-01T05:00:00.000Z') {
  return {
    envelope: { eventId: 'e-1', type, schemaVersion: 1, occurredAt, payload },
    key: 'k',
    partition: 0,
    offset: '0',
    timestamp: '0',
    headers: {},
  } as unknown as ReceivedMessage<typeof ChannelEventsTopic>;
}

describe('an order notice as the diversion engine reads it', () => {
  it('given order.placed with a sale, then its lines add up and every observation is kept', () => {
    const o = observedOrderOf(
      message('order.placed', {
        channel: 'shop',
        channelOrderId: 'o-1',
        sku: 'steam-1',
        lines: [{ quantity: 2 }, { quantity: 3 }],
        expiresAt: '2026-12-01T06:00:00.000Z',
        sale: { unitPrice: 8000, province: '广东', city: '深圳', buyerRef: 'b', ip: '10.0.0.1', shop: 's' },
      }),
    );
    expect(o).toEqual({
      eventId: 'e-1',
      channel: 'shop',
      orderId: 'o-1',
      sku: 'steam-1',
      quantity: 5,
      at: new Date('2026-12-01T05:00:00.000Z'),
      unitPrice: 8000,
      province: '广东',
      city: '深圳',
      buyerRef: 'b',
      ip: '10.0.0.1',
      shop: 's',
    });
  });

  it('given order.placed without a sale, then it has no observation (no rule can judge what is not there)', () => {
    const o = observedOrderOf(
      message('order.placed', { channel: 'shop', channelOrderId: 'o', sku: 's', lines: [{ quantity: 1 }] }),
    );
    expect(o).toMatchObject({ quantity: 1 });
    expect(o).not.toHaveProperty('unitPrice');
  });

  it('given any other message type, then it is not the engine’s business', () => {
    expect(
      observedOrderOf(message('order.paid', { channel: 'shop', channelOrderId: 'o', sku: 's' })),
    ).toBeUndefined();
    expect(
      observedOrderOf(message('stock.restocked', { sku: 's', batchId: 'b', quantity: 1 })),
    ).toBeUndefined();
  });
});
