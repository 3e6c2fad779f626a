import { createPool } from '@libs/database';
import { PostgresEventStore } from '@libs/event-store';
import { eventStoreContract } from './event-store.contract';
import { startEmbeddedPostgresProcess } from '@libs/testing';

// The embedded engine serialises every connection onto one backend, so the pool has one connection and the
// contract's concurrent writers queue on it; they must still see one winner and typed conflicts.
eventStoreContract('PostgreSQL adapter on embedded PGlite', async () => {
  const server = await startEmbeddedPostgresProcess();
  const pool = createPool({ url: server.url, embedded: true });
  pool.on('error', () => undefined);
  const store = await PostgresEventStore.create(pool);
  return {
    store,
    close: async () => {
      await pool.end();
      await server.stop();
    },
  };
});
