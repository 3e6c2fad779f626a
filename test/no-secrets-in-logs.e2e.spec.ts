import { randomBytes } from 'node:crypto';
import {
  sendNotification,
  ShopSimulator,
  TaobaoSimulator,
  type WebhookTarget,
} from '@libs/platform-simulators';
import {
  createTestDatabase,
  deleteTopicsWithPrefix,
  eventually,
  uniqueTopicPrefix,
  type TestDatabase,
} from '@libs/testing';
import { type CapturedOutput, type ServiceProcess, startServiceProcess } from './service-process';

/**
 * The secrets rules (card keys encrypted at rest and never logged, API keys stored hashed, webhooks verified)
 * checked where a leak would actually land: the output of the deployed processes. Each app runs from its own
 * main.ts in a child process, so the capture is every byte it writes to stdout and stderr — pino's lines,
 * Nest's, kafkajs's, and anything printed outside the logger — at the most verbose level (LOG_LEVEL=trace).
 * In process, pino writes straight to file descriptor 1 and would have to be redirected through a change to
 * libs/observability; the children cost about 5 s of boot, in parallel.
 *
 * The platforms are simulators in this process, reached over HTTP like real ones, so the test holds their
 * deliveries and can make one delivery fail: the retry path is where a secret in hand is most easily logged,
 * and its warning is also the line that proves the capture saw this flow.
 */

const LOG_LEVEL = 'trace';
const SHOP_WEBHOOK_PATH = '/v1/webhooks/orders';
const TAOBAO_WEBHOOK_PATH = '/webhooks/taobao';

const token = (bytes = 24) => randomBytes(bytes).toString('base64url');

