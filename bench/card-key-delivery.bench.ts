/**
 * Payment notice received → card key delivered, through the real path with every app in its own process, as
 * deployed: the shop's signed webhooks to connector-shop (DELIVERY_CONNECTORS instances, default 1, sharing the
 * load and one consumer group), stock.channel-events on the real broker, the inventory service deciding,
 * stock.order-outcomes back to the connectors, the delivery ledger, the vault reveal and the shop's delivery call
 * (the simulated shop, in this process, answering after DELIVERY_LATENCY_MS, default 20 ms). Orders arrive at
 * DELIVERY_RATE per second (default 20) for DELIVERY_SECONDS (default 10), spread over DELIVERY_SKUS card-key
 * SKUs (default 1); each is placed, then paid 200 ms later, as buyers do.
 *
 * Prints the end-to-end percentiles, every stage of stocksync_fulfilment_stage_seconds scraped from the apps'
 * /metrics, and the baseline from the same run: the floor of the same delivery without the pipeline (reveal the
 * key from the vault and call the shop directly, one order after the other, up to 1,000 keys).
 *
 *   DELIVERY_RATE=100 DELIVERY_SECONDS=30 DELIVERY_SKUS=1000 npm run bench -- bench/card-key-delivery.bench.ts
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { CardVault } from '@libs/card-vault';
import { ShopAdapter } from '@libs/channels';
import { PostgresEventStore } from '@libs/event-store';
import { createInventoryBatchHandler, skuStreamId } from '@libs/inventory-application';
import { sendNotification, ShopSimulator, type WebhookTarget } from '@libs/platform-simulators';
import { deleteTopicsWithPrefix, uniqueTopicPrefix } from '@libs/testing';
import { AppProcess } from '../test/fault/app-process';
import { benchInfra, machine, percentile } from './lib/bench-infra';
import { topSelfTime } from './lib/cpu-profile';
import { formatStages, stageSummariesFromText } from './lib/stage-report';

const RATE = Number(process.env.DELIVERY_RATE ?? 20);
const SECONDS = Number(process.env.DELIVERY_SECONDS ?? 10);
const LATENCY_MS = Number(process.env.DELIVERY_LATENCY_MS ?? 20);
const SKUS = Number(process.env.DELIVERY_SKUS ?? 1);
const CONNECTORS = Number(process.env.DELIVERY_CONNECTORS ?? 1);
const ORDERS = RATE * SECONDS;
const BASELINE_ORDERS = Math.min(ORDERS, 1_000);
const WEBHOOK_SECRET = randomBytes(24).toString('base64url');
const SHOP_SECRET = randomBytes(24).toString('base64url');
const LOG_DIR = join(__dirname, '..', '.cache', 'bench-logs');
/** Set: every app writes a V8 CPU profile there, and the busiest functions are printed. */
const PROFILE_DIR = process.env.DELIVERY_PROFILE_DIR;

const skuOf = (n: number) => `BENCH-CARD-${n % SKUS}`;

