import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendNotification, ShopSimulator } from '@libs/platform-simulators';
import {
  createTestDatabase,
  deleteTopicsWithPrefix,
  eventually,
  uniqueTopicPrefix,
  type TestDatabase,
} from '@libs/testing';
import { type ServiceProcess, startServiceProcess } from './service-process';

interface WebhookAlert {
  notification: string;
  alert: { kind: string; key: string; summary: string; labels: Record<string, string> };
}

/**
 * 串货 end to end, the apps as processes on the real broker and PostgreSQL: rules set through the api, a 分站 selling
 * below the floor and outside its region through the shop simulator's signed notices to connector-shop, the
 * notifier's diversion engine reading stock.channel-events, and its generic webhook pointed at a receiver in this
 * test on 127.0.0.1. Exactly one message per rule arrives, with the trace, although the same notice comes again and
 * further violating orders follow inside the window.
 */
describe('串货 rules end to end', () => {
  const prefix = uniqueTopicPrefix('diversion');
  const run = randomBytes(3).toString('hex');
  const sku = `steam-${run}`;
  const shopName = `fenzhan-${run}`;
  const bootstrapAdminKey = randomBytes(24).toString('base64url');
  const apiSecret = `shop-${randomBytes(12).toString('base64url')}`;
  const webhookSecret = `hook-shop-${run}`;
  const sim = new ShopSimulator(apiSecret);
  const received: WebhookAlert[] = [];
  let receiver: Server;
  let db: TestDatabase;
  let services: ServiceProcess[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookAlert);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    db = await createTestDatabase('diversion_e2e');
    await sim.start();
    const common = {
      DATABASE_URL: db.url,
      KAFKA_TOPIC_PREFIX: prefix,
      LOG_LEVEL: 'warn',
      CARD_VAULT_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      CARD_VAULT_ACTIVE_KEY_ID: 'k1',
      CARD_VAULT_FINGERPRINT_KEY: randomBytes(32).toString('base64'),
    };
    services = await Promise.all([
      startServiceProcess('api', { ...common, API_BOOTSTRAP_ADMIN_KEY: bootstrapAdminKey }),
      startServiceProcess('connector-shop', {
        ...common,
        CONNECTOR_PLATFORM_URL: sim.url,
        CONNECTOR_APP_SECRET: apiSecret,
        CONNECTOR_WEBHOOK_SECRETS: webhookSecret,
        CONNECTOR_CONSUMER_GROUP: `connector-shop-${run}`,
      }),
      startServiceProcess('notifier', {
        ...common,
        SERVICE_TOKEN: randomBytes(24).toString('base64url'),
        NOTIFIER_CONSUMER_GROUP: `notifier-${run}`,
        NOTIFIER_FROM_BEGINNING: 'true',
        NOTIFIER_WEBHOOK_URL: receiverUrl,
        NOTIFIER_WEBHOOK_SECRET: randomBytes(24).toString('base64url'),
        NOTIFIER_DISPATCH_INTERVAL_MS: '200',
        DIVERSION_CONSUMER_GROUP: `diversion-${run}`,
        // The group is new: read the notices sent before it joined, too.
        DIVERSION_FROM_BEGINNING: 'true',
        DIVERSION_RULES_REFRESH_MS: '500',
      }),
    ]);
    // Generous: three apps compile from sources at once on a shared 2-core machine.
    await Promise.all(services.map((s) => s.ready(200_000)));
  }, 240_000);

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await sim.stop();
    await new Promise<void>((resolve) => receiver?.close(() => resolve()) ?? resolve());
    await deleteTopicsWithPrefix(prefix).catch(() => undefined);
    await db?.drop();
  }, 30_000);

  const service = (app: string) => services.find((s) => s.app === app)!;

  async function api(method: string, path: string, body?: unknown) {
    const response = await fetch(`${service('api').url}${path}`, {
      method,
      headers: { authorization: `Bearer ${bootstrapAdminKey}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  const paidOrder = (orderId: string, unitPrice: number, province: string, city: string) =>
    sendNotification(
      { url: service('connector-shop').url, path: '/v1/webhooks/orders', secret: webhookSecret },
      {
        type: 'order.paid',
        orderId,
        lines: [{ sku, quantity: 1, unitPrice }],
        buyer: { province, city, ip: '203.0.113.9', ref: `buyer-${run}` },
        shop: shopName,
      },
    );

  const diversionAlerts = () => received.filter((r) => r.alert.kind === 'DIVERSION_SUSPECTED');

  it('a 分站 selling below the floor and outside its region raises one alert per rule, with the trace', async () => {
    const floor = await api('POST', '/v1/diversion/rules', {
      name: 'steam floor',
      scope: { skuPrefix: 'steam-' },
      check: { type: 'price-floor', floorFen: 9000 },
      windowMinutes: 60,
    });
    expect(floor.status).toBe(201);
    const region = await api('POST', '/v1/diversion/rules', {
      name: '浙江 only',
      scope: { shops: [shopName] },
      check: { type: 'region', allowed: [{ province: '浙江' }] },
      windowMinutes: 60,
    });
    expect(region.status).toBe(201);
    // The engine reads the rules every 500 ms here.
    await new Promise((r) => setTimeout(r, 1_500));

    const first = `o-${run}-1`;
    expect((await paidOrder(first, 8000, '广东', '深圳')).status).toBe(200);
    // The same notice again, and two more violating orders inside the window.
    expect((await paidOrder(first, 8000, '广东', '深圳')).status).toBe(200);
    expect((await paidOrder(`o-${run}-2`, 7000, '广东', '广州')).status).toBe(200);
    expect((await paidOrder(`o-${run}-3`, 8500, '北京', '北京')).status).toBe(200);

    const alerts = await eventually(
      () => (diversionAlerts().length >= 2 ? diversionAlerts() : undefined),
      30_000,
      `two DIVERSION_SUSPECTED messages at the webhook (got ${JSON.stringify(diversionAlerts())})`,
    );
    const byRule = (id: unknown) => alerts.find((a) => a.alert.labels.rule_id === String(id))!;
    const floorAlert = byRule(floor.body.id);
    expect(floorAlert.alert.key).toMatch(new RegExp(`^${String(floor.body.id)}:shop=${shopName}:`));
    expect(floorAlert.alert.labels).toMatchObject({
      rule_type: 'price-floor',
      shop: shopName,
      sku,
      channel: 'shop',
      order_id: first,
      unit_price_fen: '8000',
      floor_fen: '9000',
      province: '广东',
      city: '深圳',
      ip: '203.0.113.9',
      buyer_ref: `buyer-${run}`,
    });
    expect(floorAlert.alert.summary).toContain('below the floor of ¥90.00 at ¥80.00');
    const regionAlert = byRule(region.body.id);
    expect(regionAlert.alert.labels).toMatchObject({
      rule_type: 'region',
      province: '广东',
      order_id: first,
    });
    expect(regionAlert.alert.summary).toContain('outside the allowed regions (浙江)');

    // The later orders joined the alerts' traces, not new messages.
    const listed = await eventually(
      async () => {
        const res = await api('GET', `/v1/diversion/alerts?sku=${sku}`);
        const items = res.body.items as { violations: number; orders: { orderId: string }[] }[];
        return items.length === 2 && items.every((i) => i.violations === 3) ? items : undefined;
      },
      20_000,
      'both alerts with three violations each',
    );
    for (const item of listed)
      expect(item.orders.map((o) => o.orderId)).toEqual([first, `o-${run}-2`, `o-${run}-3`]);
    // Let any duplicate reach the receiver before counting.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(diversionAlerts()).toHaveLength(2);
    expect(diversionAlerts().every((a) => a.notification === 'raised')).toBe(true);
  }, 90_000);
});
