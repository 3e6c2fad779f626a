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
export { KurrentDbEventStore, type KurrentDbEventStoreOptions } from './kurrentdb/kurrentdb-event-store';
export { createKurrentDbEventStore } from './kurrentdb/create-kurrentdb-event-store';
export { toEsdbConnectionString } from './kurrentdb/connection-string';
export {
  WrongExpectedRevisionError,
  type AllFeed,
  type AllFilter,
  type ExpectedRevision,
  type KurrentDbGateway,
  type LogPosition,
  type NewRecord,
  type ReadItem,
  type ReadStreamRequest,
  type StoredRecord,
} from './kurrentdb/kurrentdb-gateway';
