import { TaobaoSimulator } from '@libs/platform-simulators';
import { ConnectorRig, eventually } from '@libs/testing';
import { ConnectorTaobaoModule } from '../src/connector-taobao.module';
import { taobaoConnector } from '../src/taobao.connector';

const APP_KEY = 'taobao-app-key-test';
const APP_SECRET = 'taobao-app-secret-test';
const CARD_SKU = 'TB-GIFT-CARD-100';
// Enough for every order the file places: each placement holds one.
const UNITS = ['tb-unit-1', 'tb-unit-2', 'tb-unit-3', 'tb-unit-4', 'tb-unit-5'];

/** A trade message as Taobao's message service (TMC) carries it, as JSON text (`tid` may be a bare number). */
function tradeNotice(tid: string, status: string, lines: { sku: string; num: number }[]): string {
  const orders = lines.map((l) => ({ outer_sku_id: l.sku, num: l.num }));
  return `{"topic":"taobao_trade_TradeChanged","content":{"tid":${tid},"status":${JSON.stringify(status)},"orders":${JSON.stringify(orders)}}}`;
}

describe('connector-taobao on the real broker and PostgreSQL, against the Taobao simulator', () => {
  let rig: ConnectorRig;
  const taobao = new TaobaoSimulator(APP_KEY, APP_SECRET);

  beforeAll(async () => {
    // The seller's listing the connector finds by outer_id (our SKU code) under its item.
    taobao.setListing(CARD_SKU, 0);
    rig = await ConnectorRig.start({
      module: ConnectorTaobaoModule,
      channel: 'taobao',
      webhookPath: taobaoConnector.webhookPath,
      platform: taobao,
      appKey: APP_KEY,
      appSecret: APP_SECRET,
      cardKeys: { [CARD_SKU]: UNITS.map((unitId) => ({ unitId, secret: `SECRET-OF-${unitId}` })) },
    });
  });

  afterAll(async () => {
    await rig?.stop();
  });

  it('takes a paid card-key order from the notice to the channel event, the pushed target and the delivery', async () => {
    // Notice in: the buyer paid (WAIT_SELLER_SEND_GOODS) for one key.
    const answer = await rig.notify(
      tradeNotice('"3801234567"', 'WAIT_SELLER_SEND_GOODS', [{ sku: CARD_SKU, num: 1 }]),
    );
    expect(answer).toEqual({ status: 200, json: { ok: true, result: 'emitted' } });

    // Event on Kafka: the placement and the payment, for this channel, order and SKU.
    const events = await eventually(
      () => (rig.eventsOf('3801234567').length === 2 ? rig.eventsOf('3801234567') : undefined),
      15_000,
      'the order events on stock.channel-events',
    );
    expect(events.map((e) => e.type).sort()).toEqual(['order.paid', 'order.placed']);
    for (const e of events) expect(e.payload).toMatchObject({ channel: 'taobao', sku: CARD_SKU });
    expect(events.find((e) => e.type === 'order.placed')!.payload).toMatchObject({
      lines: [{ quantity: 1 }],
    });

    // Target back: the connector pushes it with taobao.skus.quantity.update and records the acknowledgement.
    await rig.publishTarget(CARD_SKU, 2, 5);
    await eventually(
      async () => ((await rig.pushState(CARD_SKU)).ackedVersion === 5 ? true : undefined),
      15_000,
      'the acknowledged push',
    );
    expect(await rig.pushState(CARD_SKU)).toEqual({ ackedVersion: 5, ackedQuantity: 2, errorCode: null });
    expect(taobao.listings.get(CARD_SKU)).toMatchObject({ quantity: 2, listed: true });
    expect(taobao.stockCalls().map((c) => [c.api, c.skus, c.result])).toContainEqual([
      'taobao.skus.quantity.update',
      [CARD_SKU],
      'ok',
    ]);

    // Allocation: the inventory service confirms the payment and names one sealed unit on stock.order-outcomes.
    const [unitId] = await eventually(
      () => (rig.allocatedUnits('3801234567').length > 0 ? rig.allocatedUnits('3801234567') : undefined),
      15_000,
      'the allocation on stock.order-outcomes',
    );
    expect(rig.allocatedUnits('3801234567')).toEqual([unitId]);
    expect(UNITS).toContain(unitId);

    // Delivery: the ledger records the hand-over once the platform acknowledged it.
    const ledger = await eventually(
      async () => {
        const rows = await rig.deliveries('3801234567');
        return rows[0]?.state === 'delivered' ? rows : undefined;
      },
      15_000,
      'the delivery in the ledger',
    );
    expect(ledger).toEqual([{ unitId, state: 'delivered', attempts: 1 }]);
    // The platform's own record of what reached the buyer: that unit, for that order, once.
    expect(
      taobao.deliveryLog
        .filter((d) => d.orderId === '3801234567')
        .map((d) => ({ unitId: d.unitId, sku: d.sku, duplicate: d.duplicate })),
    ).toEqual([{ unitId, sku: CARD_SKU, duplicate: false }]);
  });

  it('refuses a notice signed with another secret (401) and emits nothing for it', async () => {
    const forged = await rig.notify(
      tradeNotice('"3809999001"', 'WAIT_SELLER_SEND_GOODS', [{ sku: CARD_SKU, num: 1 }]),
      {
        signWith: 'not-the-webhook-secret',
      },
    );
    expect(forged.status).toBe(401);
    expect(forged.json).toMatchObject({ code: 'WEBHOOK.BAD_SIGNATURE' });

    // A signed notice sent after it arrives; by then the forged one would have too.
    await rig.notify(tradeNotice('"3809999002"', 'WAIT_BUYER_PAY', [{ sku: CARD_SKU, num: 1 }]));
    await eventually(
      () => (rig.eventsOf('3809999002').length === 1 ? true : undefined),
      15_000,
      'the signed notice',
    );
    expect(rig.eventsOf('3809999001')).toEqual([]);
    expect(await rig.recordedNotices('3809999001')).toBe(0);
  });

  it('keeps a 19-digit numeric tid as its exact digits: two ids one double apart stay two orders', async () => {
    const [a, b] = ['1234567890123456789', '1234567890123456788'];
    expect(Number(a)).toBe(Number(b)); // JSON.parse alone would merge them
    for (const tid of [a, b]) {
      const answer = await rig.notify(tradeNotice(tid, 'WAIT_BUYER_PAY', [{ sku: CARD_SKU, num: 1 }]));
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
