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
