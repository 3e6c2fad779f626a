import { createPool } from '@libs/database';
import { PostgresEventStore } from '@libs/event-store';
import { channelTargets, stockLevels } from '@libs/inventory';
import { ChannelTargetsTopic, InMemoryMessageBus, silentLogger } from '@libs/messaging';
import { eventually } from '@libs/testing';
import type { Pool } from 'pg';
import { startEmbeddedPostgresProcess } from '@libs/testing';
import {
  appendCommands,
  dumpReadModels,
  foldStore,
  headCheckpoint,
  inventoryHandler,
  projectToHead,
} from '../test/projection-fixtures';
import { tradingDay } from '../test/scenario';
import { OutboxRelay } from './outbox-relay';
import { Projector } from './projector';

// The one-process engine: PGlite behind a one-connection pool shared by the store, the projector and the relay,
// and the in-memory bus. Nothing may wait for a second connection while holding the first.
describe('the projector on the embedded engine', () => {
  let server: { url: string; stop(): Promise<void> };
  let pool: Pool;

  beforeAll(async () => {
    server = await startEmbeddedPostgresProcess();
    pool = createPool({ url: server.url, embedded: true });
    pool.on('error', () => undefined);
  });

  afterAll(async () => {
    await pool?.end();
    await server?.stop();
  });

  it('projects live and publishes targets on one connection, and a rebuild gives the same tables', async () => {
    const store = await PostgresEventStore.create(pool);
    const bus = new InMemoryMessageBus({ source: 'stocksync-engine', logger: silentLogger });
    const listed = new Map<string, number>();
    await bus.subscribe(ChannelTargetsTopic, 'platforms', async (batch) => {
      for (const { envelope } of batch.messages) {
        listed.set(`${envelope.payload.channel}:${envelope.payload.sku}`, envelope.payload.quantity);
      }
    });
    await bus.start();
    const projector = new Projector(pool, store, { pollIntervalMs: 20, stateSaveEvery: 10 });
    const relay = new OutboxRelay(pool, bus, { pollIntervalMs: 50, wake: projector.targetsWritten });
    await projector.start();
    relay.start();
    try {
      await appendCommands(inventoryHandler(store), tradingDay(3), 6);
      const head = await headCheckpoint(pool);
      await eventually(
        () => {
          const at = projector.checkpoint;
          return (
            (at.transactionId === head!.transactionId && at.globalPosition === head!.globalPosition) ||
            undefined
          );
        },
        30_000,
        'the projection to reach the last event',
      );
      const folds = await foldStore(store, pool);
      const expected = new Map<string, number>();
      for (const [sku, { state }] of folds) {
        for (const [channel, quantity] of Object.entries(channelTargets(state)))
          expected.set(`${channel}:${sku}`, quantity);
      }
      await eventually(
        () => {
          if (listed.size !== expected.size) return undefined;
          for (const [key, quantity] of expected) if (listed.get(key) !== quantity) return undefined;
          return true;
        },
        30_000,
        'every listing to show its target',
      );
      const { rows } = await pool.query(`SELECT sku, on_hand FROM sku_stock`);
      for (const row of rows) expect(Number(row.on_hand)).toBe(stockLevels(folds.get(row.sku)!.state).onHand);

      // Rebuilt while the relay keeps running on the same connection.
      const live = await dumpReadModels(pool);
      await projector.rebuild();
      await projectToHead(new Projector(pool, store, { stateSaveEvery: 10 }), pool);
      expect(await dumpReadModels(pool)).toEqual(live);
    } finally {
      await relay.stop();
      await projector.stop();
      await bus.stop();
    }
  });
});
