import { KurrentDbEventStore, type KurrentDbEventStoreOptions } from './kurrentdb-event-store';

/**
 * The KurrentDB event store on a connection string (`kurrentdb://`, `kurrent://` or `esdb://`, with their
 * `+discover` forms). The client and its gRPC stack are loaded here, on first use, so that processes running on
 * PostgreSQL never load them.
 */
export async function createKurrentDbEventStore(
  connectionString: string,
  options: KurrentDbEventStoreOptions = {},
): Promise<KurrentDbEventStore> {
  const { connectKurrentDb } = await import('./kurrentdb-client');
  return new KurrentDbEventStore(connectKurrentDb(connectionString), options);
}
