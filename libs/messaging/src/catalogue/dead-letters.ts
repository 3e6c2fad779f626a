import {
  IsBase64,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  Min,
} from 'class-validator';
import { MessagingErrorCodes, type DeadLetterReasonCode } from '../errors';
import { defineTopic } from './define-topic';

export const DEAD_LETTER_REASON_CODES: readonly DeadLetterReasonCode[] = [
  MessagingErrorCodes.INVALID_JSON,
  MessagingErrorCodes.INVALID_ENVELOPE,
  MessagingErrorCodes.UNKNOWN_TYPE,
  MessagingErrorCodes.UNKNOWN_SCHEMA_VERSION,
  MessagingErrorCodes.VALIDATION_FAILED,
  MessagingErrorCodes.KEY_MISMATCH,
  MessagingErrorCodes.HANDLER_FAILED,
];

/**
 * A record a consumer could not process, with everything needed to inspect or replay it: the original bytes
 * (base64), where it was, and why it was set aside.
 */
export class DeadLetter {
  @IsIn(DEAD_LETTER_REASON_CODES)
  reasonCode!: DeadLetterReasonCode;

  /** Human-readable detail: the parse error, the failed constraints, the handler's error message. */
  @IsString()
  @MaxLength(4000)
  reason!: string;

  /** The consumer group that gave up on the record. */
  @IsString()
  consumerGroup!: string;

  /** Handler attempts made (0 when the record never reached the handler). */
  @IsInt()
  @Min(0)
  attempts!: number;

  /** Full topic name, prefix included. */
  @IsString()
  sourceTopic!: string;

  @IsInt()
  @Min(0)
  sourcePartition!: number;

  @Matches(/^\d+$/)
  sourceOffset!: string;

  /** Broker timestamp of the original record, epoch milliseconds. */
  @IsOptional()
  @Matches(/^-?\d+$/)
  sourceTimestamp?: string;

  /** Original key as UTF-8 (its first 1,024 characters), null when the record had none. */
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  key!: string | null;

  /** Set when the key was longer than what `key` keeps. */
  @IsOptional()
  @IsBoolean()
  keyTruncated?: boolean;

  /**
   * Original value bytes, base64; null for a record without a value. Only the first 64 KiB when
   * `valueTruncated` is set, so the dead letter always fits the broker's message size limit.
   */
  @IsOptional()
  @IsBase64()
  valueBase64!: string | null;

  /** Set when `valueBase64` holds an excerpt: the whole record is only at its source position. */
  @IsOptional()
  @IsBoolean()
  valueTruncated?: boolean;

  /** Length of the whole original value in bytes (absent on dead letters written before it existed). */
  @IsOptional()
  @IsInt()
  @Min(0)
  valueSizeBytes?: number;

  /** sha256 (hex) of the whole original value: identifies it even when only an excerpt is kept. */
  @IsOptional()
  @Matches(/^[0-9a-f]{64}$/)
  valueSha256?: string;

  /** Original headers, values decoded as UTF-8 (repeated headers joined with ", "). */
  @IsObject()
  headers!: Record<string, string>;

  /** Set when the value was a readable envelope. */
  @IsOptional()
  @IsString()
  originalEventId?: string;

  @IsOptional()
  @IsString()
  originalType?: string;

  @IsOptional()
  @IsISO8601()
  firstFailedAt?: string;
}

export const DeadLettersTopic = defineTopic({
  id: 'deadLetters',
  name: 'stock.dlq',
  description:
    'Records any consumer set aside (invalid, or the handler kept failing), with reason and original bytes.',
  defaultPartitions: 1,
  cleanupPolicy: 'delete',
  keyDescription: 'source topic:partition',
  key: (payload) => `${payload.sourceTopic}:${payload.sourcePartition}`,
  messages: {
    'message.dead-lettered': { schemaVersion: 1, payload: DeadLetter },
  },
});
