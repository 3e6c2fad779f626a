import { PostgresEventStore, type EventStore, type GlobalCheckpoint } from '@libs/event-store';
import { createTestDatabase, type TestDatabase } from '@libs/testing';
import { appendCommands, inventoryHandler } from '../test/projection-fixtures';
import { commandsFor, T0 } from '../test/recorded-streams';
import { Projector } from './projector';

/**
 * The global feed is a delivery order, not a SKU's order: when it hands the projector a SKU event whose version
 * skips past the projected one, the projector reads the missing versions from the SKU's stream (the truth) and
 * folds them first, instead of setting the SKU aside for a gap the stream does not have.
 */
describe('the projector meeting a SKU event ahead of its projected version', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;

  beforeAll(async () => {
    db = await createTestDatabase('projector_gaps');
    store = await PostgresEventStore.create(db.pool);
  });
  afterAll(() => db?.drop());

  it('given a feed that skipped version 5 of a SKU, when version 6 arrives, then 5 is read from the stream and both are projected', async () => {
    const gap = commandsFor('GAP');
    await appendCommands(inventoryHandler(store), [
      gap.register(T0, 'quantity'),
      gap.policy(T0, 'taobao'),
      gap.policy(T0, 'pinduoduo'),
      gap.policy(T0, 'miniprogram'),
      gap.policy(T0, 'shop'),
      gap.receive(T0 + 1, 'po-1', 40),
    ]);
    const stream = await store.readStream('sku-GAP');
    expect(stream.map((e) => [e.version, e.type])).toEqual([
      [1, 'SkuRegistered'],
      [2, 'ChannelPolicySet'],
      [3, 'ChannelPolicySet'],
      [4, 'ChannelPolicySet'],
      [5, 'ChannelPolicySet'],
      [6, 'StockReceived'],
    ]);
    const skipped = stream[4].eventId;
    // The feed the projector follows, without version 5: its checkpoint moves past it as if it had come later.
    const feed = Object.create(store) as EventStore;
    feed.readAll = async (from: GlobalCheckpoint, max: number) => {
      const page = await store.readAll(from, max);
      return { ...page, events: page.events.filter((e) => e.eventId !== skipped) };
    };

    const projector = new Projector(db.pool, feed, { batchSize: 50 });
    await projector.catchUp();

    const { rows: aside } = await db.pool.query(`SELECT sku, reason FROM projection_quarantine`);
    expect(aside).toEqual([]);
    const { rows: state } = await db.pool.query<{ version: string }>(
      `SELECT version FROM projection_sku_state WHERE sku = 'GAP'`,
    );
    expect(state.map((r) => Number(r.version))).toEqual([6]);
    // Every channel's policy was folded, the skipped shop policy included: four targets of the 40 received.
    const { rows: targets } = await db.pool.query<{ channel: string; quantity: number }>(
      `SELECT DISTINCT ON (channel) channel, quantity FROM target_outbox WHERE sku = 'GAP' ORDER BY channel, version DESC`,
    );
    expect(targets.map((r) => [r.channel, Number(r.quantity)])).toEqual([
      ['miniprogram', 40],
      ['pinduoduo', 40],
      ['shop', 40],
      ['taobao', 40],
    ]);
  });
});
