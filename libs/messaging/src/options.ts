import type { PartitionOverrides } from './catalogue/topics';

/** pino-compatible: a pino logger can be passed as is. */
export interface MessagingLogger {
  debug?(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Hooks for metrics (the observability lib turns them into Prometheus counters and histograms). */
export interface MessageBusObserver {
  batchHandled?(event: {
    topic: string;
    groupId: string;
    partition: number;
    messages: number;
    seconds: number;
  }): void;
  handlerFailed?(event: {
    topic: string;
    groupId: string;
    partition: number;
    attempt: number;
    retryable: boolean;
    error: unknown;
  }): void;
  /**
   * A partition began (`retrying: true`) or ended (`false`) a run of transient handler failures: its batch is
   * retried until the dependency is back. Every start is followed by exactly one end.
   */
  partitionRetrying?(event: { topic: string; groupId: string; partition: number; retrying: boolean }): void;
  /**
   * Kafka only: the broker refused the idempotent producer's sequence (`reason`: OUT_OF_ORDER_SEQUENCE_NUMBER,
   * UNKNOWN_PRODUCER_ID or INVALID_PRODUCER_EPOCH) and the bus continued with a new producer id.
   */
  producerRenewed?(event: { reason: string }): void;
  /** Kafka only: records left in the partition after a batch was handled (high watermark − next offset). */
  lagObserved?(event: { topic: string; groupId: string; partition: number; lag: number }): void;
  deadLettered?(event: {
    topic: string;
    groupId: string;
    partition: number;
    offset: string;
    reasonCode: string;
  }): void;
}

export interface HandlerRetryPolicy {
  /**
   * Handler calls for one batch (and then for each message of it alone) before the message is dead-lettered.
   * Transient errors (see isRetryable) do not count: they are retried for as long as the consumer runs.
   */
  maxAttempts: number;
  initialBackoffMs: number;
  /** Longest wait between two attempts; also the cap while a dependency is down. */
  maxBackoffMs: number;
}

export const DEFAULT_HANDLER_RETRY: HandlerRetryPolicy = {
  maxAttempts: 5,
  initialBackoffMs: 200,
  maxBackoffMs: 10_000,
};

export interface MessageBusOptions {
  /** Written into every envelope this bus publishes (`source`), e.g. `inventory-service`. */
  source: string;
  /**
   * Prepended to every catalogue name (KAFKA_TOPIC_PREFIX), e.g. `staging.` or a unique prefix per test run, and
   * to the Kafka consumer group ids, so environments sharing a cluster never join each other's groups. Everywhere
   * else (receipts, dead letters, metrics) a group keeps the name the app gave it.
   */
  topicPrefix?: string;
  /** Partition counts for topics created by this bus; others use the catalogue default. */
  partitions?: PartitionOverrides;
  handlerRetry?: Partial<HandlerRetryPolicy>;
  logger?: MessagingLogger;
  observer?: MessageBusObserver;
}

/** Warnings and errors as JSON lines on stderr; info and debug are dropped. */
export const stderrLogger: MessagingLogger = {
  info: () => undefined,
  warn: (obj, msg) =>
    process.stderr.write(`${JSON.stringify({ level: 'warn', msg, ...serialisable(obj) })}\n`),
  error: (obj, msg) =>
    process.stderr.write(`${JSON.stringify({ level: 'error', msg, ...serialisable(obj) })}\n`),
};

export const silentLogger: MessagingLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

function serialisable(obj: object): object {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj))
    out[k] = v instanceof Error ? { message: v.message, name: v.name } : v;
  return out;
}
