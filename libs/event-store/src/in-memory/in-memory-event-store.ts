import { isUuid, planStreamAppend, validateAppends } from '../append-rules';
import { compareCheckpoints, type GlobalCheckpoint, type ReadAllResult } from '../checkpoint';
import { EventStore, lookupKeysOf } from '../event-store';
import type {
  AppendResult,
  EventToAppend,
  ExpectedVersion,
  ReadStreamOptions,
  RecordedEvent,
  Snapshot,
  StreamAppend,
} from '../recorded-event';
import { PollingSubscription, type SubscribeOptions, type Subscription } from '../subscription';
import { WakeSignal } from '../wake-signal';

/**
 * A process-local event store for unit tests and demos: same contract as the PostgreSQL adapter, no durability.
 * Each append call is one "transaction": it is applied synchronously, so it is atomic and never interleaves.
 */
export class InMemoryEventStore extends EventStore {
  private readonly all: RecordedEvent[] = [];
  private readonly streams = new Map<string, RecordedEvent[]>();
  private readonly byId = new Map<string, RecordedEvent>();
  private readonly snapshots = new Map<string, Snapshot>();
  private readonly appended = new WakeSignal();
  private lastTransactionId = 0;

  /** Every stored event in global order; handy for assertions. */
  get events(): readonly RecordedEvent[] {
    return this.all;
  }

  async appendToStream(
    streamId: string,
    expectedVersion: ExpectedVersion,
    events: EventToAppend[],
  ): Promise<AppendResult> {
    const [result] = await this.appendToStreams([{ streamId, expectedVersion, events }]);
    return result;
  }

  async appendToStreams(appends: StreamAppend[]): Promise<AppendResult[]> {
    const valid = validateAppends(appends);
    const plans = valid.map((append) =>
      planStreamAppend(
        append,
        this.streams.get(append.streamId)?.length ?? 0,
        append.events.flatMap((e) => this.byId.get(e.eventId) ?? []),
      ),
    );
    const transactionId = ++this.lastTransactionId;
    const now = new Date();
    const results = valid.map((append, i): AppendResult => {
      const plan = plans[i];
      if (plan.kind === 'duplicate') {
        const last = plan.events[plan.events.length - 1];
        return {
          streamId: append.streamId,
          events: plan.events,
          nextExpectedVersion: last.version,
          duplicate: true,
        };
      }
      const stream = this.streams.get(append.streamId) ?? [];
      const recorded = append.events.map((event, k) => {
        const stored: RecordedEvent = {
          eventId: event.eventId,
          streamId: append.streamId,
          version: plan.firstVersion + k,
          type: event.type,
          data: clone(event.data ?? null),
          metadata: clone(event.metadata ?? {}),
          occurredAt: event.occurredAt ?? now,
          recordedAt: now,
          globalPosition: this.all.length + 1,
          transactionId,
        };
        this.all.push(stored);
        this.byId.set(stored.eventId, stored);
        stream.push(stored);
        return stored;
      });
      if (stream.length > 0) this.streams.set(append.streamId, stream);
      return {
        streamId: append.streamId,
        events: recorded,
        nextExpectedVersion: stream.length,
        duplicate: false,
      };
    });
    if (results.some((r) => !r.duplicate && r.events.length > 0)) this.appended.notify();
    return results;
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const stream = this.streams.get(streamId) ?? [];
    let events: RecordedEvent[];
    if (options.direction === 'backwards') {
      const from = options.fromVersion ?? Number.MAX_SAFE_INTEGER;
      events = stream.filter((e) => e.version <= from).reverse();
    } else {
      const from = options.fromVersion ?? 1;
      events = stream.filter((e) => e.version >= from);
    }
    return options.maxCount === undefined ? events : events.slice(0, options.maxCount);
  }

  async readAll(from: GlobalCheckpoint, maxCount: number): Promise<ReadAllResult> {
    const events = this.all.filter((e) => compareCheckpoints(e, from) > 0).slice(0, maxCount);
    const last = events[events.length - 1];
    return {
      events,
      checkpoint: last
        ? { transactionId: last.transactionId, globalPosition: last.globalPosition }
        : { ...from },
    };
  }

  async readEventsByIds(eventIds: string[]): Promise<RecordedEvent[]> {
    const wanted = new Set(eventIds.filter(isUuid).map((id) => id.toLowerCase()));
    return this.all.filter((e) => wanted.has(e.eventId));
  }

  async readStreamEventsByKey(streamId: string, keys: string[]): Promise<RecordedEvent[]> {
    const wanted = new Set(keys);
    return this.all
      .filter((e) => e.streamId === streamId && lookupKeysOf(e).some((k) => wanted.has(k)))
      .sort((a, b) => a.version - b.version);
  }

  subscribe(options: SubscribeOptions): Subscription {
    return new PollingSubscription((from, max) => this.readAll(from, max), this.appended, options);
  }

  async saveSnapshot(snapshot: Snapshot): Promise<void> {
    const key = `${snapshot.type}\u0000${snapshot.streamId}`;
    const stored = this.snapshots.get(key);
    if (!stored || stored.version < snapshot.version) this.snapshots.set(key, clone(snapshot));
  }

  async loadSnapshot(streamId: string, type: string): Promise<Snapshot | null> {
    const stored = this.snapshots.get(`${type}\u0000${streamId}`);
    return stored ? clone(stored) : null;
  }
}

/** Stored values behave like jsonb: later mutation of the caller's object does not change them. */
function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
