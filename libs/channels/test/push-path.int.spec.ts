import {
  ChannelMetrics,
  ChannelPusher,
  channelTargetHandler,
  channelsMigrations,
  MiniprogramAdapter,
  PDD_PROMOTION_SLOT_REFUSAL,
  PinduoduoAdapter,
  type PlatformAdapter,
  PushStateStore,
  readAllListings,
  ShopAdapter,
  TaobaoAdapter,
} from '@libs/channels';
import { runMigrations } from '@libs/database';
import { ChannelTargetsTopic, type KafkaMessageBus, type OutgoingMessage } from '@libs/messaging';
import {
  MiniprogramSimulator,
  PinduoduoSimulator,
  ShopSimulator,
  type SimulatedPlatform,
  TaobaoSimulator,
} from '@libs/platform-simulators';
import {
  createTestDatabase,
  deleteTopicsWithPrefix,
  eventually,
  testKafkaBus,
  uniqueTopicPrefix,
  type TestDatabase,
} from '@libs/testing';
import { Registry } from 'prom-client';

const SKUS = ['CARD-A', 'CARD-B', 'CARD-C'];
const LATENCY_MS = 20;
// The platform throttles for 30 s, as a Taobao app-key ban does; the others must not notice.
const THROTTLE_MS = 30_000;

const target = (
  channel: string,
  sku: string,
  skuVersion: number,
  quantity: number,
): OutgoingMessage<typeof ChannelTargetsTopic> => ({
  type: 'channel-target.set',
  payload: { channel, sku, quantity, skuVersion },
});

