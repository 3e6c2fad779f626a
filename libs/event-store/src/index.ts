export * from './recorded-event';
export * from './checkpoint';
export * from './errors';
export * from './event-store';
export * from './subscription';
export * from './wake-signal';
export {
  PostgresEventStore,
  migrateEventStore,
  type PostgresEventStoreOptions,
} from './postgres/postgres-event-store';
export { eventStoreMigrations } from './postgres/event-store.migrations';
export { InMemoryEventStore } from './in-memory/in-memory-event-store';
