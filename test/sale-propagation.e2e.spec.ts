import { randomBytes } from 'node:crypto';
import {
  createTestDatabase,
  deleteTopicsWithPrefix,
  eventually,
  uniqueTopicPrefix,
  type TestDatabase,
} from '@libs/testing';
import { CHANNELS, FourPlatforms } from './four-platforms';

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
  const stack = new FourPlatforms(run);
  let db: TestDatabase;
  let adminKey = '';

  const everyChannelLists = (quantity: number) =>
    eventually(
      () => CHANNELS.every((c) => stack.listed(c, sku) === quantity) || undefined,
      30_000,
      `${quantity} listed on every channel (now ${CHANNELS.map((c) => `${c} ${stack.listed(c, sku)}`).join(', ')})`,
    );

  beforeAll(async () => {
    db = await createTestDatabase('sale_fanout');
    stack.listOnMarketplaces(sku);
    // Consumer groups are not namespaced by KAFKA_TOPIC_PREFIX: each gets this run's name.
    await stack.start({
      common: { DATABASE_URL: db.url, KAFKA_TOPIC_PREFIX: prefix, LOG_LEVEL: 'warn' },
      api: { API_BOOTSTRAP_ADMIN_KEY: bootstrapAdminKey },
      readyMs: 80_000,
    });
  }, 110_000);

  afterAll(async () => {
    await stack.stop();
    await deleteTopicsWithPrefix(prefix).catch(() => undefined);
    await db?.drop();
  }, 30_000);

  async function api(method: string, path: string, body: unknown, key = adminKey) {
    const response = await fetch(`${stack.service('api').url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

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
    for (const channel of CHANNELS) {
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
    const placed = await stack.notify('taobao', {
      topic: 'taobao_trade_TradeChanged',
      content: { tid, status: 'WAIT_BUYER_PAY', orders: [{ outer_sku_id: sku, num: 3 }] },
    });
    expect(placed.status).toBe(200);
    await everyChannelLists(7);

    // Then 2 on the shop: Taobao, PDD and WeChat follow a sale they never saw.
    const shopOrder = await stack.notify('shop', {
      type: 'order.placed',
      orderId: `shop-${run}`,
      lines: [{ sku, quantity: 2 }],
    });
    expect(shopOrder.status).toBe(200);
    await everyChannelLists(5);

    // Every platform got the change as a full-set value it acknowledged, recorded per channel. A connector records
    // the acknowledgement after the platform has answered, so the rows are read until they agree.
    await eventually(
      async () => {
        const { rows } = await db.pool.query<{ channel: string; last_acked_quantity: number }>(
          'SELECT channel, last_acked_quantity FROM channel_push_state WHERE sku = $1 ORDER BY channel',
          [sku],
        );
        expect(rows).toEqual([...CHANNELS].sort().map((channel) => ({ channel, last_acked_quantity: 5 })));
        return true;
      },
      20_000,
      'the acknowledged push of every channel recorded',
    );
  }, 90_000);
});
