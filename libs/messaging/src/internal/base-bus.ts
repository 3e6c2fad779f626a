import type { AnyTopic } from '../catalogue/define-topic';
import { topicName } from '../catalogue/define-topic';
import { ALL_TOPICS, Topics, type TopicId } from '../catalogue/topics';
import { MessageBus, type RetryingPartition } from '../message-bus';
import {
  DEFAULT_HANDLER_RETRY,
  stderrLogger,
  type HandlerRetryPolicy,
  type MessageBusOptions,
  type MessagingLogger,
} from '../options';
import { BatchProcessor, type DeadLetterRequest } from './batch-processor';
import { deadLetterMessage } from './dead-letter';
import { RetryingPartitions } from './retrying-partitions';

/** What both adapters share: naming, partition counts, retry policy and dead-lettering. */
export abstract class BaseMessageBus extends MessageBus {
  protected readonly source: string;
  protected readonly prefix: string;
  protected readonly logger: MessagingLogger;
  protected readonly retry: HandlerRetryPolicy;
  /** Partition counts by full topic name; the Kafka bus replaces them with what the broker reports. */
  protected readonly partitions = new Map<string, number>();
  private readonly retrying: RetryingPartitions;

  protected constructor(protected readonly options: MessageBusOptions) {
    super();
    if (!options.source) throw new Error('MessageBusOptions.source is required (the service name)');
    this.source = options.source;
    this.prefix = options.topicPrefix ?? '';
    this.logger = options.logger ?? stderrLogger;
    this.retry = { ...DEFAULT_HANDLER_RETRY, ...options.handlerRetry };
    this.retrying = new RetryingPartitions(options.observer);
    for (const topic of ALL_TOPICS) {
      const count = options.partitions?.[topic.id as TopicId] ?? topic.defaultPartitions;
      if (!Number.isInteger(count) || count < 1)
        throw new Error(`invalid partition count ${count} for ${topic.name}`);
      this.partitions.set(this.topicName(topic), count);
    }
  }

  topicName(topic: AnyTopic): string {
    return topicName(topic, this.prefix);
  }

  partitionCount(topic: AnyTopic): number {
    const count = this.partitions.get(this.topicName(topic));
    if (count === undefined) throw new Error(`${topic.name} is not in the topic catalogue`);
    return count;
  }

  override retryingPartitions(): RetryingPartition[] {
    return this.retrying.list();
  }

  protected createProcessor(heartbeatIntervalMs: number): BatchProcessor {
    return new BatchProcessor({
      retry: this.retry,
      retrying: this.retrying,
      heartbeatIntervalMs,
      logger: this.logger,
      observer: this.options.observer,
      deadLetter: (request) => this.deadLetter(request),
    });
  }

  private async deadLetter(request: DeadLetterRequest): Promise<void> {
    const { session, record } = request;
    const context = {
      topic: session.topicName,
      partition: session.partition,
      offset: record.offset,
      groupId: session.groupId,
      reasonCode: request.reasonCode,
      reason: request.reason,
    };
    if (session.topic.id === Topics.deadLetters.id) {
      // Dead-lettering a dead letter would loop; log it and move on.
      this.logger.error(context, 'skipping an unprocessable record on the dead-letter topic');
      return;
    }
    await this.publish(Topics.deadLetters, [deadLetterMessage(request)]);
    this.options.observer?.deadLettered?.({
      topic: session.topicName,
      groupId: session.groupId,
      partition: session.partition,
      offset: record.offset,
      reasonCode: request.reasonCode,
    });
    this.logger.warn(context, 'record dead-lettered');
  }
}
