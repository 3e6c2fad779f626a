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
  return {
    topic: OrderOutcomesTopic,
    topicName: 'stock.order-outcomes',
    partition: 0,
    groupId: `connector-${channel}-fulfilment`,
    messages: [
      {
        envelope: {
          type: 'card-keys.allocated',
          eventId,
          occurredAt: new Date().toISOString(),
          schemaVersion: 1,
          payload: { channel, channelOrderId: orderId, sku: 'SKU-K', unitIds, skuVersion },
        },
        key: `${channel}:${orderId}`,
        partition: 0,
        offset: String(skuVersion),
        timestamp: String(Date.now()),
        headers: {},
      },
    ],
  } as unknown as MessageBatch<typeof OrderOutcomesTopic>;
}
