import { randomUUID } from 'node:crypto';
import { InvalidAppendError, VersionConflictError } from '../errors';
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
import type { SubscribeOptions, Subscription } from '../subscription';
import {
  APPLICATION_STREAMS_REGEX,
  actualVersionOf,
  eventIdStream,
  expectedRevisionOf,
  isApplicationStream,
  isLinkedEvent,
  linkRecord,
  linkTarget,
  positionOfCheckpoint,
  revisionOf,
  snapshotStream,
  toNewRecord,
  toRecordedEvent,
  versionOf,
} from './event-mapping';
import {
  WrongExpectedRevisionError,
  type AllFilter,
  type ExpectedRevision,
  type KurrentDbGateway,
  type StoredRecord,
} from './kurrentdb-gateway';
import { PushSubscription, type EventFeed } from './push-subscription';

export interface KurrentDbEventStoreOptions {
  /**
   * Only streams starting with one of these reach `readAll` and subscribers (a server-side prefix filter instead
   * of the default "every stream not starting with `$`"). For a database shared with other applications.
   */
  streamPrefixes?: string[];
  /** Id lookups and link writes in flight at once for one call; default 32. */
  lookupConcurrency?: number;
}

/** Records read per `$all` page by readAll: system and lookup records are skipped on the client. */
const READ_ALL_PAGE = 1_000;
/** Attempts of a snapshot save that keeps losing its optimistic race before it gives up. */
const SNAPSHOT_ATTEMPTS = 5;

/**
 * The event store on KurrentDB / EventStoreDB. What the server does natively: streams, expected-revision checks,
 * atomic appends to one stream, the global order ($all) and catch-up subscriptions with server-side filters.
 * What this adapter adds to keep the EventStore contract (see the README for the costs):
 *  - finding an event by id, and so permanent idempotency and the "id stored in another stream" check: each
 *    event gets a link in `$eventid-<id>`, written before the event itself;
 *  - multi-stream appends: every stream is checked before any is written, then each is appended on its own —
 *    there is no transaction across streams, so a failure midway leaves the earlier streams written;
 *  - snapshots: the latest one per stream in `$snapshot-<stream>`, kept at one event by `$maxCount`.
 */
export class KurrentDbEventStore extends EventStore {
  private readonly concurrency: number;
  private readonly filter: AllFilter;

  constructor(
    private readonly gateway: KurrentDbGateway,
    private readonly options: KurrentDbEventStoreOptions = {},
  ) {
    super();
    this.concurrency = options.lookupConcurrency ?? 32;
    this.filter = options.streamPrefixes
      ? { streamNamePrefixes: options.streamPrefixes }
      : { streamNameRegex: APPLICATION_STREAMS_REGEX };
  }

  /** Closes the client's connection. */
  close(): Promise<void> {
    return this.gateway.close();
  }

  async appendToStream(
    streamId: string,
    expectedVersion: ExpectedVersion,
    events: EventToAppend[],
  ): Promise<AppendResult> {
    const [result] = await this.appendToStreams([{ streamId, expectedVersion, events }]);
    return result;
  }

