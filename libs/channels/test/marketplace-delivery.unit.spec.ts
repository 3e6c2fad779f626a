import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  MiniprogramSimulator,
  PinduoduoSimulator,
  type SimulatedPlatform,
  TaobaoSimulator,
} from '@libs/platform-simulators';
import { PlatformCallError } from '../src/outbound/platform-errors';
import type { PlatformAdapter } from '../src/outbound/platform-adapter';
import { DeliveryLinks } from '../src/platforms/delivery-link';
import { MiniprogramAdapter } from '../src/platforms/miniprogram';
import { PDD_NO_LOGISTICS_ID, PinduoduoAdapter, pddSign } from '../src/platforms/pinduoduo';
import { TaobaoAdapter, topSign } from '../src/platforms/taobao';

/**
 * Card keys on Taobao, Pinduoduo and WeChat: the connector marks the order shipped without logistics through the
 * platform's own signed call and gives the platform a signed link to StockSync's delivery page. The secret never
 * leaves the connector: every byte of every captured request is searched for it.
 */
const SECRET = 'S3CRET-CARD-KEY-0042';
const PAGE_URL = 'https://deliver.example.test';
const LINK_SECRET = 'a-delivery-link-secret-of-at-least-32-chars';
const cards = [
  { unitId: 'unit-1', secret: SECRET },
  { unitId: 'unit-2', secret: `${SECRET}-B` },
];

interface Captured {
  method: string;
  url: string;
  headers: Record<string, unknown>;
  body: string;
}

describe('marketplace card-key hand-over', () => {
  let server: Server;
  let baseUrl = '';
  const captured: Captured[] = [];
  let answer: unknown = {};
  const links = new DeliveryLinks({ secret: LINK_SECRET, pageUrl: PAGE_URL });

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        captured.push({
          method: req.method!,
          url: req.url!,
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(answer));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  beforeEach(() => {
    captured.length = 0;
  });

  /** The one request the call made, after proving no secret is anywhere in it. */
  function onlyRequest(): Captured {
    expect(captured).toHaveLength(1);
    const [r] = captured;
    const everything = `${r.method} ${r.url} ${JSON.stringify(r.headers)} ${r.body}`;
    for (const c of cards) {
      expect(everything).not.toContain(c.secret);
      expect(decodeURIComponent(everything.replace(/\+/g, ' '))).not.toContain(c.secret);
    }
    expect(r.url).not.toContain('/_sim');
    return r;
  }

  /** The link handed to the platform opens exactly these units of this order on this channel. */
  function expectLinkFor(link: string, channel: string, orderId: string): void {
    expect(link.startsWith(`${PAGE_URL}/deliveries/`)).toBe(true);
    const check = links.verify(link.slice(`${PAGE_URL}/deliveries/`.length));
    expect(check).toMatchObject({
      ok: true,
      claim: { channel, orderId, sku: 'sku-1', unitIds: ['unit-1', 'unit-2'] },
    });
  }

  it('given Taobao, when keys are delivered, then one TOP-signed taobao.logistics.dummy.send carries the link', async () => {
    answer = { logistics_dummy_send_response: { shipping: { is_success: true } } };
    const adapter = new TaobaoAdapter({
      baseUrl,
      appKey: 'tb-key',
      appSecret: 'tb-secret',
      timeoutMs: 2_000,
      deliveryLinks: links,
    });
    await adapter.deliverCardKeys('4000123456789012345', 'sku-1', cards);
    const r = onlyRequest();
    expect([r.method, r.url]).toEqual(['POST', '/router/rest']);
    const params = Object.fromEntries(new URLSearchParams(r.body));
    expect(params).toMatchObject({
      method: 'taobao.logistics.dummy.send',
      tid: '4000123456789012345',
      app_key: 'tb-key',
      sign_method: 'hmac-sha256',
    });
    expect(Object.keys(params).sort()).toEqual(
      ['app_key', 'delivery_note', 'format', 'method', 'sign', 'sign_method', 'tid', 'timestamp', 'v'].sort(),
    );
    expect(params.sign).toBe(topSign(params, 'tb-secret'));
    expectLinkFor(params.delivery_note, 'taobao', '4000123456789012345');
  });

  it('given Pinduoduo, when keys are delivered, then one signed pdd.logistics.online.send (no logistics) carries the link', async () => {
    answer = { logistics_online_send_response: { is_success: true } };
    const adapter = new PinduoduoAdapter({
      baseUrl,
      clientId: 'pdd-id',
      clientSecret: 'pdd-secret',
      timeoutMs: 2_000,
      deliveryLinks: links,
    });
    await adapter.deliverCardKeys('231130-123456789', 'sku-1', cards);
    const r = onlyRequest();
    expect([r.method, r.url]).toEqual(['POST', '/api/router']);
    const params = Object.fromEntries(new URLSearchParams(r.body));
    expect(params).toMatchObject({
      type: 'pdd.logistics.online.send',
      order_sn: '231130-123456789',
      logistics_id: PDD_NO_LOGISTICS_ID,
      client_id: 'pdd-id',
    });
    expect(params.tracking_number).toMatch(/^SS[0-9A-F]{18}$/);
    expect(Object.keys(params).sort()).toEqual(
      [
        'client_id',
        'data_type',
        'delivery_note',
        'logistics_id',
        'order_sn',
        'sign',
        'timestamp',
        'tracking_number',
        'type',
      ].sort(),
    );
    expect(params.sign).toBe(pddSign(params, 'pdd-secret'));
    expectLinkFor(params.delivery_note, 'pinduoduo', '231130-123456789');
  });

  it('given WeChat, when keys are delivered, then one /shop/delivery/send without logistics carries the link', async () => {
    answer = { errcode: 0, errmsg: 'ok' };
    const adapter = new MiniprogramAdapter({
      baseUrl,
      accessToken: 'wx-token',
      timeoutMs: 2_000,
      deliveryLinks: links,
    });
    await adapter.deliverCardKeys('wx-order-7', 'sku-1', cards);
    const r = onlyRequest();
    expect([r.method, r.url]).toEqual(['POST', '/shop/delivery/send?access_token=wx-token']);
    const body = JSON.parse(r.body) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['delivery_note', 'finish_all_delivery', 'out_order_id']);
    expect(body).toMatchObject({ out_order_id: 'wx-order-7', finish_all_delivery: 1 });
    expectLinkFor(body.delivery_note as string, 'miniprogram', 'wx-order-7');
  });

  it.each([
    ['taobao', () => new TaobaoAdapter({ baseUrl, appKey: 'k', appSecret: 's', timeoutMs: 2_000 })],
    [
      'pinduoduo',
      () => new PinduoduoAdapter({ baseUrl, clientId: 'k', clientSecret: 's', timeoutMs: 2_000 }),
    ],
    ['miniprogram', () => new MiniprogramAdapter({ baseUrl, accessToken: 't', timeoutMs: 2_000 })],
  ] as [string, () => PlatformAdapter][])(
    'given %s without delivery links, when keys are delivered, then nothing is sent and the delivery is refused',
    async (_channel, make) => {
      const error = await make()
        .deliverCardKeys('o-1', 'sku-1', cards)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PlatformCallError);
      expect(error).toMatchObject({ code: 'DELIVERY.LINKS_NOT_CONFIGURED', retryable: false });
      expect(captured).toHaveLength(0);
    },
  );
});

