import { randomBytes } from 'node:crypto';
import {
  MiniprogramSimulator,
  PinduoduoSimulator,
  sendNotification,
  ShopSimulator,
  type SimulatedPlatform,
  TaobaoSimulator,
} from '@libs/platform-simulators';
import {
  createTestDatabase,
  deleteTopicsWithPrefix,
  eventually,
  uniqueTopicPrefix,
  type TestDatabase,
} from '@libs/testing';
import { type ServiceProcess, startServiceProcess } from './service-process';

/**
 * The product's promise end to end: a sale arriving on one platform changes the stock listed on every other
 * platform. Seven apps run as deployed (each from its own main.ts, in a child process) against the real broker
 * and PostgreSQL: the operations API, the inventory service, the projector and the four connectors. The four
 * platforms are simulators on loopback; orders reach the connectors as the platforms' signed notices.
 */
describe('a sale on one channel', () => {
  const prefix = uniqueTopicPrefix('sale-fanout');
  const run = randomBytes(3).toString('hex');
  const sku = `FANOUT-${run}`;
  const bootstrapAdminKey = randomBytes(24).toString('base64url');
  const secret = (name: string) => `${name}-${randomBytes(12).toString('base64url')}`;
  const appKey = `app-${run}`;
  const appSecrets = {
    taobao: secret('tb'),
    pinduoduo: secret('pdd'),
    miniprogram: secret('wx'),
    shop: secret('shop'),
  };
  const platforms = {
    taobao: { sim: new TaobaoSimulator(appKey, appSecrets.taobao), path: '/webhooks/taobao' },
    pinduoduo: { sim: new PinduoduoSimulator(appKey, appSecrets.pinduoduo), path: '/webhooks/pinduoduo' },
    miniprogram: { sim: new MiniprogramSimulator(appSecrets.miniprogram), path: '/webhooks/miniprogram' },
    shop: { sim: new ShopSimulator(appSecrets.shop), path: '/v1/webhooks/orders' },
  };
  type Channel = keyof typeof platforms;
  const channels = Object.keys(platforms) as Channel[];
  const webhookSecret = (channel: Channel) => `hook-${channel}-${run}`;
  let db: TestDatabase;
  let services: ServiceProcess[] = [];
  let adminKey = '';

  const listed = (sim: SimulatedPlatform) => {
    const listing = sim.listings.get(sku);
    return listing === undefined ? undefined : listing.listed ? listing.quantity : 0;
  };
  const everyChannelLists = (quantity: number) =>
    eventually(
      () => channels.every((c) => listed(platforms[c].sim) === quantity) || undefined,
      30_000,
      `${quantity} listed on every channel (now ${channels.map((c) => `${c} ${listed(platforms[c].sim)}`).join(', ')})`,
    );

  beforeAll(async () => {
    db = await createTestDatabase('sale_fanout');
    for (const channel of channels) await platforms[channel].sim.start();
    // The marketplaces update SKUs that are already listed there; the shop lists whatever it is sent.
    platforms.taobao.sim.setListing(sku, 0);
    platforms.pinduoduo.sim.setListing(sku, 0);
    platforms.miniprogram.sim.setListing(sku, 0, { listed: false });

    const common = { DATABASE_URL: db.url, KAFKA_TOPIC_PREFIX: prefix, LOG_LEVEL: 'warn' };
    // Consumer groups are not namespaced by KAFKA_TOPIC_PREFIX: each gets this run's name.
    services = await Promise.all([
      startServiceProcess('inventory-service', { ...common, INVENTORY_CONSUMER_GROUP: `inventory-${run}` }),
      startServiceProcess('projector', common),
      startServiceProcess('api', { ...common, API_BOOTSTRAP_ADMIN_KEY: bootstrapAdminKey }),
      ...channels.map((channel) =>
        startServiceProcess(`connector-${channel}`, {
          ...common,
          CONNECTOR_PLATFORM_URL: platforms[channel].sim.url,
          CONNECTOR_APP_KEY: appKey,
          CONNECTOR_APP_SECRET: appSecrets[channel],
          CONNECTOR_WEBHOOK_SECRETS: webhookSecret(channel),
          CONNECTOR_CONSUMER_GROUP: `connector-${channel}-${run}`,
        }),
      ),
    ]);
    await Promise.all(services.map((s) => s.ready(80_000)));
  }, 110_000);

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    for (const channel of channels) await platforms[channel].sim.stop();
    await deleteTopicsWithPrefix(prefix).catch(() => undefined);
    await db?.drop();
  }, 30_000);

  const service = (app: string) => services.find((s) => s.app === app)!;

  async function api(method: string, path: string, body: unknown, key = adminKey) {
    const response = await fetch(`${service('api').url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  const notify = (channel: Channel, body: unknown) =>
    sendNotification(
      {
        url: service(`connector-${channel}`).url,
        path: platforms[channel].path,
        secret: webhookSecret(channel),
      },
      body,
    );

  it('given 10 in stock listed on four platforms, when Taobao and then the shop sell, then every platform lists what is left', async () => {
    const created = await api(
      'POST',
      '/v1/api-keys',
      { name: `ops-${run}`, role: 'admin' },
      bootstrapAdminKey,
    );
    expect(created.status).toBe(201);
    adminKey = String(created.body.key);
    expect((await api('POST', '/v1/skus', { sku, kind: 'quantity' })).status).toBe(201);
    for (const channel of channels) {
      expect(
        (await api('PUT', `/v1/skus/${sku}/channels/${channel}/policy`, { sharePercent: 100 })).status,
      ).toBe(200);
    }
    expect(
      (await api('POST', `/v1/skus/${sku}/receipts`, { batchId: `po-${run}`, quantity: 10 })).status,
    ).toBe(201);
    await everyChannelLists(10);

    // A buyer orders 3 on Taobao: the placed order reserves them, and the other platforms must stop offering them.
    const tid = String(5_000_000_000 + randomBytes(3).readUIntBE(0, 3));
    const placed = await notify('taobao', {
      topic: 'taobao_trade_TradeChanged',
      content: { tid, status: 'WAIT_BUYER_PAY', orders: [{ outer_sku_id: sku, num: 3 }] },
    });
    expect(placed.status).toBe(200);
    await everyChannelLists(7);

    // Then 2 on the shop: Taobao, PDD and WeChat follow a sale they never saw.
    const shopOrder = await notify('shop', {
      type: 'order.placed',
      orderId: `shop-${run}`,
      lines: [{ sku, quantity: 2 }],
    });
    expect(shopOrder.status).toBe(200);
    await everyChannelLists(5);

    // Every platform got the change as a full-set value it acknowledged, recorded per channel.
    const { rows } = await db.pool.query<{ channel: string; last_acked_quantity: number }>(
      'SELECT channel, last_acked_quantity FROM channel_push_state WHERE sku = $1 ORDER BY channel',
      [sku],
    );
    expect(rows).toEqual([...channels].sort().map((channel) => ({ channel, last_acked_quantity: 5 })));
  }, 90_000);
});
