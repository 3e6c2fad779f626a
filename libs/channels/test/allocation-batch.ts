import { type PlatformAdapter, ShopAdapter } from '@libs/channels';
import { type MessageBatch, OrderOutcomesTopic } from '@libs/messaging';

/**
 * A `stock.order-outcomes` batch of one `card-keys.allocated` answer, as the fulfilment consumer receives it. The
 * same `eventId` again is a redelivery of the same message.
 */
export function allocationBatch(
  channel: string,
  orderId: string,
  unitIds: string[],
  eventId: string,
  skuVersion = 1,
): MessageBatch<typeof OrderOutcomesTopic> {
  return outcomeBatch(
    'card-keys.allocated',
    { channel, channelOrderId: orderId, sku: 'SKU-K', unitIds, skuVersion },
    eventId,
  );
}

/** A `stock.order-outcomes` batch of one answer of any type, as the fulfilment consumer receives it. */
export function outcomeBatch(
  type: string,
  payload: { channel: string; channelOrderId: string; skuVersion: number } & Record<string, unknown>,
  eventId: string,
): MessageBatch<typeof OrderOutcomesTopic> {
  const { channel, channelOrderId: orderId, skuVersion } = payload;
  return {
    topic: OrderOutcomesTopic,
    topicName: 'stock.order-outcomes',
    partition: 0,
    groupId: `connector-${channel}-fulfilment`,
    messages: [
      {
        envelope: { type, eventId, occurredAt: new Date().toISOString(), schemaVersion: 1, payload },
        key: `${channel}:${orderId}`,
        partition: 0,
        offset: String(skuVersion),
        timestamp: String(Date.now()),
        headers: {},
      },
    ],
  } as unknown as MessageBatch<typeof OrderOutcomesTopic>;
}

/**
 * The shop adapter against the simulator, its deliveries refused as a connection error while `down()` says the
 * platform is away (the deliverer retries those for as long as it takes).
 */
export function shopAdapterWithOutage(baseUrl: string, down: () => boolean): PlatformAdapter {
  const real = new ShopAdapter({ baseUrl, apiSecret: 'shop-secret', timeoutMs: 1_000 });
  return Object.assign(Object.create(real) as PlatformAdapter, {
    deliverCardKeys: (
      orderId: string,
      sku: string,
      cards: Parameters<PlatformAdapter['deliverCardKeys']>[2],
    ) =>
      down()
        ? Promise.reject(Object.assign(new Error('shop unavailable'), { code: 'ECONNREFUSED' }))
        : real.deliverCardKeys(orderId, sku, cards),
  });
}
