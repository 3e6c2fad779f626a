/**
 * The one file that imports `@eventstore/db-client` (6.x; speaks gRPC to EventStoreDB and KurrentDB servers).
 * Its renamed successor `@kurrent/kurrentdb-client` has the same API under new names (KurrentDBClient, ...):
 * switching is a change to this file and package.json, nothing else.
 */
import {
  ANY,
  BACKWARDS,
  END,
  ErrorType,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  binaryEvent,
  isCommandError,
  jsonEvent,
  streamNameFilter,
  type AllStreamSubscription,
  type AppendExpectedRevision,
  type EventData,
  type JSONType,
  type Position,
  type RecordedEvent as ClientRecordedEvent,
  type ResolvedEvent,
} from '@eventstore/db-client';
import { toEsdbConnectionString } from './connection-string';
import {
  WrongExpectedRevisionError,
  type AllFeed,
  type AllFilter,
  type ExpectedRevision,
  type KurrentDbGateway,
  type LogPosition,
  type NewRecord,
  type ReadItem,
  type ReadStreamRequest,
  type StoredRecord,
} from './kurrentdb-gateway';

/** Connects lazily: the client opens its channel on the first call, so a wrong address fails there, not here. */
export function connectKurrentDb(connectionString: string): KurrentDbGateway {
  return new EventStoreDbClientGateway(
    EventStoreDBClient.connectionString(toEsdbConnectionString(connectionString)),
  );
}

class EventStoreDbClientGateway implements KurrentDbGateway {
  constructor(private readonly client: EventStoreDBClient) {}

  async append(
    stream: string,
    records: NewRecord[],
    expected: ExpectedRevision,
  ): Promise<{ nextRevision: bigint }> {
    try {
      const result = await this.client.appendToStream(stream, records.map(toEventData), {
        expectedRevision: toClientExpected(expected),
      });
      // Only with throwOnAppendFailure=false in the connection string, which the configuration refuses: the
      // answer then carries no usable actual revision, so read it.
      if (!result.success)
        throw new WrongExpectedRevisionError(stream, expected, await this.lastRevision(stream));
      return { nextRevision: result.nextExpectedRevision };
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        throw new WrongExpectedRevisionError(stream, expected, error.actualVersion);
      }
      throw markTransient(error);
    }
  }

  async readStream(stream: string, request: ReadStreamRequest): Promise<ReadItem[]> {
    const items: ReadItem[] = [];
    try {
      const read = this.client.readStream(stream, {
        fromRevision:
          request.fromRevision === 'start'
            ? START
            : request.fromRevision === 'end'
              ? END
              : request.fromRevision,
        direction: request.direction === 'forwards' ? FORWARDS : BACKWARDS,
        maxCount: request.maxCount,
        resolveLinkTos: request.resolveLinks ?? false,
      });
      for await (const resolved of read as AsyncIterable<ResolvedEvent>) {
        items.push({
          event: resolved.event && toStored(resolved.event),
          link: resolved.link && toStored(resolved.link),
        });
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw markTransient(error);
    }
    return items;
  }

  private async lastRevision(stream: string): Promise<bigint | 'no_stream'> {
    const [last] = await this.readStream(stream, {
      fromRevision: 'end',
      direction: 'backwards',
      maxCount: 1,
    });
    return last?.event ? last.event.revision : 'no_stream';
  }

  async readAll(from: LogPosition | 'start', maxCount: number): Promise<StoredRecord[]> {
    const records: StoredRecord[] = [];
    try {
      const read = this.client.readAll({
        fromPosition: from === 'start' ? START : from,
        direction: FORWARDS,
        maxCount,
        resolveLinkTos: false,
      });
      for await (const resolved of read) {
        if (resolved.event) records.push(toStored(resolved.event));
      }
    } catch (error) {
      throw markTransient(error);
    }
    return records;
  }

  subscribeToAll(from: LogPosition | 'start', filter: AllFilter): AllFeed {
    const subscription: AllStreamSubscription = this.client.subscribeToAll({
      fromPosition: from === 'start' ? START : from,
      resolveLinkTos: false,
      // Filtered by the server: system streams and the adapter's own `$`-streams never travel to the client.
      filter:
        'streamNameRegex' in filter
          ? streamNameFilter({ regex: filter.streamNameRegex })
          : streamNameFilter({ prefixes: filter.streamNamePrefixes }),
    });
    return {
      async *[Symbol.asyncIterator]() {
        try {
          for await (const resolved of subscription) {
            if (resolved.event) yield toStored(resolved.event);
          }
        } catch (error) {
          throw markTransient(error);
        }
      },
      close: () => subscription.unsubscribe(),
    };
  }

  async setMaxCount(stream: string, maxCount: number): Promise<void> {
    try {
      await this.client.setStreamMetadata(stream, { maxCount });
    } catch (error) {
      throw markTransient(error);
    }
  }

  close(): Promise<void> {
    return this.client.dispose();
  }
}

/** gRPC status codes that mean "the server is away or busy", whichever way the client reports them. */
const TRANSIENT_GRPC_CODES = new Set([
  4 /* DEADLINE_EXCEEDED */, 8 /* RESOURCE_EXHAUSTED */, 14 /* UNAVAILABLE */,
]);
const TRANSIENT_TYPES = new Set<string>([
  ErrorType.TIMEOUT,
  ErrorType.DEADLINE_EXCEEDED,
  ErrorType.UNAVAILABLE,
  ErrorType.NOT_LEADER,
]);

/**
 * Marks a client error that says the server is unreachable, slow or not the leader as `retryable`, which is what
 * `isTransientError` (libs/resilience) reads: the consumers then retry the batch for as long as it takes instead
 * of sending its records to the dead-letter topic as if they were bad.
 */
export function markTransient(error: unknown): unknown {
  if (error === null || typeof error !== 'object') return error;
  const transient =
    (error instanceof Error && isCommandError(error) && TRANSIENT_TYPES.has(error.type)) ||
    TRANSIENT_GRPC_CODES.has((error as { code?: unknown }).code as number);
  if (transient) (error as { retryable?: boolean }).retryable = true;
  return error;
}

function toClientExpected(expected: ExpectedRevision): AppendExpectedRevision {
  if (expected === 'any') return ANY;
  if (expected === 'no_stream') return NO_STREAM;
  return expected;
}

function toEventData(record: NewRecord): EventData {
  if (record.kind === 'link') {
    return binaryEvent({
      id: record.id,
      type: '$>',
      data: Buffer.from(`${record.targetRevision}@${record.targetStream}`, 'utf8'),
    });
  }
  // Any JSON value is written as its JSON text (the client stringifies whatever it is given); the declared type
  // only admits objects, arrays and strings.
  return jsonEvent({
    id: record.id,
    type: record.type,
    data: record.data as JSONType,
    metadata: record.metadata,
  });
}

function toStored(event: ClientRecordedEvent & { position?: Position }): StoredRecord {
  return {
    streamId: event.streamId,
    id: event.id,
    revision: event.revision,
    type: event.type,
    data: event.data,
    metadata: event.metadata,
    created: event.created,
    position: event.position && { commit: event.position.commit, prepare: event.position.prepare },
  };
}
