import { PostgresEventStore } from '@libs/event-store';
import type { InventoryCommand } from '@libs/inventory';
import { createTestDatabase, type TestDatabase } from '@libs/testing';
import {
  appendCommands,
  dumpReadModels,
  inventoryHandler,
  projectToHead,
  type InventoryHandler,
} from '../test/projection-fixtures';
import { commandsFor, T0 } from '../test/recorded-streams';
import { Projector } from './projector';

const SKU = 'RPT-1';
const c = commandsFor(SKU);
const refund = (now: number, channelOrderId: string, note: string): InventoryCommand => ({
  type: 'RefundOrder',
  data: { sku: SKU, now, actor: 'test', channel: 'taobao', channelOrderId, note },
});

/**
 * The reservations columns the reports read (read-models migration 8): the paid, delivered and refunded times,
 * the refund's note and the order notice's sale observations. Each is set once by its event and kept, so the rows
 * are the same one event per batch, all events in one batch, on a second replay and on a rebuild.
 */
describe('the projector fills the report columns of reservations', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  let handler: InventoryHandler;

  const projector = (batchSize: number) => new Projector(db.pool, store, { stateSaveEvery: 4, batchSize });
  const rows = async () =>
    (
      await db.pool.query(
        `SELECT channel_order_id, status, reason, paid_at, delivered_at, refunded_at, refund_note, supplier_id,
                unit_price, buyer_ref, buyer_level, province, city, shop
           FROM reservations WHERE sku = $1 ORDER BY channel_order_id`,
        [SKU],
      )
    ).rows;

  beforeAll(async () => {
    db = await createTestDatabase('projector_reports');
    store = await PostgresEventStore.create(db.pool);
    handler = inventoryHandler(store);
    await appendCommands(
      handler,
      [
        c.register(T0, 'quantity'),
        c.receive(T0, 'b1', 10),
        c.reserve(T0 + 1_000, 'taobao', 'o1', 2),
        c.confirm(T0 + 2_000, 'taobao', 'o1'),
        c.deliver(T0 + 62_000, 'taobao', 'o1'),
        // Delivered again later: delivered_at stays at the first delivery.
        c.reserve(T0 + 3_000, 'taobao', 'o2', 1),
        c.confirm(T0 + 4_000, 'taobao', 'o2'),
        refund(T0 + 5_000, 'o2', 'wrong region'),
        c.reserve(T0 + 6_000, 'taobao', 'o3', 1_000),
        c.reserve(T0 + 7_000, 'taobao', 'o4', 1),
      ],
      1,
    );
    // The order notices' sale observations, as the reservation events carry them once channels send them. The IP
    // is in the event and must not reach the read model; o4's price is out of bounds and its texts blank.
    const sales: Record<string, unknown> = {
      o1: {
        unitPrice: 1_250,
        buyerRef: 'buyer-9',
        buyerLevel: 'vip2',
        province: '浙江',
        city: '杭州',
        ip: '203.0.113.9',
        shop: '分站-7',
      },
      o3: { unitPrice: 990, buyerRef: 'buyer-3', ip: '203.0.113.3' },
      o4: { unitPrice: -5, buyerRef: '   ', shop: 'x'.repeat(201) },
    };
    for (const [order, sale] of Object.entries(sales)) {
      await db.pool.query(
        `UPDATE events SET data = jsonb_set(data, '{sale}', $2::jsonb)
          WHERE type IN ('StockReserved', 'ReservationRejected') AND data->>'channelOrderId' = $1`,
        [order, JSON.stringify(sale)],
      );
    }
  });
  afterAll(() => db?.drop());

  const expected = [
    {
      channel_order_id: 'o1',
      status: 'delivered',
      reason: null,
      paid_at: new Date(T0 + 2_000),
      delivered_at: new Date(T0 + 62_000),
      refunded_at: null,
      refund_note: null,
      supplier_id: null,
      unit_price: '1250',
      buyer_ref: 'buyer-9',
      buyer_level: 'vip2',
      province: '浙江',
      city: '杭州',
      shop: '分站-7',
    },
    {
      channel_order_id: 'o2',
      status: 'refunded',
      reason: null,
      paid_at: new Date(T0 + 4_000),
      delivered_at: null,
      refunded_at: new Date(T0 + 5_000),
      refund_note: 'wrong region',
      supplier_id: null,
      unit_price: null,
      buyer_ref: null,
      buyer_level: null,
      province: null,
      city: null,
      shop: null,
    },
    {
      channel_order_id: 'o3',
      status: 'rejected',
      reason: 'INSUFFICIENT_STOCK',
      paid_at: null,
      delivered_at: null,
      refunded_at: null,
      refund_note: null,
      supplier_id: null,
      unit_price: '990',
      buyer_ref: 'buyer-3',
      buyer_level: null,
      province: null,
      city: null,
      shop: null,
    },
    {
      channel_order_id: 'o4',
      status: 'reserved',
      reason: null,
      paid_at: null,
      delivered_at: null,
      refunded_at: null,
      refund_note: null,
      supplier_id: null,
      unit_price: null,
      buyer_ref: null,
      buyer_level: null,
      province: null,
      city: null,
      shop: null,
    },
  ];

  it('sets each column from its event, one event per batch', async () => {
    await projectToHead(projector(1), db.pool);
    expect(await rows()).toEqual(expected);
    const { rows: columns } = await db.pool.query(
      `SELECT column_name FROM information_schema.columns WHERE table_name = 'reservations' AND column_name LIKE '%ip%'`,
    );
    expect(columns).toEqual([]);
  });

  it('leaves the rows as they are on a second replay', async () => {
    const before = await dumpReadModels(db.pool);
    await db.pool.query('DELETE FROM projection_checkpoints');
    await projectToHead(projector(3), db.pool);
    expect(await dumpReadModels(db.pool)).toEqual(before);
  });

  it('rebuilds the same rows with every event in one batch', async () => {
    const rebuilding = projector(500);
    await rebuilding.rebuild();
    await projectToHead(rebuilding, db.pool);
    expect(await rows()).toEqual(expected);
  });

  it('records the supplier that fulfilled a forwarded order', async () => {
    const sku = 'RPT-SUP';
    const ctx = (now: number) => ({ sku, now, actor: 'test' });
    const s = commandsFor(sku);
    await appendCommands(
      handler,
      [
        { type: 'RegisterSku', data: { ...ctx(T0), kind: 'supplier' } },
        {
          type: 'ConfigureSupply',
          data: { ...ctx(T0), suppliers: [{ supplierId: 'sup-1', productId: 'p-1' }], safetyBuffer: 0 },
        },
        {
          type: 'ObserveSupplierStock',
          data: {
            ...ctx(T0),
            supplierId: 'sup-1',
            productId: 'p-1',
            stock: 100,
            supplyPrice: 500,
            onSale: true,
            observedAt: T0,
          },
        },
        s.reserve(T0 + 1_000, 'taobao', 'f1', 1),
        s.confirm(T0 + 2_000, 'taobao', 'f1'),
        {
          type: 'RecordForwardResult',
          data: {
            ...ctx(T0 + 30_000),
            channel: 'taobao',
            channelOrderId: 'f1',
            attempt: 1,
            supplierId: 'sup-1',
            outcome: 'fulfilled',
            supplierOrderId: 'so-1',
            units: [{ unitId: 'sup-key-1', fingerprint: 'fp-sup-key-1' }],
          },
        },
        s.deliver(T0 + 40_000, 'taobao', 'f1'),
      ] as InventoryCommand[],
      1,
    );
    await projectToHead(projector(2), db.pool);
    const { rows: forwarded } = await db.pool.query(
      `SELECT status, paid_at, delivered_at, supplier_id FROM reservations WHERE sku = $1`,
      [sku],
    );
    expect(forwarded).toEqual([
      {
        status: 'delivered',
        paid_at: new Date(T0 + 2_000),
        delivered_at: new Date(T0 + 40_000),
        supplier_id: 'sup-1',
      },
    ]);
  });

  it('keeps the first delivery time when the order is delivered again', async () => {
    await appendCommands(handler, [c.deliver(T0 + 90_000, 'taobao', 'o1')], 1);
    await projectToHead(projector(10), db.pool);
    expect((await rows())[0].delivered_at).toEqual(new Date(T0 + 62_000));
  });
});
