import { PinduoduoSimulator } from '@libs/platform-simulators';
import {
  ConnectorRig,
  expectForgedNoticeRefused,
  expectNumericIdsKeptApart,
  expectPaidCardKeyOrderDelivered,
} from '@libs/testing';
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
    // Notice in: the buyer paid (pdd_trade_TradeBuyerPay) for one key; the target goes out with
    // pdd.goods.quantity.update.
    await expectPaidCardKeyOrderDelivered(rig, pdd, {
      channel: 'pinduoduo',
      sku: CARD_SKU,
      orderId: order,
      notice: orderMessage('pdd_trade_TradeBuyerPay', JSON.stringify(order), [{ sku: CARD_SKU, count: 1 }]),
      units: UNITS,
      targetQuantity: 3,
    });
    expect(pdd.stockCalls().map((c) => [c.api, c.skus, c.result])).toContainEqual([
      'pdd.goods.quantity.update',
      [CARD_SKU],
      'ok',
    ]);
  });

  it('refuses a notice signed with another secret (401) and emits nothing for it', async () => {
    const notice = (type: string, orderSn: string) =>
      orderMessage(type, JSON.stringify(orderSn), [{ sku: CARD_SKU, count: 1 }]);
    await expectForgedNoticeRefused(
      rig,
      {
        orderId: '231130-000000000000001',
        notice: notice('pdd_trade_TradeBuyerPay', '231130-000000000000001'),
      },
      {
        orderId: '231130-000000000000002',
        notice: notice('pdd_trade_TradeCreate', '231130-000000000000002'),
      },
    );
  });

  it('keeps a 19-digit numeric order_sn as its exact digits: two ids one double apart stay two orders', async () => {
    await expectNumericIdsKeptApart(rig, ['2311301234567890123', '2311301234567890124'], (orderSn) =>
      orderMessage('pdd_trade_TradeCreate', orderSn, [{ sku: CARD_SKU, count: 1 }]),
    );
  });
});
