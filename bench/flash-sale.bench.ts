/**
 * Flash sale on one hot SKU through the real broker: 10,000 units, 50,000 one-unit orders from four channels.
 * Four figures from one run, on the same broker and PostgreSQL:
 *
 *  1. Kafka pass-through ceiling: the 50,000 order records already on the topic, consumed in batches by a plain
 *     kafkajs consumer that answers each with one small record through an idempotent producer — no decoding, no
 *     validation, no database. What a consume-decide-answer loop can approach on this machine.
 *  2. Engine decision rate: 50,000 orders already on `stock.channel-events`; the inventory-service processor
 *     (decode, decide in batches, one transaction per batch, answers on `stock.order-outcomes`) is started and
 *     timed until the last answer, read by a raw counting consumer.
 *  3. End to end: the engine running, the producer and the outcome consumer each in a process of its own;
 *     first order sent → last answer received, and produced → answered latency.
 *  4. Baseline: concurrent clients each selling with `UPDATE … SET qty = qty - 1 WHERE sku = $1 AND qty >= 1`.
 *
 * Ratios printed: engine / row-lock and engine / ceiling. Exactly 10,000 accepted in figures 2 and 3, or the
 * benchmark fails.
 *
 *   npm run bench -- bench/flash-sale.bench.ts   (FLASH_UNITS, FLASH_ORDERS, BASELINE_CLIENTS to change the size)
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import type { Pool } from 'pg';
import { PostgresEventStore, type EventStore } from '@libs/event-store';
import { ChannelEventProcessor, createInventoryBatchHandler, skuStreamId } from '@libs/inventory-application';
import { ChannelEventsTopic, OrderOutcomesTopic } from '@libs/messaging';
import { deleteTopicsWithPrefix, testKafkaBus, uniqueTopicPrefix } from '@libs/testing';
import { benchInfra, machine } from './lib/bench-infra';
import { publishFlashOrders } from './lib/flash-orders';
import { runRowLockBaseline } from './lib/row-lock-baseline';

const UNITS = Number(process.env.FLASH_UNITS ?? 10_000);
const ORDERS = Number(process.env.FLASH_ORDERS ?? 50_000);
const BASELINE_CLIENTS = Number(process.env.BASELINE_CLIENTS ?? 16);
const MAX_SECONDS = 240;
const CHUNK = Number(process.env.PUBLISH_CHUNK ?? 250);
const CONSUMER = { maxWaitTimeMs: 20, maxBytesPerPartition: 4 * 1024 * 1024 };

const rawKafka = () =>
  new Kafka({
    clientId: 'flash-bench',
    brokers: process.env.KAFKA_BROKERS!.split(','),
    logLevel: logLevel.NOTHING,
  });

/** Loads the orders onto a fresh prefix's channel-events topic before anything consumes them. */
async function preload(prefix: string, sku: string): Promise<void> {
  const loader = testKafkaBus('connector-bench', prefix);
  await loader.start();
  await publishFlashOrders(loader, sku, ORDERS, CHUNK, Date.now() + MAX_SECONDS * 1000);
  await loader.stop();
}

/** Counts records on a topic without decoding them; resolves with the time the `expected`-th arrived. */
async function countRecords(topic: string, groupId: string, expected: number) {
  const consumer = rawKafka().consumer({ groupId, maxWaitTimeInMs: 20 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let count = 0;
  let accepted = 0;
  let resolve!: (at: number) => void;
  const last = new Promise<number>((r) => (resolve = r));
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) if (m.value?.includes('"order.accepted"')) accepted++;
      count += batch.messages.length;
      if (count >= expected) resolve(performance.now());
    },
  });
  return { last, counts: () => ({ count, accepted }), stop: () => consumer.disconnect() };
}

async function passThroughCeiling(): Promise<{ seconds: number; afterFirst: number }> {
  const prefix = uniqueTopicPrefix('flash-ceiling');
  await preload(prefix, 'CEILING');
  const names = testKafkaBus('connector-bench', prefix);
  const kafka = rawKafka();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const consumer = kafka.consumer({
    groupId: `${prefix}ceiling`,
    maxWaitTimeInMs: 20,
    maxBytesPerPartition: CONSUMER.maxBytesPerPartition,
  });
  await consumer.connect();
  await consumer.subscribe({ topic: names.topicName(ChannelEventsTopic), fromBeginning: true });
  const outcomes = names.topicName(OrderOutcomesTopic);
  let answered = 0;
  let firstAt = 0;
  let lastAt = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const startedAt = performance.now();
  await consumer.run({
    eachBatch: async ({ batch }) => {
      firstAt ||= performance.now();
      await producer.send({
        topic: outcomes,
        acks: -1,
        messages: batch.messages.map((m) => ({
          key: m.key,
          value: Buffer.from(`{"answers":"${m.offset}"}`),
        })),
      });
      answered += batch.messages.length;
      lastAt = performance.now();
      if (answered >= ORDERS) done();
    },
  });
  await Promise.race([finished, new Promise((r) => setTimeout(r, MAX_SECONDS * 1000))]);
  await consumer.disconnect();
  await producer.disconnect();
  await deleteTopicsWithPrefix(prefix);
  if (answered < ORDERS) throw new Error(`ceiling: only ${answered} of ${ORDERS} answered`);
  return { seconds: (lastAt - startedAt) / 1000, afterFirst: (lastAt - firstAt) / 1000 };
}

