import { InMemoryEventStore } from '@libs/event-store';
import { eventStoreContract } from './event-store.contract';

// The fake used by handler unit tests must keep the same promises as the real adapter.
eventStoreContract('in-memory', async () => ({ store: new InMemoryEventStore() }), { concurrentWriters: 64 });
