import {
  MiniprogramSimulator,
  PinduoduoSimulator,
  type SimulatedPlatform,
  TaobaoSimulator,
} from '@libs/platform-simulators';
import fc from 'fast-check';
import { Registry } from 'prom-client';
import { ChannelMetrics } from '../src/channel-metrics';
import { ChannelPusher } from '../src/outbound/channel-pusher';
import type { PlatformAdapter } from '../src/outbound/platform-adapter';
import { PlatformCallError } from '../src/outbound/platform-errors';
import { PlatformPrices, priceAnswerOf, yuanOf } from '../src/outbound/platform-prices';
import type { PushStateStore } from '../src/outbound/push-state-store';
import type { PriceResult, StockTarget } from '../src/outbound/stock-target';
import { MiniprogramAdapter } from '../src/platforms/miniprogram';
import { PinduoduoAdapter } from '../src/platforms/pinduoduo';
import { TaobaoAdapter } from '../src/platforms/taobao';

/**
 * Selling prices on the marketplaces: each takes a price by a call of its own after the stock call (Taobao
 * `taobao.item.sku.price.update` in yuan, PDD `pdd.goods.sku.price.update` group price in fen, WeChat
 * `/product/sku/update_price` in fen), made only when the target's price differs from the last one answered.
 * Each adapter runs against its platform simulator on loopback.
 */
const PRICE_API: Record<string, string> = {
  taobao: 'taobao.item.sku.price.update',
  pinduoduo: 'pdd.goods.sku.price.update',
  miniprogram: 'product/sku/update_price',
};

interface Platform {
  sim: SimulatedPlatform;
  adapter: () => PlatformAdapter;
}

const platforms: Record<string, Platform> = {};
const taobao = new TaobaoSimulator('tb-key', 'tb-secret');
const pdd = new PinduoduoSimulator('pdd-id', 'pdd-secret');
const wechat = new MiniprogramSimulator('wx-token');

beforeAll(async () => {
  for (const sim of [taobao, pdd, wechat]) await sim.start();
  platforms.taobao = {
    sim: taobao,
    adapter: () =>
      new TaobaoAdapter({ baseUrl: taobao.url, appKey: 'tb-key', appSecret: 'tb-secret', timeoutMs: 2_000 }),
  };
  platforms.pinduoduo = {
    sim: pdd,
    adapter: () =>
      new PinduoduoAdapter({
        baseUrl: pdd.url,
        clientId: 'pdd-id',
        clientSecret: 'pdd-secret',
        timeoutMs: 2_000,
      }),
  };
  platforms.miniprogram = {
    sim: wechat,
    adapter: () => new MiniprogramAdapter({ baseUrl: wechat.url, accessToken: 'wx-token', timeoutMs: 2_000 }),
  };
});

afterAll(async () => {
  for (const sim of [taobao, pdd, wechat]) await sim.stop();
});

let version = 0;
const target = (sku: string, quantity: number, price?: number): StockTarget => ({
  sku,
  quantity,
  skuVersion: ++version,
  publishedAt: Date.now(),
  ...(price === undefined ? {} : { price }),
});

const priceCalls = (channel: string, sku: string) =>
  platforms[channel]!.sim.calls.filter((c) => c.api === PRICE_API[channel] && c.skus.includes(sku));

