import { randomUUID } from 'node:crypto';
import { PostgresEventStore } from '@libs/event-store';
import { skuStreamId } from '@libs/inventory-application';
import { createTestDatabase, type TestDatabase } from '@libs/testing';
import {
  appendCommands,
  headCheckpoint,
  inventoryHandler,
  projectToHead,
  type InventoryHandler,
} from '../test/projection-fixtures';
import { commandsFor, T0 } from '../test/recorded-streams';
import { Projector } from './projector';

const TWO_POW_31 = 2_147_483_648;

describe('the projector meeting quantities past 2^31', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  let handler: InventoryHandler;

  beforeAll(async () => {
    db = await createTestDatabase('projector_big_numbers');
    store = await PostgresEventStore.create(db.pool);
    handler = inventoryHandler(store);
  });
  afterAll(() => db?.drop());

  /** Events as an older build (or a bound not yet enforced) may have written them: straight into the stream. */
  async function appendRaw(sku: string, events: { type: string; data: Record<string, unknown> }[]) {
    const stream = await store.readStream(skuStreamId(sku));
    await store.appendToStream(
      skuStreamId(sku),
      stream.length,
      events.map((e) => ({
        eventId: randomUUID(),
        type: e.type,
        data: { sku, at: T0 + 10, actor: 'test', ...e.data },
      })),
    );
  }

  it('projects a rejection asking for 2^31 units and a receipt taking on hand past 2^31, and keeps going', async () => {
    const big = commandsFor('BIG');
    const calm = commandsFor('CALM');
    await appendCommands(handler, [
      big.register(T0, 'quantity'),
      big.policy(T0, 'taobao'),
      big.receive(T0 + 1, 'b1', 10),
      calm.register(T0, 'quantity'),
      calm.receive(T0 + 1, 'c1', 5),
    ]);
    await appendRaw('BIG', [
      {
        type: 'ReservationRejected',
        data: { channel: 'taobao', channelOrderId: 'T-HUGE', reason: 'INSUFFICIENT_STOCK', requested: TWO_POW_31 },
      },
      { type: 'StockReceived', data: { batchId: 'b2', quantity: TWO_POW_31 } },
    ]);
    await appendCommands(handler, [calm.receive(T0 + 20, 'c2', 3)]);

    const projector = new Projector(db.pool, store, { batchSize: 50 });
    await projectToHead(projector, db.pool);

    expect(projector.checkpoint).toEqual(await headCheckpoint(db.pool));
    const { rows: stock } = await db.pool.query<{ sku: string; on_hand: string; available: string }>(
      `SELECT sku, on_hand, available FROM sku_stock ORDER BY sku`,
    );
    expect(stock.map((r) => [r.sku, Number(r.on_hand), Number(r.available)])).toEqual([
      ['BIG', TWO_POW_31 + 10, TWO_POW_31 + 10],
      ['CALM', 8, 8],
    ]);
    const { rows: rejected } = await db.pool.query<{ quantity: string }>(
      `SELECT quantity FROM reservations WHERE sku = 'BIG' AND channel_order_id = 'T-HUGE'`,
    );
    expect(rejected.map((r) => Number(r.quantity))).toEqual([TWO_POW_31]);
    const { rows: targets } = await db.pool.query<{ quantity: string }>(
      `SELECT quantity FROM target_outbox WHERE sku = 'BIG' AND channel = 'taobao' ORDER BY id DESC LIMIT 1`,
    );
    expect(Number(targets[0].quantity)).toBe(TWO_POW_31 + 10);
  });
});