/** The inventory-service pipeline (processor + batch handler) on a prefix, with its SKU registered and stocked. */
async function startEngine(store: EventStore, prefix: string, sku: string) {
  const handler = createInventoryBatchHandler(store, {
    snapshotEvery: Number(process.env.SNAPSHOT_EVERY ?? 1000),
  });
  await handler.handleBatch([
    {
      streamId: skuStreamId(sku),
      commandId: 'register',
      command: { type: 'RegisterSku', data: { sku, now: Date.now(), kind: 'quantity' } },
    },
    {
      streamId: skuStreamId(sku),
      commandId: 'stock',
      command: { type: 'ReceiveStock', data: { sku, now: Date.now(), batchId: 'b1', quantity: UNITS } },
    },
  ]);
  const bus = testKafkaBus('inventory-service', prefix, { consumer: CONSUMER });
  const processor = new ChannelEventProcessor(handler, bus);
  const stats = { batches: 0, messages: 0, handleMs: 0, firstBatchAt: 0 };
  await bus.subscribe(ChannelEventsTopic, 'inventory-service', async (batch) => {
    stats.firstBatchAt ||= performance.now();
    const t = performance.now();
    await processor.handle(batch);
    stats.handleMs += performance.now() - t;
    stats.batches++;
    stats.messages += batch.messages.length;
  });
  return { bus, stats, handler };
}

