import { EventIdConflictError, InvalidAppendError, VersionConflictError } from './errors';
import type { ExpectedVersion, RecordedEvent, StreamAppend } from './recorded-event';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(id: string): boolean {
  return UUID.test(id);
}

/** Rejects malformed appends before any I/O; returns them with event ids in the canonical lower case. */
export function validateAppends(appends: StreamAppend[]): StreamAppend[] {
  const streams = new Set<string>();
  const ids = new Set<string>();
  return appends.map((append) => {
    if (typeof append.streamId !== 'string' || append.streamId.length === 0) {
      throw new InvalidAppendError('stream id must be a non-empty string');
    }
    if (streams.has(append.streamId)) {
      throw new InvalidAppendError(`stream ${append.streamId} appears twice in one transaction`);
    }
    streams.add(append.streamId);
    assertExpectedVersion(append.streamId, append.expectedVersion);
    return {
      ...append,
      events: append.events.map((event) => {
        if (!isUuid(event.eventId)) {
          throw new InvalidAppendError(`stream ${append.streamId}: event id ${event.eventId} is not a UUID`);
        }
        const eventId = event.eventId.toLowerCase();
        if (ids.has(eventId)) throw new InvalidAppendError(`event id ${eventId} appears twice in one append`);
        ids.add(eventId);
        if (typeof event.type !== 'string' || event.type.length === 0) {
          throw new InvalidAppendError(`stream ${append.streamId}: event ${eventId} has no type`);
        }
        return { ...event, eventId };
      }),
    };
  });
}

function assertExpectedVersion(streamId: string, expected: ExpectedVersion): void {
  if (expected === 'any' || expected === 'no_stream') return;
  if (!Number.isSafeInteger(expected) || expected < 0) {
    throw new InvalidAppendError(`stream ${streamId}: expected version ${String(expected)} is not valid`);
  }
}

export type AppendPlan =
  { kind: 'duplicate'; events: RecordedEvent[] } | { kind: 'write'; firstVersion: number };

/**
 * Decides one stream's append once its current version and the already stored events with the same ids are
 * known. An exact replay wins over the version check, so that redelivery after a successful append is absorbed;
 * otherwise the version check comes first, so a writer that lost a race sees a conflict and retries.
 */
export function planStreamAppend(
  append: StreamAppend,
  currentVersion: number,
  alreadyStored: RecordedEvent[],
): AppendPlan {
  const inThisStream = alreadyStored.filter((e) => e.streamId === append.streamId);
  if (append.events.length > 0 && inThisStream.length === append.events.length) {
    return { kind: 'duplicate', events: [...inThisStream].sort((a, b) => a.version - b.version) };
  }
  if (!versionMatches(append.expectedVersion, currentVersion)) {
    throw new VersionConflictError(append.streamId, append.expectedVersion, currentVersion);
  }
  const elsewhere = alreadyStored.filter((e) => e.streamId !== append.streamId);
  if (elsewhere.length > 0) {
    throw new EventIdConflictError(
      append.streamId,
      'other_stream',
      elsewhere.map((e) => e.eventId),
    );
  }
  if (inThisStream.length > 0) {
    throw new EventIdConflictError(
      append.streamId,
      'partial_duplicate',
      inThisStream.map((e) => e.eventId),
    );
  }
  return { kind: 'write', firstVersion: currentVersion + 1 };
}

function versionMatches(expected: ExpectedVersion, current: number): boolean {
  if (expected === 'any') return true;
  if (expected === 'no_stream') return current === 0;
  return expected === current;
}