describe('secrets stay out of the logs', () => {
  const prefix = uniqueTopicPrefix('no-secrets');
  const run = randomBytes(3).toString('hex');
  const sku = `leak-check-${run}`;
  const shopOrderId = `shop-order-${run}`;
  const taobaoTid = String(4_000_000_000 + randomBytes(3).readUIntBE(0, 3));

  const vaultKey = randomBytes(32);
  const fingerprintKey = randomBytes(32);
  const bootstrapAdminKey = token(32);
  // Two webhook secrets per connector, as while one is being rotated; notices are signed with the newer one.
  const shopWebhookSecrets = [token(), token()];
  const taobaoWebhookSecrets = [token(), token()];
  const shopApiSecret = token();
  const taobaoAppKey = `tb-${run}`;
  const taobaoAppSecret = token();
  const deliveryLinkSecret = token(32);
  // The buyer's link (a capability for the key) is filled in once Taobao has it.
  let taobaoDeliveryToken = '';
  // A marker no log line has any reason to hold, so even a truncated secret is caught.
  const marker = `CK${randomBytes(4).toString('hex').toUpperCase()}`;
  const cardKeys = Array.from({ length: 12 }, (_, i) => `${marker}-${i}-${token(12)}`);
  // Refused as too long, so never imported: a rejected row is as secret as an imported one.
  const rejectedRow = `${marker}-rejected-${'x'.repeat(5000)}`;

  const shop = new ShopSimulator(shopApiSecret);
  const taobao = new TaobaoSimulator(taobaoAppKey, taobaoAppSecret);
  let db: TestDatabase;
  let services: ServiceProcess[] = [];
  let adminKey = '';

  beforeAll(async () => {
    db = await createTestDatabase('no_secrets');
    await shop.start();
    await taobao.start();
    // Taobao updates listed SKUs only; the shop lists whatever it is sent.
    taobao.setListing(sku, 0);

    const common = {
      DATABASE_URL: db.url,
      KAFKA_TOPIC_PREFIX: prefix,
      LOG_LEVEL,
      CARD_VAULT_KEYS: `k1:${vaultKey.toString('base64')}`,
      CARD_VAULT_ACTIVE_KEY_ID: 'k1',
      CARD_VAULT_FINGERPRINT_KEY: fingerprintKey.toString('base64'),
    };
    // Consumer groups, unlike topics, are not namespaced by KAFKA_TOPIC_PREFIX, and other runs on this broker
    // join the default ones: each group gets this run's name.
    services = await Promise.all([
      startServiceProcess('inventory-service', {
        ...common,
        INVENTORY_CONSUMER_GROUP: `inventory-service-${run}`,
        RESERVATION_SWEEP_INTERVAL_MS: '600000',
      }),
      startServiceProcess('projector', common),
      startServiceProcess('api', { ...common, API_BOOTSTRAP_ADMIN_KEY: bootstrapAdminKey }),
      startServiceProcess('connector-shop', {
        ...common,
        CONNECTOR_PLATFORM_URL: shop.url,
        CONNECTOR_APP_SECRET: shopApiSecret,
        CONNECTOR_WEBHOOK_SECRETS: shopWebhookSecrets.join(','),
        CONNECTOR_RETRY_INITIAL_MS: '100',
        CONNECTOR_CONSUMER_GROUP: `connector-shop-${run}`,
      }),
      startServiceProcess('connector-taobao', {
        ...common,
        CONNECTOR_PLATFORM_URL: taobao.url,
        CONNECTOR_APP_KEY: taobaoAppKey,
        CONNECTOR_APP_SECRET: taobaoAppSecret,
        CONNECTOR_WEBHOOK_SECRETS: taobaoWebhookSecrets.join(','),
        CONNECTOR_CONSUMER_GROUP: `connector-taobao-${run}`,
        DELIVERY_LINK_SECRET: deliveryLinkSecret,
        DELIVERY_PAGE_URL: 'https://deliver.example.test',
      }),
    ]);
    // Five ts-node boots share the machine's cores with whatever else runs there: a generous bound.
    await Promise.all(services.map((s) => s.ready(50_000)));
  }, 75_000);

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await shop.stop();
    await taobao.stop();
    await deleteTopicsWithPrefix(prefix).catch(() => undefined);
    await db?.drop();
  }, 30_000);

  const service = (app: string) => services.find((s) => s.app === app)!;

  async function api(
    method: string,
    path: string,
    key: string,
    body?: string,
    contentType = 'application/json',
  ) {
    const response = await fetch(`${service('api').url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body !== undefined ? { 'content-type': contentType } : {}),
      },
      body,
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  const notify = (app: string, path: string, secret: string, body: unknown) =>
    sendNotification({ url: service(app).url, path, secret } satisfies WebhookTarget, body);

  it('no app logs an error while it boots', () => {
    const errors = services
      .flatMap((s) => s.output())
      .flatMap((c) => c.text.split('\n').map((line) => `${c.app}: ${line}`))
      .filter((line) => line.includes('"level":50') || line.includes('"level":60'));
    expect(errors).toEqual([]);
  });

  it('a captured log of a full import-sell-deliver flow contains no secret', async () => {
    // 1. An admin key, made with the bootstrap key, registers a card-key SKU.
    const created = await api(
      'POST',
      '/v1/api-keys',
      bootstrapAdminKey,
      JSON.stringify({ name: `ops-${run}`, role: 'admin' }),
    );
    expect(created.status).toBe(201);
    adminKey = created.body.key;
    expect(adminKey).toMatch(/^ssk_/);
    expect((await api('POST', '/v1/skus', adminKey, JSON.stringify({ sku, kind: 'cardKey' }))).status).toBe(
      201,
    );
    // Listed on both channels, so the connectors also push stock: calls signed with the platforms' app secrets.
    for (const channel of ['shop', 'taobao']) {
      const policy = await api(
        'PUT',
        `/v1/skus/${sku}/channels/${channel}/policy`,
        adminKey,
        JSON.stringify({ sharePercent: 100 }),
      );
      expect(policy.status).toBe(200);
    }

    // 2. A TXT upload as sellers make them: BOM, CRLF, a blank line, a repeated key and one row too long.
    const file = `\uFEFF${cardKeys.join('\r\n')}\r\n\r\n${cardKeys[0]}\r\n${rejectedRow}\r\n`;
    const imported = await api(
      'POST',
      `/v1/skus/${sku}/card-keys/import?batchId=b-${run}`,
      adminKey,
      file,
      'text/plain',
    );
    expect(imported.status).toBe(200);
    expect(imported.body).toMatchObject({ imported: cardKeys.length, duplicateInFile: 1, invalid: 1 });

    // 3. Orders arrive as signed webhooks; the payment notice comes twice, as platforms do repeat it. The shop
    // refuses the first delivery attempt, so the connector goes through its retry path.
    shop.faults.deliveryFailures = 1;
    const shopSecret = shopWebhookSecrets[1];
    const shopLines = [{ sku, quantity: 1 }];
    for (const type of ['order.placed', 'order.paid', 'order.paid']) {
      const answer = await notify('connector-shop', SHOP_WEBHOOK_PATH, shopSecret, {
        type,
        orderId: shopOrderId,
        lines: shopLines,
      });
      expect(answer.status).toBe(200);
    }
    // A forged notice, signed with a secret the connector must not accept (and must not echo while refusing).
    const forged = await notify('connector-shop', SHOP_WEBHOOK_PATH, shopApiSecret, {
      type: 'order.paid',
      orderId: shopOrderId,
      lines: shopLines,
    });
    expect(forged.status).toBe(401);
    const taobaoSecret = taobaoWebhookSecrets[1];
    for (const status of ['WAIT_BUYER_PAY', 'WAIT_SELLER_SEND_GOODS']) {
      const answer = await notify('connector-taobao', TAOBAO_WEBHOOK_PATH, taobaoSecret, {
        topic: 'taobao_trade_TradeChanged',
        content: { tid: taobaoTid, status, orders: [{ outer_sku_id: sku, num: 1 }] },
      });
      expect(answer.status).toBe(200);
    }

    // 4. Each platform holds exactly one key for its order, one of those imported, and not the same one; the
    // ledger, one row per (channel, order, unit), shows no second unit was sent for the repeated payment.
    const deliveredTo = (sim: ShopSimulator | TaobaoSimulator, orderId: string) =>
      [...sim.deliveries.values()].filter((d) => d.orderId === orderId);
    await eventually(
      () => deliveredTo(shop, shopOrderId).length > 0 || undefined,
      30_000,
      'the shop delivery',
    );
    await eventually(
      () => deliveredTo(taobao, taobaoTid).length > 0 || undefined,
      30_000,
      'the Taobao delivery',
    );
    const ledger = async () =>
      (
        await db.pool.query<{ channel: string; order_id: string; state: string }>(
          `SELECT channel, order_id, state FROM card_key_deliveries ORDER BY channel`,
        )
      ).rows;
    await eventually(
      async () => (await ledger()).every((r) => r.state === 'delivered') || undefined,
      10_000,
      'the ledger',
    );
    expect(await ledger()).toEqual([
      { channel: 'shop', order_id: shopOrderId, state: 'delivered' },
      { channel: 'taobao', order_id: taobaoTid, state: 'delivered' },
    ]);
    const [toShop] = deliveredTo(shop, shopOrderId);
    const [toTaobao] = deliveredTo(taobao, taobaoTid);
    expect(deliveredTo(shop, shopOrderId)).toHaveLength(1);
    expect(deliveredTo(taobao, taobaoTid)).toHaveLength(1);
    expect(cardKeys).toContain(toShop.secret);
    // Taobao was told the trade shipped and holds a link, never the key; the buyer's page shows the key.
    expect(toTaobao.secret).toBeUndefined();
    taobaoDeliveryToken = toTaobao.link!.slice(
      toTaobao.link!.indexOf('/deliveries/') + '/deliveries/'.length,
    );
    const buyerPage = await fetch(`${service('connector-taobao').url}/deliveries/${taobaoDeliveryToken}`);
    expect(buyerPage.status).toBe(200);
    const pageText = await buyerPage.text();
    const taobaoKey = cardKeys.find((k) => pageText.includes(k));
    expect(taobaoKey).toBeDefined();
    expect(toShop.secret).not.toBe(taobaoKey);
    expect(shop.faults.deliveryFailures).toBe(0);
    const remaining = cardKeys.length - 2;
    await eventually(
      () => shop.listings.get(sku)?.quantity === remaining || undefined,
      15_000,
      'the shop listing',
    );
    await eventually(
      () => taobao.listings.get(sku)?.quantity === remaining || undefined,
      15_000,
      'the Taobao listing',
    );

    // Stopped before reading, so shutdown lines are in the capture too.
    await Promise.all(services.map((s) => s.stop()));
    const captured = services.flatMap((s) => s.output());
    const logs = byStream(captured);

    // The capture is real: every app's own lines are in it, and so is this flow.
    const linesOf = (app: string) => logs.filter((l) => l.app === app).flatMap((l) => l.lines);
    const silent = services
      .map((s) => s.app)
      .filter((app) => !linesOf(app).some((l) => l.includes('Nest application successfully started')));
    expect(silent).toEqual([]);
    const all = logs.flatMap((l) => l.lines);
    expect(all.some((l) => l.includes('Mapped {/v1/skus/:sku/card-keys/import, POST} route'))).toBe(true);
    expect(
      linesOf('connector-shop').some(
        (l) => l.includes(shopOrderId) && l.includes(sku) && l.includes('card-key delivery will be retried'),
      ),
    ).toBe(true);

    const secrets: [string, string][] = [
      ...cardKeys.map((k, i): [string, string] => [`card key #${i}`, k]),
      ['rejected import row', rejectedRow],
      ['card-key marker', marker],
      ['bootstrap admin key', bootstrapAdminKey],
      ['created API key', adminKey],
      ['created API key, secret part', adminKey.split('_').slice(2).join('_')],
      ['vault encryption key', vaultKey],
      ['vault fingerprint key', fingerprintKey],
      ...shopWebhookSecrets.map((s, i): [string, string] => [`shop webhook secret #${i}`, s]),
      ...taobaoWebhookSecrets.map((s, i): [string, string] => [`Taobao webhook secret #${i}`, s]),
      ['shop API secret', shopApiSecret],
      ['Taobao app secret', taobaoAppSecret],
      ['delivery link secret', deliveryLinkSecret],
      ['Taobao buyer delivery link token', taobaoDeliveryToken],
    ].flatMap(([label, value]) =>
      encodings(value).map(([encoding, text]): [string, string] => [`${label} (${encoding})`, text]),
    );

    // Longest first, so masking one secret never leaves a piece of a longer one in the report.
    secrets.sort(([, a], [, b]) => b.length - a.length);
    const leaks = logs.flatMap(({ app, stream, lines }) =>
      lines.flatMap((line) => {
        const found = secrets.filter(([, text]) => line.includes(text));
        if (found.length === 0) return [];
        const masked = found.reduce((l, [, text]) => l.split(text).join('«…»'), line);
        return [{ app, stream, secrets: found.map(([label]) => label), line: masked.slice(0, 400) }];
      }),
    );
    expect(leaks).toEqual([]);
  }, 60_000);
});

