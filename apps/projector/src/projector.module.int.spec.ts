import { PostgresEventStore } from '@libs/event-store';
import { channelTargets } from '@libs/inventory';
import { startApp, type StartedApp } from '@libs/runtime';
import {
  createTestDatabase,
  deleteTopicsWithPrefix,
  eventually,
  uniqueTopicPrefix,
  type TestDatabase,
} from '@libs/testing';
import { appendCommands, foldStore, inventoryHandler } from '../test/projection-fixtures';
import { commandsFor, T0 } from '../test/recorded-streams';
import { ProjectorModule } from './projector.module';

describe('the projector app', () => {
  let db: TestDatabase;
  const savedEnv = { ...process.env };
  const prefix = uniqueTopicPrefix('projector-app');

  beforeAll(async () => {
    db = await createTestDatabase('projector_app');
    Object.assign(process.env, {
      DATABASE_URL: db.url,
      KAFKA_TOPIC_PREFIX: prefix,
      HTTP_PORT: '0',
      LOG_LEVEL: 'warn',
      PROJECTOR_POLL_INTERVAL_MS: '20',
      OUTBOX_RELAY_POLL_INTERVAL_MS: '50',
    });
  });

  afterAll(async () => {
    process.env = savedEnv;
    await deleteTopicsWithPrefix(prefix);
    await db?.drop();
  });

  it('projects what another process appends, publishes the targets and reports its metrics, then stops cleanly', async () => {
    const started: StartedApp = await startApp(ProjectorModule);
    let closed = false;
    try {
      // Another writer (its own pool and store, as a separate process would have) appends: the app sees it by polling.
      const store = new PostgresEventStore(db.pool);
      const sku = commandsFor('APP-1');
      await appendCommands(inventoryHandler(store), [
        // 8 received against a threshold of 10: a low-stock alert is open.
        sku.register(T0, 'quantity', { lowStockThreshold: 10 }),
        sku.policy(T0, 'taobao', { bufferQuantity: 1 }),
        sku.receive(T0 + 1, 'b1', 8),
        sku.reserve(T0 + 2, 'taobao', 'T1', 2),
      ]);
      const expected = channelTargets((await foldStore(store, db.pool)).get('APP-1')!.state);
      await eventually(
        async () => {
          const { rows } = await db.pool.query(
            `SELECT target FROM channel_stock WHERE channel = 'taobao' AND sku = 'APP-1'`,
          );
          return Number(rows[0]?.target) === expected.taobao || undefined;
        },
        30_000,
        'the target in channel_stock',
      );
      const { rows } = await db.pool.query(
        `SELECT on_hand, available, version FROM sku_stock WHERE sku = 'APP-1'`,
      );
      // Version 5: the receipt also raised the low-stock alert (an event of its own).
      expect(rows).toEqual([{ on_hand: '8', available: '6', version: '5' }]);

      const metrics = await (await fetch(`${started.url}/metrics`)).text();
      for (const name of [
        'stocksync_projector_events_total',
        'stocksync_projector_batch_seconds',
        'stocksync_projector_lag_seconds',
        'stocksync_outbox_pending',
        'stocksync_outbox_published_total',
        'stocksync_outbox_rows_written_total',
        'stocksync_low_stock_alerts_open',
      ]) {
        expect(metrics).toContain(`# TYPE ${name} `);
      }
      expect(metrics).toMatch(/stocksync_projector_events_total\{result="applied",app="projector"\} 5/);
      expect(metrics).toMatch(/stocksync_outbox_published_total\{app="projector"\} 1/);
      expect(metrics).toMatch(/stocksync_low_stock_alerts_open\{kind="quantity",app="projector"\} 1/);

      await started.app.close();
      closed = true;
    } finally {
      if (!closed) await started.app.close();
    }
  });

  it('refuses to start on an invalid setting and names the variable', async () => {
    process.env.PROJECTOR_STATE_SAVE_EVERY = '0';
    try {
      await expect(startApp(ProjectorModule)).rejects.toThrow(/PROJECTOR_STATE_SAVE_EVERY/);
    } finally {
      delete process.env.PROJECTOR_STATE_SAVE_EVERY;
    }
  });
});