describe('the push path: real broker, PostgreSQL and simulated platforms on loopback', () => {
  let db: TestDatabase;
  let projectorBus: KafkaMessageBus;
  let connectorBus: KafkaMessageBus;
  const prefix = uniqueTopicPrefix('push');
  const registry = new Registry();
  const metrics = ChannelMetrics.for(registry);
  const taobao = new TaobaoSimulator('tb-key', 'tb-secret');
  const pdd = new PinduoduoSimulator('pdd-id', 'pdd-secret');
  const wechat = new MiniprogramSimulator('wx-token');
  const shop = new ShopSimulator('shop-secret');
  const simulators: Record<string, SimulatedPlatform> = { taobao, pinduoduo: pdd, miniprogram: wechat, shop };
  const pushers: ChannelPusher[] = [];
  let store: PushStateStore;

  beforeAll(async () => {
    db = await createTestDatabase('channels_push');
    await runMigrations(db.pool, channelsMigrations);
    store = new PushStateStore(db.pool);
    for (const sim of Object.values(simulators)) {
      await sim.start();
      sim.faults.latencyMs = LATENCY_MS;
      if (sim !== shop) for (const sku of SKUS) sim.setListing(sku, 0);
    }
    pdd.setListing('PROMO-1', 10, { promotionSlot: true });
    wechat.setListing('GOING-ZERO', 3);
    const adapters: PlatformAdapter[] = [
      new TaobaoAdapter({ baseUrl: taobao.url, appKey: 'tb-key', appSecret: 'tb-secret', timeoutMs: 2_000 }),
      new PinduoduoAdapter({
        baseUrl: pdd.url,
        clientId: 'pdd-id',
        clientSecret: 'pdd-secret',
        timeoutMs: 2_000,
      }),
      new MiniprogramAdapter({ baseUrl: wechat.url, accessToken: 'wx-token', timeoutMs: 2_000 }),
      new ShopAdapter({ baseUrl: shop.url, apiSecret: 'shop-secret', timeoutMs: 2_000 }),
    ];
    projectorBus = testKafkaBus('projector', prefix);
    connectorBus = testKafkaBus('connectors', prefix);
    for (const adapter of adapters) {
      const pusher = new ChannelPusher(adapter, store, metrics, {
        ratePerSecond: 200,
        burst: 20,
        concurrency: 2,
        backoff: { initialMs: 50, maxMs: 1_000 },
        circuit: { failureThreshold: 5, openMs: 500 },
      });
      await pusher.start();
      pushers.push(pusher);
      await connectorBus.subscribe(
        ChannelTargetsTopic,
        `connector-${adapter.channel}`,
        channelTargetHandler(pusher),
      );
    }
    await projectorBus.start();
    await connectorBus.start();
  });

  afterAll(async () => {
    for (const p of pushers) await p.stop();
    await connectorBus?.stop();
    await projectorBus?.stop();
    for (const sim of Object.values(simulators)) await sim.stop();
    await deleteTopicsWithPrefix(prefix);
    await db?.drop();
  });

  const acked = async (channel: string, sku: string) =>
    (
      await db.pool.query<{
        last_acked_version: string | null;
        last_acked_quantity: number | null;
        last_error_code: string | null;
      }>(
        'SELECT last_acked_version, last_acked_quantity, last_error_code FROM channel_push_state WHERE channel = $1 AND sku = $2',
        [channel, sku],
      )
    ).rows[0];

  it(
    'a throttled platform catches up with the latest values only, while the others keep their latency',
    async () => {
      taobao.faults.throttledUntil = Date.now() + THROTTLE_MS;
      const throttleStart = Date.now();
      const channels = Object.keys(simulators);
      // Ten versions per SKU and channel in one burst: only version 10 should reach the throttled platform.
      const burst = [];
      for (let v = 1; v <= 10; v++)
        burst.push(...channels.flatMap((c) => SKUS.map((sku) => target(c, sku, v, v * 3))));
      await projectorBus.publish(ChannelTargetsTopic, burst);
      for (const channel of ['pinduoduo', 'miniprogram', 'shop']) {
        await eventually(
          async () =>
            SKUS.every((sku) => simulators[channel].listings.get(sku)?.quantity === 30) || undefined,
          10_000,
          `${channel} converged`,
        );
      }
      // The others did not wait for the throttled platform: they were done while its throttle was still on and it
      // still held its old values.
      expect(Date.now()).toBeLessThan(throttleStart + THROTTLE_MS);
      expect(SKUS.some((sku) => taobao.listings.get(sku)!.quantity !== 30)).toBe(true);

      await eventually(
        async () => SKUS.every((sku) => taobao.listings.get(sku)?.quantity === 30) || undefined,
        THROTTLE_MS + 15_000,
        'taobao caught up',
      );
      const successful = taobao.stockCalls(throttleStart).filter((c) => c.result === 'ok');
      // One batch call carried the three SKUs (≤ 20 per call), with the latest value: no replay of versions 1-9.
      expect(successful.length).toBeLessThanOrEqual(2);
      expect(successful.flatMap((c) => c.skus).sort()).toEqual(SKUS);
      expect(taobao.stockCalls(throttleStart).some((c) => c.result === 'throttled')).toBe(true);
      // The platform changes its listing before its answer reaches us: the recorded acknowledgement follows.
      for (const channel of channels) {
        for (const sku of SKUS) {
          const row = await eventually(
            async () =>
              (await acked(channel, sku))?.last_acked_version === '10' ? acked(channel, sku) : undefined,
            5_000,
            'ack recorded',
          );
          expect(row).toMatchObject({ last_acked_version: '10', last_acked_quantity: 30 });
        }
      }
      const errors = await registry.getSingleMetric('stocksync_channel_push_errors_total')!.get();
      expect(
        errors.values.some(
          (v) => v.labels.channel === 'taobao' && v.labels.code === 'TAOBAO.APP_CALL_LIMITED',
        ),
      ).toBe(true);
      expect(errors.values.some((v) => v.labels.channel !== 'taobao')).toBe(false);
    },
    THROTTLE_MS + 40_000,
  );

  it('a PDD promotion-slot refusal is recorded, counted and left for reconciliation; the listing is untouched', async () => {
    await projectorBus.publish(ChannelTargetsTopic, [target('pinduoduo', 'PROMO-1', 20, 4)]);
    const row = await eventually(
      async () => {
        const r = await acked('pinduoduo', 'PROMO-1');
        return r?.last_error_code ? r : undefined;
      },
      10_000,
      'refusal recorded',
    );
    expect(row).toMatchObject({ last_error_code: PDD_PROMOTION_SLOT_REFUSAL, last_acked_version: null });
    expect(pdd.listings.get('PROMO-1')!.quantity).toBe(10);
    const errors = await registry.getSingleMetric('stocksync_channel_push_errors_total')!.get();
    expect(errors.values.find((v) => v.labels.code === PDD_PROMOTION_SLOT_REFUSAL)?.value).toBe(1);

    // The promotion ends; reconciliation's retry pushes the refused target again.
    pdd.listings.get('PROMO-1')!.promotionSlot = false;
    expect(await pushers.find((p) => p.channel === 'pinduoduo')!.requeueUnacknowledged()).toBe(1);
    await eventually(
      async () => ((await acked('pinduoduo', 'PROMO-1'))?.last_acked_version === '20' ? true : undefined),
      10_000,
      'retried push acknowledged',
    );
    expect(pdd.listings.get('PROMO-1')!.quantity).toBe(4);
    pdd.listings.get('PROMO-1')!.promotionSlot = true;

    // An increase is never refused, and it clears the recorded error.
    await projectorBus.publish(ChannelTargetsTopic, [target('pinduoduo', 'PROMO-1', 21, 12)]);
    await eventually(
      async () => ((await acked('pinduoduo', 'PROMO-1'))?.last_acked_version === '21' ? true : undefined),
      10_000,
      'increase acknowledged',
    );
    expect(pdd.listings.get('PROMO-1')!.quantity).toBe(12);
    expect((await acked('pinduoduo', 'PROMO-1'))!.last_error_code).toBeNull();
  });

  it('a WeChat SKU going to 0 is delisted, never pushed as a full-set 0, and listed again on restock', async () => {
    const since = Date.now();
    await projectorBus.publish(ChannelTargetsTopic, [target('miniprogram', 'GOING-ZERO', 5, 0)]);
    await eventually(
      async () => ((await acked('miniprogram', 'GOING-ZERO'))?.last_acked_version === '5' ? true : undefined),
      10_000,
      'delisted',
    );
    expect(wechat.listings.get('GOING-ZERO')!.listed).toBe(false);
    const calls = wechat.stockCalls(since);
    expect(calls.map((c) => `${c.api}:${c.result}`)).toEqual(['product/delisting:ok']);
    expect(await acked('miniprogram', 'GOING-ZERO')).toMatchObject({
      last_acked_version: '5',
      last_acked_quantity: 0,
    });

    await projectorBus.publish(ChannelTargetsTopic, [target('miniprogram', 'GOING-ZERO', 6, 2)]);
    await eventually(
      async () => (wechat.listings.get('GOING-ZERO')!.listed ? true : undefined),
      10_000,
      'listed again',
    );
    expect(wechat.listings.get('GOING-ZERO')!.quantity).toBe(2);
  });

  it('a platform failing with 5xx and timeouts opens its own circuit, then recovers with the latest value', async () => {
    const shopPusher = pushers.find((p) => p.channel === 'shop')!;
    shop.faults.hangs = 1;
    shop.faults.serverErrors = 6;
    const states = new Set<string>();
    const watch = setInterval(() => states.add(shopPusher.breaker.current), 5);
    try {
      for (let v = 30; v <= 34; v++) {
        await projectorBus.publish(ChannelTargetsTopic, [
          target('shop', 'CARD-A', v, v),
          target('pinduoduo', 'CARD-A', v, v),
        ]);
      }
      // The other platform is not held up by the failing one.
      await eventually(
        async () => ((await acked('pinduoduo', 'CARD-A'))?.last_acked_version === '34' ? true : undefined),
        3_000,
        'pinduoduo unaffected',
      );
      await eventually(
        async () => ((await acked('shop', 'CARD-A'))?.last_acked_version === '34' ? true : undefined),
        20_000,
        'shop recovered',
      );
    } finally {
      clearInterval(watch);
    }
    expect(states).toContain('open');
    expect(shop.listings.get('CARD-A')!.quantity).toBe(34);
    // The hung call may still be waiting for its 2 s timeout after a second worker got through.
    const shopCodes = await eventually(
      async () => {
        const errors = await registry.getSingleMetric('stocksync_channel_push_errors_total')!.get();
        const codes = errors.values.filter((v) => v.labels.channel === 'shop').map((v) => v.labels.code);
        return codes.includes('TIMEOUT') ? codes : undefined;
      },
      5_000,
      'the timeout recorded',
    );
    expect(shopCodes).toEqual(expect.arrayContaining(['HTTP_503', 'TIMEOUT']));
    expect(shopPusher.breaker.current).toBe('closed');
  });

  it('a connector restarted while its platform was down pushes what it had received but not delivered', async () => {
    // A 分站 on the shop contract, as its own channel.
    const adapter = new ShopAdapter(
      { baseUrl: shop.url, apiSecret: 'shop-secret', timeoutMs: 500 },
      'substation-7',
    );
    const options = {
      ratePerSecond: 50,
      burst: 5,
      concurrency: 1,
      backoff: { initialMs: 50, maxMs: 200 },
      circuit: { failureThreshold: 3, openMs: 200 },
    };
    const before = new ChannelPusher(adapter, store, metrics, options);
    await before.start();
    shop.faults.serverErrors = 1_000;
    await before.offer([{ sku: 'SUB-1', quantity: 9, skuVersion: 3, publishedAt: Date.now() }]);
    await eventually(
      () => (shop.stockCalls().some((c) => c.skus.includes('SUB-1')) ? true : undefined),
      5_000,
      'a failed attempt',
    );
    await before.stop();
    shop.faults.serverErrors = 0;

    const after = new ChannelPusher(adapter, store, metrics, options);
    await after.start();
    try {
      await eventually(
        async () => ((await acked('substation-7', 'SUB-1'))?.last_acked_version === '3' ? true : undefined),
        10_000,
        'pushed after restart',
      );
      expect(shop.listings.get('SUB-1')!.quantity).toBe(9);
    } finally {
      await after.stop();
    }
  });

  it('reads every platform listing page by page for reconciliation', async () => {
    const adapters = [
      new TaobaoAdapter({ baseUrl: taobao.url, appKey: 'tb-key', appSecret: 'tb-secret', timeoutMs: 2_000 }),
      new PinduoduoAdapter({
        baseUrl: pdd.url,
        clientId: 'pdd-id',
        clientSecret: 'pdd-secret',
        timeoutMs: 2_000,
      }),
      new MiniprogramAdapter({ baseUrl: wechat.url, accessToken: 'wx-token', timeoutMs: 2_000 }),
      new ShopAdapter({ baseUrl: shop.url, apiSecret: 'shop-secret', timeoutMs: 2_000 }),
    ];
    for (const adapter of adapters) {
      const seen = new Map<string, number>();
      let pages = 0;
      for await (const page of readAllListings(adapter, 1)) {
        pages += 1;
        for (const item of page.items) seen.set(item.sku, item.quantity);
      }
      // Taobao pages by item (its three SKUs share one); the others by product or SKU.
      expect(pages).toBeGreaterThan(adapter.channel === 'taobao' ? 0 : 1);
      for (const sku of SKUS.slice(1)) expect(seen.get(sku)).toBe(30);
    }
  });
});