async function storedReservations(pool: Pool, sku: string): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM events WHERE stream_id = $1 AND type = 'StockReserved'`,
    [skuStreamId(sku)],
  );
  return Number(rows[0].n);
}

async function engineOnPreloadedTopic(store: PostgresEventStore, pool: Pool) {
  const prefix = uniqueTopicPrefix('flash-engine');
  const sku = 'FLASH-ENGINE';
  await preload(prefix, sku);
  const engine = await startEngine(store, prefix, sku);
  const counter = await countRecords(engine.bus.topicName(OrderOutcomesTopic), `${prefix}counter`, ORDERS);
  const startedAt = performance.now();
  await engine.bus.start();
  const lastAt = await Promise.race([
    counter.last,
    new Promise<number>((r) => setTimeout(() => r(NaN), MAX_SECONDS * 1000)),
  ]);
  const { count, accepted } = counter.counts();
  await counter.stop();
  await engine.bus.stop();
  await engine.handler.snapshotsSettled();
  await deleteTopicsWithPrefix(prefix);
  return {
    answered: count,
    accepted,
    stored: await storedReservations(pool, sku),
    seconds: (lastAt - startedAt) / 1000,
    afterFirst: (lastAt - engine.stats.firstBatchAt) / 1000,
    ...engine.stats,
  };
}

function runProcess(
  file: string,
  env: NodeJS.ProcessEnv,
  onLine?: (line: string) => void,
): Promise<string[]> {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', join(__dirname, 'lib', file)],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines: string[] = [];
  let buffered = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    for (let i = buffered.indexOf('\n'); i >= 0; i = buffered.indexOf('\n')) {
      const line = buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
      lines.push(line);
      onLine?.(line);
    }
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), (MAX_SECONDS + 60) * 1000);
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(lines);
      else reject(new Error(`${file} exited with ${code}`));
    }),
  );
}

async function endToEnd(store: PostgresEventStore, pool: Pool) {
  const prefix = uniqueTopicPrefix('flash-e2e');
  const sku = 'FLASH-E2E';
  const engine = await startEngine(store, prefix, sku);
  await engine.bus.start();
  const env = {
    FLASH_PREFIX: prefix,
    FLASH_SKU: sku,
    FLASH_ORDERS: String(ORDERS),
    PUBLISH_CHUNK: String(CHUNK),
  };
  let consumerReady!: () => void;
  const ready = new Promise<void>((r) => (consumerReady = r));
  const consumer = runProcess(
    'flash-outcomes.process.ts',
    env,
    (line) => line === 'ready' && consumerReady(),
  );
  await Promise.race([ready, consumer]);
  const [producerLine] = (await runProcess('flash-producer.process.ts', env)).filter((l) =>
    l.startsWith('{'),
  );
  const [consumerLine] = (await consumer).filter((l) => l.startsWith('{'));
  await engine.bus.stop();
  await engine.handler.snapshotsSettled();
  await deleteTopicsWithPrefix(prefix);
  const produced = JSON.parse(producerLine) as { startedAt: number; finishedAt: number };
  const answered = JSON.parse(consumerLine) as {
    accepted: number;
    rejected: number;
    lastAt: number;
    p50: number;
    p99: number;
  };
  return {
    ...answered,
    stored: await storedReservations(pool, sku),
    seconds: (answered.lastAt - produced.startedAt) / 1000,
    publishSeconds: (produced.finishedAt - produced.startedAt) / 1000,
    batches: engine.stats.batches,
  };
}

async function main(): Promise<void> {
  const infra = await benchInfra('flash');
  const store = await PostgresEventStore.create(infra.db.pool);

  const ceiling = await passThroughCeiling();
  const engine = await engineOnPreloadedTopic(store, infra.db.pool);
  const e2e = await endToEnd(store, infra.db.pool);
  const baseline = await runRowLockBaseline(infra.db.url, {
    units: UNITS,
    orders: ORDERS,
    clients: BASELINE_CLIENTS,
    maxSeconds: 120,
  });
  await infra.close();

  const rate = (seconds: number) => ORDERS / seconds;
  const engineRate = rate(engine.afterFirst);
  console.log(`machine: ${machine()}`);
  console.log(`flash sale: ${UNITS} units, ${ORDERS} orders from 4 channels`);
  console.log(
    `  1. Kafka pass-through ceiling (consume + answer each record, no work): ${rate(ceiling.afterFirst).toFixed(0)} records/s`,
  );
  console.log(
    `     (${ceiling.afterFirst.toFixed(2)} s from the first batch; ${ceiling.seconds.toFixed(2)} s with the group join)`,
  );
  console.log(
    `  2. engine on ${ORDERS} orders already on the topic: ${engineRate.toFixed(0)} orders decided/s`,
  );
  console.log(
    `     ${engine.accepted} accepted, ${engine.answered} answered, ${engine.stored} reservations stored; ${engine.afterFirst.toFixed(2)} s from the first batch (${engine.seconds.toFixed(2)} s with the group join)`,
  );
  console.log(
    `     ${engine.batches} batches, ${(engine.messages / Math.max(1, engine.batches)).toFixed(0)} orders per batch; batch handling ${(engine.handleMs / 1000).toFixed(2)} s`,
  );
  console.log(
    `  3. end to end, producer and outcome consumer in processes of their own: ${rate(e2e.seconds).toFixed(0)} orders/s`,
  );
  console.log(
    `     ${e2e.accepted} accepted, ${e2e.rejected} rejected, ${e2e.stored} reservations stored; first order sent → last answer ${e2e.seconds.toFixed(2)} s (publishing took ${e2e.publishSeconds.toFixed(2)} s), ${e2e.batches} batches`,
  );
  console.log(
    `     latency order produced → answer consumed: p50 ${e2e.p50.toFixed(0)} ms, p99 ${e2e.p99.toFixed(0)} ms`,
  );
  console.log(
    `  4. baseline: row-lock UPDATE with ${BASELINE_CLIENTS} clients: ${baseline.decidedPerSecond.toFixed(0)} orders decided/s (${baseline.accepted} accepted of ${baseline.attempts} in ${baseline.seconds.toFixed(2)} s)`,
  );
  console.log(`  ratio engine / row-lock: ${(engineRate / baseline.decidedPerSecond).toFixed(2)}x (goal 5x)`);
  console.log(
    `  ratio engine / Kafka ceiling: ${((engineRate / rate(ceiling.afterFirst)) * 100).toFixed(0)}% (goal 60%)`,
  );
  const failures = [
    engine.accepted !== UNITS || engine.stored !== UNITS
      ? `engine: ${engine.accepted} accepted, ${engine.stored} stored`
      : '',
    e2e.accepted !== UNITS || e2e.stored !== UNITS
      ? `end to end: ${e2e.accepted} accepted, ${e2e.stored} stored`
      : '',
  ].filter(Boolean);
  if (failures.length > 0) {
    console.error(`OVERSELL CHECK FAILED (expected exactly ${UNITS} accepted): ${failures.join('; ')}`);
    process.exitCode = 1;
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