async function main(): Promise<void> {
  const infra = await benchInfra('delivery');
  const prefix = uniqueTopicPrefix('delivery');
  const keys = { k1: randomBytes(32) };
  const fingerprintKey = randomBytes(32);
  const vault = await CardVault.create(infra.db.pool, { activeKeyId: 'k1', keys, fingerprintKey });
  const handler = createInventoryBatchHandler(await PostgresEventStore.create(infra.db.pool));

  // Each SKU gets the keys of its orders; the baseline's keys go to the first SKU.
  const perSku = new Map<string, { unitId: string; secret: string }[]>();
  for (let n = 0; n < ORDERS; n++) {
    const sku = skuOf(n);
    perSku.set(sku, [
      ...(perSku.get(sku) ?? []),
      { unitId: `unit-${n}`, secret: randomBytes(12).toString('base64url') },
    ]);
  }
  const direct = Array.from({ length: BASELINE_ORDERS }, (_, n) => ({
    unitId: `direct-unit-${n}`,
    secret: randomBytes(12).toString('base64url'),
  }));
  await vault.storeBatch(skuOf(0), direct);
  const now = Date.now();
  for (const [sku, cards] of perSku) {
    for (let at = 0; at < cards.length; at += 1_000) {
      const { stored } = await vault.storeBatch(sku, cards.slice(at, at + 1_000));
      await handler.handleBatch([
        ...(at === 0
          ? [
              {
                streamId: skuStreamId(sku),
                commandId: `register-${sku}`,
                command: { type: 'RegisterSku' as const, data: { sku, now, kind: 'cardKey' as const } },
              },
            ]
          : []),
        {
          streamId: skuStreamId(sku),
          commandId: `import-${sku}-${at}`,
          command: {
            type: 'ImportCardKeys' as const,
            data: {
              sku,
              now,
              batchId: `b-${at}`,
              units: stored.map((s) => ({ unitId: s.unitId, fingerprint: s.fingerprint })),
            },
          },
        },
      ]);
    }
  }

  const shop = new ShopSimulator(SHOP_SECRET);
  await shop.start();
  shop.faults.latencyMs = LATENCY_MS;
  const common: Record<string, string> = {
    DATABASE_URL: infra.db.url,
    KAFKA_BROKERS: infra.brokers.join(','),
    KAFKA_TOPIC_PREFIX: prefix,
    LOG_LEVEL: 'error',
    CARD_VAULT_KEYS: `k1:${keys.k1.toString('base64')}`,
    CARD_VAULT_ACTIVE_KEY_ID: 'k1',
    CARD_VAULT_FINGERPRINT_KEY: fingerprintKey.toString('base64'),
    RESERVATION_SWEEP_INTERVAL_MS: '600000',
  };
  const nodeArgs = PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [];
  const inventory = await AppProcess.create(
    'bench-inventory-service',
    'inventory-service',
    common,
    LOG_DIR,
    nodeArgs,
  );
  const connectors = await Promise.all(
    Array.from({ length: CONNECTORS }, (_, i) =>
      AppProcess.create(
        `bench-connector-shop-${i + 1}`,
        'connector-shop',
        {
          ...common,
          CONNECTOR_PLATFORM_URL: shop.url,
          CONNECTOR_APP_SECRET: SHOP_SECRET,
          CONNECTOR_WEBHOOK_SECRETS: WEBHOOK_SECRET,
          CONNECTOR_CONSUMER_GROUP: `connector-shop-${prefix}`,
          ...(process.env.DELIVERY_CONCURRENCY
            ? { DELIVERY_CONCURRENCY: process.env.DELIVERY_CONCURRENCY }
            : {}),
        },
        LOG_DIR,
        nodeArgs,
      ),
    ),
  );
  const apps = [inventory, ...connectors];
  try {
    for (const app of apps) app.start();
    await Promise.all(apps.map((a) => a.ready(120_000)));
    const targets: WebhookTarget[] = connectors.map((c) => ({
      url: c.url,
      path: '/v1/webhooks/orders',
      secret: WEBHOOK_SECRET,
    }));
    // Let the consumer groups settle before the clock starts.
    await new Promise((r) => setTimeout(r, 5_000));

    const paidAt = new Map<string, number>();
    const started = Date.now();
    const sends: Promise<unknown>[] = [];
    let refused = 0;
    const dropped: string[] = [];
    // As a platform does, a notice whose request failed (the connection reset) is sent again, up to 5 times.
    const send = async (target: WebhookTarget, body: unknown): Promise<void> => {
      for (let attempt = 1; ; attempt++) {
        try {
          const r = await sendNotification(target, body);
          if (r.status !== 200) refused++;
          return;
        } catch (err) {
          const code = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
          dropped.push(code);
          if (attempt === 5) throw err;
          await new Promise((r) => setTimeout(r, 200 * attempt));
        }
      }
    };
    for (let n = 0; n < ORDERS; n++) {
      const dueAt = started + (n * 1000) / RATE;
      if (dueAt > Date.now()) await new Promise((r) => setTimeout(r, dueAt - Date.now()));
      const orderId = `order-${n}`;
      const lines = [{ sku: skuOf(n), quantity: 1 }];
      const target = targets[n % targets.length];
      sends.push(
        send(target, { type: 'order.placed', orderId, lines })
          .then(() => new Promise((r) => setTimeout(r, 200)))
          .then(() => {
            paidAt.set(orderId, Date.now());
            return send(target, { type: 'order.paid', orderId, lines });
          }),
      );
    }
    const sentIn = Date.now() - started;
    await Promise.all(sends);
    const deadline = Date.now() + 120_000;
    const delivered = () => [...shop.deliveries.values()].filter((d) => paidAt.has(d.orderId));
    while (delivered().length < ORDERS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const latencies = delivered()
      .map((d) => d.at - paidAt.get(d.orderId)!)
      .sort((a, b) => a - b);
    const deliveredOrders = new Set(delivered().map((d) => d.orderId)).size;
    const distinctKeys = new Set(delivered().map((d) => d.unitId)).size;
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
    const expositions = await Promise.all(apps.map((a) => fetch(`${a.url}/metrics`).then((r) => r.text())));
    const stages = stageSummariesFromText(expositions);
    // How the inventory service decided: commands by result (a duplicate is a message read again) and batch sizes.
    const decided = new Map<string, number>();
    for (const m of expositions[0].matchAll(/^stocksync_commands_total\{([^}]*)\} (\S+)$/gm)) {
      const result = /result="([^"]*)"/.exec(m[1])?.[1] ?? '?';
      decided.set(result, (decided.get(result) ?? 0) + Number(m[2]));
    }
    const batchSum = Number(/^stocksync_command_batch_size_sum\{[^}]*\} (\S+)$/m.exec(expositions[0])?.[1]);
    const batchCount = Number(
      /^stocksync_command_batch_size_count\{[^}]*\} (\S+)$/m.exec(expositions[0])?.[1],
    );
    // A profile's file name carries its process id.
    const pids = apps.map((a) => `${a.name} pid ${a.pid}`).join(', ');
    await Promise.all(apps.map((a) => a.stop()));
    const profiles = PROFILE_DIR ? `${pids}\n${topSelfTime(PROFILE_DIR)}` : undefined;

    // Baseline: reveal and deliver directly, one order after the other at the same rate (as far as one at a time
    // keeps up). The vault reveals only what the event store allocated: those allocations are appended first.
    await new PostgresEventStore(infra.db.pool).appendToStream(
      skuStreamId(skuOf(0)),
      'any',
      direct.map((d, n) => ({
        eventId: randomUUID(),
        type: 'ReservationConfirmed',
        data: {
          sku: skuOf(0),
          at: Date.now(),
          actor: 'benchmark',
          channel: 'shop',
          channelOrderId: `direct-${n}`,
          quantity: 1,
          allocatedUnitIds: [d.unitId],
          loopUnits: [],
        },
      })),
    );
    const adapter = new ShopAdapter({ baseUrl: shop.url, apiSecret: SHOP_SECRET, timeoutMs: 5_000 });
    const floor: number[] = [];
    const floorStarted = Date.now();
    for (let n = 0; n < BASELINE_ORDERS; n++) {
      const dueAt = floorStarted + (n * 1000) / RATE;
      if (dueAt > Date.now()) await new Promise((r) => setTimeout(r, dueAt - Date.now()));
      const t0 = Date.now();
      const secret = await vault.reveal(direct[n].unitId, {
        orderId: `direct-${n}`,
        channel: 'shop',
        actor: 'bench',
      });
      await adapter.deliverCardKeys(`direct-${n}`, skuOf(0), [{ unitId: direct[n].unitId, secret }]);
      floor.push(Date.now() - t0);
    }
    floor.sort((a, b) => a - b);

    const p = (list: number[], q: number) => percentile(list, q);
    console.log(`machine: ${machine()}`);
    console.log(
      `${ORDERS} orders at ${RATE}/s over ${SKUS} SKU(s), ${CONNECTORS} connector instance(s) (placed, paid 200 ms later; sent in ${sentIn} ms), shop answering after ${LATENCY_MS} ms: ${deliveredOrders} delivered, ${distinctKeys} distinct keys, ${delivered().length} deliveries, ${refused} webhooks not answered 200, ${dropped.length} requests failed and sent again (${[...new Set(dropped)].join(', ') || 'none'})`,
    );
    console.log(
      `  payment notice → key delivered: p50 ${p(latencies, 50)} ms, p95 ${p(latencies, 95)} ms, p99 ${p(latencies, 99)} ms, max ${latencies[latencies.length - 1]} ms`,
    );
    console.log(
      `    of which payment notice → allocation in the connector's ledger: p50 ${p(toLedger, 50).toFixed(0)} ms, p99 ${p(toLedger, 99).toFixed(0)} ms; ledger → delivered: p50 ${p(ledgerToDelivered, 50).toFixed(0)} ms, p99 ${p(ledgerToDelivered, 99).toFixed(0)} ms`,
    );
    console.log(
      `  inventory service: commands ${[...decided].map(([r, n]) => `${r} ${n}`).join(', ')}; ${batchCount} batches, ${(batchSum / Math.max(1, batchCount)).toFixed(1)} commands each`,
    );
    console.log(`  stages (stocksync_fulfilment_stage_seconds, quantiles as histogram_quantile reads them):`);
    console.log(formatStages(stages));
    if (profiles)
      console.log(`  CPU, the functions with the most time of their own (${PROFILE_DIR}):\n${profiles}`);
    console.log(
      `  baseline (${BASELINE_ORDERS} keys), reveal + delivery call only: p50 ${p(floor, 50)} ms, p99 ${p(floor, 99)} ms`,
    );
    console.log(
      `  ratio pipeline/baseline: p50 ${(p(latencies, 50) / Math.max(1, p(floor, 50))).toFixed(1)}x, p99 ${(p(latencies, 99) / Math.max(1, p(floor, 99))).toFixed(1)}x`,
    );
  } finally {
    await Promise.all(apps.map((a) => a.stop()));
    await shop.stop();
    await deleteTopicsWithPrefix(prefix);
    await infra.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
