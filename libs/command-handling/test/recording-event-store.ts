import { randomUUID } from 'node:crypto';
import {
  EventStore,
  InMemoryEventStore,
  type AppendResult,
  type EventToAppend,
  type ExpectedVersion,
  type GlobalCheckpoint,
  type ReadAllResult,
  type ReadStreamOptions,
  type RecordedEvent,
  type Snapshot,
  type StreamAppend,
  type SubscribeOptions,
  type Subscription,
} from '@libs/event-store';

/**
 * The in-memory store, plus what handler tests need to see and provoke: counts of calls, and "another writer"
 * that appends to a stream just before the next N appends so that they hit a version conflict.
 */
export class RecordingEventStore extends EventStore {
  readonly inner = new InMemoryEventStore();
  readonly calls = {
    appendToStream: 0,
    appendToStreams: 0,
    readStream: [] as ReadStreamOptions[],
    saveSnapshot: 0,
  };
  private interferences = 0;
  private interfereWith: (streamIds: string[]) => EventToAppend[] = () => [];

  /** Before each of the next `times` appends, another writer appends `events` to the first stream involved. */
  interfere(
    times: number,
    events: () => EventToAppend[] = () => [{ eventId: randomUUID(), type: 'Added', data: { amount: 100 } }],
  ): void {
    this.interferences = times;
    this.interfereWith = () => events();
  }

  async appendToStream(
    streamId: string,
    expected: ExpectedVersion,
    events: EventToAppend[],
  ): Promise<AppendResult> {
    this.calls.appendToStream += 1;
    await this.maybeInterfere([streamId]);
    return this.inner.appendToStream(streamId, expected, events);
  }

  async appendToStreams(appends: StreamAppend[]): Promise<AppendResult[]> {
    this.calls.appendToStreams += 1;
    await this.maybeInterfere(appends.map((a) => a.streamId));
    return this.inner.appendToStreams(appends);
  }

  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    this.calls.readStream.push(options ?? {});
    return this.inner.readStream(streamId, options);
  }

  readAll(from: GlobalCheckpoint, maxCount: number): Promise<ReadAllResult> {
    return this.inner.readAll(from, maxCount);
  }

  readStreamEventsByKey(streamId: string, keys: string[]): Promise<RecordedEvent[]> {
    return this.inner.readStreamEventsByKey(streamId, keys);
  }

  readEventsByIds(eventIds: string[]): Promise<RecordedEvent[]> {
    return this.inner.readEventsByIds(eventIds);
  }

  subscribe(options: SubscribeOptions): Subscription {
    return this.inner.subscribe(options);
  }

  saveSnapshot(snapshot: Snapshot): Promise<void> {
    this.calls.saveSnapshot += 1;
    return this.inner.saveSnapshot(snapshot);
  }

  loadSnapshot(streamId: string, type: string): Promise<Snapshot | null> {
    return this.inner.loadSnapshot(streamId, type);
  }

  private async maybeInterfere(streamIds: string[]): Promise<void> {
    if (this.interferences <= 0 || streamIds.length === 0) return;
    this.interferences -= 1;
    await this.inner.appendToStream(streamIds[0], 'any', this.interfereWith(streamIds));
  }
}
