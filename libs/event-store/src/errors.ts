import type { ExpectedVersion } from './recorded-event';

/** Base of the event store's typed errors; `code` is stable and safe to match on. */
export abstract class EventStoreError extends Error {
  abstract readonly code: string;
}

export class VersionConflictError extends EventStoreError {
  readonly code = 'EVENT_STORE.VERSION_CONFLICT';

  constructor(
    readonly streamId: string,
    readonly expectedVersion: ExpectedVersion,
    readonly actualVersion: number,
  ) {
    super(`stream ${streamId}: expected version ${expectedVersion}, actual ${actualVersion}`);
    this.name = 'VersionConflictError';
  }
}

/**
 * Some of the appended event ids are already stored, but the append is not an exact replay: either only part of
 * the events are stored (`partial_duplicate`) or an id belongs to another stream (`other_stream`).
 */
export class EventIdConflictError extends EventStoreError {
  readonly code = 'EVENT_STORE.EVENT_ID_CONFLICT';

  constructor(
    readonly streamId: string,
    readonly reason: 'partial_duplicate' | 'other_stream',
    readonly eventIds: string[],
  ) {
    super(`stream ${streamId}: event ids already stored (${reason}): ${eventIds.join(', ')}`);
    this.name = 'EventIdConflictError';
  }
}

/** The append itself is malformed (bad uuid, an id twice in one append, a stream twice in one transaction). */
export class InvalidAppendError extends EventStoreError {
  readonly code = 'EVENT_STORE.INVALID_APPEND';

  constructor(message: string) {
    super(message);
    this.name = 'InvalidAppendError';
  }
}
