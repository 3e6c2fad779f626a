import { EVENT_ID_NAMESPACE, uuidV5 } from '@libs/command-handling';
import { ChannelEventsTopic, MAX_UNITS_PER_DELIVERY_REPORT, type MessageBus } from '@libs/messaging';
import type { DeliveryReporter } from './card-key-deliverer';

/**
 * Reports deliveries on the SKU lane (card-keys.delivered), where the SKU's writer records them on the order. The
 * message id is derived from what it reports, so a report sent again after a lost acknowledgement is one command.
 */
export class BusDeliveryReporter implements DeliveryReporter {
  constructor(private readonly bus: MessageBus) {}

  async reportDelivered(report: {
    channel: string;
    orderId: string;
    sku: string;
    unitIds: string[];
  }): Promise<void> {
    const { channel, orderId, sku } = report;
    const messages = [];
    for (let start = 0; start < report.unitIds.length; start += MAX_UNITS_PER_DELIVERY_REPORT) {
      const unitIds = report.unitIds.slice(start, start + MAX_UNITS_PER_DELIVERY_REPORT);
      messages.push({
        type: 'card-keys.delivered' as const,
        eventId: uuidV5(`${channel}:${orderId}:${sku}:delivered:${unitIds.join(',')}`, EVENT_ID_NAMESPACE),
        payload: { channel, channelOrderId: orderId, sku, unitIds },
      });
    }
    await this.bus.publish(ChannelEventsTopic, messages);
  }
}
