import { IsInt, IsISO8601, IsObject, IsString, Length, Min } from 'class-validator';
import type { AnyTopic, MessageTypeOf, PayloadOf } from './catalogue/define-topic';

/** What travels as the record value (JSON, UTF-8). The record key is derived from the payload by the topic. */
export interface Envelope<T extends string = string, P = unknown> {
  /** Unique per message; stable across retries of the same fact, so consumers can dedupe on it. */
  readonly eventId: string;
  readonly type: T;
  readonly schemaVersion: number;
  /** The service that wrote it, e.g. `connector-taobao`, `inventory-service`. */
  readonly source: string;
  /** ISO 8601; when the fact happened at the source, not when it was published. */
  readonly occurredAt: string;
  /** Carried from the message that caused this one (an outcome carries its order event's correlation id). */
  readonly correlationId: string;
  readonly payload: P;
}

/** The envelope union of a topic, discriminated by `type`: `switch (e.type)` narrows `e.payload`. */
export type EnvelopeOf<D extends AnyTopic> = {
  [T in MessageTypeOf<D>]: Envelope<T, PayloadOf<D, T>>;
}[MessageTypeOf<D>];

/** Validation rules for the envelope fields; the payload is validated by its own class. */
export class EnvelopeFields {
  @IsString()
  @Length(1, 200)
  eventId!: string;

  @IsString()
  @Length(1, 100)
  type!: string;

  @IsInt()
  @Min(1)
  schemaVersion!: number;

  @IsString()
  @Length(1, 100)
  source!: string;

  @IsISO8601({ strict: true })
  occurredAt!: string;

  @IsString()
  @Length(1, 200)
  correlationId!: string;

  @IsObject()
  payload!: object;
}
