import { DeliveryLinks } from '@libs/channels';
import { TaobaoSimulator } from '@libs/platform-simulators';
import { ConnectorRig, eventually } from '@libs/testing';
import { ConnectorTaobaoModule } from '../src/connector-taobao.module';
import { taobaoConnector } from '../src/taobao.connector';

const APP_KEY = 'taobao-app-key-page';
const APP_SECRET = 'taobao-app-secret-page';
const CARD_SKU = 'TB-PAGE-CARD';
const UNITS = ['page-unit-1', 'page-unit-2', 'page-unit-3'];
const secretOf = (unitId: string) => `SECRET-OF-${unitId}`;

function tradeNotice(tid: string, status: string): string {
  return `{"topic":"taobao_trade_TradeChanged","content":{"tid":${tid},"status":"${status}","orders":[{"outer_sku_id":"${CARD_SKU}","num":1}]}}`;
}

/**
 * The buyer's side of a marketplace card-key order: Taobao is told the trade shipped and holds only a link; the
 * link opens the connector's delivery page, which shows the key a bounded number of times, for that order only.
 */
describe('the buyer delivery page behind a Taobao delivery link', () => {
  let rig: ConnectorRig;
  const taobao = new TaobaoSimulator(APP_KEY, APP_SECRET);

  beforeAll(async () => {
    taobao.setListing(CARD_SKU, 0);
    rig = await ConnectorRig.start({
      module: ConnectorTaobaoModule,
      channel: 'taobao',
      webhookPath: taobaoConnector.webhookPath,
      platform: taobao,
      appKey: APP_KEY,
      appSecret: APP_SECRET,
      cardKeys: { [CARD_SKU]: UNITS.map((unitId) => ({ unitId, secret: secretOf(unitId) })) },
    });
  });

  afterAll(async () => {
    await rig?.stop();
  });

  const open = (token: string) => fetch(`${rig.connector.url}/deliveries/${token}`);

  it('shows the key to the link holder at most DELIVERY_LINK_MAX_VIEWS times, and never to another order', async () => {
    await rig.notify(tradeNotice('"3907000001"', 'WAIT_SELLER_SEND_GOODS'));
    const delivered = await eventually(
      () => [...taobao.deliveries.values()].find((d) => d.orderId === '3907000001'),
      20_000,
      'the no-logistics shipment on Taobao',
    );
    // Taobao holds the link and the unit id, never the key.
    expect(delivered.secret).toBeUndefined();
    expect(JSON.stringify([...taobao.deliveries.values()])).not.toContain('SECRET-OF-');
    const token = delivered.link!.slice(delivered.link!.indexOf('/deliveries/') + '/deliveries/'.length);

    for (let view = 1; view <= 3; view += 1) {
      const page = await open(token);
      expect(page.status).toBe(200);
      expect(page.headers.get('cache-control')).toBe('no-store');
      expect(page.headers.get('referrer-policy')).toBe('no-referrer');
      expect(await page.text()).toContain(secretOf(delivered.unitId));
    }
    const fourth = await open(token);
    expect(fourth.status).toBe(410);
    expect(await fourth.text()).not.toContain('SECRET-OF-');

    // A tampered token and a token for a unit this order was not allocated are refused without a key.
    const [payload, mac] = token.split('.');
    const tampered = await open(`${payload}x.${mac}`);
    expect(tampered.status).toBe(404);
    const otherUnit = UNITS.find((u) => u !== delivered.unitId)!;
    const signedButWrong = new DeliveryLinks({
      secret: process.env.DELIVERY_LINK_SECRET!,
      pageUrl: 'http://x',
    }).issue({ channel: 'taobao', orderId: '3907000001', sku: CARD_SKU, unitIds: [otherUnit] });
    const wrong = await open(signedButWrong.slice('http://x/deliveries/'.length));
    expect(wrong.status).toBe(404);
    expect(await wrong.text()).not.toContain('SECRET-OF-');
  });

  it('needs no service token (the buyer has none) but answers 404 to a garbage token', async () => {
    const page = await open('not-a-token');
    expect(page.status).toBe(404);
  });
});
