import { PinduoduoSimulator } from '@libs/platform-simulators';
import { ConnectorRig, eventually } from '@libs/testing';
import { ConnectorPinduoduoModule } from '../src/connector-pinduoduo.module';
import { pinduoduoConnector } from '../src/pinduoduo.connector';

const CLIENT_ID = 'pdd-client-id-test';
const CLIENT_SECRET = 'pdd-client-secret-test';
const CARD_SKU = 'PDD-GAME-POINTS-50';
// Enough for every order the file places: each placement holds one.
const UNITS = ['pdd-unit-1', 'pdd-unit-2', 'pdd-unit-3', 'pdd-unit-4', 'pdd-unit-5'];

/** A Pinduoduo order message (`pdd_trade_*`), as JSON text (`orderSn` is written as given: quoted or bare). */
function orderMessage(type: string, orderSn: string, lines: { sku: string; count: number }[]): string {
  const items = lines.map((l) => ({ outer_id: l.sku, goods_count: l.count }));
  return `{"type":${JSON.stringify(type)},"order_sn":${orderSn},"item_list":${JSON.stringify(items)}}`;
}

describe('connector-pinduoduo on the real broker and PostgreSQL, against the Pinduoduo simulator', () => {
  let rig: ConnectorRig;
  const pdd = new PinduoduoSimulator(CLIENT_ID, CLIENT_SECRET);

  beforeAll(async () => {
    // The seller's goods the connector finds by outer_id (our SKU code).
    pdd.setListing(CARD_SKU, 0);
    rig = await ConnectorRig.start({
      module: ConnectorPinduoduoModule,
      channel: 'pinduoduo',
      webhookPath: pinduoduoConnector.webhookPath,
      platform: pdd,
      appKey: CLIENT_ID,
      appSecret: CLIENT_SECRET,
      cardKeys: { [CARD_SKU]: UNITS.map((unitId) => ({ unitId, secret: `SECRET-OF-${unitId}` })) },
    });
  });

  afterAll(async () => {
    await rig?.stop();
  });

  it('takes a paid card-key order from the notice to the channel event, the pushed target and the delivery', async () => {
    const order = '231130-512345678901234';
    // Notice in: the buyer paid (pdd_trade_TradeBuyerPay) for one key.
    const answer = await rig.notify(
      orderMessage('pdd_trade_TradeBuyerPay', JSON.stringify(order), [{ sku: CARD_SKU, count: 1 }]),
    );
    expect(answer).toEqual({ status: 200, json: { ok: true, result: 'emitted' } });

    // Event on Kafka: the placement and the payment, for this channel, order and SKU.
    const events = await eventually(
      () => (rig.eventsOf(order).length === 2 ? rig.eventsOf(order) : undefined),
      15_000,
      'the order events on stock.channel-events',
    );
    expect(events.map((e) => e.type).sort()).toEqual(['order.paid', 'order.placed']);
    for (const e of events) expect(e.payload).toMatchObject({ channel: 'pinduoduo', sku: CARD_SKU });
    expect(events.find((e) => e.type === 'order.placed')!.payload).toMatchObject({
      lines: [{ quantity: 1 }],
    });

    // Target back: the connector pushes it with pdd.goods.quantity.update and records the acknowledgement.
    await rig.publishTarget(CARD_SKU, 3, 5);
    await eventually(
      async () => ((await rig.pushState(CARD_SKU)).ackedVersion === 5 ? true : undefined),
      15_000,
      'the acknowledged push',
    );
    expect(await rig.pushState(CARD_SKU)).toEqual({ ackedVersion: 5, ackedQuantity: 3, errorCode: null });
    expect(pdd.listings.get(CARD_SKU)).toMatchObject({ quantity: 3, listed: true });
    expect(pdd.stockCalls().map((c) => [c.api, c.skus, c.result])).toContainEqual([
      'pdd.goods.quantity.update',
      [CARD_SKU],
      'ok',
    ]);

    // Allocation: the inventory service confirms the payment and names one sealed unit on stock.order-outcomes.
    const [unitId] = await eventually(
      () => (rig.allocatedUnits(order).length > 0 ? rig.allocatedUnits(order) : undefined),
      15_000,
      'the allocation on stock.order-outcomes',
    );
    expect(rig.allocatedUnits(order)).toEqual([unitId]);
    expect(UNITS).toContain(unitId);

    // Delivery: the ledger records the hand-over once the platform acknowledged it.
    const ledger = await eventually(
      async () => {
        const rows = await rig.deliveries(order);
        return rows[0]?.state === 'delivered' ? rows : undefined;
      },
      15_000,
      'the delivery in the ledger',
    );
    expect(ledger).toEqual([{ unitId, state: 'delivered', attempts: 1 }]);
    // The platform's own record of what reached the buyer (by ids, however the key is handed over): once.
    expect(
      pdd.deliveryLog
        .filter((d) => d.orderId === order)
        .map((d) => ({ unitId: d.unitId, sku: d.sku, duplicate: d.duplicate })),
    ).toEqual([{ unitId, sku: CARD_SKU, duplicate: false }]);
  });

  it('refuses a notice signed with another secret (401) and emits nothing for it', async () => {
    const forged = await rig.notify(
      orderMessage('pdd_trade_TradeBuyerPay', '"231130-000000000000001"', [{ sku: CARD_SKU, count: 1 }]),
      { signWith: 'not-the-webhook-secret' },
    );
    expect(forged.status).toBe(401);
    expect(forged.json).toMatchObject({ code: 'WEBHOOK.BAD_SIGNATURE' });

    // A signed notice sent after it arrives; by then the forged one would have too.
    await rig.notify(
      orderMessage('pdd_trade_TradeCreate', '"231130-000000000000002"', [{ sku: CARD_SKU, count: 1 }]),
    );
    await eventually(
      () => (rig.eventsOf('231130-000000000000002').length === 1 ? true : undefined),
      15_000,
      'the signed notice',
    );
    expect(rig.eventsOf('231130-000000000000001')).toEqual([]);
    expect(await rig.recordedNotices('231130-000000000000001')).toBe(0);
  });

  it('keeps a 19-digit numeric order_sn as its exact digits: two ids one double apart stay two orders', async () => {
    const [a, b] = ['2311301234567890123', '2311301234567890124'];
    expect(Number(a)).toBe(Number(b)); // JSON.parse alone would merge them
    for (const orderSn of [a, b]) {
      const answer = await rig.notify(
        orderMessage('pdd_trade_TradeCreate', orderSn, [{ sku: CARD_SKU, count: 1 }]),
      );
      expect(answer).toEqual({ status: 200, json: { ok: true, result: 'emitted' } });
    }
    await eventually(
      () => (rig.eventsOf(a).length === 1 && rig.eventsOf(b).length === 1 ? true : undefined),
      15_000,
      'both placements',
    );
    expect(rig.eventsOf(a)[0].payload).toMatchObject({ channelOrderId: a });
    expect(rig.eventsOf(b)[0].payload).toMatchObject({ channelOrderId: b });
    expect([await rig.recordedNotices(a), await rig.recordedNotices(b)]).toEqual([1, 1]);
  });
});
