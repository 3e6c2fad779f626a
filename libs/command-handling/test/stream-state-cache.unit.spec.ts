import { randomUUID } from 'node:crypto';
import { BatchCommandHandler, StreamStateCache, type BatchCommand } from '@libs/command-handling';
import { add, counterDecider, type CounterCommand, type CounterState } from './counter-decider';
import { RecordingEventStore } from './recording-event-store';

const options = { snapshotType: 'counter.v1', snapshotEvery: 0, retryBackoffMs: 1 };
const cmd = (streamId: string, command: CounterCommand): BatchCommand<CounterCommand> => ({
  streamId,
  commandId: randomUUID(),
  command,
});

describe('BatchCommandHandler with a stream-state cache', () => {
  it('does not reload a stream it wrote last', async () => {
    const store = new RecordingEventStore();
    const handler = new BatchCommandHandler(
      store,
      counterDecider,
      options,
      new StreamStateCache<CounterState>(),
    );
    await handler.handleBatch([cmd('a', add(1))]);
    const readsAfterFirst = store.calls.readStream.length;
    await handler.handleBatch([cmd('a', add(2))]);
    await handler.handleBatch([cmd('a', add(3))]);
    expect(store.calls.readStream.length).toBe(readsAfterFirst);
    expect((await store.readStream('a')).map((e) => e.version)).toEqual([1, 2, 3]);
  });

  it('when another writer moved the stream, conflicts, reloads and decides on the fresh state', async () => {
    const store = new RecordingEventStore();
    const handler = new BatchCommandHandler(
      store,
      counterDecider,
      options,
      new StreamStateCache<CounterState>(),
    );
    await handler.handleBatch([cmd('a', add(1))]);
    store.interfere(1); // +100 from elsewhere, unknown to the cache
    const result = await handler.handleBatch([cmd('a', add(-50))]);
    expect(result.attempts).toBe(2);
    expect(result.items[0].events[0].type).toBe('Added');
    expect(result.streams.get('a')).toEqual({ state: { total: 51, events: 3 }, version: 3 });
  });

  it('checks the version of a cached stream even when its commands append nothing', async () => {
    const store = new RecordingEventStore();
    const handler = new BatchCommandHandler(
      store,
      counterDecider,
      options,
      new StreamStateCache<CounterState>(),
    );
    await handler.handleBatch([cmd('a', add(1))]);
    await store.inner.appendToStream('a', 1, [{ eventId: randomUUID(), type: 'Added', data: { amount: 5 } }]);
    const result = await handler.handleBatch([cmd('a', { type: 'Nothing' })]);
    expect(result.attempts).toBe(2);
    expect(result.streams.get('a')).toEqual({ state: { total: 6, events: 2 }, version: 2 });
  });

  it('evicts the least recently used stream beyond its capacity', () => {
    const cache = new StreamStateCache<number>(2);
    cache.set('a', { state: 1, version: 1 });
    cache.set('b', { state: 2, version: 1 });
    cache.get('a');
    cache.set('c', { state: 3, version: 1 });
    expect([cache.get('a'), cache.get('b'), cache.get('c')].map((e) => e?.state)).toEqual([1, undefined, 3]);
  });
});
