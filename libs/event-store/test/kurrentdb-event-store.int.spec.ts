import { createKurrentDbEventStore, KurrentDbEventStore } from '@libs/event-store';
import { eventStoreContract } from './event-store.contract';

/**
 * The contract against a real KurrentDB (or EventStoreDB 22.10+) server. No server can run where the local test
 * tiers run, so without KURRENTDB_CONNECTION_STRING the suite is skipped under a title that says so, and the test
 * summary lists it as not run. The GitHub workflow's `kurrentdb` job sets the variable against a service container.
 */
const connectionString = process.env.KURRENTDB_CONNECTION_STRING;

const NOT_RUN_TITLE =
  'NOT RUN: KurrentDB adapter contract (KURRENTDB_CONNECTION_STRING is not set; runs in the GitHub workflow job "kurrentdb")';

if (connectionString) {
  eventStoreContract('KurrentDB', async () => {
    const store: KurrentDbEventStore = await createKurrentDbEventStore(connectionString);
    return { store, close: () => store.close() };
  });
} else {
  describe.skip(NOT_RUN_TITLE, () => {
    eventStoreContract('KurrentDB', () => Promise.reject(new Error('not run')));
  });
}
