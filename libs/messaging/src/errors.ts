import { isTransientError } from '@libs/resilience';

/**
 * Stable codes. The consumer-side ones are written into dead-letter records (`reasonCode`), so a code is
 * never renamed once published; new codes are only added.
 */
export const MessagingErrorCodes = {
  /** The record value is not JSON (or is empty). */
  INVALID_JSON: 'MESSAGING.INVALID_JSON',
  /** JSON, but not an envelope: a field is missing or has the wrong type. */
  INVALID_ENVELOPE: 'MESSAGING.INVALID_ENVELOPE',
  /** The envelope's `type` is not declared for the topic it arrived on. */
  UNKNOWN_TYPE: 'MESSAGING.UNKNOWN_TYPE',
  /** The type is known, its `schemaVersion` is not. */
  UNKNOWN_SCHEMA_VERSION: 'MESSAGING.UNKNOWN_SCHEMA_VERSION',
  /** The payload failed its class-validator rules (unknown properties included). */
  VALIDATION_FAILED: 'MESSAGING.VALIDATION_FAILED',
  /** The record key is not the key the topic derives from the payload (it may sit in the wrong partition). */
  KEY_MISMATCH: 'MESSAGING.KEY_MISMATCH',
  /** The handler kept failing for this message after the bounded retries. */
  HANDLER_FAILED: 'MESSAGING.HANDLER_FAILED',

  /** publish(): a message failed validation before anything was sent. */
  INVALID_MESSAGE: 'MESSAGING.INVALID_MESSAGE',
  /** publish()/subscribe() before start() or after stop(). */
  NOT_STARTED: 'MESSAGING.NOT_STARTED',
  /** start(): an existing topic has another cleanup policy than the catalogue declares. */
  TOPIC_CONFIG_MISMATCH: 'MESSAGING.TOPIC_CONFIG_MISMATCH',
  /** subscribe(): the consumer did not join its group in time. */
  SUBSCRIBE_TIMEOUT: 'MESSAGING.SUBSCRIBE_TIMEOUT',
} as const;

export type MessagingErrorCode = (typeof MessagingErrorCodes)[keyof typeof MessagingErrorCodes];

/** Reasons a consumed record is dead-lettered. */
export type DeadLetterReasonCode =
  | typeof MessagingErrorCodes.INVALID_JSON
  | typeof MessagingErrorCodes.INVALID_ENVELOPE
  | typeof MessagingErrorCodes.UNKNOWN_TYPE
  | typeof MessagingErrorCodes.UNKNOWN_SCHEMA_VERSION
  | typeof MessagingErrorCodes.VALIDATION_FAILED
  | typeof MessagingErrorCodes.KEY_MISMATCH
  | typeof MessagingErrorCodes.HANDLER_FAILED;

export class MessagingError extends Error {
  constructor(
    readonly code: MessagingErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(`${code}: ${message}`);
    this.name = 'MessagingError';
  }
}

/**
 * Thrown by a handler when the failure is not the message's fault (the database is restarting, a lock timed
 * out). The batch is retried with capped backoff for as long as the subscription runs and is never
 * dead-lettered. Errors `isTransientError` recognises are treated the same without being wrapped; any other
 * error counts towards the bounded retries and ends in the dead-letter topic.
 */
export class RetryableHandlerError extends Error {
  readonly retryable = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RetryableHandlerError';
  }
}

/**
 * Whether a handler failure is the environment's, not the message's: a RetryableHandlerError, or any error
 * `isTransientError` recognises (PostgreSQL or Kafka unavailable, a dropped connection, exhausted conflict
 * retries). Those are retried with capped backoff until they stop and are never dead-lettered.
 */
export function isRetryable(err: unknown): boolean {
  return err instanceof RetryableHandlerError || isTransientError(err);
}
