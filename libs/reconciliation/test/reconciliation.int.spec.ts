import { runMigrations } from '@libs/database';
import {
  channelsMigrations,
  MiniprogramAdapter,
  PinduoduoAdapter,
  ShopAdapter,
  TaobaoAdapter,
} from '@libs/channels';
import {
  MiniprogramSimulator,
  PinduoduoSimulator,
  ShopSimulator,
  TaobaoSimulator,
  type SimulatedPlatform,
} from '@libs/platform-simulators';
import { readModelMigrations } from '@libs/read-models';
import {
  analystViewsMigrations,
  exportRun,
  Reconciler,
  reconciliationMigrations,
  type ChannelAccess,
} from '@libs/reconciliation';
import { adapterChannelAccess, createTestDatabase, type TestDatabase } from '@libs/testing';

const SKUS = Array.from({ length: 100 }, (_, i) => `R-${String(i).padStart(3, '0')}`);

describe('reconciliation against the simulated platforms and the real PostgreSQL', () => {
  let db: TestDatabase;
  const taobao = new TaobaoSimulator('tb-key', 'tb-secret');
  const pdd = new PinduoduoSimulator('pdd-id', 'pdd-secret');
  const wechat = new MiniprogramSimulator('wx-token');
  const shop = new ShopSimulator('shop-secret');
  const simulators: Record<string, SimulatedPlatform> = { taobao, pinduoduo: pdd, miniprogram: wechat, shop };
  let channels: ChannelAccess[];
  const target = (sku: string, channel: string) => (Number(sku.slice(2)) * 7 + channel.length) % 40;

  beforeAll(async () => {
    db = await createTestDatabase('reconcile');
    for (const m of [
      readModelMigrations,
      channelsMigrations,
      reconciliationMigrations,
      analystViewsMigrations,
    ])
      await runMigrations(db.pool, m);
    for (const sim of Object.values(simulators)) await sim.start();
    channels = [
      new TaobaoAdapter({ baseUrl: taobao.url, appKey: 'tb-key', appSecret: 'tb-secret', timeoutMs: 2_000 }),
      new PinduoduoAdapter({
        baseUrl: pdd.url,
        clientId: 'pdd-id',
        clientSecret: 'pdd-secret',
        timeoutMs: 2_000,
      }),
      new MiniprogramAdapter({ baseUrl: wechat.url, accessToken: 'wx-token', timeoutMs: 2_000 }),
      new ShopAdapter({ baseUrl: shop.url, apiSecret: 'shop-secret', timeoutMs: 2_000 }),
    ].map(adapterChannelAccess);
    // Every channel lists every SKU at its target, pushed and acknowledged at version 5.
    for (const [channel, sim] of Object.entries(simulators)) {
      for (const sku of SKUS) {
        const q = target(sku, channel);
        sim.setListing(sku, q, { listed: q > 0 || channel !== 'miniprogram' });
        await db.pool.query(
          `INSERT INTO channel_stock (channel, sku, target, target_version) VALUES ($1, $2, $3, 5)`,
          [channel, sku, q],
        );
        await db.pool.query(
          `INSERT INTO channel_push_state (channel, sku, last_acked_version, last_acked_quantity) VALUES ($1, $2, 5, $3)`,
          [channel, sku, q],
        );
      }
    }
  });

  afterAll(async () => {
    for (const sim of Object.values(simulators)) await sim.stop();
    await db?.drop();
  });

  it('finds, classifies and corrects every injected difference; a second run changes nothing', async () => {
    // 1% of the 400 listings edited by hand on the platforms.
    for (const [channel, sku] of [
      ['taobao', 'R-001'],
      ['pinduoduo', 'R-002'],
      ['miniprogram', 'R-003'],
      ['shop', 'R-004'],
    ] as const) {
      simulators[channel].setListing(sku, target(sku, channel) + 3, { listed: true });
    }
    // A push that failed, and one that never got acknowledged.
    taobao.setListing('R-010', 99);
    await db.pool.query(
      `UPDATE channel_push_state SET last_error_code = 'HTTP_503' WHERE channel = 'taobao' AND sku = 'R-010'`,
    );
    shop.setListing('R-011', 98);
    await db.pool.query(
      `UPDATE channel_stock SET target_version = 6 WHERE channel = 'shop' AND sku = 'R-011'`,
    );
    // A listing unknown to us, and a SKU the platform does not list.
    taobao.setListing('GHOST-1', 5);
    pdd.listings.delete('R-020');

    const first = await new Reconciler(db.pool, channels).run('test');
    expect(first.byClass).toEqual({
      edited_on_platform: 4,
      failed_push: 1,
      stale_push: 1,
      listing_unknown_to_us: 1,
      sku_unknown_to_platform: 1,
    });
    expect(first.corrections).toBe(6);
    expect(first.listingsChecked).toBe(400);
    for (const [channel, sku] of [
      ['taobao', 'R-001'],
      ['pinduoduo', 'R-002'],
      ['shop', 'R-004'],
      ['taobao', 'R-010'],
      ['shop', 'R-011'],
    ] as const) {
      expect(simulators[channel].listings.get(sku)?.quantity).toBe(target(sku, channel));
    }

    const { rows } = await db.pool.query(
      `SELECT channel, sku, class, listed, target, action FROM reconciliation_items WHERE run_id = $1 ORDER BY channel, sku`,
      [first.runId],
    );
    expect(rows).toContainEqual({
      channel: 'taobao',
      sku: 'R-010',
      class: 'failed_push',
      listed: 99,
      target: target('R-010', 'taobao'),
      action: 'corrected',
    });
    expect(rows).toContainEqual({
      channel: 'taobao',
      sku: 'GHOST-1',
      class: 'listing_unknown_to_us',
      listed: 5,
      target: null,
      action: 'reported',
    });
    expect(rows).toContainEqual({
      channel: 'pinduoduo',
      sku: 'R-020',
      class: 'sku_unknown_to_platform',
      listed: null,
      target: target('R-020', 'pinduoduo'),
      action: 'reported',
    });
    const csv = await exportRun(db.pool, first.runId, 'csv');
    expect(csv.split('\r\n')[0]).toBe('channel,sku,class,listed,target,target_version,action,note');
    expect(csv.trim().split('\r\n')).toHaveLength(1 + 8);

    const byView = await db.pool.query(
      `SELECT class, sum(differences)::int AS n, sum(corrected)::int AS fixed FROM reconciliation_differences WHERE run_id = $1 GROUP BY 1 ORDER BY 1`,
      [first.runId],
    );
    expect(byView.rows).toContainEqual({ class: 'edited_on_platform', n: 4, fixed: 4 });

    const second = await new Reconciler(db.pool, channels).run('test');
    expect(second.byClass).toEqual({ listing_unknown_to_us: 1, sku_unknown_to_platform: 1 });
    expect(second.corrections).toBe(0);
  });

  it('never overwrites a target published while the run was going with the older snapshot', async () => {
    taobao.setListing('R-030', 77);
    const racing: ChannelAccess = {
      channel: 'taobao',
      maxBatchSize: 20,
      correct: (t) => channels[0].correct(t),
      readListings: async (cursor, size) => {
        const page = await channels[0].readListings(cursor, size);
        // The projector publishes a newer target for R-030 after our snapshot.
        await db.pool.query(
          `UPDATE channel_stock SET target = 12, target_version = 9 WHERE channel = 'taobao' AND sku = 'R-030'`,
        );
        return page;
      },
    };
    const run = await new Reconciler(db.pool, [racing]).run('test');
    const { rows } = await db.pool.query(
      `SELECT action FROM reconciliation_items WHERE run_id = $1 AND sku = 'R-030'`,
      [run.runId],
    );
    expect(rows).toEqual([{ action: 'superseded' }]);
    expect(taobao.listings.get('R-030')?.quantity).toBe(77);
  });
});
