import { EMBEDDED_FLAG, isEmbeddedMode } from '@libs/config';
import type { MessageBus } from '@libs/messaging';
import type { Pool } from 'pg';

/**
 * The one-process engine (`npm start`) runs every app against one embedded PostgreSQL and one in-memory bus.
 * It registers them here before creating the apps; the platform providers use them instead of the
 * configured servers. Everything above the adapters is the production code path.
 */
export interface EmbeddedInfrastructure {
  databaseUrl: string;
  /**
   * The one pool (of one connection) every app shares. PGlite has a single backend, and its socket server
   * interleaves extended-protocol messages of concurrent connections, so all SQL of the process goes through
   * one connection.
   */
  pool: Pool;
  bus: MessageBus;
}

let embedded: EmbeddedInfrastructure | undefined;

export function useEmbeddedInfrastructure(infra: EmbeddedInfrastructure | undefined): void {
  // An in-memory bus and a shared PGlite are for the embedded mode only, never a production app's stand-in.
  if (infra && !isEmbeddedMode()) throw new Error(`embedded infrastructure needs ${EMBEDDED_FLAG}=1`);
  embedded = infra;
}

export function embeddedInfrastructure(): EmbeddedInfrastructure | undefined {
  return embedded;
}
