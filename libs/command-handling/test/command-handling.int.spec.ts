import { createTestDatabase, type TestDatabase } from '@libs/testing';
import { BatchCommandHandler, CommandHandler, type BatchCommand } from '@libs/command-handling';
import { PostgresEventStore } from '@libs/event-store';
import { add, counterDecider, type CounterCommand } from './counter-decider';

const options = { snapshotType: 'counter.v1', snapshotEvery: 10, maxAttempts: 50, retryBackoffMs: 2 };

describe('command handling on PostgreSQL', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;

  beforeAll(async () => {
    db = await createTestDatabase('command_handling', 16);
    // drop() force-closes connections that may still be shutting down; that is not a test failure.
    db.pool.on('error', () => undefined);
    store = await PostgresEventStore.create(db.pool);
  });
  afterAll(() => db.drop());

  it('applies 32 concurrent commands on one stream exactly once each, retrying conflicts', async () => {
    const handler = new CommandHandler(store, counterDecider, options);
    const results = await Promise.all(
      Array.from({ length: 32 }, (_, i) => handler.handle('hot-sku', add(1), { commandId: `sale-${i}` })),
    );
    expect(results.some((r) => r.attempts > 1)).toBe(true);
    const loaded = await handler.load('hot-sku');
    expect(loaded).toEqual({ state: { total: 32, events: 32 }, version: 32 });
    const versions = (await store.readStream('hot-sku')).map((e) => e.version);
    expect(versions).toEqual(Array.from({ length: 32 }, (_, i) => i + 1));
    expect(await store.loadSnapshot('hot-sku', 'counter.v1')).toMatchObject({
      version: 30,
      state: { total: 30 },
    });
  });

  it('commits a batch in one transaction and absorbs its redelivery', async () => {
    const handler = new BatchCommandHandler(store, counterDecider, options);
    const batch: BatchCommand<CounterCommand>[] = [];
    for (let i = 0; i < 60; i++)
      batch.push({ streamId: `batch-sku-${i % 3}`, commandId: `cmd-${i}`, command: add(1) });
    const first = await handler.handleBatch(batch);
    expect(first.items.every((i) => i.status === 'applied')).toBe(true);
    const txids = new Set(first.items.map((i) => i.recorded[0].transactionId));
    expect(txids.size).toBe(1);

    const again = await handler.handleBatch(batch);
    await handler.snapshotsSettled();
    expect(again.items.every((i) => i.status === 'duplicate')).toBe(true);
    for (let s = 0; s < 3; s++) {
      expect((await store.readStream(`batch-sku-${s}`)).length).toBe(20);
      expect(again.streams.get(`batch-sku-${s}`)).toEqual({ state: { total: 20, events: 20 }, version: 20 });
      expect(await store.loadSnapshot(`batch-sku-${s}`, 'counter.v1')).toMatchObject({ version: 20 });
    }
  });

  it('keeps every command exactly once when overlapping batches race and are redelivered', async () => {
    const handler = new BatchCommandHandler(store, counterDecider, options);
    const batches = Array.from({ length: 8 }, (_, b) =>
      Array.from({ length: 25 }, (_, i) => ({
        streamId: `race-sku-${(b + i) % 4}`,
        commandId: `race-${b}-${i}`,
        command: add(1),
      })),
    );
    // Every batch twice, all at once: conflicts force reloads, redeliveries must be absorbed.
    await Promise.all([...batches, ...batches].map((batch) => handler.handleBatch(batch)));
    let total = 0;
    for (let s = 0; s < 4; s++) {
      const events = await store.readStream(`race-sku-${s}`);
      expect(events.map((e) => e.version)).toEqual(events.map((_, i) => i + 1));
      total += events.length;
    }
    expect(total).toBe(8 * 25);
  });
});
