import {
  EventStore,
  type AppendResult,
  type EventToAppend,
  type ExpectedVersion,
  type GlobalCheckpoint,
  type InMemoryEventStore,
  type ReadAllResult,
  type ReadStreamOptions,
  type RecordedEvent,
  type Snapshot,
  type StreamAppend,
  type SubscribeOptions,
  type Subscription,
} from '@libs/event-store';

/** The ways a database that is away shows up in node-postgres; every one of them must be ridden out. */
export const OUTAGE_SHAPES = [
  { code: '57P01', message: 'terminating connection due to administrator command' },
  { code: '08006', message: 'connection failure' },
  { code: '40001', message: 'could not serialize access due to concurrent update' },
  { code: 'ECONNRESET', message: 'read ECONNRESET' },
  { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:5432' },
  { code: undefined, message: 'Connection terminated unexpectedly' },
  { code: undefined, message: 'timeout exceeded when trying to connect' },
] as const;

export class StoreOutageError extends Error {
  readonly code?: string;

  constructor(shape: (typeof OUTAGE_SHAPES)[number] = OUTAGE_SHAPES[0]) {
    super(shape.message);
    this.name = 'StoreOutageError';
    if (shape.code !== undefined) this.code = shape.code;
  }
}

export interface StoreFaults {
  /** Runs before every call; throws a StoreOutageError while the store is "down". */
  beforeCall(operation: string): void;
  /** Runs before each append transaction with the streams it names: another writer may get there first. */
  beforeAppend(streamIds: readonly string[]): Promise<void>;
  /** Runs after an append committed: throwing here is a commit whose acknowledgement was lost on the way back. */
  afterAppend(): void;
}

export interface FaultyEventStoreOptions {
  /**
   * A deliberately broken store for proving the oracle: appends ignore the expected version, so a writer that
   * decided on a stale state is never told to decide again.
   */
  dropVersionCheck?: boolean;
}

/**
 * The in-memory event store behind a fault injector: outages before any call, a commit whose answer is lost, and
 * a second writer that appends to the same streams between a handler's read and its append (which turns into a
 * real version conflict).
 */
export class FaultyEventStore extends EventStore {
  constructor(
    readonly inner: InMemoryEventStore,
    private readonly faults: StoreFaults,
    private readonly options: FaultyEventStoreOptions = {},
  ) {
    super();
  }

  async appendToStream(
    streamId: string,
    expectedVersion: ExpectedVersion,
    events: EventToAppend[],
  ): Promise<AppendResult> {
    const [result] = await this.appendToStreams([{ streamId, expectedVersion, events }]);
    return result!;
  }

  async appendToStreams(appends: StreamAppend[]): Promise<AppendResult[]> {
    this.faults.beforeCall('append');
    await this.faults.beforeAppend(appends.map((a) => a.streamId));
    const effective = this.options.dropVersionCheck
      ? appends.map((a) => ({ ...a, expectedVersion: 'any' as const }))
      : appends;
    const results = await this.inner.appendToStreams(effective);
    this.faults.afterAppend();
    return results;
  }

  async readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    this.faults.beforeCall('readStream');
    return this.inner.readStream(streamId, options);
  }

  async readAll(from: GlobalCheckpoint, maxCount: number): Promise<ReadAllResult> {
    this.faults.beforeCall('readAll');
    return this.inner.readAll(from, maxCount);
  }

  async readStreamEventsByKey(streamId: string, keys: string[]): Promise<RecordedEvent[]> {
    this.faults.beforeCall('readStreamEventsByKey');
    return this.inner.readStreamEventsByKey(streamId, keys);
  }

  async readEventsByIds(eventIds: string[]): Promise<RecordedEvent[]> {
    this.faults.beforeCall('readEventsByIds');
    return this.inner.readEventsByIds(eventIds);
  }

  subscribe(options: SubscribeOptions): Subscription {
    return this.inner.subscribe(options);
  }

  async saveSnapshot(snapshot: Snapshot): Promise<void> {
    this.faults.beforeCall('saveSnapshot');
    return this.inner.saveSnapshot(snapshot);
  }

  async loadSnapshot(streamId: string, type: string): Promise<Snapshot | null> {
    this.faults.beforeCall('loadSnapshot');
    return this.inner.loadSnapshot(streamId, type);
  }
}
