import {
  ConfigResourceTypes,
  Kafka,
  logLevel,
  Partitioners,
  type Consumer,
  type EachBatchPayload,
  type IHeaders,
} from 'kafkajs';
import { backoffDelayMs, sleep } from '@libs/resilience';
import type { AnyTopic } from '../catalogue/define-topic';
import { ALL_TOPICS } from '../catalogue/topics';
import { encodeMessages, type EncodedMessage, type OutgoingMessage } from '../codec';
import { MessagingError, MessagingErrorCodes } from '../errors';
import { BaseMessageBus } from '../internal/base-bus';
import type { BatchProcessor, PartitionSession, RawRecord } from '../internal/batch-processor';
import type {
  BatchHandler,
  PublishOptions,
  PublishReceipt,
  SubscribeOptions,
  Subscription,
} from '../message-bus';
import type { MessageBusOptions } from '../options';
import { partitionForKey } from '../partitioner';
import { kafkaClientLogCreator } from './kafka-client-log';
import type { KafkaClientSecurity } from './kafka-security';
import { RenewingProducer } from './renewing-producer';
import { TopicSender } from './topic-sender';

export interface KafkaConsumerTuning {
  /** Default 30000. A member silent for this long is removed from its group. */
  sessionTimeoutMs?: number;
  /** Default 60000. */
  rebalanceTimeoutMs?: number;
  /** Default 3000; the bus also heartbeats while a long batch is being handled. */
  heartbeatIntervalMs?: number;
  /** Longest a fetch waits for new records. Default 1000 (also bounds how long stop() waits for a fetch). */
  maxWaitTimeMs?: number;
  /** Default 1 MiB: roughly the largest batch handed to the handler. */
  maxBytesPerPartition?: number;
  /** Partitions handled at the same time by one subscription. Default 1. */
  partitionsConsumedConcurrently?: number;
  /** How long subscribe() waits for the group join. Default 60000. */
  joinTimeoutMs?: number;
}

export interface KafkaProducerTuning {
  /** Retries of one send before publish() rejects. Default 8 (about 25 s with the default backoff). */
  retries?: number;
  initialRetryTimeMs?: number;
  maxRetryTimeMs?: number;
  /** A publish is sent in requests of at most this many bytes of values. Default 512 KiB. */
  maxRequestBytes?: number;
}

export interface KafkaMessageBusOptions extends MessageBusOptions {
  /** KAFKA_BROKERS, e.g. ['127.0.0.1:9092']. */
  brokers: string[];
  /** Default: `source`. */
  clientId?: string;
  /** Create the catalogue's topics at start (default true). Existing topics are kept. */
  createTopics?: boolean;
  /** Replicas for created topics. Default: the broker's default.replication.factor. */
  replicationFactor?: number;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** How long start() keeps retrying topic creation and metadata while the cluster settles. Default 30000. */
  startTimeoutMs?: number;
  consumer?: KafkaConsumerTuning;
  producer?: KafkaProducerTuning;
  /** kafkajs's own log lines go to `logger` from this level up. Default 'warn'. */
  clientLogLevel?: 'nothing' | 'error' | 'warn' | 'info' | 'debug';
  /** TLS and SASL, as kafkajs takes them (build them from the configuration with `kafkaClientSecurity`). */
  ssl?: KafkaClientSecurity['ssl'];
  sasl?: KafkaClientSecurity['sasl'];
}

const CLIENT_LOG_LEVELS = {
  nothing: logLevel.NOTHING,
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
} as const;

/** kafkajs's own test for "the group is rebalancing; rejoin" (errors.isRebalancing), plus an expired member. */
const REBALANCING = new Set([
  'REBALANCE_IN_PROGRESS',
  'NOT_COORDINATOR_FOR_GROUP',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
]);

function isRebalancing(err: unknown): boolean {
  return typeof err === 'object' && err !== null && REBALANCING.has(String((err as { type?: unknown }).type));
}

function headersToStrings(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    out[name] = values.map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v))).join(', ');
  }
  return out;
}

class KafkaSubscription implements Subscription {
  private readonly abort = new AbortController();
  private stopping = false;
  private stopped?: Promise<void>;
  private running = false;

  constructor(
    readonly topic: AnyTopic,
    readonly topicName: string,
    readonly groupId: string,
    private readonly consumer: Consumer,
    private readonly handler: BatchHandler<AnyTopic>,
    private readonly options: Required<Pick<SubscribeOptions, 'fromBeginning'>> & SubscribeOptions,
    private readonly processor: BatchProcessor,
    private readonly tuning: Required<KafkaConsumerTuning>,
    private readonly onLag?: (partition: number, lag: number) => void,
  ) {}

