import { createHash } from 'node:crypto';
import type { GlobalCheckpoint } from '../checkpoint';
import type { EventMetadata, EventToAppend, ExpectedVersion, RecordedEvent } from '../recorded-event';
import type { ExpectedRevision, LogPosition, NewRecord, StoredRecord } from './kurrentdb-gateway';

/**
 * The adapter's own streams. Both start with `$`, so they sit with the server's system streams: the `$all`
 * filter that keeps system streams away from subscribers keeps these away too, with one rule.
 */
export const EVENT_ID_STREAM_PREFIX = '$eventid-';
export const SNAPSHOT_STREAM_PREFIX = '$snapshot-';

/** Where the link to the event with this id is kept (one tiny stream per event id). */
export function eventIdStream(eventId: string): string {
  return `${EVENT_ID_STREAM_PREFIX}${eventId}`;
}

export function snapshotStream(streamId: string): string {
  return `${SNAPSHOT_STREAM_PREFIX}${streamId}`;
}

/** The server-side `$all` filter: every stream whose name does not start with `$`. */
export const APPLICATION_STREAMS_REGEX = '^[^$]';

/** The same rule on the client, for `$all` reads (the 6.x client offers no filter on reads). */
export function isApplicationStream(streamId: string, prefixes?: readonly string[]): boolean {
  if (streamId.startsWith('$')) return false;
  return prefixes === undefined || prefixes.some((p) => streamId.startsWith(p));
}

/** Versions count from 1, the server's revisions from 0. */
export function versionOf(revision: bigint): number {
  return toSafeNumber(revision + 1n, 'stream revision');
}

export function revisionOf(version: number): bigint {
  return BigInt(version - 1);
}

export function expectedRevisionOf(expected: ExpectedVersion): ExpectedRevision {
  if (expected === 'any') return 'any';
  if (expected === 'no_stream' || expected === 0) return 'no_stream';
  return revisionOf(expected);
}

/** The version a stream is at, from the server's answer to a failed expected-revision check. */
export function actualVersionOf(actual: bigint | 'no_stream'): number {
  return actual === 'no_stream' ? 0 : versionOf(actual);
}

/**
 * The server's metadata of a stored event. The caller's metadata is kept whole under `metadata` (so any key of
 * it, `$`-prefixed or not, reads back unchanged) beside the business time; correlation and causation ids are
 * repeated under the names KurrentDB's own tooling reads (`$correlationId`, `$causationId`).
 */
export interface StoredMetadata {
  occurredAt: string;
  metadata: EventMetadata;
  $correlationId?: string;
  $causationId?: string;
}

export function toNewRecord(event: EventToAppend, now: Date): NewRecord {
  const metadata: EventMetadata = normaliseJson(event.metadata ?? {}) as EventMetadata;
  const stored: StoredMetadata = { occurredAt: (event.occurredAt ?? now).toISOString(), metadata };
  if (typeof metadata.correlationId === 'string') stored.$correlationId = metadata.correlationId;
  if (typeof metadata.causationId === 'string') stored.$causationId = metadata.causationId;
  return {
    id: event.eventId,
    type: event.type,
    kind: 'json',
    data: normaliseJson(event.data ?? null),
    metadata: stored as unknown as Record<string, unknown>,
  };
}

/**
 * Throws on a record without a log position (see the supported versions in the README). An event that another
 * tool wrote into an application stream reads with its server metadata as metadata and its recording time as
 * its business time, rather than stopping every subscriber at it.
 */
export function toRecordedEvent(record: StoredRecord): RecordedEvent {
  if (!hasLogPosition(record.position)) {
    throw new Error(
      `event ${record.id} in ${record.streamId} came without a log position: ` +
        'the KurrentDB adapter needs EventStoreDB 22.10 or later, or KurrentDB',
    );
  }
  const envelope = isStoredMetadata(record.metadata) ? record.metadata : undefined;
  const foreign = isPlainObject(record.metadata) ? (record.metadata as EventMetadata) : {};
  return {
    eventId: record.id.toLowerCase(),
    streamId: record.streamId,
    version: versionOf(record.revision),
    type: record.type,
    data: record.data ?? null,
    metadata: envelope ? envelope.metadata : foreign,
    occurredAt: envelope ? new Date(envelope.occurredAt) : record.created,
    recordedAt: record.created,
    ...checkpointOfPosition(record.position),
  };
}

