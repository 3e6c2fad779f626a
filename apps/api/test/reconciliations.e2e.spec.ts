import { createServer } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { channelsMigrations } from '@libs/channels';
import { runMigrations } from '@libs/database';
import { ShopSimulator } from '@libs/platform-simulators';
import { readModelMigrations } from '@libs/read-models';
import { hashServiceToken, startApp } from '@libs/runtime';
import { deleteTopicsWithPrefix, uniqueTopicPrefix } from '@libs/testing';
import { ConnectorShopModule } from '../../connector-shop/src/connector-shop.module';
import { ReconcilerModule } from '../../reconciler/src/reconciler.module';
import { startApiTestApp, type ApiTestApp } from './api-test-app';

const SHOP_SECRET = 'recon-api-shop-secret';
const SERVICE_TOKEN = 'recon-api-service-token-0123456789abcdef';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Reconciliation through the operations API: a run started by an operator's key on the real reconciler app
 * (the API sends it the service token), which reads and corrects a simulated shop through the shop connector,
 * then read back by an analyst as JSON, per class, and as CSV.
 */
describe('reconciliations through the operations API, with the reconciler app', () => {
  let api: ApiTestApp;
  let reconciler: INestApplication;
  let connector: INestApplication;
  const prefix = uniqueTopicPrefix('recon-api');
  const shop = new ShopSimulator(SHOP_SECRET);
  const savedEnv = { ...process.env };
  let operatorKey = '';
  let analystKey = '';

  beforeAll(async () => {
    await shop.start();
    // The API is told where the reconciler will listen before either starts.
    const reconcilerPort = await freePort();
    api = await startApiTestApp('recon_api', {
      API_RECONCILER_URL: `http://127.0.0.1:${reconcilerPort}`,
      SERVICE_TOKEN,
    });
    for (const m of [readModelMigrations, channelsMigrations]) await runMigrations(api.db.pool, m);
    // The shop lists three SKUs at their targets, pushed and acknowledged; one is then edited by hand, and the
    // shop also lists a SKU we never sent it.
    for (const [sku, target] of [
      ['RA-1', 5],
      ['RA-2', 7],
      ['RA-3', 9],
    ] as const) {
      shop.setListing(sku, target);
      await api.db.pool.query(
        `INSERT INTO channel_stock (channel, sku, target, target_version) VALUES ('shop', $1, $2, 3)`,
        [sku, target],
      );
      await api.db.pool.query(
        `INSERT INTO channel_push_state (channel, sku, last_acked_version, last_acked_quantity) VALUES ('shop', $1, 3, $2)`,
        [sku, target],
      );
    }
    shop.setListing('RA-2', 12);
    shop.setListing('RA-GHOST', 4);

    Object.assign(process.env, {
      DATABASE_URL: api.db.url,
      KAFKA_TOPIC_PREFIX: prefix,
      HTTP_PORT: '0',
      LOG_LEVEL: 'silent',
      SERVICE_TOKEN_HASHES: hashServiceToken(SERVICE_TOKEN),
      CONNECTOR_PLATFORM_URL: shop.url,
      CONNECTOR_APP_SECRET: SHOP_SECRET,
      CONNECTOR_WEBHOOK_SECRETS: 'whsec-recon-api',
    });
    const shopConnector = await startApp(ConnectorShopModule);
    connector = shopConnector.app;
    Object.assign(process.env, {
      HTTP_PORT: String(reconcilerPort),
      RECONCILE_CONNECTORS: `shop=${shopConnector.url}`,
      RECONCILE_TRUTH_CHECK: 'false',
    });
    reconciler = (await startApp(ReconcilerModule)).app;
    operatorKey = await api.keyFor('inventory-admin', 'recon-operator');
    analystKey = await api.keyFor('analyst', 'recon-analyst');
  });

  afterAll(async () => {
    await reconciler?.close();
    await connector?.close();
    process.env = savedEnv;
    await api?.close();
    await shop.stop();
    await deleteTopicsWithPrefix(prefix);
  });

  it('runs on demand for an operator, not for an analyst, and the analyst reads the exact report', async () => {
    expect((await api.call('POST', '/v1/reconciliations', { key: analystKey })).status).toBe(403);

    const started = await api.call('POST', '/v1/reconciliations', { key: operatorKey });
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({
      listingsChecked: 4,
      differences: 2,
      corrections: 1,
      byClass: { edited_on_platform: 1, listing_unknown_to_us: 1 },
    });
    expect(shop.listings.get('RA-2')!.quantity).toBe(7);
    const runId = started.body.runId as number;

    const list = await api.call('GET', '/v1/reconciliations', { key: analystKey });
    expect(list.status).toBe(200);
    expect(list.body.items[0]).toMatchObject({
      id: runId,
      status: 'finished',
      listingsChecked: 4,
      differences: 2,
    });

    const run = await api.call('GET', `/v1/reconciliations/${runId}`, { key: analystKey });
    expect(run.body.byClass).toEqual([
      { channel: 'shop', class: 'edited_on_platform', differences: 1, corrected: 1 },
      { channel: 'shop', class: 'listing_unknown_to_us', differences: 1, corrected: 0 },
    ]);

    const edited = await api.call('GET', `/v1/reconciliations/${runId}/items?class=edited_on_platform`, {
      key: analystKey,
    });
    expect(edited.body.items).toEqual([
      expect.objectContaining({ channel: 'shop', sku: 'RA-2', listed: 12, target: 7, action: 'corrected' }),
    ]);

    const csv = await api.call('GET', `/v1/reconciliations/${runId}/items.csv`, { key: analystKey });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = String(csv.body).trim().split('\r\n');
    expect(lines[0]).toBe('channel,sku,class,listed,target,target_version,action,note');
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 3).join(','))).toEqual([
      'shop,RA-2,edited_on_platform',
      'shop,RA-GHOST,listing_unknown_to_us',
    ]);
  });

  it('answers an unknown run with 404 and a bad filter with 400, each with its stable code', async () => {
    const missing = await api.call('GET', '/v1/reconciliations/999999', { key: analystKey });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('API.NOT_FOUND');
    const bad = await api.call('GET', '/v1/reconciliations/1/items?class=everything', { key: analystKey });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('API.VALIDATION_FAILED');
    const notANumber = await api.call('GET', '/v1/reconciliations/abc', { key: analystKey });
    expect(notANumber.status).toBe(400);
  });
});