  /**
   * Not one transaction (KurrentDB has none across streams): all streams are checked first, so a conflict known
   * before writing writes nothing; then each stream is appended, atomically on its own, in input order. A
   * failure there (a writer that moved a later stream in between, a lost connection) leaves the earlier streams
   * appended and throws.
   */
  async appendToStreams(appends: StreamAppend[]): Promise<AppendResult[]> {
    const valid = validateAppends(appends);
    for (const append of valid) {
      if (append.streamId.startsWith('$')) {
        throw new InvalidAppendError(`stream ${append.streamId}: names starting with $ are the server's`);
      }
    }
    if (valid.length === 0) return [];
    const stored = await this.lookUp(valid.flatMap((a) => a.events.map((e) => e.eventId)));
    const storedOf = (append: StreamAppend) => append.events.flatMap((e) => stored.get(e.eventId) ?? []);

    if (valid.length === 1) {
      const append = valid[0];
      const already = storedOf(append);
      // The common case needs no read: the server checks the version as it writes.
      if (already.length === 0 && append.events.length > 0) return [await this.write(append)];
      const version = await this.currentVersion(append.streamId);
      return [this.settle(append, planStreamAppend(append, version, already), version)];
    }

    const versions = await this.mapLimited(valid, (a) => this.currentVersion(a.streamId));
    // Every plan before any write: a conflict or an id clash found here leaves every stream as it was.
    const plans = valid.map((append, i) => planStreamAppend(append, versions[i], storedOf(append)));
    const results: AppendResult[] = [];
    for (const [i, append] of valid.entries()) {
      const plan = plans[i];
      results.push(
        plan.kind === 'write' && append.events.length > 0
          ? await this.write(append)
          : this.settle(append, plan, versions[i]),
      );
    }
    return results;
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    if (options.maxCount !== undefined && options.maxCount <= 0) return [];
    const backwards = options.direction === 'backwards';
    // Backwards below version 1 there is nothing; forwards from below 1 is from the start.
    if (backwards && options.fromVersion !== undefined && options.fromVersion < 1) return [];
    const items = await this.gateway.readStream(streamId, {
      fromRevision: backwards
        ? options.fromVersion === undefined
          ? 'end'
          : revisionOf(options.fromVersion)
        : revisionOf(Math.max(1, options.fromVersion ?? 1)),
      direction: backwards ? 'backwards' : 'forwards',
      maxCount: options.maxCount ?? Number.MAX_SAFE_INTEGER,
    });
    return items.flatMap((item) => (item.event ? [toRecordedEvent(item.event)] : []));
  }

  /**
   * $all is the server's commit order and only holds committed events, so what it returns is final. The 6.x
   * client cannot filter reads on the server: system records and the adapter's links are read and skipped here,
   * page by page, until `maxCount` events are found or the end is reached.
   */
  async readAll(from: GlobalCheckpoint, maxCount: number): Promise<ReadAllResult> {
    const events: RecordedEvent[] = [];
    let position = positionOfCheckpoint(from);
    const pageSize = Math.min(READ_ALL_PAGE, Math.max(64, maxCount + 1));
    while (events.length < maxCount) {
      const page = await this.gateway.readAll(position, pageSize);
      for (const record of page) {
        if (events.length >= maxCount) break;
        if (!this.isDelivered(record)) continue;
        const event = toRecordedEvent(record);
        // Reads start at `position` inclusive: the checkpoint's own event came last time.
        if (compareCheckpoints(event, from) <= 0) continue;
        assertAfter(events[events.length - 1], event);
        events.push(event);
      }
      if (page.length < pageSize) break;
      position = page[page.length - 1].position ?? position;
    }
    const last = events[events.length - 1];
    return {
      events,
      checkpoint: last
        ? { transactionId: last.transactionId, globalPosition: last.globalPosition }
        : { ...from },
    };
  }

  /** One read of `$eventid-<id>` per id (links resolved by the server), `lookupConcurrency` at a time. */
  async readEventsByIds(eventIds: string[]): Promise<RecordedEvent[]> {
    const ids = [...new Set(eventIds.filter(isUuid).map((id) => id.toLowerCase()))];
    const found = await this.lookUp(ids);
    return [...found.values()].sort(compareCheckpoints);
  }

  /**
   * The server has no index on event data: this reads the whole stream. Correct, but its cost grows with the
   * stream, which is why the inventory service does not close the books on this store (see docs/reference).
   */
  async readStreamEventsByKey(streamId: string, keys: string[]): Promise<RecordedEvent[]> {
    if (keys.length === 0) return [];
    const wanted = new Set(keys);
    const events = await this.readStream(streamId);
    return events.filter((e) => lookupKeysOf(e).some((k) => wanted.has(k)));
  }

