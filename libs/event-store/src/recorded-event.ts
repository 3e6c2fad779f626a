/** Who and what caused an event; free-form beyond the well-known keys. */
export interface EventMetadata {
  correlationId?: string;
  causationId?: string;
  actor?: string;
  [key: string]: unknown;
}

/** An event as the caller hands it to the store; the store assigns version and positions. */
export interface EventToAppend {
  /** A UUID. Re-appending an already stored id to the same stream is a no-op (permanent idempotency). */
  eventId: string;
  type: string;
  /** Must survive JSON serialisation: it is stored as jsonb. */
  data: unknown;
  metadata?: EventMetadata;
  /** Business time; defaults to the moment of the append. */
  occurredAt?: Date;
}

export interface RecordedEvent {
  eventId: string;
  streamId: string;
  /** 1 for the first event of a stream, then contiguous. */
  version: number;
  type: string;
  data: unknown;
  metadata: EventMetadata;
  occurredAt: Date;
  recordedAt: Date;
  /** Unique and increasing within a transaction; across transactions see `transactionId`. */
  globalPosition: number;
  /** The writing transaction; the global order is (transactionId, globalPosition). */
  transactionId: number;
}

/** `no_stream`: the stream must have no events yet (same as 0). `any`: skip the check. */
export type ExpectedVersion = number | 'no_stream' | 'any';

export interface StreamAppend {
  streamId: string;
  expectedVersion: ExpectedVersion;
  events: EventToAppend[];
}

export interface AppendResult {
  streamId: string;
  /** The stored events, in version order; on a duplicate append, the ones stored earlier. */
  events: RecordedEvent[];
  /** The stream's version after this append: pass it as the next expected version. */
  nextExpectedVersion: number;
  /** True when every event was already stored in this stream and nothing was written. */
  duplicate: boolean;
}

export interface ReadStreamOptions {
  /** Inclusive; defaults to 1 forwards, to the stream's last version backwards. */
  fromVersion?: number;
  /** Defaults to every remaining event. */
  maxCount?: number;
  /**
   * `backwards` reads newest first, from `fromVersion` down: the latest events of a long stream without reading
   * the rest. Defaults to `forwards`.
   */
  direction?: 'forwards' | 'backwards';
}

export interface Snapshot {
  streamId: string;
  /**
   * Names the shape of `state` (e.g. `inventory.sku.v3`). Loading asks for a type, so a deploy that changes the
   * state shape simply ignores older snapshots instead of misreading them.
   */
  type: string;
  /** The stream version the state reflects. */
  version: number;
  /** Plain JSON. */
  state: unknown;
}
