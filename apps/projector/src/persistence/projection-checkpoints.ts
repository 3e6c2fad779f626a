import type { Queryable } from '@libs/database';
import { START_CHECKPOINT, type GlobalCheckpoint } from '@libs/event-store';

/** Advisory-lock class of projection writers (the event store's stream locks use 774501). */
const PROJECTION_LOCK_CLASS = 774_502;

export async function readCheckpoint(db: Queryable, name: string): Promise<GlobalCheckpoint> {
  const { rows } = await db.query<{ transaction_id: string; global_position: string }>(
    'SELECT transaction_id, global_position FROM projection_checkpoints WHERE name = $1',
    [name],
  );
  if (rows.length === 0) return { ...START_CHECKPOINT };
  return { transactionId: Number(rows[0].transaction_id), globalPosition: Number(rows[0].global_position) };
}

export async function saveCheckpoint(
  db: Queryable,
  name: string,
  checkpoint: GlobalCheckpoint,
): Promise<void> {
  await db.query(
    `INSERT INTO projection_checkpoints (name, transaction_id, global_position) VALUES ($1, $2, $3)
     ON CONFLICT (name) DO UPDATE
       SET transaction_id = EXCLUDED.transaction_id, global_position = EXCLUDED.global_position, updated_at = now()`,
    [name, checkpoint.transactionId, checkpoint.globalPosition],
  );
}

export async function deleteCheckpoint(db: Queryable, name: string): Promise<void> {
  await db.query('DELETE FROM projection_checkpoints WHERE name = $1', [name]);
}

/**
 * Serialises the writers of one projection until the transaction ends. Advisory locks assign no transaction
 * id, so waiting here holds back no event-store reader.
 */
export async function lockProjection(db: Queryable, name: string): Promise<void> {
  await db.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [PROJECTION_LOCK_CLASS, name]);
}

export function sameCheckpoint(a: GlobalCheckpoint, b: GlobalCheckpoint): boolean {
  return a.transactionId === b.transactionId && a.globalPosition === b.globalPosition;
}
