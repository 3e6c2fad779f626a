import type { Pool, PoolClient } from 'pg';
import { inTransaction } from './transaction';

export interface Migration {
  /** Strictly increasing within a component; never renumber a migration that has shipped. */
  version: number;
  name: string;
  up: string;
}

export interface MigrationSet {
  /** Each component (event store, vault, read models, …) versions its own schema. */
  component: string;
  migrations: Migration[];
}

const LEDGER = `
CREATE TABLE IF NOT EXISTS schema_migrations (
  component  text        NOT NULL,
  version    integer     NOT NULL,
  name       text        NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (component, version)
)`;

/**
 * Applies the pending migrations of a set, each in its own transaction, in version order.
 * An advisory lock per component keeps two instances starting together from racing.
 */
export async function runMigrations(pool: Pool, set: MigrationSet): Promise<number[]> {
  assertOrdered(set);
  const client = await pool.connect();
  let broken: Error | undefined;
  const markBroken = (err: Error) => {
    broken ??= err;
  };
  client.on('error', markBroken);
  try {
    // Waiting for another instance's migrations, or building an index, may outlast the pool's statement
    // timeout. RESET in the finally restores the pool's default before the client goes back.
    await client.query('SET statement_timeout = 0');
    await client.query("SELECT pg_advisory_lock(hashtext('migrations:ledger'))");
    try {
      await client.query(LEDGER).catch(ignoreConcurrentCreate);
    } finally {
      await client.query("SELECT pg_advisory_unlock(hashtext('migrations:ledger'))");
    }
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [`migrations:${set.component}`]);
    try {
      return await applyPending(client, set);
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`migrations:${set.component}`]);
    }
  } catch (err) {
    // The session may be gone (and its advisory locks with it): do not hand it to the next caller.
    broken ??= err instanceof Error ? err : new Error(String(err));
    throw err;
  } finally {
    if (!broken) await client.query('RESET statement_timeout').catch(markBroken);
    client.removeListener('error', markBroken);
    client.release(broken);
  }
}

async function applyPending(client: PoolClient, set: MigrationSet): Promise<number[]> {
  const done = await client.query<{ version: number }>(
    'SELECT version FROM schema_migrations WHERE component = $1',
    [set.component],
  );
  const applied = new Set(done.rows.map((r) => r.version));
  const ran: number[] = [];
  for (const m of set.migrations) {
    if (applied.has(m.version)) continue;
    try {
      await inTransaction(client, async (tx) => {
        await tx.query(m.up);
        await tx.query('INSERT INTO schema_migrations (component, version, name) VALUES ($1, $2, $3)', [
          set.component,
          m.version,
          m.name,
        ]);
      });
    } catch (err) {
      throw new Error(
        `migration ${set.component}#${m.version} (${m.name}) failed: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    ran.push(m.version);
  }
  return ran;
}

function assertOrdered(set: MigrationSet): void {
  set.migrations.forEach((m, i) => {
    if (i > 0 && m.version <= set.migrations[i - 1].version) {
      throw new Error(`migrations of ${set.component} must have strictly increasing versions`);
    }
  });
}

// Another client of the database that does not take our lock (an older version, a tool) may still race us:
// the loser of a concurrent CREATE sees a unique violation on pg_type or "already exists".
function ignoreConcurrentCreate(err: { code?: string }): void {
  if (!['23505', '42P07', '42710'].includes(err.code ?? '')) throw err;
}
