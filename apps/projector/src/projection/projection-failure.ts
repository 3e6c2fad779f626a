import type { RecordedEvent } from '@libs/event-store';

/**
 * Why a SKU was set aside: stable codes for the quarantine table, the API and the metric label. Each names a
 * failure that the same event would meet again on every attempt, whatever the state of the servers.
 */
export const QuarantineReasons = {
  /** A type this build does not know: folding past it would leave the SKU's rows silently wrong. */
  UNKNOWN_EVENT_TYPE: 'PROJECTOR.UNKNOWN_EVENT_TYPE',
  /** The event's data is not an object the decider can read. */
  UNDECODABLE_EVENT: 'PROJECTOR.UNDECODABLE_EVENT',
  /** The stream skipped a version after the SKU's stored projection. */
  VERSION_GAP: 'PROJECTOR.VERSION_GAP',
  /** The decider's evolve, or the rows derived from it, threw on this event. */
  FOLD_FAILED: 'PROJECTOR.FOLD_FAILED',
  /** The SKU's decider state at this event serialises past PROJECTOR_MAX_STATE_BYTES (or past what V8 can hold). */
  STATE_TOO_LARGE: 'PROJECTOR.STATE_TOO_LARGE',
  /** PostgreSQL refused the rows this event produces (a data exception or a constraint: SQLSTATE class 22 or 23). */
  VALUE_REFUSED: 'PROJECTOR.VALUE_REFUSED',
} as const;

export type QuarantineReason = (typeof QuarantineReasons)[keyof typeof QuarantineReasons];

/** One event of one SKU stream could not be projected; thrown by the pure fold. */
export class EventProjectionError extends Error {
  readonly code = 'PROJECTOR.EVENT_NOT_PROJECTABLE';

  constructor(
    readonly event: RecordedEvent,
    readonly reason: QuarantineReason,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${event.streamId} version ${event.version} (${event.type}): ${detail}`, options);
    this.name = 'EventProjectionError';
  }
}

/** The decider state to store for a SKU is larger than the bound, or too large for a JavaScript string. */
export class StateTooLargeError extends Error {
  readonly code = QuarantineReasons.STATE_TOO_LARGE;

  constructor(
    readonly sku: string,
    readonly version: number,
    readonly bytes: number | null,
    readonly maxBytes: number,
  ) {
    super(
      `SKU ${sku}: the state at version ${version} serialises to ` +
        `${bytes === null ? 'more than a string can hold' : `${bytes} bytes`}, over the bound of ${maxBytes}`,
    );
    this.name = 'StateTooLargeError';
  }
}

/** What the quarantine row says about the event a SKU stopped at. */
export interface ProjectionFailure {
  sku: string;
  event: RecordedEvent;
  reason: QuarantineReason;
  detail: string;
}

/**
 * Whether an error thrown while writing one SKU's rows is about those rows (the same rows fail again every time)
 * rather than about the server: a state over the bound, or PostgreSQL's data exceptions (class 22: out of range,
 * invalid text, untranslatable character) and integrity violations (class 23). Anything else — a lost connection,
 * a timeout, a missing table, a permission — is retried for the whole batch, never charged to a SKU.
 */
export function isRowFailure(error: unknown): boolean {
  if (error instanceof StateTooLargeError) return true;
  const code = sqlState(error);
  return code !== null && (code.startsWith('22') || code.startsWith('23'));
}

/** The reason code and a bounded description of a row failure, for the quarantine row. */
export function rowFailureReason(error: unknown): { reason: QuarantineReason; detail: string } {
  if (error instanceof StateTooLargeError) return { reason: error.code, detail: error.message };
  const code = sqlState(error) ?? '?';
  return { reason: QuarantineReasons.VALUE_REFUSED, detail: `SQLSTATE ${code}: ${messageOf(error)}` };
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function sqlState(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : null;
}
