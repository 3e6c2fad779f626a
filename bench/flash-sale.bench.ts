/**
 * Flash sale on one hot SKU through the real broker: 10,000 units, 50,000 orders from four channels.
 * The engine path: connector bus → stock.channel-events → inventory-service batches (one transaction each) →
 * stock.order-outcomes. Baseline, same run, same PostgreSQL: concurrent clients each selling with
 * `UPDATE … SET qty = qty - 1 WHERE sku = $1 AND qty >= 1`.
 *
 *   npm run bench -- bench/flash-sale.bench.ts   (FLASH_UNITS, FLASH_ORDERS, BASELINE_CLIENTS to change the size)
 */
import { randomUUID } from 'node:crypto';
import { PostgresEventStore } from '@libs/event-store';
import { ChannelEventProcessor, createInventoryBatchHandler, skuStreamId } from '@libs/inventory-application';
import { ChannelEventsTopic, OrderOutcomesTopic, type OutgoingMessage } from '@libs/messaging';
import { deleteTopicsWithPrefix, testKafkaBus, uniqueTopicPrefix } from '@libs/testing';
import { benchInfra, machine, percentile } from './lib/bench-infra';
import { runRowLockBaseline } from './lib/row-lock-baseline';

const UNITS = Number(process.env.FLASH_UNITS ?? 10_000);
const ORDERS = Number(process.env.FLASH_ORDERS ?? 50_000);
const BASELINE_CLIENTS = Number(process.env.BASELINE_CLIENTS ?? 16);
const MAX_SECONDS = 240;
const CHUNK = Number(process.env.PUBLISH_CHUNK ?? 250);
const CHANNELS = ['taobao', 'pinduoduo', 'miniprogram', 'shop'];
const SKU = 'FLASH-1';

async function main(): Promise<void> {
  const infra = await benchInfra('flash');
  const prefix = uniqueTopicPrefix('flash');
  const store = await PostgresEventStore.create(infra.db.pool);
  const handler = createInventoryBatchHandler(store, { snapshotEvery: Number(process.env.SNAPSHOT_EVERY ?? 1000) });
  await handler.handleBatch([
    { streamId: skuStreamId(SKU), commandId: 'register', command: { type: 'RegisterSku', data: { sku: SKU, now: Date.now(), kind: 'quantity' } } },
    { streamId: skuStreamId(SKU), commandId: 'stock', command: { type: 'ReceiveStock', data: { sku: SKU, now: Date.now(), batchId: 'b1', quantity: UNITS } } },
  ]);

  const inventoryBus = testKafkaBus('inventory-service', prefix, { consumer: { maxWaitTimeMs: 20, maxBytesPerPartition: 4 * 1024 * 1024 } });
  const connectorBus = testKafkaBus('connector-bench', prefix, { consumer: { maxWaitTimeMs: 20, maxBytesPerPartition: 4 * 1024 * 1024 } });
  const batchSizes: number[] = [];
  const processor = new ChannelEventProcessor(handler, inventoryBus);
  const phase = { handle: 0, decide: 0 };
  const timedHandler = handler.handleBatch.bind(handler);
  handler.handleBatch = async (c) => {
    const t = performance.now();
    try {
      return await timedHandler(c);
    } finally {
      phase.decide += performance.now() - t;
    }
  };
  await inventoryBus.subscribe(ChannelEventsTopic, 'inventory-service', async (batch) => {
    batchSizes.push(batch.messages.length);
    const t = performance.now();
    await processor.handle(batch);
    phase.handle += performance.now() - t;
  });
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let accepted = 0;
  let rejected = 0;
  let lastOutcomeAt = 0;
  await connectorBus.subscribe(OrderOutcomesTopic, 'connector-bench', async (batch) => {
    const now = performance.now();
    for (const m of batch.messages) {
      const t = sentAt.get(m.envelope.payload.channelOrderId);
      if (t === undefined) continue;
      latencies.push(now - t);
      sentAt.delete(m.envelope.payload.channelOrderId);
      if (m.envelope.type === 'order.accepted') accepted++;
      else rejected++;
    }
    lastOutcomeAt = now;
  });
  await inventoryBus.start();
  await connectorBus.start();

  const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
  const started = performance.now();
  const deadline = Date.now() + MAX_SECONDS * 1000;
  // Four channels, each publishing its orders in chunks, concurrently: the order they interleave in is the broker's.
  await Promise.all(
    CHANNELS.map(async (channel, c) => {
      for (let i = c; i < ORDERS && Date.now() < deadline; i += CHANNELS.length * CHUNK) {
        const chunk: OutgoingMessage<typeof ChannelEventsTopic>[] = [];
        for (let j = i; j < Math.min(ORDERS, i + CHANNELS.length * CHUNK); j += CHANNELS.length) {
          const channelOrderId = `${channel}-${j}`;
          chunk.push({ type: 'order.placed', eventId: randomUUID(), payload: { channel, channelOrderId, sku: SKU, lines: [{ quantity: 1 }], expiresAt } });
        }
        const t = performance.now();
        for (const m of chunk) sentAt.set((m.payload as { channelOrderId: string }).channelOrderId, t);
        await connectorBus.publish(ChannelEventsTopic, chunk);
      }
    }),
  );
  const publishedAfter = (performance.now() - started) / 1000;
  while (accepted + rejected < ORDERS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const seconds = (lastOutcomeAt - started) / 1000;
  await connectorBus.stop();
  await inventoryBus.stop();
  await deleteTopicsWithPrefix(prefix);

  const { rows } = await infra.db.pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM events WHERE stream_id = $1 AND type = 'StockReserved'`,
    [skuStreamId(SKU)],
  );
  const baseline = await runRowLockBaseline(infra.db.url, { units: UNITS, orders: ORDERS, clients: BASELINE_CLIENTS, maxSeconds: 120 });
  await infra.close();

  latencies.sort((a, b) => a - b);
  const decided = (accepted + rejected) / seconds;
  const avgBatch = batchSizes.reduce((a, b) => a + b, 0) / Math.max(1, batchSizes.length);
  console.log(`machine: ${machine()}`);
  console.log(`flash sale: ${UNITS} units, ${ORDERS} orders from ${CHANNELS.length} channels through Kafka`);
  console.log(`  engine:   ${accepted} accepted, ${rejected} rejected, ${rows[0].n} reservations stored, in ${seconds.toFixed(2)} s`);
  console.log(`            ${decided.toFixed(0)} orders decided/s; ${batchSizes.length} batches, ${avgBatch.toFixed(0)} orders per batch on average`);
  console.log(`            inventory batch handling ${(phase.handle / 1000).toFixed(2)} s, of which load+decide+append ${(phase.decide / 1000).toFixed(2)} s`);
  console.log(`            all orders published after ${publishedAfter.toFixed(2)} s`);
  console.log(`            latency order produced → outcome consumed: p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms`);
  console.log(`  baseline: row-lock UPDATE with ${BASELINE_CLIENTS} clients: ${baseline.accepted} accepted of ${baseline.attempts} orders in ${baseline.seconds.toFixed(2)} s`);
  console.log(`            ${baseline.decidedPerSecond.toFixed(0)} orders decided/s (${baseline.acceptedPerSecond.toFixed(0)} decrements/s while stock lasted… averaged over the run)`);
  console.log(`  ratio engine/baseline (orders decided/s): ${(decided / baseline.decidedPerSecond).toFixed(2)}x`);
  if (accepted !== UNITS || Number(rows[0].n) !== UNITS) {
    console.error(`OVERSELL CHECK FAILED: expected exactly ${UNITS} accepted`);
    process.exitCode = 1;
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