describe.each(Object.keys(PRICE_API))('%s: selling prices', (channel) => {
  const sim = () => platforms[channel]!.sim;
  let sku = '';
  let adapter: PlatformAdapter;
  let extraCalls = 0;
  const push = (t: StockTarget) => adapter.push([t], async () => void (extraCalls += 1));

  beforeEach(() => {
    sku = `PRICED-${channel}-${++version}`;
    sim().setListing(sku, 1, { priceLimits: { min: 100, max: 50_000 } });
    adapter = platforms[channel]!.adapter();
    extraCalls = 0;
  });

  it('given a listed SKU, when a target carries a price, then the quantity and the price are set and the price is acknowledged', async () => {
    const results = await push(target(sku, 7, 1_999));

    expect(results).toEqual([{ sku, outcome: 'acknowledged', price: { outcome: 'acknowledged' } }]);
    expect(sim().listings.get(sku)).toMatchObject({ quantity: 7, price: 1_999 });
    expect(priceCalls(channel, sku)).toEqual([expect.objectContaining({ result: 'ok' })]);
  });

  it('given a price the platform answered, when later targets carry the same price, then no price call is made; a new price is sent', async () => {
    await push(target(sku, 7, 1_999));
    const again = await push(target(sku, 6, 1_999));
    expect(again).toEqual([{ sku, outcome: 'acknowledged' }]);
    expect(priceCalls(channel, sku)).toHaveLength(1);

    await push(target(sku, 5, 2_050));
    expect(sim().listings.get(sku)).toMatchObject({ quantity: 5, price: 2_050 });
    expect(priceCalls(channel, sku)).toHaveLength(2);
  });

  it('given a target without a price, when it is pushed, then only the quantity is sent', async () => {
    const results = await push(target(sku, 4));

    expect(results).toEqual([{ sku, outcome: 'acknowledged' }]);
    expect(priceCalls(channel, sku)).toEqual([]);
    expect(sim().listings.get(sku)?.price).toBeUndefined();
  });

  it('given a price outside what the platform allows, when it is pushed, then the quantity stands, the price is refused with a code, and that same price is not sent again', async () => {
    const results = await push(target(sku, 3, 99_999));

    expect(results).toEqual([
      {
        sku,
        outcome: 'acknowledged',
        price: {
          outcome: 'refused',
          code: expect.stringMatching(/^[A-Z]+\.\S+$/),
          message: expect.any(String),
        },
      },
    ]);
    expect(sim().listings.get(sku)).toMatchObject({ quantity: 3 });
    expect(sim().listings.get(sku)?.price).toBeUndefined();
    await push(target(sku, 2, 99_999));
    expect(priceCalls(channel, sku)).toHaveLength(1);

    await push(target(sku, 2, 1_500));
    expect(sim().listings.get(sku)?.price).toBe(1_500);
  });

  it('given the platform throttles the price call, when the target is pushed, then the quantity stands, the price failed and is sent with the same target again', async () => {
    await push(target(sku, 7)); // learns the item (and on WeChat lists the product)
    // The price call is paid for just before it is made: the platform starts throttling right then.
    const throttledPush = (t: StockTarget) =>
      adapter.push([t], async () => void (sim().faults.throttledUntil = Date.now() + 60_000));
    try {
      const t = target(sku, 6, 1_999);
      expect(await throttledPush(t)).toEqual([
        {
          sku,
          outcome: 'acknowledged',
          price: { outcome: 'failed', code: expect.any(String), message: expect.any(String) },
        },
      ]);
      expect(sim().listings.get(sku)).toMatchObject({ quantity: 6 });
      expect(sim().listings.get(sku)?.price).toBeUndefined();
      sim().faults.throttledUntil = 0;
      expect(await push(t)).toEqual([{ sku, outcome: 'acknowledged', price: { outcome: 'acknowledged' } }]);
      expect(sim().listings.get(sku)).toMatchObject({ quantity: 6, price: 1_999 });
    } finally {
      sim().faults.throttledUntil = 0;
    }
  });

  it('given the rate limiter, when a price call is made, then it is paid for as an extra call', async () => {
    await push(target(sku, 7, 1_999));
    await push(target(sku, 6, 1_999));

    // The WeChat adapter may spend one more extra call to list the product again on its first positive update.
    const listing = channel === 'miniprogram' ? 1 : 0;
    expect(extraCalls).toBe(1 + listing);
  });
});

describe('taobao: the price travels in yuan', () => {
  it('given any price in fen, when it is written for Taobao, then the simulator reads back the same fen', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 99_999_999 }), (fen) => {
        const text = yuanOf(fen);
        expect(text).toMatch(/^\d+\.\d{2}$/);
        const [yuan, cents] = text.split('.');
        expect(Number(yuan) * 100 + Number(cents)).toBe(fen);
      }),
    );
    expect([5, 100, 1_999, 120_000].map(yuanOf)).toEqual(['0.05', '1.00', '19.99', '1200.00']);
  });
});

describe('a failed price call', () => {
  it('given a failure worth retrying, when the price call fails, then it is failed and the price stays unanswered', async () => {
    const prices = new PlatformPrices();
    const t = target('SKU-R', 3, 1_000);
    const result = await prices.send(t, undefined, async () => {
      throw new PlatformCallError('TIMEOUT', 'no answer in 2000 ms', true);
    });
    expect(result).toEqual({ outcome: 'failed', code: 'TIMEOUT', message: 'no answer in 2000 ms' });
    expect(prices.toSend(t)).toBe(1_000);
  });

  it('given a refusal, then it is the answer for that price only', () => {
    const prices = new PlatformPrices();
    const refusal = priceAnswerOf(new PlatformCallError('PDD.40012', 'group price too high', false));
    expect(refusal).toEqual({ outcome: 'refused', code: 'PDD.40012', message: 'group price too high' });
    prices.answer('SKU-R', 1_000, refusal);
    expect(prices.toSend(target('SKU-R', 2, 1_000))).toBeUndefined();
    expect(prices.toSend(target('SKU-R', 2, 900))).toBe(900);
  });
});

