import { Pool, type PoolConfig } from 'pg';

export interface PoolOptions {
  url: string;
  /** The embedded engine serialises every connection onto one backend; more than one can deadlock. */
  embedded?: boolean;
  max?: number;
  applicationName?: string;
  /**
   * Server-side cap on one statement (PostgreSQL `statement_timeout`), so a hung query or a lock wait fails
   * instead of holding a connection for ever. 0 or unset: no cap (operator tools, long rebuilds).
   */
  statementTimeoutMs?: number;
  /**
   * The server ends a session left idle inside a transaction this long (`idle_in_transaction_session_timeout`),
   * releasing its locks. 0 disables. Default 60000.
   */
  idleInTransactionTimeoutMs?: number;
  /**
   * How long opening a connection, or waiting for a free one in the pool, may take before it fails with
   * "timeout exceeded when trying to connect" (a transient error). Default 10000.
   */
  connectTimeoutMs?: number;
}

export const DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

export function createPool(options: PoolOptions): Pool {
  const config: PoolConfig = {
    connectionString: options.url,
    max: options.embedded ? 1 : (options.max ?? 10),
    application_name: options.applicationName ?? 'stocksync',
  };
  // The embedded engine (PGlite) shares one backend among every caller, who queue for it by design: a wait
  // there is not an outage, and it is a demo mode. The timeouts are for a real server.
  if (!options.embedded) {
    config.connectionTimeoutMillis = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    // Sent as startup parameters, so they are the session defaults: RESET and SET LOCAL work against them.
    if (options.statementTimeoutMs) config.statement_timeout = options.statementTimeoutMs;
    config.idle_in_transaction_session_timeout =
      options.idleInTransactionTimeoutMs ?? DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS;
  }
  const pool = new Pool(config);
  // An idle client whose server went away emits 'error' on the pool, which then drops it; without a listener
  // that event would end the process during a database restart. Callers may add their own to log it.
  pool.on('error', () => undefined);
  return pool;
}
