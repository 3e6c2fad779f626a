import type { GlobalCheckpoint, ReadAllResult } from './checkpoint';
import type {
  AppendResult,
  EventToAppend,
  ExpectedVersion,
  ReadStreamOptions,
  RecordedEvent,
  Snapshot,
  StreamAppend,
} from './recorded-event';
import type { SubscribeOptions, Subscription } from './subscription';

/**
 * The field of an event's data that readStreamEventsByKey finds events by: the channel's order id, which every
 * event about an order carries...
 */
export const EVENT_LOOKUP_KEY = 'channelOrderId';
/** ...or, for an event about many orders (a batch's rejections stored together), this array of them. */
export const EVENT_LOOKUP_KEYS = 'channelOrderIds';

/**
 * The event store port. An abstract class rather than an interface so that it can serve directly as a
 * dependency-injection token; this lib itself stays framework-free.
 *
 * Errors: VersionConflictError (EVENT_STORE.VERSION_CONFLICT), EventIdConflictError
 * (EVENT_STORE.EVENT_ID_CONFLICT), InvalidAppendError (EVENT_STORE.INVALID_APPEND).
 */
/** An event's lookup keys (see EVENT_LOOKUP_KEY and EVENT_LOOKUP_KEYS); none when its data names none. */
export function lookupKeysOf(event: Pick<RecordedEvent, 'data'>): string[] {
  const data = event.data as Record<string, unknown> | null;
  if (data === null || typeof data !== 'object') return [];
  const one = data[EVENT_LOOKUP_KEY];
  const many = data[EVENT_LOOKUP_KEYS];
  const keys = typeof one === 'string' ? [one] : [];
  if (Array.isArray(many)) for (const key of many) if (typeof key === 'string') keys.push(key);
  return keys;
}

export abstract class EventStore {
  /**
   * Appends to one stream if its version matches. Re-appending events that are all already stored in this
   * stream succeeds without writing and returns the stored events (`duplicate: true`), whatever the expected
   * version: a redelivered command is absorbed, not rejected.
   */
  abstract appendToStream(
    streamId: string,
    expectedVersion: ExpectedVersion,
    events: EventToAppend[],
  ): Promise<AppendResult>;

  /** Appends to several distinct streams in one transaction: all commit or none do. Results keep input order. */
  abstract appendToStreams(appends: StreamAppend[]): Promise<AppendResult[]>;

  /** Events of one stream in version order. */
  abstract readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;

  /**
   * Up to `maxCount` events after `from` in global order, never including an event that an earlier
   * still-running transaction could precede: whatever this returns is final and gap-free.
   */
  abstract readAll(from: GlobalCheckpoint, maxCount: number): Promise<ReadAllResult>;

  /** The stored events among the given ids (unknown ids are absent), in global order. */
  abstract readEventsByIds(eventIds: string[]): Promise<RecordedEvent[]>;

  /**
   * The events of one stream with a lookup key (lookupKeysOf) among `keys`, in version order. A
   * writer that keeps only part of a stream's history in memory (closing the books) reads the rest here, so it
   * must not grow with the stream where the store can index it.
   */
  abstract readStreamEventsByKey(streamId: string, keys: string[]): Promise<RecordedEvent[]>;

  /** Delivers every event after `options.from`, in global order, until stop(). */
  abstract subscribe(options: SubscribeOptions): Subscription;

  /** Keeps the snapshot if it is newer than the stored one of the same stream and type. */
  abstract saveSnapshot(snapshot: Snapshot): Promise<void>;

  abstract loadSnapshot(streamId: string, type: string): Promise<Snapshot | null>;
}
