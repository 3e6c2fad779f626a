import type { AnyTopic } from '../catalogue/define-topic';
import { decodeRecord } from '../codec';
import { isRetryable, MessagingErrorCodes, type DeadLetterReasonCode } from '../errors';
import type { BatchHandler, ReceivedMessage } from '../message-bus';
import type { HandlerRetryPolicy, MessageBusObserver, MessagingLogger } from '../options';
import { backoffDelayMs, isTransientError, sleep } from '@libs/resilience';
import type { RetryingPartitions } from './retrying-partitions';

/** A consumed record as both adapters hand it over: bytes, not yet decoded. */
export interface RawRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
  offset: string;
  timestamp: string;
}

/** What the processor needs from the transport for one partition's batch. */
export interface PartitionSession {
  readonly topic: AnyTopic;
  readonly topicName: string;
  readonly partition: number;
  readonly groupId: string;
  /** Keeps the group membership alive during a long batch. May throw during a rebalance (ignored). */
  heartbeat(): Promise<void>;
  /** The partition was taken away (rebalance, seek): stop without committing anything more. */
  isStale(): boolean;
  /** The consumer is shutting down: finish a handler call in progress, start no new retry. */
  isStopping(): boolean;
  /** Aborts on stop, to cut backoff sleeps short. */
  readonly signal: AbortSignal;
  /** Durably records that everything up to and including `offset` is processed. */
  commit(offset: string): Promise<void>;
  /** The subscription's key filter, if any (SubscribeOptions.acceptKey). */
  acceptKey?: (key: string) => boolean;
}

export interface DeadLetterRequest {
  session: PartitionSession;
  record: RawRecord;
  reasonCode: DeadLetterReasonCode;
  reason: string;
  attempts: number;
  eventId?: string;
  type?: string;
  correlationId?: string;
  firstFailedAt?: string;
}

export interface BatchProcessorConfig {
  retry: HandlerRetryPolicy;
  /** How often the processor heartbeats while a batch is in progress. */
  heartbeatIntervalMs: number;
  logger: MessagingLogger;
  observer?: MessageBusObserver;
  /** Where partitions in a run of transient failures are registered (readiness, gauge). */
  retrying: RetryingPartitions;
  deadLetter(request: DeadLetterRequest): Promise<void>;
}

/** While a dependency is down, one warning per partition per this interval, not one per attempt. */
const TRANSIENT_LOG_INTERVAL_MS = 60_000;

interface Item<D extends AnyTopic> {
  record: RawRecord;
  message: ReceivedMessage<D>;
}

type Outcome =
  | { kind: 'done' }
  | { kind: 'abandoned' }
  | { kind: 'failed'; error: unknown; attempts: number; firstFailedAt: string };

/**
 * The delivery semantics both adapters share, so they cannot drift apart:
 *
 * 1. Records are decoded in offset order. Runs of valid messages go to the handler as one batch; an invalid
 *    record is dead-lettered where it stands (its reason, original bytes and position) and committed.
 * 2. Offsets are committed only after the handler resolved for them.
 * 3. A handler failure is retried with backoff. A retryable error (RetryableHandlerError, or a transient
 *    infrastructure error: database or broker away, connection dropped) is retried for as long as the consumer
 *    runs, with the partition registered as retrying and the heartbeat kept going. Any other error is retried
 *    `maxAttempts` times; then a multi-message batch is replayed one
 *    message at a time, so only the message that keeps failing is dead-lettered (MESSAGING.HANDLER_FAILED)
 *    and the messages behind it are processed.
 * 4. On stop, the handler call in progress finishes and is committed; no new retry starts, and what is left
 *    uncommitted is redelivered to the next consumer.
 */
export class BatchProcessor {
  constructor(private readonly config: BatchProcessorConfig) {}

