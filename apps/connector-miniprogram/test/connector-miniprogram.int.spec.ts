import { MiniprogramSimulator } from '@libs/platform-simulators';
import { ConnectorRig, eventually } from '@libs/testing';
import { ConnectorMiniprogramModule } from '../src/connector-miniprogram.module';
import { miniprogramConnector } from '../src/miniprogram.connector';

// WeChat authenticates with an access token, which the connector takes from CONNECTOR_APP_SECRET.
const ACCESS_TOKEN = 'wechat-access-token-test';
const CARD_SKU = 'WX-MEMBER-CARD-30D';
// Enough for every order the file places: each placement holds one.
const UNITS = ['wx-unit-1', 'wx-unit-2', 'wx-unit-3', 'wx-unit-4', 'wx-unit-5'];

/** A mini-shop order event (`open_product_order_*`), as JSON text (`orderId` is written as given: quoted or bare). */
function orderEvent(event: string, orderId: string, lines: { sku: string; count: number }[]): string {
  const products = lines.map((l) => ({ out_sku_id: l.sku, sku_cnt: l.count }));
  return `{"Event":${JSON.stringify(event)},"order_info":{"order_id":${orderId},"product_infos":${JSON.stringify(products)}}}`;
}

describe('connector-miniprogram on the real broker and PostgreSQL, against the WeChat mini-shop simulator', () => {
  let rig: ConnectorRig;
  const wechat = new MiniprogramSimulator(ACCESS_TOKEN);

  beforeAll(async () => {
    // Sold out and off sale: a full update cannot set 0, so the product waits delisted for stock.
    wechat.setListing(CARD_SKU, 0, { listed: false });
    rig = await ConnectorRig.start({
      module: ConnectorMiniprogramModule,
      channel: 'miniprogram',
      webhookPath: miniprogramConnector.webhookPath,
      platform: wechat,
      appSecret: ACCESS_TOKEN,
      cardKeys: { [CARD_SKU]: UNITS.map((unitId) => ({ unitId, secret: `SECRET-OF-${unitId}` })) },
    });
  });

  afterAll(async () => {
    await rig?.stop();
  });

  it('takes a paid card-key order from the notice to the channel event, the pushed target and the delivery', async () => {
    const order = '3705116012345678';
    // Notice in: the buyer paid (open_product_order_pay) for one key; WeChat sends the order id as a number.
    const answer = await rig.notify(
      orderEvent('open_product_order_pay', order, [{ sku: CARD_SKU, count: 1 }]),
    );
    expect(answer).toEqual({ status: 200, json: { ok: true, result: 'emitted' } });

    // Event on Kafka: the placement and the payment, for this channel, order and SKU.
    const events = await eventually(
      () => (rig.eventsOf(order).length === 2 ? rig.eventsOf(order) : undefined),
      15_000,
      'the order events on stock.channel-events',
    );
    expect(events.map((e) => e.type).sort()).toEqual(['order.paid', 'order.placed']);
    for (const e of events) expect(e.payload).toMatchObject({ channel: 'miniprogram', sku: CARD_SKU });
    expect(events.find((e) => e.type === 'order.placed')!.payload).toMatchObject({
      lines: [{ quantity: 1 }],
    });

    // Target back: the stock is written (product/stock/update) and the product put on sale again.
    await rig.publishTarget(CARD_SKU, 4, 5);
    await eventually(
      async () => ((await rig.pushState(CARD_SKU)).ackedVersion === 5 ? true : undefined),
      15_000,
      'the acknowledged push',
    );
    expect(await rig.pushState(CARD_SKU)).toEqual({ ackedVersion: 5, ackedQuantity: 4, errorCode: null });
    expect(wechat.listings.get(CARD_SKU)).toMatchObject({ quantity: 4, listed: true });
    expect(wechat.stockCalls().map((c) => [c.api, c.result])).toEqual([
      ['product/stock/update', 'ok'],
      ['product/listing', 'ok'],
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
      wechat.deliveryLog
        .filter((d) => d.orderId === order)
        .map((d) => ({ unitId: d.unitId, sku: d.sku, duplicate: d.duplicate })),
    ).toEqual([{ unitId, sku: CARD_SKU, duplicate: false }]);
  });

  it('delists the product for a target of 0 (a full update cannot set 0) and records that acknowledgement', async () => {
    await rig.publishTarget(CARD_SKU, 0, 9);
    await eventually(
      async () => ((await rig.pushState(CARD_SKU)).ackedVersion === 9 ? true : undefined),
      15_000,
      'the acknowledged delisting',
    );
    expect(await rig.pushState(CARD_SKU)).toEqual({ ackedVersion: 9, ackedQuantity: 0, errorCode: null });
    expect(wechat.listings.get(CARD_SKU)).toMatchObject({ listed: false });
    expect(wechat.stockCalls().at(-1)).toMatchObject({ api: 'product/delisting', result: 'ok' });
  });

  it('refuses a notice signed with another secret (401) and emits nothing for it', async () => {
    const forged = await rig.notify(
      orderEvent('open_product_order_pay', '3705119000000001', [{ sku: CARD_SKU, count: 1 }]),
      {
        signWith: 'not-the-webhook-secret',
      },
    );
    expect(forged.status).toBe(401);
    expect(forged.json).toMatchObject({ code: 'WEBHOOK.BAD_SIGNATURE' });

    // A signed notice sent after it arrives; by then the forged one would have too.
    await rig.notify(orderEvent('open_product_order_new', '3705119000000002', [{ sku: CARD_SKU, count: 1 }]));
    await eventually(
      () => (rig.eventsOf('3705119000000002').length === 1 ? true : undefined),
      15_000,
      'the signed notice',
    );
    expect(rig.eventsOf('3705119000000001')).toEqual([]);
    expect(await rig.recordedNotices('3705119000000001')).toBe(0);
  });

  it('keeps a 19-digit numeric order_id as its exact digits: two ids one double apart stay two orders', async () => {
    const [a, b] = ['3705116012345678901', '3705116012345678902'];
    expect(Number(a)).toBe(Number(b)); // JSON.parse alone would merge them
    for (const orderId of [a, b]) {
      const answer = await rig.notify(
        orderEvent('open_product_order_new', orderId, [{ sku: CARD_SKU, count: 1 }]),
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
