import { MiniprogramSimulator } from '@libs/platform-simulators';
import {
  ConnectorRig,
  eventually,
  expectForgedNoticeRefused,
  expectNumericIdsKeptApart,
  expectPaidCardKeyOrderDelivered,
} from '@libs/testing';
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
    // Notice in: the buyer paid (open_product_order_pay) for one key; the target goes out as a stock update,
    // then the listing.
    await expectPaidCardKeyOrderDelivered(rig, wechat, {
      channel: 'miniprogram',
      sku: CARD_SKU,
      orderId: order,
      notice: orderEvent('open_product_order_pay', order, [{ sku: CARD_SKU, count: 1 }]),
      units: UNITS,
      targetQuantity: 4,
    });
    expect(wechat.stockCalls().map((c) => [c.api, c.result])).toEqual([
      ['product/stock/update', 'ok'],
      ['product/listing', 'ok'],
    ]);
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
    await expectForgedNoticeRefused(
      rig,
      {
        orderId: '3705119000000001',
        notice: orderEvent('open_product_order_pay', '3705119000000001', [{ sku: CARD_SKU, count: 1 }]),
      },
      {
        orderId: '3705119000000002',
        notice: orderEvent('open_product_order_new', '3705119000000002', [{ sku: CARD_SKU, count: 1 }]),
      },
    );
  });

  it('keeps a 19-digit numeric order_id as its exact digits: two ids one double apart stay two orders', async () => {
    await expectNumericIdsKeptApart(rig, ['3705116012345678901', '3705116012345678902'], (orderId) =>
      orderEvent('open_product_order_new', orderId, [{ sku: CARD_SKU, count: 1 }]),
    );
  });
});