describe('the simulators take no-logistics shipments, signed, and log (order, unit)', () => {
  const links = new DeliveryLinks({ secret: LINK_SECRET, pageUrl: PAGE_URL });
  const cases: [string, SimulatedPlatform, (url: string, secret: string) => PlatformAdapter][] = [
    [
      'taobao',
      new TaobaoSimulator('tb-key', 'tb-secret'),
      (url, secret) =>
        new TaobaoAdapter({
          baseUrl: url,
          appKey: 'tb-key',
          appSecret: secret,
          timeoutMs: 2_000,
          deliveryLinks: links,
        }),
    ],
    [
      'pinduoduo',
      new PinduoduoSimulator('pdd-id', 'pdd-secret'),
      (url, secret) =>
        new PinduoduoAdapter({
          baseUrl: url,
          clientId: 'pdd-id',
          clientSecret: secret,
          timeoutMs: 2_000,
          deliveryLinks: links,
        }),
    ],
    [
      'miniprogram',
      new MiniprogramSimulator('wx-token'),
      (url, secret) =>
        new MiniprogramAdapter({ baseUrl: url, accessToken: secret, timeoutMs: 2_000, deliveryLinks: links }),
    ],
  ];
  const rightSecret: Record<string, string> = {
    taobao: 'tb-secret',
    pinduoduo: 'pdd-secret',
    miniprogram: 'wx-token',
  };

  beforeAll(async () => {
    for (const [, sim] of cases) await sim.start();
  });
  afterAll(async () => {
    for (const [, sim] of cases) await sim.stop();
  });

  it.each(cases)(
    '%s: delivered once, a repeat is a duplicate, a bad signature is refused',
    async (channel, sim, make) => {
      await make(sim.url, rightSecret[channel]).deliverCardKeys('ORDER-1', 'sku-1', cards);
      await make(sim.url, rightSecret[channel]).deliverCardKeys('ORDER-1', 'sku-1', cards);
      expect(
        sim.deliveryLog.map(({ orderId, unitId, sku, duplicate }) => ({ orderId, unitId, sku, duplicate })),
      ).toEqual([
        { orderId: 'ORDER-1', unitId: 'unit-1', sku: 'sku-1', duplicate: false },
        { orderId: 'ORDER-1', unitId: 'unit-2', sku: 'sku-1', duplicate: false },
        { orderId: 'ORDER-1', unitId: 'unit-1', sku: 'sku-1', duplicate: true },
        { orderId: 'ORDER-1', unitId: 'unit-2', sku: 'sku-1', duplicate: true },
      ]);
      // What the platform holds is the link, never the key.
      expect(JSON.stringify([...sim.deliveries.values()])).not.toContain(SECRET);

      const forged = await make(sim.url, 'not-the-secret')
        .deliverCardKeys('ORDER-2', 'sku-1', cards)
        .catch((e: unknown) => e);
      expect(forged).toBeInstanceOf(PlatformCallError);
      expect([...sim.deliveries.values()].some((d) => d.orderId === 'ORDER-2')).toBe(false);
    },
  );

  it.each(cases)('%s: the old plaintext route is gone', async (_channel, sim) => {
    const r = await fetch(`${sim.url}/_sim/card-keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ orderId: 'X', sku: 's', cards: [{ unitId: 'u', secret: SECRET }] }),
    });
    expect(r.status).toBe(404);
  });
});
