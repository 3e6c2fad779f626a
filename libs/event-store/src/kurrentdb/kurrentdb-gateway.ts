/**
 * What the KurrentDB adapter needs from a client, in the adapter's own terms. Only kurrentdb-client.ts implements
 * it on `@eventstore/db-client`; everything else in this folder depends on this file alone, so moving to the
 * client's renamed successor (`@kurrent/kurrentdb-client`) changes one file, and the adapter's logic can be
 * exercised against an in-memory gateway in unit tests.
 */

/** A place in the server's transaction log ($all). */
export interface LogPosition {
  commit: bigint;
  prepare: bigint;
}

/** The stream revision the server must find before it writes (revisions count from 0). */
export type ExpectedRevision = 'any' | 'no_stream' | bigint;

export type NewRecord =
  | { id: string; type: string; kind: 'json'; data: unknown; metadata?: Record<string, unknown> }
  /** A link event (`$>`): its data is `<revision>@<stream>` and the server can resolve it to that event. */
  | { id: string; kind: 'link'; targetStream: string; targetRevision: bigint };

export interface StoredRecord {
  streamId: string;
  id: string;
  /** 0 for a stream's first event. */
  revision: bigint;
  type: string;
  /** Parsed JSON for JSON events; the raw bytes otherwise. */
  data: unknown;
  metadata: unknown;
  created: Date;
  /** Absent when the server does not report log positions on stream reads (EventStoreDB before 22.6). */
  position?: LogPosition;
}

/** An entry of a stream read with link resolution: `event` is the target of a link, or the event itself. */
export interface ReadItem {
  event?: StoredRecord;
  link?: StoredRecord;
}

export interface ReadStreamRequest {
  fromRevision: bigint | 'start' | 'end';
  direction: 'forwards' | 'backwards';
  maxCount: number;
  resolveLinks?: boolean;
}

/** The server-side filter of an `$all` subscription: stream names matching a regex, or starting with a prefix. */
export type AllFilter = { streamNameRegex: string } | { streamNamePrefixes: string[] };

/** A live `$all` subscription: the filtered events in log order until closed or failed. */
export interface AllFeed extends AsyncIterable<StoredRecord> {
  close(): Promise<void>;
}

export interface KurrentDbGateway {
  /** Atomic for this one stream. Throws WrongExpectedRevisionError when the stream is not at `expected`. */
  append(stream: string, records: NewRecord[], expected: ExpectedRevision): Promise<{ nextRevision: bigint }>;
  /** A stream that does not exist reads as no events. */
  readStream(stream: string, request: ReadStreamRequest): Promise<ReadItem[]>;
  /** Up to `maxCount` records of $all from `from` (inclusive), system records included. */
  readAll(from: LogPosition | 'start', maxCount: number): Promise<StoredRecord[]>;
  /** Delivers the events after `from` (exclusive) that pass the filter, forever. */
  subscribeToAll(from: LogPosition | 'start', filter: AllFilter): AllFeed;
  setMaxCount(stream: string, maxCount: number): Promise<void>;
  close(): Promise<void>;
}

export class WrongExpectedRevisionError extends Error {
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    readonly actual: bigint | 'no_stream',
  ) {
    super(`stream ${stream}: expected revision ${String(expected)}, actual ${String(actual)}`);
    this.name = 'WrongExpectedRevisionError';
  }
}
