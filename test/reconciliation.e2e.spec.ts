import type { INestApplication, Type } from '@nestjs/common';
import { channelsMigrations, ConnectorRuntime } from '@libs/channels';
import { runMigrations } from '@libs/database';
import {
  MiniprogramSimulator,
  PinduoduoSimulator,
  ShopSimulator,
  TaobaoSimulator,
  type SimulatedPlatform,
} from '@libs/platform-simulators';
import { readModelMigrations } from '@libs/read-models';
import { hashServiceToken, startApp } from '@libs/runtime';
import {
  createTestDatabase,
  deleteTopicsWithPrefix,
  uniqueTopicPrefix,
  type TestDatabase,
} from '@libs/testing';
import { ConnectorMiniprogramModule } from '../apps/connector-miniprogram/src/connector-miniprogram.module';
import { ConnectorPinduoduoModule } from '../apps/connector-pinduoduo/src/connector-pinduoduo.module';
import { ConnectorShopModule } from '../apps/connector-shop/src/connector-shop.module';
import { ConnectorTaobaoModule } from '../apps/connector-taobao/src/connector-taobao.module';
import { ReconcilerModule } from '../apps/reconciler/src/reconciler.module';

const SKUS = Array.from({ length: 50 }, (_, i) => `E-${i}`);
const TOKEN = 'reconciliation-e2e-service-token-0123456789';

/**
 * The reconciler app with the four connector apps, each against its simulated platform. The reconciler holds
 * no platform URL or credential: it reads listings and hands corrections to each connector, which pushes them
 * on its own push path. One writer per platform.
 */
