import { createHash } from 'node:crypto';
import type { OutgoingMessage } from '../codec';
import { DeadLettersTopic } from '../catalogue/dead-letters';
import type { DeadLetterRequest } from './batch-processor';

/**
 * The most of the original value a dead letter keeps. Base64 makes it about 87 KiB, so with the key, headers and
 * reason (all bounded below) a dead letter stays far under the broker's 1 MB message limit whatever the
 * original's size: publishing it can never fail for size and stall the partition.
 */
export const MAX_DEAD_LETTER_VALUE_BYTES = 64 * 1024;
/** Keys and header values are short by design; these bounds only matter for a record that is junk anyway. */
export const MAX_DEAD_LETTER_KEY_CHARS = 1024;
const MAX_HEADER_VALUE_CHARS = 1024;
const MAX_HEADERS = 64;

/**
 * The dead-letter message for a record. Its eventId is derived from (group, topic, partition, offset), so a
 * record dead-lettered twice (redelivered before the commit landed) carries the same id both times.
 * A value above MAX_DEAD_LETTER_VALUE_BYTES is kept as an excerpt (`valueTruncated`); its size and sha256 always
 * describe the whole original, which stays findable at sourceTopic/sourcePartition/sourceOffset.
 */
export function deadLetterMessage(request: DeadLetterRequest): OutgoingMessage<typeof DeadLettersTopic> {
  const { session, record } = request;
  const eventId = `dlq-${createHash('sha256')
    .update(`${session.groupId}\u0000${session.topicName}\u0000${session.partition}\u0000${record.offset}`)
    .digest('hex')
    .slice(0, 40)}`;
  const key = record.key === null ? null : record.key.toString('utf8');
  const value = record.value;
  return {
    type: 'message.dead-lettered',
    eventId,
    correlationId: request.correlationId ?? eventId,
    payload: {
      reasonCode: request.reasonCode,
      reason: request.reason.slice(0, 4000),
      consumerGroup: session.groupId,
      attempts: request.attempts,
      sourceTopic: session.topicName,
      sourcePartition: session.partition,
      sourceOffset: record.offset,
      sourceTimestamp: record.timestamp,
      key: key === null ? null : key.slice(0, MAX_DEAD_LETTER_KEY_CHARS),
      ...(key !== null && key.length > MAX_DEAD_LETTER_KEY_CHARS && { keyTruncated: true }),
      valueBase64: value === null ? null : value.subarray(0, MAX_DEAD_LETTER_VALUE_BYTES).toString('base64'),
      ...(value !== null && {
        valueSizeBytes: value.length,
        valueSha256: createHash('sha256').update(value).digest('hex'),
      }),
      ...(value !== null && value.length > MAX_DEAD_LETTER_VALUE_BYTES && { valueTruncated: true }),
      headers: boundedHeaders(record.headers),
      ...(request.eventId !== undefined && { originalEventId: request.eventId.slice(0, 256) }),
      ...(request.type !== undefined && { originalType: request.type.slice(0, 256) }),
      ...(request.firstFailedAt !== undefined && { firstFailedAt: request.firstFailedAt }),
    },
  };
}

function boundedHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers).slice(0, MAX_HEADERS)) {
    out[name.slice(0, 256)] = value.slice(0, MAX_HEADER_VALUE_CHARS);
  }
  return out;
}
