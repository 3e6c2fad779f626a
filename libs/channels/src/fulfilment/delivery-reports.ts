import { EVENT_ID_NAMESPACE, uuidV5 } from '@libs/command-handling';
import { ChannelEventsTopic, MAX_UNITS_PER_DELIVERY_REPORT, type MessageBus } from '@libs/messaging';
import type { DeliveredKeys, DeliveryReporter } from './card-key-deliverer';

/**
 * Reports deliveries on the SKU lane (card-keys.delivered), where the SKU's writer records them on the order. The
 * message id is derived from what it reports, so a report sent again after a lost acknowledgement is one command.
 */
export class BusDeliveryReporter implements DeliveryReporter {
  constructor(private readonly bus: MessageBus) {}

  async reportDelivered(reports: DeliveredKeys[]): Promise<void> {
    const messages = [];
    for (const { channel, orderId, sku, unitIds: all } of reports) {
      for (let start = 0; start < all.length; start += MAX_UNITS_PER_DELIVERY_REPORT) {
        const unitIds = all.slice(start, start + MAX_UNITS_PER_DELIVERY_REPORT);
        messages.push({
          type: 'card-keys.delivered' as const,
          eventId: uuidV5(`${channel}:${orderId}:${sku}:delivered:${unitIds.join(',')}`, EVENT_ID_NAMESPACE),
          payload: { channel, channelOrderId: orderId, sku, unitIds },
        });
      }
    }
    if (messages.length > 0) await this.bus.publish(ChannelEventsTopic, messages);
  }
}
