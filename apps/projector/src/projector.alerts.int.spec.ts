import { PostgresEventStore } from '@libs/event-store';
import { AlertsTopic, type EnvelopeOf, type KafkaMessageBus } from '@libs/messaging';
import { startApp, type StartedApp } from '@libs/runtime';
import {
  createTestDatabase,
  deleteTopicsWithPrefix,
  eventually,
  testKafkaBus,
  uniqueTopicPrefix,
  type TestDatabase,
} from '@libs/testing';
import { appendCommands, inventoryHandler } from '../test/projection-fixtures';
import { commandsFor, T0 } from '../test/recorded-streams';
import { ProjectorModule } from './projector.module';

/** The projector app publishes the low-stock alerts it projects on stock.alerts, for the notifier. */
describe('the projector app and stock.alerts', () => {
  let db: TestDatabase;
  let bus: KafkaMessageBus;
  let app: StartedApp | undefined;
  const received: EnvelopeOf<typeof AlertsTopic>[] = [];
  const savedEnv = { ...process.env };
  const prefix = uniqueTopicPrefix('projector-alerts');

  beforeAll(async () => {
    db = await createTestDatabase('projector_alerts');
    Object.assign(process.env, {
      DATABASE_URL: db.url,
      KAFKA_TOPIC_PREFIX: prefix,
      HTTP_PORT: '0',
      LOG_LEVEL: 'error',
      PROJECTOR_POLL_INTERVAL_MS: '20',
    });
    bus = testKafkaBus('alerts-reader', prefix);
    await bus.subscribe(AlertsTopic, 'test-alerts', async (batch) => {
      received.push(...batch.messages.map((m) => m.envelope));
    });
    await bus.start();
    app = await startApp(ProjectorModule);
  }, 60_000);

  afterAll(async () => {
    await app?.app.close();
    await bus?.stop();
    process.env = savedEnv;
    await deleteTopicsWithPrefix(prefix);
    await db?.drop();
  }, 60_000);

  it('raises LOW_STOCK when a SKU falls to its threshold and resolves it when restocked above', async () => {
    const store = new PostgresEventStore(db.pool);
    const sku = commandsFor('ALERT-1');
    await appendCommands(inventoryHandler(store), [
      sku.register(T0, 'quantity', { lowStockThreshold: 10 }),
      sku.receive(T0 + 1, 'b1', 8),
    ]);
    const raised = await eventually(
      () => received.find((e) => e.type === 'alert.raised' && e.payload.key === 'ALERT-1'),
      30_000,
      'alert.raised for ALERT-1',
    );
    expect(raised.payload).toMatchObject({
      kind: 'LOW_STOCK',
      severity: 'warning',
      labels: { sku: 'ALERT-1', threshold: '10', on_hand: '8' },
    });

    await appendCommands(inventoryHandler(store), [sku.receive(T0 + 2, 'b2', 20)]);
    const resolved = await eventually(
      () => received.find((e) => e.type === 'alert.resolved' && e.payload.key === 'ALERT-1'),
      30_000,
      'alert.resolved for ALERT-1',
    );
    expect(resolved.payload.summary).toContain('back above its threshold of 10');
    expect(new Date(resolved.payload.at).getTime()).toBeGreaterThan(new Date(raised.payload.at).getTime());
  }, 70_000);
});
