import { EVENT_ID_NAMESPACE, uuidV5, type BatchItemResult } from '@libs/command-handling';
import type { InventoryEvent } from '@libs/inventory';
import { MAX_UNITS_PER_ALLOCATION_MESSAGE } from '@libs/messaging';
import { allocationParts, type OutcomeMessage } from './order-outcomes';

/**
 * What the connector of an order's channel must do after an operator's action on it, or a supplier's answer: deliver
 * a replacement key, keys given by hand or keys a supplier fulfilled the order with (card-keys.allocated), drop keys from its queue (card-keys.withdrawn: returned by a refund, or voided and replaced)
 * or send the order's keys again (card-keys.redeliver). Built from the decided events — for a command delivered
 * again, from the events stored the first time — with ids derived from the command id, so a repeat publishes the
 * same messages and the connector absorbs them.
 */
export function fulfilmentOutcomesFor(
  commandId: string,
  correlationId: string | undefined,
  item: BatchItemResult<InventoryEvent>,
  answeredAt: number,
): OutcomeMessage[] {
  if (item.status === 'failed') return [];
  const out: OutcomeMessage[] = [];
  item.events.forEach((event, i) => {
    const skuVersion = item.recorded[i]?.version ?? 0;
    const id = (kind: string) => uuidV5(`${commandId}/${i}/${kind}`, EVENT_ID_NAMESPACE);
    const common = { occurredAt: new Date(answeredAt), ...(correlationId ? { correlationId } : {}) };
    switch (event.type) {
      case 'CardKeyReplaced': {
        const { channel, channelOrderId, sku, unitId, replacementUnitId } = event.data;
        out.push(
          {
            ...common,
            type: 'card-keys.withdrawn',
            eventId: id('withdrawn'),
            payload: { channel, channelOrderId, sku, unitIds: [unitId], reason: 'replaced', skuVersion },
          },
          {
            ...common,
            type: 'card-keys.allocated',
            eventId: id('allocated'),
            payload: { channel, channelOrderId, sku, unitIds: [replacementUnitId], skuVersion },
          },
        );
        break;
      }
      case 'OrderRefunded': {
        const { channel, channelOrderId, sku, returnedUnitIds } = event.data;
        for (let start = 0; start < returnedUnitIds.length; start += MAX_UNITS_PER_ALLOCATION_MESSAGE) {
          const unitIds = returnedUnitIds.slice(start, start + MAX_UNITS_PER_ALLOCATION_MESSAGE);
          out.push({
            ...common,
            type: 'card-keys.withdrawn',
            eventId: id(`withdrawn/${start}`),
            payload: { channel, channelOrderId, sku, unitIds, reason: 'refunded', skuVersion },
          });
        }
        break;
      }
      case 'SupplierForwardFulfilled': {
        // The supplier's keys, sealed in the vault by the supplier connector, go out like any allocation.
        const { channel, channelOrderId, sku, units } = event.data;
        allocationParts(
          units.map((unit) => unit.unitId),
          [],
        ).forEach((part, p) => {
          out.push({
            ...common,
            type: 'card-keys.allocated',
            eventId: id(`allocated/${p}`),
            payload: { channel, channelOrderId, sku, ...part, skuVersion },
          });
        });
        break;
      }
      case 'KeysAllocatedManually': {
        const { channel, channelOrderId, sku, unitIds } = event.data;
        allocationParts(unitIds, []).forEach((part, p) => {
          out.push({
            ...common,
            type: 'card-keys.allocated',
            eventId: id(`allocated/${p}`),
            payload: { channel, channelOrderId, sku, ...part, skuVersion },
          });
        });
        break;
      }
      case 'DeliveryRepeated': {
        const { channel, channelOrderId, sku, unitIds, loopUnits, redelivery } = event.data;
        allocationParts(unitIds, loopUnits).forEach((part, p) => {
          out.push({
            ...common,
            type: 'card-keys.redeliver',
            eventId: id(`redeliver/${p}`),
            payload: { channel, channelOrderId, sku, ...part, redelivery, skuVersion },
          });
        });
        break;
      }
      default:
        break;
    }
  });
  return out;
}