describe('the reconciler app, through the four connectors, against four simulated platforms', () => {
  let db: TestDatabase;
  let reconciler: INestApplication;
  let url: string;
  const connectors: Record<string, INestApplication> = {};
  const prefix = uniqueTopicPrefix('reconcile');
  const savedEnv = { ...process.env };
  const sims: Record<string, SimulatedPlatform> = {
    taobao: new TaobaoSimulator('tb', 'tb-secret'),
    pinduoduo: new PinduoduoSimulator('pdd', 'pdd-secret'),
    miniprogram: new MiniprogramSimulator('wx-token'),
    shop: new ShopSimulator('shop-secret'),
  };
  const connectorApps: Record<string, { module: Type<unknown>; env: Record<string, string> }> = {
    taobao: {
      module: ConnectorTaobaoModule,
      env: { CONNECTOR_APP_KEY: 'tb', CONNECTOR_APP_SECRET: 'tb-secret' },
    },
    pinduoduo: {
      module: ConnectorPinduoduoModule,
      env: { CONNECTOR_APP_KEY: 'pdd', CONNECTOR_APP_SECRET: 'pdd-secret' },
    },
    miniprogram: { module: ConnectorMiniprogramModule, env: { CONNECTOR_APP_SECRET: 'wx-token' } },
    shop: { module: ConnectorShopModule, env: { CONNECTOR_APP_SECRET: 'shop-secret' } },
  };
  /** Platform calls each connector's adapter made (pushes), counted on the connector's side. */
  const connectorPushes: Record<string, number> = {};
  const target = (i: number) => 10 + (i % 7);
  const asService = { authorization: `Bearer ${TOKEN}` };

  beforeAll(async () => {
    db = await createTestDatabase('reconcile_e2e');
    for (const m of [readModelMigrations, channelsMigrations]) await runMigrations(db.pool, m);
    for (const [channel, sim] of Object.entries(sims)) {
      await sim.start();
      SKUS.forEach((sku, i) => sim.setListing(sku, target(i)));
      await db.pool.query(
        `INSERT INTO channel_stock (channel, sku, target, target_version) SELECT $1, 'E-' || i, 10 + (i % 7), 4 FROM generate_series(0, 49) i`,
        [channel],
      );
      await db.pool.query(
        `INSERT INTO channel_push_state (channel, sku, last_acked_version, last_acked_quantity) SELECT $1, 'E-' || i, 4, 10 + (i % 7) FROM generate_series(0, 49) i`,
        [channel],
      );
    }
    Object.assign(process.env, {
      DATABASE_URL: db.url,
      KAFKA_TOPIC_PREFIX: prefix,
      HTTP_PORT: '0',
      LOG_LEVEL: 'error',
      SERVICE_TOKEN_HASHES: hashServiceToken(TOKEN),
    });
    const urls: string[] = [];
    for (const [channel, { module, env }] of Object.entries(connectorApps)) {
      const saved = { ...process.env };
      Object.assign(process.env, {
        CONNECTOR_PLATFORM_URL: sims[channel].url,
        CONNECTOR_WEBHOOK_SECRETS: 'whsec-e2e',
        ...env,
      });
      const started = await startApp(module);
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
      connectors[channel] = started.app;
      urls.push(`${channel}=${started.url}`);
      const adapter = started.app.get(ConnectorRuntime).adapter;
      const push = adapter.push.bind(adapter);
      connectorPushes[channel] = 0;
      adapter.push = (...args) => {
        connectorPushes[channel] += 1;
        return push(...args);
      };
    }
    Object.assign(process.env, {
      RECONCILE_TRUTH_CHECK: 'false',
      RECONCILE_CONNECTORS: urls.join(','),
      SERVICE_TOKEN: TOKEN,
    });
    ({ app: reconciler, url } = await startApp(ReconcilerModule));
  });

  afterAll(async () => {
    await reconciler?.close();
    for (const app of Object.values(connectors)) await app.close();
    for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
    Object.assign(process.env, savedEnv);
    for (const sim of Object.values(sims)) await sim.stop();
    await deleteTopicsWithPrefix(prefix);
    await db?.drop();
  });

  it('refuses a run without the service token', async () => {
    expect((await fetch(`${url}/v1/reconciliations`, { method: 'POST' })).status).toBe(401);
  });

  it('corrects injected drift through the connectors, reports it exactly, records push state, and a second run changes nothing', async () => {
    // Two listings (1%) edited by hand, one failed push, one listing unknown to us.
    sims.pinduoduo.setListing('E-3', 1);
    sims.shop.setListing('E-4', 0);
    sims.taobao.setListing('E-5', 40);
    await db.pool.query(
      `UPDATE channel_push_state SET last_error_code = 'HTTP_500' WHERE channel = 'taobao' AND sku = 'E-5'`,
    );
    sims.miniprogram.setListing('NOT-OURS', 2);
    const since = Date.now();
    const { rows: clock } = await db.pool.query<{ t: Date }>('SELECT clock_timestamp() AS t');

    const first = (await (
      await fetch(`${url}/v1/reconciliations`, { method: 'POST', headers: asService })
    ).json()) as { runId: number };
    expect(first).toMatchObject({
      listingsChecked: 201,
      differences: 4,
      corrections: 3,
      byClass: { edited_on_platform: 2, failed_push: 1, listing_unknown_to_us: 1 },
    });
    expect(sims.pinduoduo.listings.get('E-3')?.quantity).toBe(target(3));
    expect(sims.shop.listings.get('E-4')?.quantity).toBe(target(4));
    expect(sims.taobao.listings.get('E-5')?.quantity).toBe(target(5));

    const csv = await (
      await fetch(`${url}/v1/reconciliations/${first.runId}/items.csv`, { headers: asService })
    ).text();
    expect(csv.trim().split('\r\n').slice(1).sort()).toEqual([
      'miniprogram,NOT-OURS,listing_unknown_to_us,2,,,reported,',
      `pinduoduo,E-3,edited_on_platform,1,${target(3)},4,corrected,`,
      `shop,E-4,edited_on_platform,0,${target(4)},4,corrected,`,
      `taobao,E-5,failed_push,40,${target(5)},4,corrected,`,
    ]);

    // Every stock call the platforms saw was one of their connector's pushes, each for a corrected SKU.
    for (const [channel, sim] of Object.entries(sims)) {
      const calls = sim.stockCalls(since);
      expect({ channel, calls: calls.length }).toEqual({ channel, calls: connectorPushes[channel] });
      expect({ channel, failed: sim.calls.filter((c) => c.at >= since && c.result !== 'ok') }).toEqual({
        channel,
        failed: [],
      });
    }
    expect(
      Object.fromEntries(
        Object.entries(sims).map(([c, s]) => [c, s.stockCalls(since).flatMap((x) => x.skus)]),
      ),
    ).toEqual({
      taobao: ['E-5'],
      pinduoduo: ['E-3'],
      miniprogram: [],
      shop: ['E-4'],
    });
    // Each correction left its trace in the connector's push state: pushed and acknowledged now, error cleared.
    const { rows: state } = await db.pool.query(
      `SELECT channel, sku, last_pushed_version::int AS pushed, last_acked_version::int AS acked, last_error_code AS error
         FROM channel_push_state WHERE last_pushed_at >= $1 AND last_acked_at >= $1 ORDER BY channel, sku`,
      [clock[0].t],
    );
    expect(state).toEqual([
      { channel: 'pinduoduo', sku: 'E-3', pushed: 4, acked: 4, error: null },
      { channel: 'shop', sku: 'E-4', pushed: 4, acked: 4, error: null },
      { channel: 'taobao', sku: 'E-5', pushed: 4, acked: 4, error: null },
    ]);

    const second = await (
      await fetch(`${url}/v1/reconciliations`, { method: 'POST', headers: asService })
    ).json();
    expect(second).toMatchObject({ differences: 1, corrections: 0, byClass: { listing_unknown_to_us: 1 } });
  });
});
