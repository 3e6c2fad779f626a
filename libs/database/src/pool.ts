import { Pool, type PoolConfig } from 'pg';

export interface PoolOptions {
  url: string;
  /** The embedded engine serialises every connection onto one backend; more than one can deadlock. */
  embedded?: boolean;
  max?: number;
  applicationName?: string;
}

export function createPool(options: PoolOptions): Pool {
  const config: PoolConfig = {
    connectionString: options.url,
    max: options.embedded ? 1 : (options.max ?? 10),
    application_name: options.applicationName ?? 'stocksync',
  };
  return new Pool(config);
}
