import { Global, Module } from '@nestjs/common';
import { EventStore, PostgresEventStore } from '@libs/event-store';
import type { Pool } from 'pg';
import { PG_POOL } from './postgres.module';

/** The PostgreSQL event store on the app's pool, migrated before first use. */
@Global()
@Module({
  providers: [
    { provide: EventStore, useFactory: (pool: Pool) => PostgresEventStore.create(pool), inject: [PG_POOL] },
  ],
  exports: [EventStore],
})
export class EventStoreModule {}
