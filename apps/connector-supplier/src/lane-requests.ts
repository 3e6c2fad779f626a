import { EVENT_ID_NAMESPACE, uuidV5 } from '@libs/command-handling';
import type { ObserveSupplierStock, RecordForwardResult } from '@libs/inventory';
import type { ChannelEventsTopic, OutgoingMessage } from '@libs/messaging';

/*
 * What the supplier connector asks of a SKU's owner: a supplier's report of a product the SKU resells, and a
 * supplier's answer to a forwarding attempt. Fire and forget on the SKU lane (nobody waits for a reply); the command
 * id makes a repeat the same command, decided once.
 */

export type LaneRequest = Extract<OutgoingMessage<typeof ChannelEventsTopic>, { type: 'inventory.command' }>;

export const CONNECTOR_ACTOR = 'connector-supplier';

type Data<C extends { data: object }> = Omit<C['data'], 'sku' | 'now' | 'actor' | 'recalled'>;

function laneRequest(
  sku: string,
  commandId: string,
  commandType: string,
  data: object,
  at: number,
): LaneRequest {
  return {
    type: 'inventory.command',
    eventId: uuidV5(commandId, EVENT_ID_NAMESPACE),
    occurredAt: new Date(at),
    payload: {
      sku,
      commandId,
      commandType: commandType as LaneRequest['payload']['commandType'],
      data: data as Record<string, unknown>,
      actor: CONNECTOR_ACTOR,
    },
  };
}

/** One report of one product for one SKU that resells it; `source` names where it came from (poll or notice id). */
export function observationRequest(
  sku: string,
  observation: Data<ObserveSupplierStock>,
  source: string,
  at: number,
): LaneRequest {
  const { supplierId, productId, observedAt } = observation;
  const commandId = `supplier-stock:${sku}:${supplierId}:${productId}:${source}:${observedAt}`;
  return laneRequest(sku, commandId, 'ObserveSupplierStock', observation, at);
}

/**
 * A supplier's answer to one attempt. `late` marks a fulfilment that arrived after the attempt was given up: it is
 * a second command for the attempt (the first said timeout), recorded by the inventory as surplus.
 */
export function forwardResultRequest(
  sku: string,
  forwardId: string,
  result: Data<RecordForwardResult>,
  at: number,
  late = false,
): LaneRequest {
  return laneRequest(
    sku,
    `supplier-forward:${forwardId}${late ? ':late' : ''}`,
    'RecordForwardResult',
    result,
    at,
  );
}
