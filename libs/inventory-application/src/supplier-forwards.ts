import { EVENT_ID_NAMESPACE, uuidV5, type BatchItemResult } from '@libs/command-handling';
import type { InventoryEvent } from '@libs/inventory';
import type { OutgoingMessage, SupplierOrdersTopic } from '@libs/messaging';

export type SupplierForwardMessage = OutgoingMessage<typeof SupplierOrdersTopic>;

/**
 * The attempts a decision started (a payment of a supplier-backed SKU, or a failed attempt moving to the next
 * supplier), as requests to the supplier connector. Built from the decided events — for a command delivered
 * again, from the events stored the first time — with ids derived from the attempt, so a repeat publishes the same
 * message and the connector absorbs it.
 */
export function supplierForwardsFor(
  item: BatchItemResult<InventoryEvent>,
  correlationId: string | undefined,
  answeredAt: number,
): SupplierForwardMessage[] {
  if (item.status === 'failed') return [];
  const out: SupplierForwardMessage[] = [];
  item.events.forEach((event, i) => {
    if (event.type !== 'SupplierForwardStarted') return;
    const { channel, channelOrderId, sku, attempt, supplierId, productId, forwardId, quantity } = event.data;
    out.push({
      type: 'supplier.forward-requested',
      eventId: uuidV5(`supplier-forward/${sku}/${forwardId}`, EVENT_ID_NAMESPACE),
      occurredAt: new Date(answeredAt),
      ...(correlationId ? { correlationId } : {}),
      payload: {
        channel,
        channelOrderId,
        sku,
        attempt,
        supplierId,
        productId,
        forwardId,
        quantity,
        expectedUnitPrice: event.data.expectedUnitPrice,
        skuVersion: item.recorded[i]?.version ?? 0,
        ...(event.data.topUp === undefined ? {} : { topUp: event.data.topUp }),
        ...(event.data.priority === undefined ? {} : { priority: event.data.priority }),
      },
    });
  });
  return out;
}
