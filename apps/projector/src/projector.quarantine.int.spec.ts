import { randomUUID } from 'node:crypto';
import { PostgresEventStore } from '@libs/event-store';
import { skuStreamId } from '@libs/inventory-application';
import { readModelTypes } from '@libs/read-models';
import { createTestDatabase, eventually, type TestDatabase } from '@libs/testing';
import { Registry } from 'prom-client';
import {
  appendCommands,
  headCheckpoint,
  inventoryHandler,
  projectToHead,
  type InventoryHandler,
} from '../test/projection-fixtures';
import { commandsFor, T0 } from '../test/recorded-streams';
import { QuarantineReasons, type ProjectionFailure } from './projection/projection-failure';
import { Projector } from './projector';
import { ProjectorMetrics } from './projector.metrics';

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
        data: {
          channel: 'taobao',
          channelOrderId: 'T-HUGE',
          reason: 'INSUFFICIENT_STOCK',
          requested: TWO_POW_31,
        },
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

describe('the projector setting aside a SKU it cannot project', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  let handler: InventoryHandler;

  beforeAll(async () => {
    db = await createTestDatabase('projector_quarantine');
    store = await PostgresEventStore.create(db.pool);
    handler = inventoryHandler(store);
  });
  afterAll(() => db?.drop());

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

  const quarantine = async () =>
    (
      await db.pool.query({
        text: `SELECT sku, version, event_type, reason_code, attempts, skipped_events, retry_requested_at
                 FROM projection_quarantine ORDER BY sku`,
        types: readModelTypes,
      })
    ).rows;

  const onHand = async (sku: string) => {
    const { rows } = await db.pool.query<{ on_hand: string }>(
      `SELECT on_hand FROM sku_stock WHERE sku = $1`,
      [sku],
    );
    return rows.length === 0 ? null : Number(rows[0].on_hand);
  };

  it('keeps projecting every other SKU, passes over the set-aside one and keeps it aside on a failing retry', async () => {
    const poison = commandsFor('POISON');
    const fine = commandsFor('FINE');
    await appendCommands(handler, [
      poison.register(T0, 'quantity'),
      poison.receive(T0 + 1, 'p1', 10),
      fine.register(T0, 'quantity'),
    ]);
    // Not a safe integer, not a bigint: PostgreSQL refuses the reservation row, on every attempt.
    await appendRaw('POISON', [
      {
        type: 'ReservationRejected',
        data: { channel: 'shop', channelOrderId: 'S-1', reason: 'INSUFFICIENT_STOCK', requested: 1e20 },
      },
      { type: 'StockReceived', data: { batchId: 'p2', quantity: 5 } },
    ]);
    await appendCommands(handler, [fine.receive(T0 + 20, 'f1', 7), poison.receive(T0 + 21, 'p3', 1)]);

    const registry = new Registry();
    const metrics = new ProjectorMetrics(registry, db.pool);
    const failures: ProjectionFailure[] = [];
    const projector = new Projector(db.pool, store, { metrics, onQuarantine: (f) => failures.push(f) });
    await projectToHead(projector, db.pool);

    expect(projector.checkpoint).toEqual(await headCheckpoint(db.pool));
    expect(await onHand('FINE')).toBe(7);
    // Projected up to the event before the failing one, nothing after.
    expect(await onHand('POISON')).toBe(10);
    expect(await quarantine()).toEqual([
      {
        sku: 'POISON',
        version: 3,
        event_type: 'ReservationRejected',
        reason_code: QuarantineReasons.VALUE_REFUSED,
        attempts: 1,
        skipped_events: 2,
        retry_requested_at: null,
      },
    ]);
    expect(failures.map((f) => [f.sku, f.event.version, f.reason])).toEqual([
      ['POISON', 3, QuarantineReasons.VALUE_REFUSED],
    ]);
    const text = await registry.metrics();
    expect(text).toContain('stocksync_projection_quarantined_skus 1');
    expect(text).toContain(
      `stocksync_projection_quarantined_total{reason="${QuarantineReasons.VALUE_REFUSED}"} 1`,
    );
    expect(text).toContain('stocksync_projector_events_total{result="quarantined"} 3');

    // Later events of the set-aside SKU are counted and passed over; the others still project.
    await appendCommands(handler, [poison.receive(T0 + 30, 'p4', 1), fine.receive(T0 + 31, 'f2', 1)]);
    await projectToHead(projector, db.pool);
    expect(await onHand('FINE')).toBe(8);
    expect(await onHand('POISON')).toBe(10);
    expect((await quarantine())[0]).toMatchObject({ skipped_events: 3 });

    // The event still cannot be projected: the SKU stays aside, one more attempt on record.
    const retried = await projector.retryQuarantined('POISON');
    expect(retried).toMatchObject({
      result: 'still_quarantined',
      failure: { reason: QuarantineReasons.VALUE_REFUSED },
    });
    expect((await quarantine())[0]).toMatchObject({ version: 3, attempts: 2, skipped_events: 0 });
    expect(await onHand('POISON')).toBe(10);
    expect(await projector.retryQuarantined('FINE')).toEqual({ result: 'not_quarantined' });
  });

  it('sets aside a SKU whose state grows past the bound, and a retry with a larger bound brings it back', async () => {
    const hot = commandsFor('HOT');
    const calm = commandsFor('CALM');
    const orders = Array.from({ length: 30 }, (_, i) => hot.reserve(T0 + 100 + i, 'shop', `H-${i}`, 1));
    await appendCommands(handler, [
      hot.register(T0, 'quantity'),
      hot.receive(T0 + 1, 'h1', 100),
      calm.register(T0, 'quantity'),
      ...orders,
      calm.receive(T0 + 200, 'c1', 4),
    ]);
    const tight = new Projector(db.pool, store, { stateSaveEvery: 4, maxStateBytes: 2_000 });
    await projectToHead(tight, db.pool);

    expect(await onHand('CALM')).toBe(4);
    const [row] = (await quarantine()).filter((r) => r.sku === 'HOT');
    expect(row).toMatchObject({
      reason_code: QuarantineReasons.STATE_TOO_LARGE,
      event_type: 'StockReserved',
    });
    // Stopped at a save point, the events before it projected.
    expect(row.version % 4).toBe(0);
    const { rows: before } = await db.pool.query<{ version: string }>(
      `SELECT version FROM sku_stock WHERE sku = 'HOT'`,
    );
    expect(Number(before[0].version)).toBe(row.version - 1);

    // The operator raises the bound (a new projector) and asks for a retry through the table, as the API does.
    const roomy = new Projector(db.pool, store, {
      stateSaveEvery: 4,
      pollIntervalMs: 20,
      quarantinePollMs: 20,
    });
    await db.pool.query(
      `UPDATE projection_quarantine SET retry_requested_at = now(), retry_requested_by = 'ops' WHERE sku = 'HOT'`,
    );
    await roomy.start();
    try {
      await eventually(
        async () => (await quarantine()).every((r) => r.sku !== 'HOT') || undefined,
        20_000,
        'the retry to release HOT',
      );
      const { rows } = await db.pool.query<{ reserved: string; version: string }>(
        `SELECT reserved, version FROM sku_stock WHERE sku = 'HOT'`,
      );
      expect(rows.map((r) => [Number(r.reserved), Number(r.version)])).toEqual([[30, 32]]);
      // Projected again like any other SKU.
      await appendCommands(handler, [hot.receive(T0 + 300, 'h2', 5)]);
      await eventually(
        async () => (await onHand('HOT')) === 105 || undefined,
        20_000,
        'HOT to project again',
      );
    } finally {
      await roomy.stop();
    }
    const { rows: reservations } = await db.pool.query(
      `SELECT count(*)::int AS n FROM reservations WHERE sku = 'HOT'`,
    );
    expect(reservations[0].n).toBe(30);
  });

  it('charges a lost connection to nobody: the batch fails, nothing is set aside, the next attempt projects it', async () => {
    const flaky = commandsFor('FLAKY');
    await appendCommands(handler, [flaky.register(T0, 'quantity'), flaky.receive(T0 + 1, 'x1', 3)]);
    let broken = true;
    const pool = new Proxy(db.pool, {
      get(target, prop, receiver) {
        if (prop !== 'connect') return Reflect.get(target, prop, receiver);
        // pool.query() connects with a callback: left alone. Transactions take a client with connect().
        return async (callback?: unknown) => {
          if (typeof callback === 'function') return target.connect(callback as never);
          const client = await target.connect();
          const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
          (client as { query: unknown }).query = (...args: unknown[]) => {
            if (broken && typeof args[0] === 'string' && args[0].includes('INSERT INTO sku_stock')) {
              broken = false;
              return Promise.reject(Object.assign(new Error('terminating connection'), { code: '57P01' }));
            }
            return query(...args);
          };
          return client;
        };
      },
    });
    const projector = new Projector(pool, store);
    await expect(projector.catchUp()).rejects.toMatchObject({ code: '57P01' });
    await projectToHead(projector, db.pool);
    expect(await onHand('FLAKY')).toBe(3);
    expect((await quarantine()).map((r) => r.sku)).not.toContain('FLAKY');
  });
});
