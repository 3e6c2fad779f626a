import { httpCall } from '../outbound/http-call';
import type { CardKeyToDeliver } from '../outbound/platform-adapter';
import { PlatformCallError } from '../outbound/platform-errors';

/**
 * The marketplaces' virtual-goods delivery (Taobao 自动发货, PDD and WeChat equivalents) is not modelled: their
 * simulators take the keys on one route, idempotent on (order, unit), which is the contract the connector keeps.
 */
export async function deliverToSimulatedPlatform(
  options: { baseUrl: string; timeoutMs: number },
  channelOrderId: string,
  sku: string,
  cards: readonly CardKeyToDeliver[],
): Promise<void> {
  const r = await httpCall(`${options.baseUrl}/_sim/card-keys`, {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ orderId: channelOrderId, sku, cards }),
    timeoutMs: options.timeoutMs,
  });
  if (r.status !== 200) throw new PlatformCallError(`HTTP_${r.status}`, 'delivery refused', false);
}
