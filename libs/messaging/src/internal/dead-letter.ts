import { createHash } from 'node:crypto';
import type { OutgoingMessage } from '../codec';
import { DeadLettersTopic } from '../catalogue/dead-letters';
import type { DeadLetterRequest } from './batch-processor';

/**
 * The dead-letter message for a record. Its eventId is derived from (group, topic, partition, offset), so a
 * record dead-lettered twice (redelivered before the commit landed) carries the same id both times.
 */
export function deadLetterMessage(request: DeadLetterRequest): OutgoingMessage<typeof DeadLettersTopic> {
  const { session, record } = request;
  const eventId = `dlq-${createHash('sha256')
    .update(`${session.groupId}\u0000${session.topicName}\u0000${session.partition}\u0000${record.offset}`)
    .digest('hex')
    .slice(0, 40)}`;
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
      key: record.key === null ? null : record.key.toString('utf8'),
      valueBase64: record.value === null ? null : record.value.toString('base64'),
      headers: record.headers,
      ...(request.eventId !== undefined && { originalEventId: request.eventId }),
      ...(request.type !== undefined && { originalType: request.type }),
      ...(request.firstFailedAt !== undefined && { firstFailedAt: request.firstFailedAt }),
    },
  };
}