  /** Connects, subscribes and resolves when the consumer has joined its group. */
  async begin(): Promise<void> {
    if (this.stopping || this.running) return;
    this.running = true;
    let timer: NodeJS.Timeout | undefined;
    let off: (() => void) | undefined;
    const joined = new Promise<void>((resolve, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new MessagingError(
              MessagingErrorCodes.SUBSCRIBE_TIMEOUT,
              `group ${this.groupId} did not join ${this.topicName} within ${this.tuning.joinTimeoutMs} ms`,
            ),
          ),
        this.tuning.joinTimeoutMs,
      );
      off = this.consumer.on(this.consumer.events.GROUP_JOIN, () => resolve());
    });
    try {
      await this.consumer.connect();
      await this.consumer.subscribe({ topics: [this.topicName], fromBeginning: this.options.fromBeginning });
      await this.consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.tuning.partitionsConsumedConcurrently,
        eachBatch: (payload) => this.eachBatch(payload),
      });
      await joined;
    } catch (err) {
      await this.stop().catch(() => undefined);
      throw err;
    } finally {
      clearTimeout(timer);
      off?.();
    }
  }

  stop(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    // disconnect() stops fetching, waits for the batch in progress (which commits), then leaves the group.
    this.stopped ??= this.consumer.disconnect();
    return this.stopped;
  }

  private async eachBatch({
    batch,
    resolveOffset,
    heartbeat,
    commitOffsetsIfNecessary,
    isRunning,
    isStale,
  }: EachBatchPayload) {
    // A group rebalance seen by a heartbeat: this member must rejoin within the rebalance timeout, which it can
    // only do once eachBatch returns. A batch stuck retrying while a dependency is down gives the partition
    // back (uncommitted) instead of being evicted from the group.
    const rebalance = new AbortController();
    const session: PartitionSession = {
      topic: this.topic,
      topicName: batch.topic,
      partition: batch.partition,
      groupId: this.groupId,
      heartbeat: async () => {
        try {
          await heartbeat();
        } catch (err) {
          if (isRebalancing(err)) rebalance.abort();
          throw err;
        }
      },
      isStale: () => rebalance.signal.aborted || isStale(),
      isStopping: () => this.stopping || !isRunning(),
      signal: AbortSignal.any([this.abort.signal, rebalance.signal]),
      acceptKey: this.options.acceptKey,
      commit: async (offset) => {
        resolveOffset(offset);
        await commitOffsetsIfNecessary({
          topics: [
            {
              topic: batch.topic,
              partitions: [{ partition: batch.partition, offset: (BigInt(offset) + 1n).toString() }],
            },
          ],
        });
      },
    };
    const records: RawRecord[] = batch.messages.map((m) => ({
      key: m.key,
      value: m.value,
      headers: headersToStrings(m.headers),
      offset: m.offset,
      timestamp: m.timestamp,
    }));
    const outcome = await this.processor.process(session, records, this.handler);
    // offsetLag() is what is left behind the batch's last record: the lag once this batch is committed.
    if (outcome === 'done' && batch.messages.length > 0)
      this.onLag?.(batch.partition, Number(batch.offsetLag()));
  }
}

/**
 * The message bus on Kafka (kafkajs 2.2.4, behind this port so the client can be swapped).
 *
 * - Producer: idempotent, acks=all, one request in flight (what kafkajs needs for idempotence), bounded
 *   retries with exponential backoff. The bus computes each message's partition (murmur2 of the key, as the
 *   Java client), so every message gets an exact receipt (partition, offset).
 * - Consumers: one kafkajs consumer per subscription, `eachBatch` with auto-resolve and auto-commit off;
 *   offsets are resolved and committed only after the handler resolved (see BatchProcessor for retries and
 *   dead-lettering).
 * - Topics: created at start with the catalogue's partitions and cleanup policy (`waitForLeaders`); existing
 *   ones are kept, and one with another cleanup policy stops the start with MESSAGING.TOPIC_CONFIG_MISMATCH.
 */
export class KafkaMessageBus extends BaseMessageBus {
  private readonly kafka: Kafka;
  private readonly producer: RenewingProducer;
  private readonly processor: BatchProcessor;
  private readonly consumerTuning: Required<KafkaConsumerTuning>;
  private readonly maxRequestBytes: number;
  private readonly senders = new Map<string, TopicSender>();
  private readonly subscriptions: KafkaSubscription[] = [];
  private readonly pending: KafkaSubscription[] = [];
  private state: 'new' | 'starting' | 'started' | 'stopping' | 'stopped' = 'new';

