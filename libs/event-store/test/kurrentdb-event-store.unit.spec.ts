import { KurrentDbEventStore } from '@libs/event-store';
import { eventStoreContract } from './event-store.contract';
import { FakeKurrentDbGateway } from './fake-kurrentdb-gateway';

// The adapter's own logic (lookup links, pre-checked multi-stream appends, $all paging and filtering, the push
// subscription) against KurrentDB's behaviour as modelled in memory. The real server: the .int suite.
eventStoreContract('KurrentDB adapter on an in-memory gateway', async () => ({
  store: new KurrentDbEventStore(new FakeKurrentDbGateway()),
}));
