import { sleep } from '@libs/resilience';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { KafkaMessageBus } from './kafka-message-bus';
import { ALL_TOPICS, Topics } from '../catalogue/topics';
import { silentLogger } from '../options';
import { partitionForKey } from '../partitioner';
import { describeMessageBusContract } from '../testing/message-bus.contract';

const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
if (brokers.length === 0) {
  throw new Error(
    'KAFKA_BROKERS is not set: the int tier runs against a real broker (see deploy/local/kafka/README.md)',
  );
}

// One raw client per suite, for writing bytes no bus would accept and for deleting the test topics afterwards.
const kafka = new Kafka({ clientId: 'messaging-contract-raw', brokers, logLevel: logLevel.NOTHING });
let rawProducer: Producer | undefined;
let admin: Admin | undefined;
const createdTopics: string[] = [];

describeMessageBusContract('kafka', {
  createBus: (prefix, { handlerRetry }) => {
    const bus = new KafkaMessageBus({
      source: 'contract-test',
      brokers,
      topicPrefix: prefix,
      handlerRetry,
      logger: silentLogger,
      // Short fetch waits and heartbeats keep joins, stops and redeliveries fast in tests.
      consumer: {
        maxWaitTimeMs: 100,
        heartbeatIntervalMs: 500,
        sessionTimeoutMs: 10_000,
        rebalanceTimeoutMs: 10_000,
      },
    });
    createdTopics.push(...ALL_TOPICS.map((t) => bus.topicName(t)));
    return bus;
  },
  produceRaw: async (bus, topic, record) => {
    if (!rawProducer) {
      rawProducer = kafka.producer({ allowAutoTopicCreation: false });
      await rawProducer.connect();
    }
    const partition = record.key === null ? 0 : partitionForKey(record.key, bus.partitionCount(topic));
    const [meta] = await rawProducer.send({
      topic: bus.topicName(topic),
      acks: -1,
      messages: [{ key: record.key, value: record.value, headers: record.headers, partition }],
    });
    return { partition: meta.partition, offset: meta.baseOffset! };
  },
  deliveryTimeoutMs: 20_000,
});

// After every describe block: deleting topics while others are being created slows the controller down.
afterAll(async () => {
  await rawProducer?.disconnect();
  admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: createdTopics, timeout: 10_000 }).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
});

