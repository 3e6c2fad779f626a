import type { Queryable } from '@libs/database';
import type { ProjectionFailure } from '../projection/projection-failure';

/** Longest reason text kept in the row: a PostgreSQL message can quote a whole value. */
const MAX_REASON_LENGTH = 1000;

/** The SKUs among `skus` that are set aside. */
export async function quarantinedAmong(db: Queryable, skus: readonly string[]): Promise<Set<string>> {
  if (skus.length === 0) return new Set();
  const { rows } = await db.query<{ sku: string }>(
    'SELECT sku FROM projection_quarantine WHERE sku = ANY($1::text[])',
    [skus],
  );
  return new Set(rows.map((r) => r.sku));
}

/**
 * Sets a SKU aside at the event it stopped at. A SKU already there (a retry that failed again) keeps its
 * first_failed_at, counts one more attempt and loses its retry request.
 */
export async function quarantineSku(
  db: Queryable,
  failure: ProjectionFailure,
  skipped: number,
): Promise<void> {
  await db.query(
    `INSERT INTO projection_quarantine AS q (sku, version, global_position, event_id, event_type, reason_code, reason,
                                             skipped_events)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (sku) DO UPDATE SET
       version = EXCLUDED.version, global_position = EXCLUDED.global_position, event_id = EXCLUDED.event_id,
       event_type = EXCLUDED.event_type, reason_code = EXCLUDED.reason_code, reason = EXCLUDED.reason,
       last_failed_at = now(), attempts = q.attempts + 1, skipped_events = EXCLUDED.skipped_events,
       retry_requested_at = NULL, retry_requested_by = NULL`,
    [
      failure.sku,
      failure.event.version,
      failure.event.globalPosition,
      failure.event.eventId,
      failure.event.type,
      failure.reason,
      failure.detail.slice(0, MAX_REASON_LENGTH),
      skipped,
    ],
  );
}

/** Counts the events of set-aside SKUs that a batch passed over. */
export async function countSkipped(db: Queryable, skipped: ReadonlyMap<string, number>): Promise<void> {
  if (skipped.size === 0) return;
  await db.query(
    `UPDATE projection_quarantine AS q SET skipped_events = q.skipped_events + r."n"
       FROM json_to_recordset($1::json) AS r("sku" text, "n" bigint)
      WHERE q.sku = r."sku"`,
    [JSON.stringify([...skipped].map(([sku, n]) => ({ sku, n })))],
  );
}

export async function releaseSku(db: Queryable, sku: string): Promise<void> {
  await db.query('DELETE FROM projection_quarantine WHERE sku = $1', [sku]);
}

/** The SKUs an operator asked to retry, oldest request first. */
export async function retryRequests(db: Queryable, limit: number): Promise<string[]> {
  const { rows } = await db.query<{ sku: string }>(
    `SELECT sku FROM projection_quarantine WHERE retry_requested_at IS NOT NULL
      ORDER BY retry_requested_at, sku LIMIT $1`,
    [limit],
  );
  return rows.map((r) => r.sku);
}

/** Empties the SKU's derived rows before it is projected again from the first event of its stream. */
export async function deleteSkuReadModels(
  db: Queryable,
  sku: string,
  tables: readonly string[],
): Promise<void> {
  for (const table of tables) await db.query(`DELETE FROM ${table} WHERE sku = $1`, [sku]);
}
