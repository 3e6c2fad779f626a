import {
  BatchCommandHandler,
  ConflictRetriesExhaustedError,
  type BatchCommand,
} from '@libs/command-handling';
import { add, counterDecider, type CounterCommand } from './counter-decider';
import { RecordingEventStore } from './recording-event-store';

const options = { snapshotType: 'counter.v1', snapshotEvery: 4, retryBackoffMs: 1 };

function setup(maxAttempts = 5) {
  const store = new RecordingEventStore();
  return { store, handler: new BatchCommandHandler(store, counterDecider, { ...options, maxAttempts }) };
}

const cmd = (streamId: string, commandId: string, command: CounterCommand): BatchCommand<CounterCommand> => ({
  streamId,
  commandId,
  command,
});

describe('BatchCommandHandler', () => {
  describe('a batch over several streams', () => {
    it('decides each stream in order on the state left by the previous command, in one append', async () => {
      const { store, handler } = setup();
      const result = await handler.handleBatch([
        cmd('a', 'c1', add(5)),
        cmd('b', 'c2', add(1)),
        cmd('a', 'c3', add(-3)),
        cmd('a', 'c4', add(-10)),
      ]);
      expect(store.calls.appendToStreams).toBe(1);
      expect(result.items.map((i) => [i.commandId, i.status, i.events[0].type])).toEqual([
        ['c1', 'applied', 'Added'],
        ['c2', 'applied', 'Added'],
        ['c3', 'applied', 'Added'],
        ['c4', 'applied', 'Rejected'],
      ]);
      expect(result.items[3].recorded[0].version).toBe(3);
      expect(result.streams.get('a')).toEqual({ state: { total: 2, events: 3 }, version: 3 });
      expect(result.streams.get('b')).toEqual({ state: { total: 1, events: 1 }, version: 1 });
    });

    it('appends nothing when no command produces events', async () => {
      const { store, handler } = setup();
      const result = await handler.handleBatch([cmd('a', 'c1', { type: 'Nothing' })]);
      expect(result.items[0]).toMatchObject({ status: 'applied', events: [] });
      expect(store.inner.events).toHaveLength(0);
    });

    it('reports a command whose decision throws and commits the others', async () => {
      const { store, handler } = setup();
      const result = await handler.handleBatch([
        cmd('a', 'c1', add(1)),
        cmd('a', 'c2', { type: 'Explode' }),
        cmd('a', 'c3', add(1)),
      ]);
      expect(result.items.map((i) => i.status)).toEqual(['applied', 'failed', 'applied']);
      expect((result.items[1].error as Error).message).toBe('decider bug');
      expect(store.inner.events).toHaveLength(2);
    });
  });

  describe('redelivery', () => {
    it('absorbs a whole batch delivered again and returns the first outcomes', async () => {
      const { store, handler } = setup();
      const batch = [cmd('a', 'c1', add(5)), cmd('b', 'c2', add(-1)), cmd('a', 'c3', add(2))];
      const first = await handler.handleBatch(batch);
      const again = await handler.handleBatch(batch);
      expect(again.items.map((i) => i.status)).toEqual(['duplicate', 'duplicate', 'duplicate']);
      expect(again.items.map((i) => i.events)).toEqual(first.items.map((i) => i.events));
      expect(again.items.map((i) => i.recorded.map((e) => e.eventId))).toEqual(
        first.items.map((i) => i.recorded.map((e) => e.eventId)),
      );
      expect(store.inner.events).toHaveLength(3);
      expect(again.streams.get('a')?.state.total).toBe(7);
    });

    it('applies the new commands of a batch that mixes old and new ones on one stream', async () => {
      const { store, handler } = setup();
      await handler.handleBatch([cmd('a', 'c1', add(5))]);
      const result = await handler.handleBatch([cmd('a', 'c1', add(5)), cmd('a', 'c2', add(1))]);
      expect(result.items.map((i) => i.status)).toEqual(['duplicate', 'applied']);
      expect(result.streams.get('a')).toEqual({ state: { total: 6, events: 2 }, version: 2 });
      expect(store.inner.events).toHaveLength(2);
    });

    it('applies a command repeated inside one batch once', async () => {
      const { store, handler } = setup();
      const result = await handler.handleBatch([cmd('a', 'c1', add(5)), cmd('a', 'c1', add(5))]);
      expect(result.items.map((i) => i.status)).toEqual(['applied', 'duplicate']);
      expect(result.items[1].recorded).toEqual(result.items[0].recorded);
      expect(store.inner.events).toHaveLength(1);
    });

    it('uses ids derived from command and index, so a replay elsewhere lands on the same ids', async () => {
      const one = setup();
      const two = setup();
      const batch = [cmd('a', 'c1', add(1)), cmd('b', 'c2', add(2))];
      const r1 = await one.handler.handleBatch(batch);
      const r2 = await two.handler.handleBatch(batch);
      expect(r1.items.map((i) => i.recorded[0].eventId)).toEqual(r2.items.map((i) => i.recorded[0].eventId));
    });
  });

  describe('when another writer appends first', () => {
    it('reloads and redoes the whole batch', async () => {
      const { store, handler } = setup();
      await handler.handleBatch([cmd('a', 'c0', add(1))]);
      store.interfere(1);
      const result = await handler.handleBatch([cmd('a', 'c1', add(-50)), cmd('b', 'c2', add(1))]);
      expect(result.attempts).toBe(2);
      // On the first attempt c1 would have been rejected (total 1); on the reloaded state it is accepted.
      expect(result.items[0].events[0].type).toBe('Added');
      expect(result.streams.get('a')).toEqual({ state: { total: 51, events: 3 }, version: 3 });
      expect(store.calls.appendToStreams).toBe(1 + 2);
    });

    it('gives up after maxAttempts without a partial commit', async () => {
      const { store, handler } = setup(2);
      store.interfere(2);
      await expect(
        handler.handleBatch([cmd('a', 'c1', add(1)), cmd('b', 'c2', add(1))]),
      ).rejects.toBeInstanceOf(ConflictRetriesExhaustedError);
      expect(
        store.inner.events.filter((e) => e.type === 'Added' && (e.data as { amount: number }).amount === 1),
      ).toEqual([]);
    });
  });

  describe('snapshots', () => {
    it('are saved after the commit for each stream that crossed a multiple of snapshotEvery', async () => {
      const { store, handler } = setup();
      await handler.handleBatch([1, 2, 3].map((i) => cmd('a', `a${i}`, add(1))));
      expect(store.calls.saveSnapshot).toBe(0);
      await handler.handleBatch([cmd('a', 'a4', add(1)), cmd('a', 'a5', add(1)), cmd('b', 'b1', add(1))]);
      await handler.snapshotsSettled();
      expect(store.calls.saveSnapshot).toBe(1);
      expect(await store.loadSnapshot('a', 'counter.v1')).toMatchObject({ version: 5, state: { total: 5 } });
    });
  });

  describe('snapshots off the command path', () => {
    /** Snapshot saves wait until released, as on a loaded database. */
    function slowSnapshots() {
      const { store, handler } = setup();
      const releases: (() => void)[] = [];
      const save = store.saveSnapshot.bind(store);
      store.saveSnapshot = (snapshot) =>
        new Promise((resolve) => releases.push(() => resolve(save(snapshot))));
      return { store, handler, releases };
    }

    it('given a slow snapshot save, when a batch crosses the boundary, then the batch returns before the snapshot is written', async () => {
      const { store, handler, releases } = slowSnapshots();
      const result = await handler.handleBatch([1, 2, 3, 4, 5].map((i) => cmd('a', `a${i}`, add(1))));
      expect(result.streams.get('a')?.version).toBe(5);
      expect(await store.loadSnapshot('a', 'counter.v1')).toBeNull();
      releases.shift()!();
      await handler.snapshotsSettled();
      expect(await store.loadSnapshot('a', 'counter.v1')).toMatchObject({ version: 5, state: { total: 5 } });
    });

    it('given snapshots requested while one is being written, then only the newest per stream is written next', async () => {
      const { store, handler, releases } = slowSnapshots();
      await handler.handleBatch([1, 2, 3, 4].map((i) => cmd('a', `a${i}`, add(1)))); // version 4: written (slowly)
      await handler.handleBatch([5, 6, 7, 8].map((i) => cmd('a', `a${i}`, add(1)))); // version 8: waits
      await handler.handleBatch([9, 10, 11, 12].map((i) => cmd('a', `a${i}`, add(1)))); // version 12: replaces 8
      while (releases.length > 0 || store.calls.saveSnapshot < 2) {
        releases.shift()?.();
        await new Promise((r) => setImmediate(r));
      }
      await handler.snapshotsSettled();
      expect(store.calls.saveSnapshot).toBe(2);
      expect(await store.loadSnapshot('a', 'counter.v1')).toMatchObject({
        version: 12,
        state: { total: 12 },
      });
    });

    it('given a snapshot save that fails, then it is reported and the commands are unaffected', async () => {
      const failures: string[] = [];
      const store = new RecordingEventStore();
      store.saveSnapshot = () => Promise.reject(new Error('disk full'));
      const handler = new BatchCommandHandler(store, counterDecider, {
        ...options,
        onSnapshotError: (error, streamId) => failures.push(`${streamId}: ${(error as Error).message}`),
      });
      const result = await handler.handleBatch([1, 2, 3, 4].map((i) => cmd('a', `a${i}`, add(1))));
      await handler.snapshotsSettled();
      expect(result.items.every((i) => i.status === 'applied')).toBe(true);
      expect(failures).toEqual(['a: disk full']);
    });
  });

  it('returns at once for an empty batch', async () => {
    const { store, handler } = setup();
    expect(await handler.handleBatch([])).toEqual({ items: [], streams: new Map(), attempts: 0 });
    expect(store.calls.appendToStreams).toBe(0);
  });
});
