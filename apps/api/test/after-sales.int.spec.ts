import { AfterSalesTopic, MessageBus } from '@libs/messaging';
import {
  sendNotification,
  sendNotifications,
  ShopSimulator,
  TaobaoSimulator,
  type WebhookTarget,
} from '@libs/platform-simulators';
import { startApp, type StartedApp } from '@libs/runtime';
import { deleteTopicsWithPrefix, eventually, uniqueTopicPrefix } from '@libs/testing';
import { ConnectorShopModule } from '../../connector-shop/src/connector-shop.module';
import { ConnectorTaobaoModule } from '../../connector-taobao/src/connector-taobao.module';
import { taobaoConnector } from '../../connector-taobao/src/taobao.connector';
import { startApiTestApp, type ApiTestApp } from './api-test-app';

const WEBHOOK_SECRET = 'whsec-after-sales-test';
const SHOP_API_SECRET = 'shop-api-secret-after-sales-test';
const TAOBAO_APP_KEY = 'taobao-app-key-after-sales';
const TAOBAO_APP_SECRET = 'taobao-app-secret-after-sales';

/**
 * The after-sales path on the real broker and PostgreSQL: the simulated shop raises a case on an order, the shop
 * connector verifies and publishes it on stock.after-sales, the API opens one ticket for it; the operator's
 * resolution travels back the same way and the shop receives the answer.
 */
