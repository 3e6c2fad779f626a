import type { AnyTopic } from '../catalogue/define-topic';
import { ALL_TOPICS } from '../catalogue/topics';
import { backoffDelayMs, sleep } from '@libs/resilience';
import { encodeMessages, type OutgoingMessage } from '../codec';
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
import type { HandlerRetryPolicy, MessageBusOptions, MessagingLogger } from '../options';
import { partitionForKey } from '../partitioner';

export interface InMemoryMessageBusOptions extends MessageBusOptions {
  /** Most records handed to one handler call. Default 500. */
  maxBatchSize?: number;
}

export interface RawRecordInput {
  key?: string | Buffer | null;
  value: string | Buffer | null;
  headers?: Record<string, string>;
  /** Default: the key's partition (partition 0 without a key). */
  partition?: number;
}

/** Wakes the consumer loops when something changed (a record, a commit, a member joining or leaving). */
class ChangeSignal {
  private version = 0;
  private waiters: Array<() => void> = [];

  current(): number {
    return this.version;
  }

  bump(): void {
    this.version += 1;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  waitForChange(since: number): Promise<void> {
    if (this.version !== since) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

class ConsumerGroup {
  readonly members: InMemorySubscription[] = [];
  readonly busy: boolean[];

  constructor(readonly committed: number[]) {
    this.busy = committed.map(() => false);
  }

  /** Round-robin over members in join order, the way a range of partitions is spread over a Kafka group. */
  assigned(member: InMemorySubscription): number[] {
    const index = this.members.indexOf(member);
    if (index < 0) return [];
    return this.committed.map((_, p) => p).filter((p) => p % this.members.length === index);
  }
}

/** What a subscription needs from its bus. */
interface BusContext {
  readonly signal: ChangeSignal;
  readonly processor: BatchProcessor;
  readonly logger: MessagingLogger;
  readonly retry: HandlerRetryPolicy;
  readFrom(topicName: string, partition: number, offset: number): RawRecord[];
}

class InMemorySubscription implements Subscription {
  private stopping = false;
  private readonly abort = new AbortController();
  private loop?: Promise<void>;

  constructor(
    readonly topic: AnyTopic,
    readonly topicName: string,
    readonly groupId: string,
    private readonly handler: BatchHandler<AnyTopic>,
    private readonly group: ConsumerGroup,
    private readonly bus: BusContext,
    private readonly acceptKey?: (key: string) => boolean,
  ) {}

  begin(): void {
    if (this.stopping || this.loop) return;
    this.group.members.push(this);
    this.bus.signal.bump();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (!this.loop) return;
    this.abort.abort();
    this.bus.signal.bump();
    await this.loop;
    const index = this.group.members.indexOf(this);
    if (index >= 0) this.group.members.splice(index, 1);
    this.bus.signal.bump();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      const seen = this.bus.signal.current();
      let worked = false;
      for (const partition of this.group.assigned(this)) {
        if (this.stopping) break;
        const records = this.bus.readFrom(this.topicName, partition, this.group.committed[partition]);
        if (records.length === 0 || this.group.busy[partition]) continue;
        this.group.busy[partition] = true;
        try {
          await this.bus.processor.process(this.session(partition), records, this.handler);
          failures = 0;
        } catch (err) {
          // Only the transport can fail here (a dead letter that could not be written): redeliver after a pause.
          failures += 1;
          this.bus.logger.error(
            { topic: this.topicName, partition, groupId: this.groupId, err },
            'batch failed; redelivering',
          );
          await sleep(
            backoffDelayMs(failures, {
              initialMs: this.bus.retry.initialBackoffMs,
              maxMs: this.bus.retry.maxBackoffMs,
            }),
            this.abort.signal,
          );
        } finally {
          this.group.busy[partition] = false;
          this.bus.signal.bump();
        }
        worked = true;
      }
      if (!worked && !this.stopping) await this.bus.signal.waitForChange(seen);
    }
  }

  private session(partition: number): PartitionSession {
    return {
      topic: this.topic,
      topicName: this.topicName,
      partition,
      groupId: this.groupId,
      heartbeat: async () => undefined,
      isStale: () => !this.group.assigned(this).includes(partition),
      isStopping: () => this.stopping,
      signal: this.abort.signal,
      acceptKey: this.acceptKey,
      commit: async (offset) => {
        const next = Number(offset) + 1;
        if (next > this.group.committed[partition]) this.group.committed[partition] = next;
      },
    };
  }
}

/**
 * The message bus inside one process: for the embedded mode (`npm start` with nothing installed) and for unit
 * tests. Same contract as the Kafka bus: key-hash partitions (the same murmur2 mapping), consumer groups with
 * committed offsets, at-least-once delivery, dead-lettering. Nothing survives the process.
 */
export class InMemoryMessageBus extends BaseMessageBus {
  private readonly signal = new ChangeSignal();
  private readonly context: BusContext;
  private readonly logs = new Map<string, RawRecord[][]>();
  private readonly groups = new Map<string, ConsumerGroup>();
  private readonly subscriptions: InMemorySubscription[] = [];
  private readonly pending: InMemorySubscription[] = [];
  private readonly maxBatchSize: number;
  private state: 'new' | 'started' | 'stopping' | 'stopped' = 'new';

  constructor(options: InMemoryMessageBusOptions) {
    super(options);
    this.maxBatchSize = options.maxBatchSize ?? 500;
    this.context = {
      signal: this.signal,
      processor: this.createProcessor(1_000),
      logger: this.logger,
      retry: this.retry,
      readFrom: (topicName, partition, offset) => {
        const log = this.logs.get(topicName)?.[partition] ?? [];
        return log.slice(offset, offset + this.maxBatchSize);
      },
    };
  }

  async start(): Promise<void> {
    if (this.state === 'started') return;
    if (this.state !== 'new')
      throw new MessagingError(MessagingErrorCodes.NOT_STARTED, 'a stopped bus cannot be restarted');
    for (const topic of ALL_TOPICS) {
      const name = this.topicName(topic);
      if (!this.logs.has(name))
        this.logs.set(
          name,
          Array.from({ length: this.partitionCount(topic) }, () => []),
        );
    }
    this.state = 'started';
    for (const subscription of this.pending.splice(0)) subscription.begin();
  }

  async stop(): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.state = 'stopping';
    this.pending.length = 0;
    // Subscriptions finish their current batch; dead letters may still be published meanwhile.
    await Promise.all(this.subscriptions.map((s) => s.stop()));
    this.state = 'stopped';
  }

  async publish<D extends AnyTopic>(
    topic: D,
    messages: readonly OutgoingMessage<D>[],
    options: PublishOptions<D> = {},
  ): Promise<PublishReceipt[]> {
    this.assertStarted();
    const encoded = encodeMessages(topic, messages, this.source, options.encodeWithoutValidation);
    const name = this.topicName(topic);
    const receipts = encoded.map((e) => {
      const { partition, offset } = this.append(name, {
        key: Buffer.from(e.key, 'utf8'),
        value: e.value,
        headers: e.headers,
        partition: partitionForKey(e.key, this.partitionCount(topic)),
      });
      return { eventId: e.eventId, topic: name, key: e.key, partition, offset };
    });
    if (receipts.length > 0) this.signal.bump();
    return receipts;
  }

  /** Appends bytes as an outside producer would (no validation): tests and tools that inject bad records. */
  appendRaw(topic: AnyTopic, input: RawRecordInput): { partition: number; offset: string } {
    this.assertStarted();
    const key =
      input.key == null ? null : Buffer.isBuffer(input.key) ? input.key : Buffer.from(input.key, 'utf8');
    const partition =
      input.partition ?? (key ? partitionForKey(key.toString('utf8'), this.partitionCount(topic)) : 0);
    const result = this.append(this.topicName(topic), {
      key,
      value:
        input.value === null
          ? null
          : Buffer.isBuffer(input.value)
            ? input.value
            : Buffer.from(input.value, 'utf8'),
      headers: input.headers ?? {},
      partition,
    });
    this.signal.bump();
    return result;
  }

  async subscribe<D extends AnyTopic>(
    topic: D,
    groupId: string,
    handler: BatchHandler<D>,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    if (this.state === 'stopping' || this.state === 'stopped') {
      throw new MessagingError(MessagingErrorCodes.NOT_STARTED, 'the bus is stopped');
    }
    const name = this.topicName(topic);
    const groupKey = `${name}\u0000${groupId}`;
    let group = this.groups.get(groupKey);
    if (!group) {
      const fromBeginning = options.fromBeginning ?? true;
      const lengths =
        this.logs.get(name)?.map((p) => p.length) ?? new Array<number>(this.partitionCount(topic)).fill(0);
      group = new ConsumerGroup(lengths.map((length) => (fromBeginning ? 0 : length)));
      this.groups.set(groupKey, group);
    }
    const subscription = new InMemorySubscription(
      topic,
      name,
      groupId,
      handler as unknown as BatchHandler<AnyTopic>,
      group,
      this.context,
      options.acceptKey,
    );
    this.subscriptions.push(subscription);
    if (this.state === 'started') subscription.begin();
    else this.pending.push(subscription);
    return subscription;
  }

  private append(
    name: string,
    record: { key: Buffer | null; value: Buffer | null; headers: Record<string, string>; partition: number },
  ) {
    const partitions = this.logs.get(name);
    if (!partitions) throw new Error(`unknown topic ${name}`);
    const log = partitions[record.partition];
    if (!log) throw new Error(`${name} has no partition ${record.partition}`);
    const offset = String(log.length);
    log.push({
      key: record.key,
      value: record.value,
      headers: { ...record.headers },
      offset,
      timestamp: String(Date.now()),
    });
    return { partition: record.partition, offset };
  }

  private assertStarted(): void {
    if (this.state !== 'started' && this.state !== 'stopping') {
      throw new MessagingError(
        MessagingErrorCodes.NOT_STARTED,
        `the bus is ${this.state === 'new' ? 'not started' : 'stopped'}`,
      );
    }
  }
}
