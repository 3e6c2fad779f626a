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
import { PlatformPrices, priceRefusal, yuanOf } from '../src/outbound/platform-prices';
import type { PushStateStore } from '../src/outbound/push-state-store';
import type { StockTarget } from '../src/outbound/stock-target';
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
  it('given a failure worth retrying, when the price call fails, then it is thrown (the push is tried again) and the price stays unanswered', () => {
    const prices = new PlatformPrices();
    const t = target('SKU-R', 3, 1_000);
    expect(() => priceRefusal(new PlatformCallError('HTTP_503', 'unavailable', true))).toThrow(
      PlatformCallError,
    );
    expect(prices.toSend(t)).toBe(1_000);
  });

  it('given a refusal, then it is the answer for that price only', () => {
    const prices = new PlatformPrices();
    const refusal = priceRefusal(new PlatformCallError('PDD.40012', 'group price too high', false));
    expect(refusal).toEqual({ outcome: 'refused', code: 'PDD.40012', message: 'group price too high' });
    prices.answer('SKU-R', 1_000, refusal);
    expect(prices.toSend(target('SKU-R', 2, 1_000))).toBeUndefined();
    expect(prices.toSend(target('SKU-R', 2, 900))).toBe(900);
  });
});

describe('channel pusher: price answers', () => {
  let pusher: ChannelPusher | undefined;
  afterEach(() => pusher?.stop());

  it('given a platform that takes the quantity and refuses the price, when the target is pushed, then the quantity is recorded acknowledged and the refusal is counted under its code', async () => {
    const registry = new Registry();
    const recorded: string[] = [];
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
        targets.map((t) => ({
          sku: t.sku,
          outcome: 'acknowledged' as const,
          price: { outcome: 'refused' as const, code: 'PDD.40012', message: 'group price too high' },
        })),
      readListings: async () => ({ items: [] }),
      deliverCardKeys: async () => undefined,
    };
    pusher = new ChannelPusher(adapter, store, ChannelMetrics.for(registry), {
      ratePerSecond: 1_000,
      burst: 100,
      concurrency: 1,
      backoff: { initialMs: 1, maxMs: 5 },
      circuit: { failureThreshold: 100, openMs: 100 },
    });
    await pusher.start();
    await pusher.offer([target('SKU-P', 4, 5_000)]);
    const deadline = Date.now() + 5_000;
    while (recorded.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));

    expect(recorded).toEqual(['SKU-P']);
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
});
