import { randomBytes } from 'node:crypto';
import { sendNotification, ShopSimulator } from '@libs/platform-simulators';
import {
  createTestDatabase,
  deleteTopicsWithPrefix,
  eventually,
  uniqueTopicPrefix,
  type TestDatabase,
} from '@libs/testing';
import { runBinary } from '../apps/cli/test/run-binary';
import { type ServiceProcess, startServiceProcess } from './service-process';

interface Step {
  step: string;
  actor: string | null;
  detail: Record<string, unknown>;
}

/**
 * One bad day at the operator's desk, end to end, with the apps running as deployed (each from its own main.ts in a
 * child process) against the real broker and PostgreSQL, the shop as a simulator on loopback, and the operator
 * working through the `stocksync` CLI:
 * a buyer pays and gets a key; the buyer reports it invalid; the operator opens a ticket, voids and replaces the key
 * and links that to the ticket; the buyer receives a new key; the ticket is resolved; the order's history shows
 * every step with who took it.
 */
describe('a bad day at the operator’s desk', () => {
  const prefix = uniqueTopicPrefix('bad-day');
  const run = randomBytes(3).toString('hex');
  const sku = `STEAM-50-${run}`;
  const orderId = `shop-${run}`;
  const bootstrapAdminKey = randomBytes(24).toString('base64url');
  const shopSecret = `shop-${randomBytes(12).toString('base64url')}`;
  const webhookSecret = `hook-shop-${run}`;
  const shop = new ShopSimulator(shopSecret);
  const vault = {
    CARD_VAULT_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    CARD_VAULT_ACTIVE_KEY_ID: 'k1',
    CARD_VAULT_FINGERPRINT_KEY: randomBytes(32).toString('base64'),
  };
  let db: TestDatabase;
  let services: ServiceProcess[] = [];
  const keys = { admin: '', operator: '' };

  beforeAll(async () => {
    db = await createTestDatabase('bad_day');
    await shop.start();
    const common = { DATABASE_URL: db.url, KAFKA_TOPIC_PREFIX: prefix, LOG_LEVEL: 'warn', ...vault };
    services = await Promise.all([
      startServiceProcess('inventory-service', { ...common, INVENTORY_CONSUMER_GROUP: `inventory-${run}` }),
      startServiceProcess('projector', common),
      startServiceProcess('api', { ...common, API_BOOTSTRAP_ADMIN_KEY: bootstrapAdminKey }),
      startServiceProcess('connector-shop', {
        ...common,
        CONNECTOR_PLATFORM_URL: shop.url,
        CONNECTOR_APP_SECRET: shopSecret,
        CONNECTOR_WEBHOOK_SECRETS: webhookSecret,
        CONNECTOR_CONSUMER_GROUP: `connector-shop-${run}`,
      }),
    ]);
    await Promise.all(services.map((s) => s.ready(80_000)));
  }, 110_000);

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await shop.stop();
    await deleteTopicsWithPrefix(prefix).catch(() => undefined);
    await db?.drop();
  }, 30_000);

  const service = (app: string) => services.find((s) => s.app === app)!;

  async function api(
    method: string,
    path: string,
    body: unknown,
    key: string,
    contentType = 'application/json',
  ) {
    const response = await fetch(`${service('api').url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': contentType },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  /** `stocksync <args>` as the operator runs it; the answer as JSON. */
  async function stocksync(...args: string[]): Promise<Record<string, unknown>> {
    const result = await runBinary(args, {
      STOCKSYNC_API_URL: service('api').url,
      STOCKSYNC_API_KEY: keys.operator,
    });
    if (result.code !== 0)
      throw new Error(`stocksync ${args.join(' ')}: exit ${result.code}\n${result.stderr}`);
    return JSON.parse(result.stdout) as Record<string, unknown>;
  }

  const notify = (body: unknown) =>
    sendNotification(
      { url: service('connector-shop').url, path: '/v1/webhooks/orders', secret: webhookSecret },
      body,
    );
  const received = () => [...shop.deliveries.values()].filter((d) => d.orderId === orderId);

  it('ends with the buyer holding a working key, the ticket resolved and every step in the order’s history', async () => {
    // The morning: keys are in stock and the shop sells one.
    for (const [name, role] of [
      ['admin', 'inventory-admin'],
      ['operator', 'order-operator'],
    ] as const) {
      const created = await api('POST', '/v1/api-keys', { name: `${name}-${run}`, role }, bootstrapAdminKey);
      expect(created.status).toBe(201);
      keys[name] = String(created.body.key);
    }
    expect((await api('POST', '/v1/skus', { sku, kind: 'cardKey' }, keys.admin)).status).toBe(201);
    const imported = await api(
      'POST',
      `/v1/skus/${sku}/card-keys/import?batchId=keys-${run}`,
      `KEY-A-${run}\nKEY-B-${run}\nKEY-C-${run}`,
      keys.admin,
      'text/plain',
    );
    expect(imported.body).toMatchObject({ imported: 3 });
    expect((await notify({ type: 'order.placed', orderId, lines: [{ sku, quantity: 1 }] })).status).toBe(200);
    expect((await notify({ type: 'order.paid', orderId, lines: [{ sku, quantity: 1 }] })).status).toBe(200);
    const [first] = await eventually(
      () => (received().length === 1 ? received() : undefined),
      30_000,
      'the key',
    );

    // The buyer writes: the key does not work. The operator opens a ticket and replaces the key.
    const ticket = await stocksync(
      'ticket',
      'open',
      'shop',
      orderId,
      '--reason',
      'INVALID_KEY',
      '--summary',
      'buyer says the key is already used',
      '--sku',
      sku,
    );
    const ticketId = String(ticket.id);
    const replaced = await stocksync(
      'order',
      'replace',
      'shop',
      orderId,
      first.unitId,
      '--note',
      'reported invalid',
    );
    expect(replaced).toMatchObject({ changed: true, events: [{ type: 'CardKeyReplaced' }] });
    const replacement = String(
      (replaced.events as { data: { replacementUnitId: string } }[])[0].data.replacementUnitId,
    );
    await stocksync(
      'ticket',
      'link',
      ticketId,
      'void-and-replace',
      first.unitId,
      '--note',
      `replaced by ${replacement}`,
    );

    // The buyer receives a new key, another secret than the first.
    const second = await eventually(
      () => received().find((d) => d.unitId === replacement),
      30_000,
      'the replacement key at the buyer',
    );
    expect(second.secret).not.toBe(first.secret);
    expect([first.secret, second.secret].every((s) => /^KEY-[ABC]-/.test(String(s)))).toBe(true);

    await stocksync('ticket', 'move', ticketId, 'resolved', '--note', 'new key delivered, buyer confirmed');

    // The evening: the history tells the whole story, each step with who took it.
    const history = await eventually(
      async () => {
        const h = await stocksync('order', 'shop', orderId, '--sku', sku);
        const steps = h.steps as Step[];
        return steps.filter((s) => s.step === 'delivered').length === 2 &&
          steps.some((s) => s.step === 'ticket-moved')
          ? steps
          : undefined;
      },
      30_000,
      'the deliveries recorded in the history',
    );
    const operator = `operator-${run}`;
    const taken = history.map((s) => [s.step, s.actor]);
    expect(taken.slice(0, 5)).toEqual([
      ['placed-and-reserved', 'connector-shop'],
      ['paid', 'connector-shop'],
      ['delivered', 'connector-shop'],
      ['ticket-opened', operator],
      ['key-replaced', operator],
    ]);
    // The link to the ticket and the new key's delivery race each other; the resolution comes after both.
    expect(taken.slice(5, 7)).toEqual(
      expect.arrayContaining([
        ['ticket-action', operator],
        ['delivered', 'connector-shop'],
      ]),
    );
    expect(taken.slice(7)).toEqual([['ticket-moved', operator]]);
    const steps = new Map(history.map((s) => [s.step, s.detail]));
    expect(steps.get('key-replaced')).toMatchObject({
      voidedUnitId: first.unitId,
      replacementUnitId: replacement,
    });
    expect(history.filter((s) => s.step === 'delivered').map((s) => s.detail.unitIds)).toEqual([
      [first.unitId],
      [replacement],
    ]);
    const shown = await stocksync('ticket', 'show', ticketId);
    expect(shown).toMatchObject({ state: 'resolved' });
    // The voided key was revealed for this order only, and never again after it was voided.
    const { rows } = await db.pool.query<{ order_id: string }>(
      'SELECT order_id FROM card_key_reveals WHERE unit_id = $1',
      [first.unitId],
    );
    expect(rows).toEqual([{ order_id: orderId }]);
  }, 120_000);
});
