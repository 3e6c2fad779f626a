import type { Queryable } from '@libs/database';
import type { RecordedEvent } from '@libs/event-store';
import { projectBatch, type BatchProjection } from '../projection/batch-projection';
import {
  EventProjectionError,
  isRowFailure,
  rowFailureReason,
  type ProjectionFailure,
} from '../projection/projection-failure';
import type { ProjectedSku } from '../projection/projected-sku';
import type { FoldOptions } from '../projection/sku-batch-fold';
import { writeReadModelChanges, type WriteOptions } from './read-model-writer';

export interface SkuAloneResult {
  /** What was written: the events before the failing one (all of them when nothing failed). */
  projection: BatchProjection;
  /** The event the SKU stopped at, or null. */
  failure: ProjectionFailure | null;
  /** Events of the SKU not projected: the failing one and every later one handed in. */
  notProjected: number;
}

/**
 * Projects one SKU's events inside the caller's transaction, in a savepoint of its own, so that a SKU whose rows
 * cannot be written leaves the other SKUs of the batch (and the checkpoint) to commit. When an event cannot be
 * projected, the events before it are written and the failure names it:
 * - a fold error names its event directly (EventProjectionError);
 * - a row refused by PostgreSQL (or a state over the bound) is traced to the first event whose prefix cannot be
 *   written, by bisection over prefixes, each tried in a savepoint that is rolled back.
 * Any other error (the connection, a timeout) is thrown: it is not the SKU's fault, and the batch is retried.
 */
export async function projectSkuAlone(
  db: Queryable,
  start: ProjectedSku,
  events: readonly RecordedEvent[],
  options: FoldOptions & WriteOptions,
): Promise<SkuAloneResult> {
  const fold = (count: number) =>
    projectBatch(new Map([[start.sku, events.slice(0, count)]]), new Map([[start.sku, start]]), options);

  let limit = events.length;
  let failure: ProjectionFailure | null = null;
  let projection: BatchProjection;
  try {
    projection = fold(limit);
  } catch (error) {
    if (!(error instanceof EventProjectionError)) throw error;
    limit = events.indexOf(error.event);
    failure = { sku: start.sku, event: error.event, reason: error.reason, detail: error.message };
    projection = fold(limit);
  }

  const refused = await attempt(db, projection, options, 'keep');
  if (refused === null) return { projection, failure, notProjected: events.length - limit };

  // Writing `lo` events works, writing `hi` does not; narrow down to neighbours.
  let lo = 0;
  let hi = limit;
  let hiError: unknown = refused;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    const error = await attempt(db, fold(mid), options, 'probe');
    if (error === null) {
      lo = mid;
    } else {
      hi = mid;
      hiError = error;
    }
  }
  const event = events[hi - 1];
  projection = fold(lo);
  const again = await attempt(db, projection, options, 'keep');
  if (again !== null) throw again;
  return {
    projection,
    failure: { sku: start.sku, event, ...rowFailureReason(hiError) },
    notProjected: events.length - lo,
  };
}

/**
 * Writes in a savepoint; `probe` always rolls it back. Returns the row failure, or null on success; throws any
 * other error (which leaves the transaction to be rolled back by its owner).
 */
async function attempt(
  db: Queryable,
  projection: BatchProjection,
  options: WriteOptions,
  mode: 'keep' | 'probe',
): Promise<unknown> {
  await db.query('SAVEPOINT projector_sku');
  try {
    await writeReadModelChanges(db, projection.changes, options);
  } catch (error) {
    if (!isRowFailure(error)) throw error;
    await db.query('ROLLBACK TO SAVEPOINT projector_sku');
    return error;
  }
  await db.query(mode === 'keep' ? 'RELEASE SAVEPOINT projector_sku' : 'ROLLBACK TO SAVEPOINT projector_sku');
  return null;
}
