/**
 * Reconciliation of RECON_SKUS × 4 channel listings (default 250,000 × 4 = 1,000,000) against the simulated
 * platforms on loopback, with 1% of the listings edited by hand. Reports duration, peak memory, and — as the
 * baseline, in the same run — the naive approach (one target lookup per listing) measured on a sample and
 * extrapolated.
 *
 *   npm run bench -- bench/reconciliation.bench.ts   (RECON_SKUS=250000)
 */
import { runMigrations } from '@libs/database';
import {
  channelsMigrations,
  MiniprogramAdapter,
  PinduoduoAdapter,
  ShopAdapter,
  TaobaoAdapter,
} from '@libs/channels';
import { readModelMigrations } from '@libs/read-models';
import { Reconciler, reconciliationMigrations } from '@libs/reconciliation';
import { adapterChannelAccess, createTestDatabase } from '@libs/testing';
import { machine } from './lib/bench-infra';
import { type Platform, startSimulatorHost } from './lib/simulator-host';

const SKUS = Number(process.env.RECON_SKUS ?? 250_000);
const PAGE = Number(process.env.RECON_PAGE_SIZE ?? 100);
const SAMPLE = 5_000;

async function main(): Promise<void> {
  process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';
  const db = await createTestDatabase('bench_recon', 4);
  for (const m of [readModelMigrations, channelsMigrations, reconciliationMigrations])
    await runMigrations(db.pool, m);
  // The platforms live in a child process: the memory figure below is the reconciler's alone.
  const host = await startSimulatorHost({ key: 'k', secret: 's' });
  const sims = host.urls;
  const channels: Platform[] = ['taobao', 'pinduoduo', 'miniprogram', 'shop'];
  for (const [c, channel] of channels.entries()) {
    // 1 listing in 100 edited by hand on the platform (+5).
    await host.seed({ platform: channel, prefix: 'B-', count: SKUS, offset: c, driftEvery: 100, drift: 5 });
    await db.pool.query(
      `INSERT INTO channel_stock (channel, sku, target, target_version)
       SELECT $1, 'B-' || i, 1 + ((i * 7 + $2) % 50), 3 FROM generate_series(0, $3 - 1) AS i`,
      [channel, c, SKUS],
    );
    await db.pool.query(
      `INSERT INTO channel_push_state (channel, sku, last_acked_version, last_acked_quantity)
       SELECT $1, 'B-' || i, 3, 1 + ((i * 7 + $2) % 50) FROM generate_series(0, $3 - 1) AS i`,
      [channel, c, SKUS],
    );
  }
  await db.pool.query('ANALYZE');
  const adapters = [
    new TaobaoAdapter({ baseUrl: sims.taobao, appKey: 'k', appSecret: 's', timeoutMs: 30_000 }),
    new PinduoduoAdapter({ baseUrl: sims.pinduoduo, clientId: 'k', clientSecret: 's', timeoutMs: 30_000 }),
    new MiniprogramAdapter({ baseUrl: sims.miniprogram, accessToken: 's', timeoutMs: 30_000 }),
    new ShopAdapter({ baseUrl: sims.shop, apiSecret: 's', timeoutMs: 30_000 }),
  ];

  // Baseline: what a simple job does — page the platform, then look each listing's target up on its own.
  const baselineStarted = performance.now();
  let checked = 0;
  let cursor: string | undefined;
  while (checked < SAMPLE) {
    const page = await adapters[0].readListings(cursor, PAGE);
    for (const item of page.items) {
      await db.pool.query('SELECT target FROM channel_stock WHERE channel = $1 AND sku = $2', [
        'taobao',
        item.sku,
      ]);
      checked++;
    }
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  const baselinePerListingMs = (performance.now() - baselineStarted) / checked;

  const baseRss = process.memoryUsage().rss;
  let peakRss = baseRss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);
  const started = performance.now();
  let lastProgress = started;
  // The run's own cost: the connector hop (one HTTP call per listing page) is not in this figure.
  const summary = await new Reconciler(db.pool, adapters.map(adapterChannelAccess)).run('bench', {
    pageSize: PAGE,
    onProgress: ({ channel, listings }) => {
      if (performance.now() - lastProgress < 10_000) return;
      lastProgress = performance.now();
      console.log(
        `  … ${channel}: ${listings} listings read, ${((lastProgress - started) / 1000).toFixed(0)} s`,
      );
    },
  });
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const hostRss = await host.rss();

  await host.stop();
  await db.drop();

  const listings = SKUS * channels.length;
  const baselineSeconds = (baselinePerListingMs * listings) / 1000;
  console.log(`machine: ${machine()}`);
  console.log(
    `reconciliation of ${listings} listings (${SKUS} SKUs × ${channels.length} channels), page size ${PAGE}`,
  );
  console.log(
    `  ${summary.listingsChecked} checked, ${summary.differences} differences (${JSON.stringify(summary.byClass)}), ${summary.corrections} corrected`,
  );
  console.log(`  duration ${seconds.toFixed(1)} s (${(listings / seconds).toFixed(0)} listings/s)`);
  console.log(
    `  reconciler process RSS: ${(baseRss / 2 ** 20).toFixed(0)} MiB before the run, peak ${(peakRss / 2 ** 20).toFixed(0)} MiB during it; heap used at the end ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB`,
  );
  console.log(
    `  (the simulated platforms, in their own process, held ${(hostRss / 2 ** 20).toFixed(0)} MiB)`,
  );
  console.log(
    `  baseline, one target lookup per listing: ${baselinePerListingMs.toFixed(3)} ms per listing over ${checked} → ${baselineSeconds.toFixed(0)} s for all`,
  );
  console.log(`  ratio baseline/reconciler duration: ${(baselineSeconds / seconds).toFixed(1)}x`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