describe('after-sales cases from the shop to a ticket and back, on Kafka and PostgreSQL', () => {
  let api: ApiTestApp;
  let connector: StartedApp;
  let taobaoConnectorApp: StartedApp;
  let target: WebhookTarget;
  let taobaoTarget: WebhookTarget;
  const taobao = new TaobaoSimulator(TAOBAO_APP_KEY, TAOBAO_APP_SECRET);
  let operator: string;
  const shop = new ShopSimulator(SHOP_API_SECRET);
  const prefix = uniqueTopicPrefix('after_sales');
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    api = await startApiTestApp('api_after_sales', { KAFKA_TOPIC_PREFIX: prefix });
    operator = await api.keyFor('order-operator', 'operator-olga');
    await shop.start();
    Object.assign(process.env, {
      DATABASE_URL: api.db.url,
      KAFKA_TOPIC_PREFIX: prefix,
      HTTP_PORT: '0',
      LOG_LEVEL: 'silent',
      CONNECTOR_PLATFORM_URL: shop.url,
      CONNECTOR_APP_SECRET: SHOP_API_SECRET,
      CONNECTOR_WEBHOOK_SECRETS: WEBHOOK_SECRET,
    });
    connector = await startApp(ConnectorShopModule);
    target = { url: connector.url, path: '/v1/webhooks/orders', secret: WEBHOOK_SECRET };
    await taobao.start();
    // Card-key delivery is not what this is about: without the vault the marketplace connector needs no delivery link.
    for (const name of ['CARD_VAULT_KEYS', 'CARD_VAULT_ACTIVE_KEY_ID', 'CARD_VAULT_FINGERPRINT_KEY'])
      delete process.env[name];
    Object.assign(process.env, {
      CONNECTOR_PLATFORM_URL: taobao.url,
      CONNECTOR_APP_KEY: TAOBAO_APP_KEY,
      CONNECTOR_APP_SECRET: TAOBAO_APP_SECRET,
    });
    taobaoConnectorApp = await startApp(ConnectorTaobaoModule);
    taobaoTarget = { url: taobaoConnectorApp.url, path: taobaoConnector.webhookPath, secret: WEBHOOK_SECRET };
  });

  afterAll(async () => {
    await connector?.app.close();
    await taobaoConnectorApp?.app.close();
    process.env = savedEnv;
    await shop.stop();
    await taobao.stop();
    await api?.close();
    await deleteTopicsWithPrefix(prefix);
  });

  const ticketsOfCase = async (caseId: string) =>
    (await api.call('GET', '/v1/tickets?channel=shop&limit=500')).body.items.filter(
      (t: { platformCaseId: string | null }) => t.platformCaseId === caseId,
    ) as { id: string; state: string; source: string; openedBy: string; reason: string; summary: string }[];

  it('a case sent twice (and once more concurrently, and redelivered on the topic) opens one ticket; its resolution reaches the shop', async () => {
    const notice = ShopSimulator.afterSalesNotice({
      orderId: 'SHOP-ORDER-1',
      caseId: 'CASE-1',
      sku: 'GAME-1',
      reason: 'invalid-key',
      description: 'the buyer says the key was already redeemed',
    });
    const first = await sendNotification(target, notice);
    const second = await sendNotification(target, notice);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect([first.json, second.json]).toEqual([
      { ok: true, result: 'emitted' },
      { ok: true, result: 'duplicate' },
    ]);
    const racing = await sendNotifications(target, [notice], { copies: 3, concurrent: true });
    expect(racing.map((r) => r.status)).toEqual([200, 200, 200]);

    const [ticket] = await eventually(
      async () => {
        const found = await ticketsOfCase('CASE-1');
        return found.length > 0 ? found : undefined;
      },
      30_000,
      'the ticket of CASE-1',
    );
    expect(ticket).toMatchObject({
      source: 'platform',
      state: 'open',
      reason: 'INVALID_KEY',
      summary: 'the buyer says the key was already redeemed',
      openedBy: 'connector-shop',
    });

    // A copy that got past the connector (a redelivery on the topic) still finds the one ticket.
    await connector.app.get(MessageBus).publish(AfterSalesTopic, [
      {
        type: 'after-sales.requested',
        payload: {
          channel: 'shop',
          channelOrderId: 'SHOP-ORDER-1',
          platformCaseId: 'CASE-1',
          sku: 'GAME-1',
          reasonCode: 'INVALID_KEY',
          summary: 'again',
        },
      },
    ]);
    // A case published after the copy: once its ticket exists the copy has been consumed (same partition key).
    await connector.app.get(MessageBus).publish(AfterSalesTopic, [
      {
        type: 'after-sales.requested',
        payload: {
          channel: 'shop',
          channelOrderId: 'SHOP-ORDER-1',
          platformCaseId: 'CASE-MARKER',
          reasonCode: 'NOT_RECEIVED',
          summary: 'marker',
        },
      },
    ]);
    await eventually(
      async () => ((await ticketsOfCase('CASE-MARKER')).length ? true : undefined),
      30_000,
      'marker',
    );
    expect(await ticketsOfCase('CASE-1')).toHaveLength(1);
    const { rows } = await api.db.pool.query(
      `SELECT count(*)::int AS n FROM ticket_events WHERE ticket_id = $1 AND type = 'opened'`,
      [ticket.id],
    );
    expect(rows[0].n).toBe(1);
    expect(shop.afterSalesAnswers).toEqual([]);

    const resolved = await api.call('POST', `/v1/tickets/${ticket.id}/events`, {
      key: operator,
      json: { to: 'resolved', note: 'key voided and replaced' },
    });
    expect(resolved.status).toBe(200);
    await eventually(() => (shop.afterSalesAnswers.length > 0 ? true : undefined), 30_000, 'the answer');
    expect(shop.afterSalesAnswers).toMatchObject([
      { caseId: 'CASE-1', orderId: 'SHOP-ORDER-1', answer: 'accepted', note: 'key voided and replaced' },
    ]);
    const sent = await api.db.pool.query('SELECT answer_pending, answer_sent_at FROM tickets WHERE id = $1', [
      ticket.id,
    ]);
    expect(sent.rows[0].answer_pending).toBe(false);
    expect(sent.rows[0].answer_sent_at).not.toBeNull();
  });

  it('a rejected case is answered refused; an operator ticket sends the platform nothing', async () => {
    await sendNotification(
      target,
      ShopSimulator.afterSalesNotice({
        orderId: 'SHOP-ORDER-2',
        caseId: 'CASE-2',
        reason: 'REFUND_REQUESTED',
      }),
    );
    const [ticket] = await eventually(
      async () => {
        const found = await ticketsOfCase('CASE-2');
        return found.length > 0 ? found : undefined;
      },
      30_000,
      'the ticket of CASE-2',
    );

    const own = await api.call('POST', '/v1/orders/shop/SHOP-ORDER-3/tickets', {
      key: operator,
      json: { reason: 'NOT_RECEIVED', summary: 'buyer wrote to us directly' },
    });
    await api.call('POST', `/v1/tickets/${own.body.id}/events`, {
      key: operator,
      json: { to: 'resolved', note: 'redelivered' },
    });
    await api.call('POST', `/v1/tickets/${ticket.id}/events`, {
      key: operator,
      json: { to: 'rejected', note: 'the key was redeemed by the buyer (核销 record)' },
    });
    await eventually(
      () => (shop.afterSalesAnswers.some((a) => a.caseId === 'CASE-2') ? true : undefined),
      30_000,
      'the refusal',
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(shop.afterSalesAnswers.map((a) => [a.caseId, a.orderId, a.answer])).toEqual([
      ['CASE-1', 'SHOP-ORDER-1', 'accepted'],
      ['CASE-2', 'SHOP-ORDER-2', 'refused'],
    ]);
  });

  it('a Taobao refund message opens a ticket once; its resolution calls nothing on Taobao (no answer call in our adapter)', async () => {
    const message = TaobaoSimulator.refundCreatedMessage({
      tid: '3809999999',
      refundId: '170000042',
      refundFee: '19.90',
    });
    const answers = await sendNotifications(taobaoTarget, [message], { copies: 2 });
    expect(answers.map((a) => a.json)).toEqual([
      { ok: true, result: 'emitted' },
      { ok: true, result: 'duplicate' },
    ]);
    const ticket = await eventually(
      async () => {
        const { body } = await api.call('GET', '/v1/tickets?channel=taobao');
        return body.items.length > 0 ? body.items : undefined;
      },
      30_000,
      'the Taobao ticket',
    );
    expect(ticket).toMatchObject([
      {
        channelOrderId: '3809999999',
        platformCaseId: '170000042',
        reason: 'REFUND_REQUESTED',
        openedBy: 'connector-taobao',
      },
    ]);
    const since = Date.now();
    const resolved = await api.call('POST', `/v1/tickets/${ticket[0].id}/events`, {
      key: operator,
      json: { to: 'resolved', note: 'refunded in the seller console' },
    });
    expect(resolved.status).toBe(200);
    // The answer is published (the outbox row is cleared) and the Taobao connector only logs it.
    await eventually(
      async () => {
        const { rows } = await api.db.pool.query('SELECT answer_pending FROM tickets WHERE id = $1', [
          ticket[0].id,
        ]);
        return rows[0].answer_pending === false ? true : undefined;
      },
      30_000,
      'the answer published',
    );
    await new Promise((r) => setTimeout(r, 500));
    // Every call Taobao received since (the simulator's own log): nothing but stock pushes, if any.
    const { calls } = (await (await fetch(`${taobao.url}/_sim/calls?since=${since}`)).json()) as {
      calls: { api: string }[];
    };
    expect(calls.filter((c) => c.api !== 'taobao.skus.quantity.update')).toEqual([]);
    expect(shop.afterSalesAnswers.map((a) => a.caseId)).not.toContain('170000042');
  });
});
