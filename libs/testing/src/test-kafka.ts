import { randomBytes } from 'node:crypto';
import { KafkaMessageBus, silentLogger, type KafkaMessageBusOptions } from '@libs/messaging';
import { Kafka, logLevel } from 'kafkajs';

export function testBrokers(): string[] {
  const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
  if (brokers.length === 0) {
    throw new Error(
      'KAFKA_BROKERS is not set: integration tests run against a real broker (deploy/local/kafka)',
    );
  }
  return brokers;
}

/** Topics of one test run live under their own prefix, so runs never see each other's messages. */
export function uniqueTopicPrefix(label: string): string {
  return `${process.env.KAFKA_TOPIC_PREFIX ?? ''}t-${label}-${Date.now()}-${randomBytes(3).toString('hex')}.`;
}

/** A Kafka bus tuned for tests: short fetch waits and heartbeats keep joins and deliveries fast. */
export function testKafkaBus(
  source: string,
  topicPrefix: string,
  extra: Partial<KafkaMessageBusOptions> = {},
): KafkaMessageBus {
  return new KafkaMessageBus({
    source,
    brokers: testBrokers(),
    topicPrefix,
    logger: silentLogger,
    consumer: {
      maxWaitTimeMs: 50,
      heartbeatIntervalMs: 500,
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 10_000,
    },
    handlerRetry: { maxAttempts: 2, initialBackoffMs: 50, maxBackoffMs: 200 },
    ...extra,
  });
}

export async function deleteTopicsWithPrefix(prefix: string): Promise<void> {
  const admin = new Kafka({
    clientId: 'test-cleanup',
    brokers: testBrokers(),
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    const names = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (names.length > 0) await admin.deleteTopics({ topics: names }).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}

/** Polls until `probe` returns a value or the time runs out (a test waiting on asynchronous delivery). */
export async function eventually<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 20_000,
  label = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v as T;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${label}${last ? `: ${(last as Error).message}` : ''}`,
  );
}
