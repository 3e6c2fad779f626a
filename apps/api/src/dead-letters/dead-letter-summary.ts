import { replayableRecord, type StoredDeadLetter } from '@libs/messaging';

/** The most of a dead letter's reason text the API shows. */
export const MAX_DETAIL_CHARS = 500;

/**
 * A dead letter as the API shows it: where it is, where its record came from, why it was set aside and whether it
 * can be replayed. Never the record's value (nor its headers): a record can be anything a producer wrote, a
 * card-key secret included, and the value is what a replay needs, not what an operator reads.
 */
export interface DeadLetterSummary {
  /** Its position on the dead-letter topic: what the single-letter and replay routes take. */
  partition: number;
  offset: string;
  /** Where the record was: full topic name, partition, offset. */
  sourceTopic: string;
  sourcePartition?: number;
  sourceOffset?: string;
  /** The stable reason code (MESSAGING.INVALID_JSON, ..., MESSAGING.HANDLER_FAILED). */
  reason: string;
  /** The reason text, at most MAX_DETAIL_CHARS, without the excerpt of the input a JSON parse error quotes. */
  detail: string;
  /** When the consumer set the record aside (ISO 8601). */
  at: string;
  /** The record's key (a SKU, channel:order id, ...), null when it had none. */
  key?: string | null;
  /** The message type and event id, when the record was a readable envelope. */
  type?: string;
  eventId?: string;
  consumerGroup: string;
  attempts: number;
  /** When the handler first failed (HANDLER_FAILED only). */
  firstFailedAt?: string;
  /** False when the dead letter kept only an excerpt of the record, or no bytes: a replay is then refused. */
  replayable: boolean;
}

export function deadLetterSummary({
  partition,
  offset,
  occurredAt,
  letter,
}: StoredDeadLetter): DeadLetterSummary {
  let replayable = true;
  try {
    replayableRecord(offset, letter);
  } catch {
    replayable = false;
  }
  return {
    partition,
    offset,
    sourceTopic: letter.sourceTopic,
    sourcePartition: letter.sourcePartition,
    sourceOffset: letter.sourceOffset,
    reason: letter.reasonCode,
    detail: safeDetail(letter.reason),
    at: occurredAt,
    key: letter.key ?? null,
    ...(letter.originalType !== undefined && { type: letter.originalType }),
    ...(letter.originalEventId !== undefined && { eventId: letter.originalEventId }),
    consumerGroup: letter.consumerGroup,
    attempts: letter.attempts,
    ...(letter.firstFailedAt !== undefined && { firstFailedAt: letter.firstFailedAt }),
    replayable,
  };
}

/**
 * The reason text an operator may read. A JSON parse error quotes the start of the bad input
 * (`Unexpected token 'a', "abc…" is not valid JSON`), and that input is the record's value: the quote is withheld.
 */
export function safeDetail(reason: string): string {
  const withheld = reason.replace(
    /, (?:\.\.\.)?"[\s\S]*?"(?:\.\.\.)? is not valid JSON/g,
    ', <input withheld> is not valid JSON',
  );
  return withheld.length > MAX_DETAIL_CHARS ? `${withheld.slice(0, MAX_DETAIL_CHARS - 1)}…` : withheld;
}