describe('channel pusher: price answers', () => {
  let pusher: ChannelPusher | undefined;
  afterEach(() => pusher?.stop());

  /** A PDD-like platform that takes every quantity and answers each price call with the next scripted answer. */
  async function pusherWith(priceAnswers: PriceResult[]) {
    const registry = new Registry();
    const recorded: string[] = [];
    const pushes: number[] = [];
    const store = {
      load: async () => [],
      recordDesired: async () => undefined,
      recordPushed: async () => undefined,
      recordAcknowledged: async (_channel: string, targets: StockTarget[]) =>
        void recorded.push(...targets.map((t) => t.sku)),
      recordError: async () => undefined,
    } as unknown as PushStateStore;
    const adapter: PlatformAdapter = {
      channel: 'pinduoduo',
      maxBatchSize: 1,
      push: async (targets) =>
        targets.map((t) => {
          pushes.push(t.skuVersion);
          const price = priceAnswers.shift();
          return { sku: t.sku, outcome: 'acknowledged' as const, ...(price ? { price } : {}) };
        }),
      readListings: async () => ({ items: [] }),
      deliverCardKeys: async () => undefined,
    };
    pusher = new ChannelPusher(adapter, store, ChannelMetrics.for(registry), {
      ratePerSecond: 1_000,
      burst: 100,
      concurrency: 1,
      backoff: { initialMs: 1, maxMs: 20 },
      circuit: { failureThreshold: 1, openMs: 60_000 },
    });
    await pusher.start();
    return { registry, recorded, pushes, pusher };
  }

  async function until(probe: () => boolean, label: string): Promise<void> {
    const deadline = Date.now() + 5_000;
    while (!probe()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  it('given a platform that takes the quantity and refuses the price, when the target is pushed, then the quantity is recorded acknowledged and the refusal is counted under its code', async () => {
    const { registry, recorded, pushes, pusher } = await pusherWith([
      { outcome: 'refused', code: 'PDD.40012', message: 'group price too high' },
    ]);
    await pusher.offer([target('SKU-P', 4, 5_000)]);
    await until(() => recorded.length > 0, 'the acknowledgement');
    await new Promise((r) => setTimeout(r, 60));

    expect(recorded).toEqual(['SKU-P']);
    expect(pushes).toHaveLength(1);
    const metrics = await registry.metrics();
    expect(metrics).toMatch(
      /^stocksync_channel_price_pushes_total\{channel="pinduoduo",result="refused"\} 1$/m,
    );
    expect(metrics).toMatch(
      /^stocksync_channel_push_errors_total\{channel="pinduoduo",code="PDD.40012"\} 1$/m,
    );
    expect(metrics).toMatch(
      /^stocksync_channel_pushes_total\{channel="pinduoduo",result="acknowledged"\} 1$/m,
    );
  });

  it('given a price call that fails, when the target is pushed, then the quantity is acknowledged, the circuit stays closed, and the same target goes again until the price is set', async () => {
    const failed: PriceResult = { outcome: 'failed', code: 'PDD.70031', message: 'throttled' };
    const { registry, recorded, pushes, pusher } = await pusherWith([
      failed,
      failed,
      { outcome: 'acknowledged' },
    ]);
    const t = target('SKU-F', 4, 5_000);
    await pusher.offer([t]);
    await until(() => pushes.length >= 3, 'the third push');
    await new Promise((r) => setTimeout(r, 60));

    // The same version each time, and no more once the price was set.
    expect(pushes).toEqual([t.skuVersion, t.skuVersion, t.skuVersion]);
    expect(recorded[0]).toBe('SKU-F');
    expect(pusher.breaker.current).toBe('closed');
    const metrics = await registry.metrics();
    expect(metrics).toMatch(
      /^stocksync_channel_price_pushes_total\{channel="pinduoduo",result="failed"\} 2$/m,
    );
    expect(metrics).toMatch(
      /^stocksync_channel_price_pushes_total\{channel="pinduoduo",result="acknowledged"\} 1$/m,
    );
  });

  it('given a price call failed, when the pusher stops before the wait is over, then nothing is sent after it stopped', async () => {
    const { pushes, pusher } = await pusherWith([{ outcome: 'failed', code: 'TIMEOUT', message: 'slow' }]);
    await pusher.offer([target('SKU-S', 4, 5_000)]);
    await until(() => pushes.length === 1, 'the first push');
    await pusher.stop();
    await new Promise((r) => setTimeout(r, 60));
    expect(pushes).toHaveLength(1);
  });
});
