import {
  CardKeyDeliverer,
  ChannelMetrics,
  DeliveryLedger,
  type PlatformAdapter,
  type SecretRevealer,
  ShopAdapter,
} from '@libs/channels';
import type { Pool } from 'pg';
import type { Registry } from 'prom-client';
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

/**
 * A deliverer with the settings the ledger suites share (a long lease, a short backoff, three attempts), its error
 * log lines (the alerts among them) collected in `errors`. Not started: the suite starts it or calls runOnce.
 */
export function testDeliverer(
  adapter: PlatformAdapter,
  pool: Pool,
  vault: SecretRevealer,
  registry: Registry,
  errors: object[],
  options: Partial<ConstructorParameters<typeof CardKeyDeliverer>[4]> = {},
): CardKeyDeliverer {
  return new CardKeyDeliverer(
    adapter,
    new DeliveryLedger(pool),
    vault,
    ChannelMetrics.for(registry),
    {
      pollMs: 100,
      leaseMs: 30_000,
      maxAttempts: 3,
      backoff: { initialMs: 10, maxMs: 50 },
      alertAfterMs: 60_000,
      ...options,
    },
    { warn: () => undefined, error: (obj) => void errors.push(obj) },
  );
}
