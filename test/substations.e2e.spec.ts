import { randomBytes } from 'node:crypto';
import { sendNotification, ShopSimulator } from '@libs/platform-simulators';
import {
  createTestDatabase,
  deleteTopicsWithPrefix,
  eventually,
  uniqueTopicPrefix,
  type TestDatabase,
} from '@libs/testing';
import { type ServiceProcess, startServiceProcess } from './service-process';

const SUBSTATIONS = ['substation-7', 'substation-8'] as const;
type Substation = (typeof SUBSTATIONS)[number];

/**
 * Two 分站 served by the one shop connector app: two connector-shop processes, started from the same main.ts with
 * CONNECTOR_CHANNEL substation-7 and substation-8, each against its own simulated shop with its own URL and secrets,
 * beside the inventory service, the projector and the API, on the real broker and PostgreSQL. Each channel is its
 * own: its targets, its orders (the same order id on both is two orders), its deliveries, its push state and metrics.
 */
describe('several 分站 from the one shop connector', () => {
  const prefix = uniqueTopicPrefix('substations');
  const run = randomBytes(3).toString('hex');
  const sku = `SUB-STOCK-${run}`;
  const cardSku = `SUB-CARD-${run}`;
  // Both 分站 use this order id: the channel tells the two orders apart.
  const orderId = `o-${run}`;
  const bootstrapAdminKey = randomBytes(24).toString('base64url');
  const vault = {
    CARD_VAULT_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    CARD_VAULT_ACTIVE_KEY_ID: 'k1',
    CARD_VAULT_FINGERPRINT_KEY: randomBytes(32).toString('base64'),
  };
  const substations = Object.fromEntries(
    SUBSTATIONS.map((channel) => {
      const apiSecret = `${channel}-${randomBytes(12).toString('base64url')}`;
      return [
        channel,
        { sim: new ShopSimulator(apiSecret), apiSecret, webhookSecret: `hook-${channel}-${run}` },
      ];
    }),
  ) as Record<Substation, { sim: ShopSimulator; apiSecret: string; webhookSecret: string }>;
  let db: TestDatabase;
  let services: ServiceProcess[] = [];
  let adminKey = '';

  beforeAll(async () => {
    db = await createTestDatabase('substations');
    for (const channel of SUBSTATIONS) await substations[channel].sim.start();
    const common = { DATABASE_URL: db.url, KAFKA_TOPIC_PREFIX: prefix, LOG_LEVEL: 'warn', ...vault };
    services = await Promise.all([
      startServiceProcess('inventory-service', { ...common, INVENTORY_CONSUMER_GROUP: `inventory-${run}` }),
      startServiceProcess('projector', common),
      startServiceProcess('api', { ...common, API_BOOTSTRAP_ADMIN_KEY: bootstrapAdminKey }),
      // The same app twice; only configuration differs. Consumer groups are not namespaced by KAFKA_TOPIC_PREFIX,
      // so each gets this run's name (the default, connector-<channel>, is the unit test's).
      ...SUBSTATIONS.map((channel) =>
        startServiceProcess('connector-shop', {
          ...common,
          CONNECTOR_CHANNEL: channel,
          CONNECTOR_PLATFORM_URL: substations[channel].sim.url,
          CONNECTOR_APP_SECRET: substations[channel].apiSecret,
          CONNECTOR_WEBHOOK_SECRETS: substations[channel].webhookSecret,
          CONNECTOR_CONSUMER_GROUP: `connector-${channel}-${run}`,
        }),
      ),
    ]);
    await Promise.all(services.map((s) => s.ready(80_000)));
  }, 110_000);

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    for (const channel of SUBSTATIONS) await substations[channel].sim.stop();
    await deleteTopicsWithPrefix(prefix).catch(() => undefined);
    await db?.drop();
  }, 30_000);

  const service = (app: string) => services.find((s) => s.app === app)!;
  /** The connector process serving the 分站 (both are connector-shop, started in SUBSTATIONS' order). */
  const connector = (channel: Substation) =>
    services.filter((s) => s.app === 'connector-shop')[SUBSTATIONS.indexOf(channel)]!;

  async function api(method: string, path: string, body: unknown, contentType = 'application/json') {
    const response = await fetch(`${service('api').url}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminKey || bootstrapAdminKey}`, 'content-type': contentType },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  /** A notice signed by the 分站's shop, posted to its own connector. */
  const notify = (channel: Substation, body: unknown) =>
    sendNotification(
      {
        url: connector(channel).url,
        path: '/v1/webhooks/orders',
        secret: substations[channel].webhookSecret,
      },
      body,
    );

  const listed = (channel: Substation, of: string) => {
    const listing = substations[channel].sim.listings.get(of);
    return listing === undefined ? undefined : listing.listed ? listing.quantity : 0;
  };
  const bothList = (of: string, quantity: number) =>
    eventually(
      () => SUBSTATIONS.every((c) => listed(c, of) === quantity) || undefined,
      20_000,
      `${quantity} of ${of} listed on both 分站 (now ${SUBSTATIONS.map((c) => `${c} ${listed(c, of)}`).join(', ')})`,
    );

  it('lists on both 分站, an order on one changes what the other lists, and a card key reaches only its own 分站', async () => {
    const created = await api('POST', '/v1/api-keys', { name: `ops-${run}`, role: 'admin' });
    expect(created.status).toBe(201);
    adminKey = String(created.body.key);

    // A SKU with a policy on both 分站 channels (and none on `shop`) is pushed to both shops.
    expect((await api('POST', '/v1/skus', { sku, kind: 'quantity' })).status).toBe(201);
    for (const channel of SUBSTATIONS)
      expect(
        (await api('PUT', `/v1/skus/${sku}/channels/${channel}/policy`, { sharePercent: 100 })).status,
      ).toBe(200);
    expect(
      (await api('POST', `/v1/skus/${sku}/receipts`, { batchId: `po-${run}`, quantity: 10 })).status,
    ).toBe(201);
    await bothList(sku, 10);

    // A buyer on substation-7 orders 3: substation-8 stops offering them.
    const placed = await notify('substation-7', {
      type: 'order.placed',
      orderId,
      lines: [{ sku, quantity: 3 }],
    });
    expect(placed.status).toBe(200);
    await bothList(sku, 7);

    // Card keys listed on both; a buyer on substation-8 pays for one under the same order id as substation-7's.
    expect((await api('POST', '/v1/skus', { sku: cardSku, kind: 'cardKey' })).status).toBe(201);
    for (const channel of SUBSTATIONS)
      expect(
        (await api('PUT', `/v1/skus/${cardSku}/channels/${channel}/policy`, { sharePercent: 100 })).status,
      ).toBe(200);
    const imported = await api(
      'POST',
      `/v1/skus/${cardSku}/card-keys/import?batchId=keys-${run}`,
      `KEY-A-${run}\nKEY-B-${run}`,
      'text/plain',
    );
    expect(imported.body).toMatchObject({ imported: 2 });
    await bothList(cardSku, 2);
    for (const type of ['order.placed', 'order.paid'])
      expect(
        (await notify('substation-8', { type, orderId, lines: [{ sku: cardSku, quantity: 1 }] })).status,
      ).toBe(200);
    const delivered = await eventually(
      () => {
        const cards = [...substations['substation-8'].sim.deliveries.values()];
        return cards.length === 1 ? cards : undefined;
      },
      20_000,
      'the key at substation-8',
    );
    expect(delivered).toEqual([expect.objectContaining({ orderId, sku: cardSku })]);
    expect(String(delivered[0]!.secret)).toMatch(new RegExp(`^KEY-[AB]-${run}$`));
    await bothList(cardSku, 1);

    // Each order is its 分站's: the same id on two channels is two orders, and the key went to substation-8 only.
    // The read models follow the simulated shops' answers: the projector marks the order confirmed, and the connector
    // records the delivery and each acknowledged push, after the shop has already seen the call. So they are read
    // until they agree, not once.
    await eventually(
      async () => {
        const reservations = await db.pool.query<{
          channel: string;
          sku: string;
          quantity: number;
          status: string;
        }>(
          'SELECT channel, sku, quantity::int AS quantity, status FROM reservations WHERE channel_order_id = $1 ORDER BY channel',
          [orderId],
        );
        expect(reservations.rows).toEqual([
          { channel: 'substation-7', sku, quantity: 3, status: 'reserved' },
          {
            channel: 'substation-8',
            sku: cardSku,
            quantity: 1,
            status: expect.stringMatching(/^(confirmed|delivered)$/),
          },
        ]);
        return true;
      },
      20_000,
      'both orders in the reservations read model',
    );
    await eventually(
      async () => {
        const deliveries = await db.pool.query<{ channel: string; state: string }>(
          'SELECT channel, state FROM card_key_deliveries WHERE order_id = $1',
          [orderId],
        );
        expect(deliveries.rows).toEqual([{ channel: 'substation-8', state: 'delivered' }]);
        return true;
      },
      20_000,
      'the delivery recorded by substation-8 only',
    );
    expect(substations['substation-7'].sim.deliveries.size).toBe(0);
    expect(substations['substation-7'].sim.deliveryLog).toEqual([]);

    // Push state rows and metrics carry each process's own channel, never `shop`.
    await eventually(
      async () => {
        const pushState = await db.pool.query<{ channel: string; sku: string; last_acked_quantity: number }>(
          'SELECT channel, sku, last_acked_quantity FROM channel_push_state WHERE sku = ANY($1) ORDER BY sku, channel',
          [[sku, cardSku]],
        );
        expect(pushState.rows).toEqual([
          { channel: 'substation-7', sku: cardSku, last_acked_quantity: 1 },
          { channel: 'substation-8', sku: cardSku, last_acked_quantity: 1 },
          { channel: 'substation-7', sku, last_acked_quantity: 7 },
          { channel: 'substation-8', sku, last_acked_quantity: 7 },
        ]);
        return true;
      },
      20_000,
      'each acknowledged push recorded under its own channel',
    );
    for (const channel of SUBSTATIONS) {
      const other = SUBSTATIONS.find((c) => c !== channel)!;
      const metrics = await eventually(
        async () => {
          const text = await (await fetch(`${connector(channel).url}/metrics`)).text();
          expect(text).toMatch(
            new RegExp(`^stocksync_channel_pushes_total\\{[^}]*channel="${channel}"[^}]*\\} [1-9]`, 'm'),
          );
          return text;
        },
        20_000,
        `the pushes counted by ${channel}`,
      );
      expect(metrics).not.toContain(`channel="${other}"`);
      expect(metrics).not.toContain('channel="shop"');
    }
    await eventually(
      async () => {
        const sub8 = await (await fetch(`${connector('substation-8').url}/metrics`)).text();
        expect(sub8).toMatch(
          /^stocksync_card_key_deliveries_total\{[^}]*channel="substation-8"[^}]*result="delivered"[^}]*\} 1$/m,
        );
        return true;
      },
      20_000,
      'the delivery counted by substation-8',
    );
  }, 60_000);
});
