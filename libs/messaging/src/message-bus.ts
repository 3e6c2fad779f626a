import type { AnyTopic, MessageTypeOf } from './catalogue/define-topic';
import type { OutgoingMessage } from './codec';
import type { EnvelopeOf } from './envelope';

export interface PublishReceipt {
  eventId: string;
  /** Full topic name (prefix included). */
  topic: string;
  key: string;
  partition: number;
  /** Offset in the partition, a decimal string (Kafka offsets are 64-bit). */
  offset: string;
}

export interface ReceivedMessage<D extends AnyTopic> {
  envelope: EnvelopeOf<D>;
  key: string;
  partition: number;
  offset: string;
  /** Broker timestamp, epoch milliseconds as a decimal string. */
  timestamp: string;
  headers: Record<string, string>;
}

/** Consecutive valid messages of one partition, in offset order. */
export interface MessageBatch<D extends AnyTopic> {
  topic: D;
  /** Full topic name (prefix included). */
  topicName: string;
  partition: number;
  groupId: string;
  messages: ReceivedMessage<D>[];
}

/**
 * Processes a batch durably before it resolves (for example one database transaction that also records the
 * consumed offsets or event ids). Resolving commits the batch's offsets; throwing means "redeliver".
 * At-least-once: a batch can arrive again after a crash or rebalance, so the work must be idempotent.
 */
export type BatchHandler<D extends AnyTopic> = (batch: MessageBatch<D>) => Promise<void>;

export interface SubscribeOptions {
  /** Where a group without committed offsets starts. Default true: the earliest retained record. */
  fromBeginning?: boolean;
  /**
   * Records whose key this rejects are skipped before they are decoded or validated (and committed with the
   * rest): a consumer that only wants some keys of a shared topic pays nothing for the others. A record without
   * a key is always decoded, so an invalid one is still dead-lettered.
   */
  acceptKey?: (key: string) => boolean;
}

export interface PublishOptions<D extends AnyTopic> {
  /**
   * Message types of this publish that are encoded without validating them. Only for messages the publisher
   * builds itself, field by field, from data that was validated when it entered the process (a consumed message,
   * a domain decision), and only with a test that holds every message it can build to the schema: validating
   * such a message re-proves what the code already guarantees, and costs a hot path about two thirds of its
   * encoding. Consumers still validate every record they decode, so nothing unchecked enters another process.
   * Other types of the same publish are validated as usual.
   */
  encodeWithoutValidation?: readonly MessageTypeOf<D>[];
}

/** A partition whose batch keeps failing because a dependency is down; it is retried, not dead-lettered. */
export interface RetryingPartition {
  /** Full topic name (prefix included). */
  topic: string;
  groupId: string;
  partition: number;
  /** When the current run of transient failures began. */
  since: Date;
}

export interface Subscription {
  readonly topicName: string;
  readonly groupId: string;
  /** Lets the current batch finish and commit, then leaves the group. Idempotent. */
  stop(): Promise<void>;
}

/**
 * The project's messaging port. Application code depends on this abstract class (it doubles as the injection
 * token); the Kafka and in-memory adapters implement it and pass the same contract tests.
 *
 * Guarantees: per-key order (a key always maps to the same partition); at-least-once delivery to each
 * consumer group; an offset is committed only after the handler resolved for it; an invalid record, or one the
 * handler keeps failing on, is written to the dead-letter topic and the partition moves on.
 */
export abstract class MessageBus {
  /** Creates the catalogue's topics if needed, connects, and starts the subscriptions made before start. */
  abstract start(): Promise<void>;

  /** Stops every subscription (each finishes and commits its current batch), then disconnects. Idempotent. */
  abstract stop(): Promise<void>;

  /**
   * Validates every message (except the types `options.encodeWithoutValidation` names), then sends them.
   * Resolves once all are durably acknowledged (acks=all), with one receipt per message in the same order. A
   * validation failure throws MESSAGING.INVALID_MESSAGE and sends nothing.
   */
  abstract publish<D extends AnyTopic>(
    topic: D,
    messages: readonly OutgoingMessage<D>[],
    options?: PublishOptions<D>,
  ): Promise<PublishReceipt[]>;

  /**
   * Delivers per-partition batches of decoded, validated envelopes to `handler`, one batch at a time per
   * partition. Before start(): begins at start(). After start(): resolves once the consumer has joined its group.
   */
  abstract subscribe<D extends AnyTopic>(
    topic: D,
    groupId: string,
    handler: BatchHandler<D>,
    options?: SubscribeOptions,
  ): Promise<Subscription>;

  /** The topic's name on the broker (prefix included), for logs and tooling. */
  abstract topicName(topic: AnyTopic): string;

  /** Partition count of a topic as the bus uses it (after start(): as found on the broker). */
  abstract partitionCount(topic: AnyTopic): number;

  /**
   * Partitions of this bus's subscriptions that are being retried because of transient errors (the database or
   * the broker is away). Readiness reports degraded when one has been retrying for long. Both adapters have it;
   * optional so that test doubles implementing this class need not.
   */
  retryingPartitions?(): RetryingPartition[];
}
