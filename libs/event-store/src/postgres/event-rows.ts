import type { Queryable } from '@libs/database';
import type { RecordedEvent } from '../recorded-event';

export const EVENT_COLUMNS = `event_id, stream_id, version, type, data, metadata, occurred_at, recorded_at,
  global_position, transaction_id::text AS transaction_id`;

export interface EventRow {
  event_id: string;
  stream_id: string;
  version: string;
  type: string;
  data: unknown;
  metadata: Record<string, unknown> | null;
  occurred_at: Date;
  recorded_at: Date;
  global_position: string;
  transaction_id: string;
}

/** bigint and xid8 arrive as strings; both stay far below 2^53 in practice, so numbers are exact. */
export function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    eventId: row.event_id,
    streamId: row.stream_id,
    version: Number(row.version),
    type: row.type,
    data: row.data,
    metadata: row.metadata ?? {},
    occurredAt: row.occurred_at,
    recordedAt: row.recorded_at,
    globalPosition: Number(row.global_position),
    transactionId: Number(row.transaction_id),
  };
}

export async function selectEvents(
  db: Queryable,
  where: string,
  params: unknown[],
): Promise<RecordedEvent[]> {
  const { rows } = await db.query<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events ${where}`, params);
  return rows.map(toRecordedEvent);
}