/** Servers that do not know an event's position send nothing, zeros, or -1 read as an unsigned 64-bit number. */
function hasLogPosition(position: LogPosition | undefined): position is LogPosition {
  if (!position) return false;
  if (position.commit === 0n && position.prepare === 0n) return false;
  return position.commit !== NO_POSITION && position.prepare !== NO_POSITION;
}

const NO_POSITION = 2n ** 64n - 1n;

function isStoredMetadata(value: unknown): value is StoredMetadata {
  return (
    isPlainObject(value) &&
    typeof (value as Partial<StoredMetadata>).occurredAt === 'string' &&
    isPlainObject((value as Partial<StoredMetadata>).metadata)
  );
}

function isPlainObject(value: unknown): boolean {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
  );
}

/** The global order is $all's order, (commit, prepare): the checkpoint pair carries exactly those two numbers. */
export function checkpointOfPosition(position: LogPosition): GlobalCheckpoint {
  return {
    transactionId: toSafeNumber(position.commit, 'commit position'),
    globalPosition: toSafeNumber(position.prepare, 'prepare position'),
  };
}

export function positionOfCheckpoint(checkpoint: GlobalCheckpoint): LogPosition | 'start' {
  if (checkpoint.transactionId === 0 && checkpoint.globalPosition === 0) return 'start';
  return { commit: BigInt(checkpoint.transactionId), prepare: BigInt(checkpoint.globalPosition) };
}

/**
 * The link that lets an event be found by id. Its id is a function of the event id and the place it points at,
 * so writing the same link twice is the same write (the server absorbs it), while a link to another place (a
 * retry that landed elsewhere) is a new event of the same lookup stream.
 */
export function linkRecord(eventId: string, targetStream: string, targetRevision: bigint): NewRecord {
  return {
    id: uuidV5(`${eventId}|${targetRevision}@${targetStream}`, LINK_ID_NAMESPACE),
    kind: 'link',
    targetStream,
    targetRevision,
  };
}

/** Where a lookup stream's entry points (`<revision>@<stream>`), or undefined for anything else. */
export function linkTarget(record: StoredRecord): { stream: string; revision: bigint } | undefined {
  if (record.type !== '$>') return undefined;
  const text =
    typeof record.data === 'string' ? record.data : Buffer.from(record.data as Uint8Array).toString('utf8');
  const match = /^(\d+)@(.+)$/s.exec(text);
  return match ? { stream: match[2], revision: BigInt(match[1]) } : undefined;
}

/**
 * Whether the event found at a link's target is really the event with that id. A link written before an append
 * that then lost its race points at a place holding another event, or at none: both read as "not stored".
 */
export function isLinkedEvent(
  event: StoredRecord | undefined,
  eventId: string,
  target: { stream: string; revision: bigint },
): event is StoredRecord {
  return (
    event !== undefined &&
    event.streamId === target.stream &&
    event.revision === target.revision &&
    event.id.toLowerCase() === eventId
  );
}

/** What a later read returns: JSON drops undefined members and normalises the value. */
function normaliseJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

function toSafeNumber(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < 0n) {
    throw new Error(`${what} ${value} is outside the exact range of a JavaScript number`);
  }
  return Number(value);
}

/** Fixed namespace of the lookup links' ids (arbitrary, never to change: it keeps rewritten links identical). */
const LINK_ID_NAMESPACE = '0b6f4c7e-2d51-4a8e-b3f9-6c1d2e7a9f44';

/** RFC 4122 version 5: SHA-1 of namespace bytes + name, with version and variant bits set. */
export function uuidV5(name: string, namespace: string): string {
  const hash = createHash('sha1')
    .update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
    .update(name, 'utf8')
    .digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