/** The whole text of each stream of each app, split into lines (chunks may cut a line anywhere). */
function byStream(captured: CapturedOutput[]): { app: string; stream: string; lines: string[] }[] {
  const joined = new Map<string, { app: string; stream: string; text: string }>();
  for (const c of captured) {
    const key = `${c.app}/${c.stream}`;
    const entry = joined.get(key) ?? { app: c.app, stream: c.stream, text: '' };
    entry.text += c.text;
    joined.set(key, entry);
  }
  return [...joined.values()].map(({ app, stream, text }) => ({
    app,
    stream,
    lines: text.split('\n').filter(Boolean),
  }));
}

/** A secret as it would appear if logged as text, or as a Buffer serialised by pino, util.inspect or toString. */
function encodings(value: string | Buffer): [string, string][] {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  const forms: [string, string][] = [
    ['base64', bytes.toString('base64')],
    ['base64url', bytes.toString('base64url')],
    ['hex', bytes.toString('hex')],
    ['JSON bytes', JSON.stringify([...bytes.subarray(0, 16)]).slice(1, -1)],
    [
      'inspected bytes',
      bytes
        .subarray(0, 16)
        .toString('hex')
        .replace(/(..)(?!$)/g, '$1 '),
    ],
  ];
  if (typeof value === 'string') forms.unshift(['text', value]);
  return forms.filter(([, text]) => text.length >= 8);
}