describe('KafkaMessageBus on a real broker', () => {
  it('keeps its group membership through a batch that outlasts the session timeout', async () => {
    const sessionTimeoutMs = 6_000; // the broker's group.min.session.timeout.ms
    const bus = new KafkaMessageBus({
      source: 'contract-test',
      brokers,
      topicPrefix: `${process.env.KAFKA_TOPIC_PREFIX ?? ''}long-batch-${Date.now().toString(36)}.`,
      logger: silentLogger,
      consumer: {
        maxWaitTimeMs: 100,
        heartbeatIntervalMs: 1_000,
        sessionTimeoutMs,
        rebalanceTimeoutMs: 10_000,
      },
    });
    createdTopics.push(...ALL_TOPICS.map((t) => bus.topicName(t)));
    await bus.start();
    try {
      const calls: string[][] = [];
      await bus.subscribe(Topics.channelEvents, 'slow-consumer', async (batch) => {
        calls.push(batch.messages.map((m) => m.envelope.eventId));
        if (calls.length === 1) await sleep(sessionTimeoutMs + 2_000);
      });
      const [slow] = await bus.publish(Topics.channelEvents, [
        { type: 'stock.restocked', payload: { sku: 'sku-slow', batchId: 'b1', quantity: 1 } },
      ]);
      const deadline = Date.now() + 30_000;
      while (calls.length < 1 && Date.now() < deadline) await sleep(20);
      const [next] = await bus.publish(Topics.channelEvents, [
        { type: 'stock.restocked', payload: { sku: 'sku-slow', batchId: 'b2', quantity: 1 } },
      ]);
      while (!calls.flat().includes(next.eventId) && Date.now() < deadline) await sleep(20);
      // Had the member been evicted, its commit would have failed and the slow batch would come back.
      expect(calls).toEqual([[slow.eventId], [next.eventId]]);
    } finally {
      await bus.stop();
    }
  }, 40_000);

  it('keeps its group membership while a dependency stays down for longer than the session timeout', async () => {
    const sessionTimeoutMs = 6_000; // the broker's group.min.session.timeout.ms
    const bus = new KafkaMessageBus({
      source: 'contract-test',
      brokers,
      topicPrefix: `${process.env.KAFKA_TOPIC_PREFIX ?? ''}dep-down-${Date.now().toString(36)}.`,
      logger: silentLogger,
      handlerRetry: { maxAttempts: 2, initialBackoffMs: 50, maxBackoffMs: 500 },
      consumer: {
        maxWaitTimeMs: 100,
        heartbeatIntervalMs: 1_000,
        sessionTimeoutMs,
        rebalanceTimeoutMs: 10_000,
      },
    });
    createdTopics.push(...ALL_TOPICS.map((t) => bus.topicName(t)));
    await bus.start();
    try {
      const handled: string[] = [];
      let failing = true;
      let failures = 0;
      await bus.subscribe(Topics.channelEvents, 'waiting-consumer', async (batch) => {
        if (failing) {
          failures += 1;
          throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
        }
        handled.push(...batch.messages.map((m) => m.envelope.eventId));
      });
      const [first] = await bus.publish(Topics.channelEvents, [
        { type: 'stock.restocked', payload: { sku: 'sku-down', batchId: 'b1', quantity: 1 } },
      ]);
      const deadline = Date.now() + 30_000;
      while (failures === 0 && Date.now() < deadline) await sleep(20);
      // Longer than the session timeout: an evicted member would be out of the group by now.
      await sleep(sessionTimeoutMs + 2_000);
      expect(bus.retryingPartitions()).toHaveLength(1);
      failing = false;
      const [next] = await bus.publish(Topics.channelEvents, [
        { type: 'stock.restocked', payload: { sku: 'sku-down', batchId: 'b2', quantity: 1 } },
      ]);
      while (!handled.includes(next.eventId) && Date.now() < deadline) await sleep(20);
      // An evicted member's commit would fail and the first message would be handled twice.
      expect(handled).toEqual([first.eventId, next.eventId]);
      expect(failures).toBeGreaterThan(2);
      expect(bus.retryingPartitions()).toHaveLength(0);
    } finally {
      await bus.stop();
    }
  }, 40_000);

  it('reports the lag behind each handled batch: more than 0 while records wait, 0 once caught up', async () => {
    const lags: number[] = [];
    const bus = new KafkaMessageBus({
      source: 'contract-test',
      brokers,
      topicPrefix: `${process.env.KAFKA_TOPIC_PREFIX ?? ''}lag-${Date.now().toString(36)}.`,
      logger: silentLogger,
      // Small fetches: the 200 records waiting arrive in several batches.
      consumer: { maxWaitTimeMs: 100, maxBytesPerPartition: 2_048 },
      observer: { lagObserved: ({ lag }) => void lags.push(lag) },
    });
    createdTopics.push(...ALL_TOPICS.map((t) => bus.topicName(t)));
    await bus.start();
    try {
      // Ten produce requests, so ten record batches: the broker never splits one, whatever the fetch size.
      for (let r = 0; r < 10; r++) {
        await bus.publish(
          Topics.channelEvents,
          Array.from({ length: 20 }, (_, i) => ({
            type: 'stock.restocked' as const,
            payload: { sku: 'sku-lag', batchId: `b${r}-${i}`, quantity: 1 },
          })),
        );
      }
      let handled = 0;
      await bus.subscribe(Topics.channelEvents, 'lagging', async (batch) => {
        handled += batch.messages.length;
      });
      const deadline = Date.now() + 30_000;
      while ((handled < 200 || lags.at(-1) !== 0) && Date.now() < deadline) await sleep(20);

      expect(handled).toBe(200);
      expect(lags.length).toBeGreaterThan(1);
      expect(lags[0]).toBeGreaterThan(0);
      expect(lags.at(-1)).toBe(0);
    } finally {
      await bus.stop();
    }
  }, 40_000);
});