  /** A catch-up subscription to $all from the checkpoint, filtered on the server (see `streamPrefixes`). */
  subscribe(options: SubscribeOptions): Subscription {
    return new PushSubscription((from) => this.feed(from), options);
  }

  /**
   * Optimistic: reads the stored snapshot, keeps it if it is as new, otherwise appends at the revision it read.
   * Losing that race to another saver means reading again. The stream keeps one event (`$maxCount` 1), so a
   * snapshot of another type replaces it: loading a type asks for the latest snapshot and checks its type.
   */
  async saveSnapshot(snapshot: Snapshot): Promise<void> {
    const stream = snapshotStream(snapshot.streamId);
    for (let attempt = 1; ; attempt++) {
      const last = await this.lastRecord(stream);
      const stored = last && readSnapshot(snapshot.streamId, last);
      if (stored && stored.type === snapshot.type && stored.version >= snapshot.version) return;
      if (!last) await this.gateway.setMaxCount(stream, 1);
      try {
        await this.gateway.append(
          stream,
          [
            {
              id: randomUUID(),
              type: snapshot.type,
              kind: 'json',
              data: { version: snapshot.version, state: snapshot.state },
            },
          ],
          last ? last.revision : 'no_stream',
        );
        return;
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError) || attempt >= SNAPSHOT_ATTEMPTS) throw error;
      }
    }
  }

  async loadSnapshot(streamId: string, type: string): Promise<Snapshot | null> {
    const last = await this.lastRecord(snapshotStream(streamId));
    const snapshot = last && readSnapshot(streamId, last);
    return snapshot && snapshot.type === type ? snapshot : null;
  }

  /**
   * Links first, then the events. Each link points where its event will land if the append succeeds; if the
   * append fails or lands elsewhere the link leads to another event or to none, and lookups ignore it. The other
   * order would leave, after a crash between the two writes, stored events that no lookup finds: a redelivered
   * command would then be decided and stored a second time.
   */
  private async write(append: StreamAppend): Promise<AppendResult> {
    const expected = expectedRevisionOf(append.expectedVersion);
    const predicted =
      expected === 'no_stream'
        ? 0n
        : expected === 'any'
          ? revisionOf((await this.currentVersion(append.streamId)) + 1)
          : expected + 1n;
    await this.writeLinks(append, predicted);
    const now = new Date();
    let nextRevision: bigint;
    try {
      ({ nextRevision } = await this.gateway.append(
        append.streamId,
        append.events.map((e) => toNewRecord(e, now)),
        expected,
      ));
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError) {
        throw new VersionConflictError(
          append.streamId,
          append.expectedVersion,
          actualVersionOf(error.actual),
        );
      }
      throw error;
    }
    const first = nextRevision - BigInt(append.events.length) + 1n;
    // 'any' raced with another writer: the events landed after the revision predicted for the links.
    if (first !== predicted) await this.writeLinks(append, first);
    // Read back for what only the server knows: log positions and the recording time.
    const events = await this.readStream(append.streamId, {
      fromVersion: versionOf(first),
      maxCount: append.events.length,
    });
    const expectedIds = append.events.map((e) => e.eventId);
    if (events.map((e) => e.eventId).join() !== expectedIds.join()) {
      throw new Error(`stream ${append.streamId}: the events read back are not the ones appended`);
    }
    return {
      streamId: append.streamId,
      events,
      nextExpectedVersion: versionOf(nextRevision),
      duplicate: false,
    };
  }

  private async writeLinks(append: StreamAppend, firstRevision: bigint): Promise<void> {
    await this.mapLimited(append.events, (event, k) =>
      this.gateway.append(
        eventIdStream(event.eventId),
        [linkRecord(event.eventId, append.streamId, firstRevision + BigInt(k))],
        'any' satisfies ExpectedRevision,
      ),
    );
  }

  /** The result of a plan that writes nothing: an exact replay, or an empty append that passed its check. */
  private settle(
    append: StreamAppend,
    plan: ReturnType<typeof planStreamAppend>,
    version: number,
  ): AppendResult {
    if (plan.kind === 'duplicate') {
      return {
        streamId: append.streamId,
        events: plan.events,
        nextExpectedVersion: plan.events[plan.events.length - 1].version,
        duplicate: true,
      };
    }
    return { streamId: append.streamId, events: [], nextExpectedVersion: version, duplicate: false };
  }

  /**
   * Reads `$eventid-<id>` (links not resolved), then the event each link points at, until one is the event with
   * that id. Following the link ourselves rather than asking the server to resolve it means the event found is
   * read exactly as `readStream` reads it, positions included.
   */
  private async lookUp(eventIds: string[]): Promise<Map<string, RecordedEvent>> {
    const found = await this.mapLimited(eventIds, async (id) => {
      const links = await this.gateway.readStream(eventIdStream(id), {
        fromRevision: 'start',
        direction: 'forwards',
        maxCount: Number.MAX_SAFE_INTEGER,
      });
      for (const link of links) {
        const target = link.event && linkTarget(link.event);
        if (!target) continue;
        const [item] = await this.gateway.readStream(target.stream, {
          fromRevision: target.revision,
          direction: 'forwards',
          maxCount: 1,
        });
        if (isLinkedEvent(item?.event, id, target)) return toRecordedEvent(item.event);
      }
      return undefined;
    });
    const byId = new Map<string, RecordedEvent>();
    for (const event of found) if (event) byId.set(event.eventId, event);
    return byId;
  }

  private async currentVersion(streamId: string): Promise<number> {
    const last = await this.lastRecord(streamId);
    return last ? versionOf(last.revision) : 0;
  }

  private async lastRecord(stream: string): Promise<StoredRecord | undefined> {
    const [item] = await this.gateway.readStream(stream, {
      fromRevision: 'end',
      direction: 'backwards',
      maxCount: 1,
    });
    return item?.event;
  }

  private isDelivered(record: StoredRecord): boolean {
    return !record.type.startsWith('$') && isApplicationStream(record.streamId, this.options.streamPrefixes);
  }

  private feed(from: GlobalCheckpoint): EventFeed {
    const source = this.gateway.subscribeToAll(positionOfCheckpoint(from), this.filter);
    const isDelivered = (record: StoredRecord) => this.isDelivered(record);
    return {
      async *[Symbol.asyncIterator]() {
        let previous: RecordedEvent | undefined;
        for await (const record of source) {
          // The server filtered on stream names already; a `$`-typed event in an application stream (a link
          // written there by hand) is not one of ours either.
          if (!isDelivered(record)) continue;
          const event = toRecordedEvent(record);
          assertAfter(previous, event);
          previous = event;
          yield event;
        }
      },
      close: () => source.close(),
    };
  }

  /** Runs `fn` over `items` with at most `lookupConcurrency` calls in flight; results keep input order. */
  private async mapLimited<T, R>(items: T[], fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
    const results = new Array<R>(items.length);
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i], i);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, items.length) }, worker));
    return results;
  }
}

/**
 * A checkpoint must name one event. Were a server to report one position for several events (some older servers
 * give every event of one append its transaction's position), resuming between them would skip the rest: refuse
 * loudly instead.
 */
function assertAfter(previous: RecordedEvent | undefined, event: RecordedEvent): void {
  if (previous && compareCheckpoints(event, previous) <= 0) {
    throw new Error(
      `$all position ${event.transactionId}/${event.globalPosition} of event ${event.eventId} does not follow ` +
        `that of ${previous.eventId}: this server version does not give each event its own position`,
    );
  }
}

function readSnapshot(streamId: string, record: StoredRecord): Snapshot | null {
  const data = record.data as { version?: unknown; state?: unknown } | null;
  if (!data || typeof data !== 'object' || typeof data.version !== 'number') return null;
  return { streamId, type: record.type, version: data.version, state: data.state ?? null };
}
