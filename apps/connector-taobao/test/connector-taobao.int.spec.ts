import { TaobaoSimulator } from '@libs/platform-simulators';
import {
  ConnectorRig,
  expectForgedNoticeRefused,
  expectNumericIdsKeptApart,
  expectPaidCardKeyOrderDelivered,
} from '@libs/testing';
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
    // Notice in: the buyer paid (WAIT_SELLER_SEND_GOODS) for one key; the target goes out with
    // taobao.skus.quantity.update.
    await expectPaidCardKeyOrderDelivered(rig, taobao, {
      channel: 'taobao',
      sku: CARD_SKU,
      orderId: '3801234567',
      notice: tradeNotice('"3801234567"', 'WAIT_SELLER_SEND_GOODS', [{ sku: CARD_SKU, num: 1 }]),
      units: UNITS,
      targetQuantity: 2,
    });
    expect(taobao.stockCalls().map((c) => [c.api, c.skus, c.result])).toContainEqual([
      'taobao.skus.quantity.update',
      [CARD_SKU],
      'ok',
    ]);
  });

  it('refuses a notice signed with another secret (401) and emits nothing for it', async () => {
    await expectForgedNoticeRefused(
      rig,
      {
        orderId: '3809999001',
        notice: tradeNotice('"3809999001"', 'WAIT_SELLER_SEND_GOODS', [{ sku: CARD_SKU, num: 1 }]),
      },
      {
        orderId: '3809999002',
        notice: tradeNotice('"3809999002"', 'WAIT_BUYER_PAY', [{ sku: CARD_SKU, num: 1 }]),
      },
    );
  });

  it('keeps a 19-digit numeric tid as its exact digits: two ids one double apart stay two orders', async () => {
    await expectNumericIdsKeptApart(rig, ['1234567890123456789', '1234567890123456788'], (tid) =>
      tradeNotice(tid, 'WAIT_BUYER_PAY', [{ sku: CARD_SKU, num: 1 }]),
    );
  });
});