  constructor(private readonly kafkaOptions: KafkaMessageBusOptions) {
    super(kafkaOptions);
    if (!kafkaOptions.brokers?.length)
      throw new Error('KafkaMessageBusOptions.brokers is required (KAFKA_BROKERS)');
    this.kafka = new Kafka({
      clientId: kafkaOptions.clientId ?? kafkaOptions.source,
      brokers: kafkaOptions.brokers,
      connectionTimeout: kafkaOptions.connectionTimeoutMs ?? 3000,
      requestTimeout: kafkaOptions.requestTimeoutMs ?? 30000,
      logLevel: CLIENT_LOG_LEVELS[kafkaOptions.clientLogLevel ?? 'warn'],
      logCreator: kafkaClientLogCreator(this.logger),
      ssl: kafkaOptions.ssl,
      sasl: kafkaOptions.sasl,
    });
    const producer = kafkaOptions.producer ?? {};
    this.maxRequestBytes = producer.maxRequestBytes ?? 512 * 1024;
    const createProducer = () =>
      this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
        retry: {
          retries: producer.retries ?? 8,
          initialRetryTime: producer.initialRetryTimeMs ?? 100,
          maxRetryTime: producer.maxRetryTimeMs ?? 5000,
        },
      });
    this.producer = new RenewingProducer(createProducer, (cause) => {
      this.logger.warn(
        { err: cause },
        "the broker refused the producer id's sequence (a request whose answer was lost); continuing with a new producer id",
      );
      this.options.observer?.producerRenewed?.({
        reason: String((cause as { type?: unknown }).type ?? 'unknown'),
      });
    });
    const consumer = kafkaOptions.consumer ?? {};
    this.consumerTuning = {
      sessionTimeoutMs: consumer.sessionTimeoutMs ?? 30000,
      rebalanceTimeoutMs: consumer.rebalanceTimeoutMs ?? 60000,
      heartbeatIntervalMs: consumer.heartbeatIntervalMs ?? 3000,
      maxWaitTimeMs: consumer.maxWaitTimeMs ?? 1000,
      maxBytesPerPartition: consumer.maxBytesPerPartition ?? 1024 * 1024,
      partitionsConsumedConcurrently: consumer.partitionsConsumedConcurrently ?? 1,
      joinTimeoutMs: consumer.joinTimeoutMs ?? 60000,
    };
    this.processor = this.createProcessor(
      Math.max(100, Math.floor(this.consumerTuning.heartbeatIntervalMs / 3)),
    );
  }

  async start(): Promise<void> {
    if (this.state === 'started') return;
    if (this.state !== 'new')
      throw new MessagingError(MessagingErrorCodes.NOT_STARTED, `cannot start a bus that is ${this.state}`);
    this.state = 'starting';
    try {
      await this.prepareTopics();
      await this.producer.connect();
      this.state = 'started';
      await Promise.all(this.pending.splice(0).map((s) => s.begin()));
    } catch (err) {
      await this.stop().catch(() => undefined);
      throw err;
    }
  }

  async stop(): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.state = 'stopping';
    this.pending.length = 0;
    // Consumers first: their last batches may still dead-letter through the producer.
    await Promise.allSettled(this.subscriptions.map((s) => s.stop()));
    await this.producer.disconnect().catch((err) => this.logger.warn({ err }, 'producer disconnect failed'));
    this.state = 'stopped';
  }

  async publish<D extends AnyTopic>(
    topic: D,
    messages: readonly OutgoingMessage<D>[],
    options: PublishOptions<D> = {},
  ): Promise<PublishReceipt[]> {
    if (this.state !== 'started' && this.state !== 'stopping') {
      throw new MessagingError(MessagingErrorCodes.NOT_STARTED, `cannot publish: the bus is ${this.state}`);
    }
    // All messages are validated before the first byte is sent.
    const encoded = encodeMessages(topic, messages, this.source, options.encodeWithoutValidation);
    const name = this.topicName(topic);
    const partitions = this.partitionCount(topic);
    const receipts: PublishReceipt[] = [];
    for (const chunk of this.chunks(encoded)) {
      const placed = chunk.map((e) => ({ ...e, partition: partitionForKey(e.key, partitions) }));
      receipts.push(...(await this.sender(name).send(placed)));
    }
    return receipts;
  }

  /** One group-commit sender per topic (see TopicSender). */
  private sender(name: string): TopicSender {
    let sender = this.senders.get(name);
    if (!sender) {
      sender = new TopicSender(name, this.maxRequestBytes, (messages) =>
        this.producer.send({ topic: name, acks: -1, messages }),
      );
      this.senders.set(name, sender);
    }
    return sender;
  }

  async subscribe<D extends AnyTopic>(
    topic: D,
    groupId: string,
    handler: BatchHandler<D>,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    if (this.state === 'stopping' || this.state === 'stopped') {
      throw new MessagingError(MessagingErrorCodes.NOT_STARTED, `cannot subscribe: the bus is ${this.state}`);
    }
    const t = this.consumerTuning;
    const consumer = this.kafka.consumer({
      groupId: `${this.options.topicPrefix ?? ''}${groupId}`,
      sessionTimeout: t.sessionTimeoutMs,
      rebalanceTimeout: t.rebalanceTimeoutMs,
      heartbeatInterval: t.heartbeatIntervalMs,
      maxWaitTimeInMs: t.maxWaitTimeMs,
      maxBytesPerPartition: t.maxBytesPerPartition,
      allowAutoTopicCreation: false,
    });
    consumer.on(consumer.events.CRASH, ({ payload }) =>
      this.logger.error(
        { topic: this.topicName(topic), groupId, err: payload.error, restart: payload.restart },
        'consumer crashed',
      ),
    );
    const subscription = new KafkaSubscription(
      topic,
      this.topicName(topic),
      groupId,
      consumer,
      handler as unknown as BatchHandler<AnyTopic>,
      { ...options, fromBeginning: options.fromBeginning ?? true },
      this.processor,
      t,
      (partition, lag) =>
        this.options.observer?.lagObserved?.({ topic: this.topicName(topic), groupId, partition, lag }),
    );
    this.subscriptions.push(subscription);
    if (this.state === 'started') await subscription.begin();
    else this.pending.push(subscription);
    return subscription;
  }

  /** Retries a start-up step on any broker error (the cluster may still be settling) until `startTimeoutMs`. */
  private async untilReady<T>(step: string, attempt: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + (this.kafkaOptions.startTimeoutMs ?? 30_000);
    for (let n = 1; ; n++) {
      try {
        return await attempt();
      } catch (err) {
        if (err instanceof MessagingError || Date.now() >= deadline) throw err;
        this.logger.debug?.({ step, attempt: n, err }, 'start-up step failed; retrying');
        await sleep(backoffDelayMs(n, { initialMs: 100, maxMs: 1_000 }));
      }
    }
  }

  private *chunks(encoded: EncodedMessage[]): Generator<EncodedMessage[]> {
    let chunk: EncodedMessage[] = [];
    let bytes = 0;
    for (const e of encoded) {
      const size = e.value.length + e.key.length;
      if (chunk.length > 0 && bytes + size > this.maxRequestBytes) {
        yield chunk;
        chunk = [];
        bytes = 0;
      }
      chunk.push(e);
      bytes += size;
    }
    if (chunk.length > 0) yield chunk;
  }

  private async prepareTopics(): Promise<void> {
    const admin = this.kafka.admin();
    await this.untilReady('connect', () => admin.connect());
    try {
      const names = ALL_TOPICS.map((t) => this.topicName(t));
      if (this.kafkaOptions.createTopics ?? true) {
        await this.untilReady('create topics', () =>
          admin.createTopics({
            waitForLeaders: true,
            topics: ALL_TOPICS.map((t) => ({
              topic: this.topicName(t),
              numPartitions: this.partitionCount(t),
              replicationFactor: this.kafkaOptions.replicationFactor ?? -1,
              configEntries: [{ name: 'cleanup.policy', value: t.cleanupPolicy }],
            })),
          }),
        );
      }
      // In KRaft a new topic can briefly answer "does not host this topic-partition" (kafkajs#1563) even after
      // waitForLeaders: poll until every partition reports a leader.
      const metadata = await this.untilReady('topic leaders', async () => {
        const m = await admin.fetchTopicMetadata({ topics: names });
        const leaderless = m.topics.flatMap((t) =>
          t.partitions.filter((p) => p.leader < 0).map((p) => `${t.name}[${p.partitionId}]`),
        );
        if (leaderless.length > 0) throw new Error(`no leader yet for ${leaderless.join(', ')}`);
        return m;
      });
      for (const t of metadata.topics) {
        const wanted = this.partitions.get(t.name);
        if (wanted !== undefined && wanted !== t.partitions.length) {
          this.logger.warn(
            { topic: t.name, wanted, actual: t.partitions.length },
            'topic exists with another partition count; using it',
          );
        }
        this.partitions.set(t.name, t.partitions.length);
      }
      const configs = await admin.describeConfigs({
        includeSynonyms: false,
        resources: names.map((name) => ({
          type: ConfigResourceTypes.TOPIC,
          name,
          configNames: ['cleanup.policy'],
        })),
      });
      for (const resource of configs.resources) {
        const topic = ALL_TOPICS.find((t) => this.topicName(t) === resource.resourceName);
        const actual = resource.configEntries.find((c) => c.configName === 'cleanup.policy')?.configValue;
        if (topic && actual !== undefined && actual !== topic.cleanupPolicy) {
          throw new MessagingError(
            MessagingErrorCodes.TOPIC_CONFIG_MISMATCH,
            `${resource.resourceName} has cleanup.policy=${actual}, the catalogue declares ${topic.cleanupPolicy}`,
          );
        }
      }
    } finally {
      await admin.disconnect();
    }
  }
}