  async process<D extends AnyTopic>(
    session: PartitionSession,
    records: RawRecord[],
    handler: BatchHandler<D>,
  ): Promise<'done' | 'abandoned'> {
    const timer = setInterval(() => {
      session.heartbeat().catch(() => undefined);
    }, this.config.heartbeatIntervalMs);
    timer.unref();
    try {
      return await this.processRecords(session, records, handler);
    } finally {
      clearInterval(timer);
    }
  }

  private async processRecords<D extends AnyTopic>(
    session: PartitionSession,
    records: RawRecord[],
    handler: BatchHandler<D>,
  ): Promise<'done' | 'abandoned'> {
    let run: Item<D>[] = [];
    // Offset of skipped records after the last record handled, committed at the end so they are not re-read.
    let skippedTail: string | undefined;
    for (const record of records) {
      const key = record.key === null ? null : record.key.toString('utf8');
      if (key !== null && session.acceptKey && !session.acceptKey(key)) {
        skippedTail = record.offset;
        continue;
      }
      skippedTail = undefined;
      const decoded = decodeRecord(session.topic as D, key, record.value);
      if (decoded.ok) {
        run.push({
          record,
          message: {
            envelope: decoded.envelope,
            key: key as string,
            partition: session.partition,
            offset: record.offset,
            timestamp: record.timestamp,
            headers: record.headers,
          },
        });
        continue;
      }
      if (!(await this.deliver(session, run, handler))) return 'abandoned';
      run = [];
      if (session.isStale()) return 'abandoned';
      const written = await this.writeDeadLetter({
        session,
        record,
        reasonCode: decoded.code,
        reason: decoded.reason,
        attempts: 0,
        eventId: decoded.eventId,
        type: decoded.type,
        correlationId: decoded.correlationId,
      });
      if (!written) return 'abandoned';
      await session.commit(record.offset);
    }
    if (!(await this.deliver(session, run, handler))) return 'abandoned';
    if (skippedTail !== undefined && !session.isStale()) await session.commit(skippedTail);
    return 'done';
  }

  /** Hands a run of valid messages to the handler; false when the batch was abandoned (left uncommitted). */
  private async deliver<D extends AnyTopic>(
    session: PartitionSession,
    items: Item<D>[],
    handler: BatchHandler<D>,
  ): Promise<boolean> {
    if (items.length === 0) return true;
    const outcome = await this.attempt(session, items, handler);
    if (outcome.kind === 'done') {
      await session.commit(items[items.length - 1].record.offset);
      return true;
    }
    if (outcome.kind === 'abandoned') return false;
    if (items.length > 1) {
      // Find the message that fails: replay one at a time, each with a fresh retry budget.
      this.config.logger.warn(
        {
          topic: session.topicName,
          partition: session.partition,
          groupId: session.groupId,
          messages: items.length,
        },
        'batch keeps failing; replaying its messages one by one',
      );
      for (const item of items) {
        if (!(await this.deliver(session, [item], handler))) return false;
      }
      return true;
    }
    const [item] = items;
    const error = outcome.error;
    const written = await this.writeDeadLetter({
      session,
      record: item.record,
      reasonCode: MessagingErrorCodes.HANDLER_FAILED,
      reason: describe(error),
      attempts: outcome.attempts,
      eventId: item.message.envelope.eventId,
      type: item.message.envelope.type,
      correlationId: item.message.envelope.correlationId,
      firstFailedAt: outcome.firstFailedAt,
    });
    if (!written) return false;
    await session.commit(item.record.offset);
    return true;
  }

