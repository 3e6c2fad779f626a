import type { Pool, PoolClient } from 'pg';

/**
 * Runs `fn` inside BEGIN/COMMIT on a client from `pool`, rolling back when it throws. A client whose ROLLBACK
 * fails is released with the error so the pool destroys it instead of handing a dead or mid-transaction
 * connection to the next caller.
 */
export async function withTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const markBroken = (err: Error) => {
    broken ??= err;
  };
  // A checked-out client has no 'error' listener of the pool's; a connection lost between queries would
  // otherwise be an unhandled 'error' event, which ends the process.
  client.on('error', markBroken);
  try {
    return await runInTransaction(client, fn, markBroken);
  } finally {
    client.removeListener('error', markBroken);
    client.release(broken);
  }
}

/**
 * The same on a client the caller already holds (e.g. one that keeps a session-level advisory lock). If ROLLBACK
 * fails the connection is unusable: the caller should release it with an error rather than reuse it.
 */
export function inTransaction<T>(client: PoolClient, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  return runInTransaction(client, fn, () => undefined);
}

async function runInTransaction<T>(
  client: PoolClient,
  fn: (client: PoolClient) => Promise<T>,
  onBroken: (err: Error) => void,
): Promise<T> {
  try {
    await client.query('BEGIN');
  } catch (err) {
    // BEGIN fails only when the connection does.
    onBroken(err instanceof Error ? err : new Error(String(err)));
    throw err;
  }
  try {
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackError) {
      onBroken(rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError)));
    }
    // The caller needs the cause, not the rollback's echo of it.
    throw err;
  }
}
