import type { INestApplication } from '@nestjs/common';
import { runMigrations } from '@libs/database';
import { channelsMigrations } from '@libs/channels';
import { MiniprogramSimulator, PinduoduoSimulator, ShopSimulator, TaobaoSimulator, type SimulatedPlatform } from '@libs/platform-simulators';
import { readModelMigrations } from '@libs/read-models';
import { startApp } from '@libs/runtime';
import { createTestDatabase, type TestDatabase } from '@libs/testing';
import { ReconcilerModule } from '../apps/reconciler/src/reconciler.module';

const SKUS = Array.from({ length: 50 }, (_, i) => `E-${i}`);

describe('the reconciler app against four simulated platforms', () => {
  let db: TestDatabase;
  let app: INestApplication;
  let url: string;
  const savedEnv = { ...process.env };
  const sims: Record<string, SimulatedPlatform> = {
    taobao: new TaobaoSimulator('tb', 'tb-secret'),
    pinduoduo: new PinduoduoSimulator('pdd', 'pdd-secret'),
    miniprogram: new MiniprogramSimulator('wx-token'),
    shop: new ShopSimulator('shop-secret'),
  };
  const target = (i: number) => 10 + (i % 7);

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
      HTTP_PORT: '0',
      LOG_LEVEL: 'error',
      RECONCILE_TRUTH_CHECK: 'false',
      RECONCILE_TAOBAO_URL: sims.taobao.url,
      RECONCILE_TAOBAO_APP_KEY: 'tb',
      RECONCILE_TAOBAO_APP_SECRET: 'tb-secret',
      RECONCILE_PINDUODUO_URL: sims.pinduoduo.url,
      RECONCILE_PINDUODUO_CLIENT_ID: 'pdd',
      RECONCILE_PINDUODUO_CLIENT_SECRET: 'pdd-secret',
      RECONCILE_MINIPROGRAM_URL: sims.miniprogram.url,
      RECONCILE_MINIPROGRAM_ACCESS_TOKEN: 'wx-token',
      RECONCILE_SHOP_URL: sims.shop.url,
      RECONCILE_SHOP_API_SECRET: 'shop-secret',
    });
    ({ app, url } = await startApp(ReconcilerModule));
  });

  afterAll(async () => {
    await app?.close();
    process.env = savedEnv;
    for (const sim of Object.values(sims)) await sim.stop();
    await db?.drop();
  });

  it('corrects injected drift on demand, reports it exactly, and a second run changes nothing', async () => {
    // Two listings (1%) edited by hand, one failed push, one listing unknown to us.
    sims.pinduoduo.setListing('E-3', 1);
    sims.shop.setListing('E-4', 0);
    sims.taobao.setListing('E-5', 40);
    await db.pool.query(`UPDATE channel_push_state SET last_error_code = 'HTTP_500' WHERE channel = 'taobao' AND sku = 'E-5'`);
    sims.miniprogram.setListing('NOT-OURS', 2);

    const first = (await (await fetch(`${url}/v1/reconciliations`, { method: 'POST' })).json()) as { runId: number };
    expect(first).toMatchObject({
      listingsChecked: 201,
      differences: 4,
      corrections: 3,
      byClass: { edited_on_platform: 2, failed_push: 1, listing_unknown_to_us: 1 },
    });
    expect(sims.pinduoduo.listings.get('E-3')?.quantity).toBe(target(3));
    expect(sims.shop.listings.get('E-4')?.quantity).toBe(target(4));
    expect(sims.taobao.listings.get('E-5')?.quantity).toBe(target(5));

    const csv = await (await fetch(`${url}/v1/reconciliations/${first.runId}/items.csv`)).text();
    expect(csv.trim().split('\r\n').slice(1).sort()).toEqual([
      'miniprogram,NOT-OURS,listing_unknown_to_us,2,,,reported,',
      `pinduoduo,E-3,edited_on_platform,1,${target(3)},4,corrected,`,
      `shop,E-4,edited_on_platform,0,${target(4)},4,corrected,`,
      `taobao,E-5,failed_push,40,${target(5)},4,corrected,`,
    ]);

    const second = await (await fetch(`${url}/v1/reconciliations`, { method: 'POST' })).json();
    expect(second).toMatchObject({ differences: 1, corrections: 0, byClass: { listing_unknown_to_us: 1 } });
  });
});
