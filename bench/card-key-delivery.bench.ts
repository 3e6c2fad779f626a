/**
 * Payment notice received → card key delivered, through the real path: the shop's signed webhook to
 * connector-shop (booted as the app it is), stock.channel-events on the real broker, the inventory service's
 * batch handler allocating the key, stock.order-outcomes back to the connector, the delivery ledger, the vault
 * reveal and the shop's delivery call (the simulated shop answering after DELIVERY_LATENCY_MS, default 20 ms).
 * Orders arrive at DELIVERY_RATE per second (default 20) for DELIVERY_SECONDS (default 10); each is placed, then
 * paid 200 ms later, as buyers do.
 *
 * Baseline, in the same run: the floor of the same delivery without the pipeline — reveal the key from the vault
 * and call the shop directly — for the same number of keys.
 *
 *   npm run bench -- bench/card-key-delivery.bench.ts
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { CardVault } from '@libs/card-vault';
import { ShopAdapter } from '@libs/channels';
import { PostgresEventStore } from '@libs/event-store';
import {
  ChannelEventProcessor,
  createInventoryBatchHandler,
  InventoryMetrics,
  skuStreamId,
} from '@libs/inventory-application';
import { ChannelEventsTopic } from '@libs/messaging';
import { sendNotification, ShopSimulator, type WebhookTarget } from '@libs/platform-simulators';
import { MetricsRegistry } from '@libs/observability';
import { startApp } from '@libs/runtime';
import { Registry } from 'prom-client';
import { deleteTopicsWithPrefix, testKafkaBus, uniqueTopicPrefix } from '@libs/testing';
import { ConnectorShopModule } from '../apps/connector-shop/src/connector-shop.module';
import { benchInfra, machine, percentile } from './lib/bench-infra';
import { formatStages, stageSummaries } from './lib/stage-report';

const RATE = Number(process.env.DELIVERY_RATE ?? 20);
const SECONDS = Number(process.env.DELIVERY_SECONDS ?? 10);
const LATENCY_MS = Number(process.env.DELIVERY_LATENCY_MS ?? 20);
const ORDERS = RATE * SECONDS;
const SKU = 'BENCH-CARD';
const WEBHOOK_SECRET = randomBytes(24).toString('base64url');
const SHOP_SECRET = randomBytes(24).toString('base64url');

async function main(): Promise<void> {
  const infra = await benchInfra('delivery');
  const prefix = uniqueTopicPrefix('delivery');
  const keys = { k1: randomBytes(32) };
  const fingerprintKey = randomBytes(32);
  const vault = await CardVault.create(infra.db.pool, { activeKeyId: 'k1', keys, fingerprintKey });
  const cards = Array.from({ length: ORDERS * 2 }, (_, n) => ({
    unitId: `unit-${n}`,
    secret: randomBytes(12).toString('base64url'),
  }));
  const { stored } = await vault.storeBatch(SKU, cards);
  const handler = createInventoryBatchHandler(await PostgresEventStore.create(infra.db.pool));
  const now = Date.now();
  await handler.handleBatch([
    {
      streamId: skuStreamId(SKU),
      commandId: 'register',
      command: { type: 'RegisterSku', data: { sku: SKU, now, kind: 'cardKey' } },
    },
    {
      streamId: skuStreamId(SKU),
      commandId: 'import',
      command: {
        type: 'ImportCardKeys',
        data: {
          sku: SKU,
          now,
          batchId: 'b1',
          units: stored.slice(0, ORDERS).map((s) => ({ unitId: s.unitId, fingerprint: s.fingerprint })),
        },
      },
    },
  ]);
  const inventoryRegistry = new Registry();
  const inventoryBus = testKafkaBus('inventory-service', prefix, { consumer: { maxWaitTimeMs: 20 } });
  await inventoryBus.subscribe(
    ChannelEventsTopic,
    `inventory-${prefix}`,
    new ChannelEventProcessor(handler, inventoryBus, Date.now, new InventoryMetrics(inventoryRegistry))
      .handle,
  );
  await inventoryBus.start();

  const shop = new ShopSimulator(SHOP_SECRET);
  await shop.start();
  shop.faults.latencyMs = LATENCY_MS;
  const saved = { ...process.env };
  Object.assign(process.env, {
    DATABASE_URL: infra.db.url,
    KAFKA_TOPIC_PREFIX: prefix,
    HTTP_PORT: '0',
    LOG_LEVEL: 'error',
    CONNECTOR_PLATFORM_URL: shop.url,
    CONNECTOR_APP_SECRET: SHOP_SECRET,
    CONNECTOR_WEBHOOK_SECRETS: WEBHOOK_SECRET,
    CONNECTOR_CONSUMER_GROUP: `connector-shop-${prefix}`,
    CARD_VAULT_KEYS: `k1:${keys.k1.toString('base64')}`,
    CARD_VAULT_ACTIVE_KEY_ID: 'k1',
    CARD_VAULT_FINGERPRINT_KEY: fingerprintKey.toString('base64'),
  });
  const connector = await startApp(ConnectorShopModule);
  const target: WebhookTarget = { url: connector.url, path: '/v1/webhooks/orders', secret: WEBHOOK_SECRET };
  // Let the consumer groups settle before the clock starts.
  await new Promise((r) => setTimeout(r, 3_000));

  const paidAt = new Map<string, number>();
  const lines = [{ sku: SKU, quantity: 1 }];
  const started = Date.now();
  const sends: Promise<unknown>[] = [];
  for (let n = 0; n < ORDERS; n++) {
    const dueAt = started + (n * 1000) / RATE;
    if (dueAt > Date.now()) await new Promise((r) => setTimeout(r, dueAt - Date.now()));
    const orderId = `order-${n}`;
    sends.push(
      sendNotification(target, { type: 'order.placed', orderId, lines })
        .then(() => new Promise((r) => setTimeout(r, 200)))
        .then(() => {
          paidAt.set(orderId, Date.now());
          return sendNotification(target, { type: 'order.paid', orderId, lines });
        }),
    );
  }
  await Promise.all(sends);
  const deadline = Date.now() + 60_000;
  const delivered = () => [...shop.deliveries.values()].filter((d) => paidAt.has(d.orderId));
  while (delivered().length < ORDERS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const latencies = delivered()
    .map((d) => d.at - paidAt.get(d.orderId)!)
    .sort((a, b) => a - b);
  const distinctKeys = new Set(delivered().map((d) => d.unitId)).size;
  // Where the time goes: until the allocation reached the connector's ledger, and from there to the delivery.
  const { rows: ledger } = await infra.db.pool.query<{
    order_id: string;
    allocated: string;
    delivered: string;
  }>(
    `SELECT order_id, extract(epoch FROM allocated_at) * 1000 AS allocated, extract(epoch FROM delivered_at) * 1000 AS delivered
       FROM card_key_deliveries WHERE state = 'delivered'`,
  );
  const toLedger = ledger.map((r) => Number(r.allocated) - paidAt.get(r.order_id)!).sort((a, b) => a - b);
  const ledgerToDelivered = ledger
    .map((r) => Number(r.delivered) - Number(r.allocated))
    .sort((a, b) => a - b);

  const stages = await stageSummaries([inventoryRegistry, connector.app.get(MetricsRegistry).registry]);
  await connector.app.close();
  process.env = saved;

  // Baseline: reveal and deliver directly, one order at a time at the same rate, for the same number of keys. The
  // vault reveals only what the event store allocated: the direct orders' allocations are appended first, untimed.
  await new PostgresEventStore(infra.db.pool).appendToStream(
    skuStreamId(SKU),
    'any',
    Array.from({ length: ORDERS }, (_, n) => ({
      eventId: randomUUID(),
      type: 'ReservationConfirmed',
      data: {
        sku: SKU,
        at: Date.now(),
        actor: 'benchmark',
        channel: 'shop',
        channelOrderId: `direct-${n}`,
        quantity: 1,
        allocatedUnitIds: [stored[ORDERS + n].unitId],
        loopUnits: [],
      },
    })),
  );
  const adapter = new ShopAdapter({ baseUrl: shop.url, apiSecret: SHOP_SECRET, timeoutMs: 5_000 });
  const floor: number[] = [];
  const floorStarted = Date.now();
  for (let n = 0; n < ORDERS; n++) {
    const dueAt = floorStarted + (n * 1000) / RATE;
    if (dueAt > Date.now()) await new Promise((r) => setTimeout(r, dueAt - Date.now()));
    const unit = stored[ORDERS + n];
    const t0 = Date.now();
    const secret = await vault.reveal(unit.unitId, {
      orderId: `direct-${n}`,
      channel: 'shop',
      actor: 'bench',
    });
    await adapter.deliverCardKeys(`direct-${n}`, SKU, [{ unitId: unit.unitId, secret }]);
    floor.push(Date.now() - t0);
  }
  floor.sort((a, b) => a - b);

  await inventoryBus.stop();
  await shop.stop();
  await deleteTopicsWithPrefix(prefix);
  await infra.close();

  const p = (list: number[], q: number) => percentile(list, q);
  console.log(`machine: ${machine()}`);
  console.log(
    `${ORDERS} orders at ${RATE}/s (placed, paid 200 ms later), shop answering after ${LATENCY_MS} ms: ${latencies.length} delivered, ${distinctKeys} distinct keys`,
  );
  console.log(
    `  payment notice → key delivered: p50 ${p(latencies, 50)} ms, p95 ${p(latencies, 95)} ms, p99 ${p(latencies, 99)} ms, max ${latencies[latencies.length - 1]} ms`,
  );
  console.log(
    `    of which payment notice → allocation in the connector's ledger: p50 ${p(toLedger, 50).toFixed(0)} ms, p99 ${p(toLedger, 99).toFixed(0)} ms; ledger → delivered: p50 ${p(ledgerToDelivered, 50).toFixed(0)} ms, p99 ${p(ledgerToDelivered, 99).toFixed(0)} ms`,
  );
  console.log(`  stages (stocksync_fulfilment_stage_seconds, quantiles as histogram_quantile reads them):`);
  console.log(formatStages(stages));
  console.log(`  baseline, reveal + delivery call only: p50 ${p(floor, 50)} ms, p99 ${p(floor, 99)} ms`);
  console.log(
    `  ratio pipeline/baseline: p50 ${(p(latencies, 50) / Math.max(1, p(floor, 50))).toFixed(1)}x, p99 ${(p(latencies, 99) / Math.max(1, p(floor, 99))).toFixed(1)}x`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