  /**
   * Writes a dead letter; false when the batch was abandoned meanwhile (nothing is committed then). A broker
   * that is away is waited for like any transient failure. Any other failure cannot be cured by retrying (the
   * dead letter itself is bounded in size): the record is logged with its position and skipped, so one record
   * cannot stall the partition for good; it stays readable at its source position while retention lasts.
   */
  private async writeDeadLetter(request: DeadLetterRequest): Promise<boolean> {
    const { session, record } = request;
    const { retry, logger } = this.config;
    const where = {
      topic: session.topicName,
      partition: session.partition,
      offset: record.offset,
      groupId: session.groupId,
      reasonCode: request.reasonCode,
    };
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          await this.config.deadLetter(request);
          return true;
        } catch (err) {
          if (!isTransientError(err)) {
            logger.error({ ...where, err }, 'dead letter could not be written; skipping the record');
            return true;
          }
          this.config.retrying.started(session.topicName, session.groupId, session.partition);
          if (attempt === 1) logger.warn({ ...where, err }, 'dead letter could not be written yet; retrying');
          if (session.isStopping() || session.isStale()) return false;
          await sleep(
            backoffDelayMs(attempt, { initialMs: retry.initialBackoffMs, maxMs: retry.maxBackoffMs }),
            session.signal,
          );
          if (session.isStopping() || session.isStale()) return false;
        }
      }
    } finally {
      this.config.retrying.ended(session.topicName, session.groupId, session.partition);
    }
  }

  private async attempt<D extends AnyTopic>(
    session: PartitionSession,
    items: Item<D>[],
    handler: BatchHandler<D>,
  ): Promise<Outcome> {
    try {
      return await this.attemptUntilSettled(session, items, handler);
    } finally {
      this.config.retrying.ended(session.topicName, session.groupId, session.partition);
    }
  }

  private async attemptUntilSettled<D extends AnyTopic>(
    session: PartitionSession,
    items: Item<D>[],
    handler: BatchHandler<D>,
  ): Promise<Outcome> {
    const { retry, logger, observer } = this.config;
    const policy = { initialMs: retry.initialBackoffMs, maxMs: retry.maxBackoffMs };
    let attempts = 0;
    let transientFailures = 0;
    let lastTransientLog = 0;
    let firstFailedAt: string | undefined;
    for (;;) {
      if (session.isStale()) return { kind: 'abandoned' };
      attempts += 1;
      const started = process.hrtime.bigint();
      try {
        await handler({
          topic: session.topic as D,
          topicName: session.topicName,
          partition: session.partition,
          groupId: session.groupId,
          messages: items.map((i) => i.message),
        });
        observer?.batchHandled?.({
          topic: session.topicName,
          groupId: session.groupId,
          partition: session.partition,
          messages: items.length,
          seconds: Number(process.hrtime.bigint() - started) / 1e9,
        });
        return { kind: 'done' };
      } catch (error) {
        firstFailedAt ??= new Date().toISOString();
        const retryable = isRetryable(error);
        observer?.handlerFailed?.({
          topic: session.topicName,
          groupId: session.groupId,
          partition: session.partition,
          attempt: attempts,
          retryable,
          error,
        });
        const context = {
          topic: session.topicName,
          partition: session.partition,
          groupId: session.groupId,
          firstOffset: items[0].record.offset,
          messages: items.length,
          attempt: attempts,
          err: error,
        };
        if (retryable) {
          attempts -= 1;
          transientFailures += 1;
          this.config.retrying.started(session.topicName, session.groupId, session.partition);
          if (Date.now() - lastTransientLog >= TRANSIENT_LOG_INTERVAL_MS) {
            lastTransientLog = Date.now();
            logger.warn(
              { ...context, transientFailures },
              'handler failed (transient); retrying until it succeeds or the consumer stops',
            );
          }
        } else if (attempts >= retry.maxAttempts) {
          logger.error(context, 'handler failed; retries exhausted');
          return { kind: 'failed', error, attempts, firstFailedAt };
        } else {
          logger.warn(context, 'handler failed; will retry');
        }
        if (session.isStopping() || session.isStale()) return { kind: 'abandoned' };
        await sleep(backoffDelayMs(retryable ? transientFailures : attempts, policy), session.signal);
        if (session.isStopping()) return { kind: 'abandoned' };
      }
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 4000);
  return String(error).slice(0, 4000);
}
