import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigModule, EventStoreConfig, eventStoreConfig } from '@libs/config';
import {
  createKurrentDbEventStore,
  EventStore,
  KurrentDbEventStore,
  PostgresEventStore,
} from '@libs/event-store';
import type { Pool } from 'pg';
import { PG_POOL } from './postgres.module';

/** Closes the KurrentDB client's channel with the app; the PostgreSQL store lives on the app's pool. */
@Injectable()
export class EventStoreShutdown implements OnApplicationShutdown {
  constructor(@Inject(EventStore) private readonly store: EventStore) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.store instanceof KurrentDbEventStore) await this.store.close();
  }
}

/**
 * The event store EVENT_STORE names: PostgreSQL on the app's pool (migrated before first use, the default), or
 * KurrentDB at KURRENTDB_CONNECTION_STRING. Both are validated at boot with the app's other configuration.
 */
@Global()
@Module({
  imports: [ConfigModule.forRoot([eventStoreConfig])],
  providers: [
    {
      provide: EventStore,
      useFactory: (config: EventStoreConfig, pool: Pool) =>
        config.store === 'kurrentdb'
          ? createKurrentDbEventStore(config.kurrentDbConnectionString!)
          : PostgresEventStore.create(pool),
      inject: [EventStoreConfig, PG_POOL],
    },
    EventStoreShutdown,
  ],
  exports: [EventStore],
})
export class EventStoreModule {}
