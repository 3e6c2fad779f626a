import type { RecordedEvent } from './recorded-event';

/**
 * A place in the global order. Two numbers because the order is (writing transaction, position): a position
 * alone is not safe to resume from, since a transaction that commits late can hold a lower position.
 */
export interface GlobalCheckpoint {
  transactionId: number;
  globalPosition: number;
}

export const START_CHECKPOINT: Readonly<GlobalCheckpoint> = Object.freeze({
  transactionId: 0,
  globalPosition: 0,
});

export function checkpointOf(event: RecordedEvent): GlobalCheckpoint {
  return { transactionId: event.transactionId, globalPosition: event.globalPosition };
}

export function compareCheckpoints(a: GlobalCheckpoint, b: GlobalCheckpoint): number {
  return a.transactionId - b.transactionId || a.globalPosition - b.globalPosition;
}

export interface ReadAllResult {
  events: RecordedEvent[];
  /** Where the next read continues: the last returned event, or `from` when nothing was returned. */
  checkpoint: GlobalCheckpoint;
}
