import type { MessageBus } from '@libs/messaging';

/**
 * The one-process engine (`npm start`) runs every app against one embedded PostgreSQL and one in-memory bus.
 * It registers them here before creating the apps; the platform providers use them instead of the
 * configured servers. Everything above the adapters is the production code path.
 */
export interface EmbeddedInfrastructure {
  databaseUrl: string;
  bus: MessageBus;
}

let embedded: EmbeddedInfrastructure | undefined;

export function useEmbeddedInfrastructure(infra: EmbeddedInfrastructure | undefined): void {
  embedded = infra;
}

export function embeddedInfrastructure(): EmbeddedInfrastructure | undefined {
  return embedded;
}
