import {
  MiniprogramAdapter,
  PinduoduoAdapter,
  type PlatformAdapter,
  readAllListings,
  ShopAdapter,
  TaobaoAdapter,
} from '@libs/channels';
import {
  MiniprogramSimulator,
  PinduoduoSimulator,
  ShopSimulator,
  type SimulatedPlatform,
  TaobaoSimulator,
} from '@libs/platform-simulators';

const LISTINGS = 1_234;

async function listedOn(adapter: PlatformAdapter, pageSize: number): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  for await (const page of readAllListings(adapter, pageSize)) {
    for (const item of page.items) {
      if (seen.has(item.sku)) throw new Error(`${adapter.channel} listed ${item.sku} twice`);
      seen.set(item.sku, item.quantity);
    }
  }
  return seen;
}

describe('paged listing reads on the simulated platforms, through the connector adapters', () => {
  const taobao = new TaobaoSimulator('tb-key', 'tb-secret');
  const pdd = new PinduoduoSimulator('pdd-id', 'pdd-secret');
  const wechat = new MiniprogramSimulator('wx-token');
  const shop = new ShopSimulator('shop-secret');
  const platforms: [SimulatedPlatform, () => PlatformAdapter][] = [
    [
      taobao,
      () =>
        new TaobaoAdapter({
          baseUrl: taobao.url,
          appKey: 'tb-key',
          appSecret: 'tb-secret',
          timeoutMs: 5_000,
        }),
    ],
    [
      pdd,
      () =>
        new PinduoduoAdapter({
          baseUrl: pdd.url,
          clientId: 'pdd-id',
          clientSecret: 'pdd-secret',
          timeoutMs: 5_000,
        }),
    ],
    [
      wechat,
      () => new MiniprogramAdapter({ baseUrl: wechat.url, accessToken: 'wx-token', timeoutMs: 5_000 }),
    ],
    [shop, () => new ShopAdapter({ baseUrl: shop.url, apiSecret: 'shop-secret', timeoutMs: 5_000 })],
  ];

  beforeAll(async () => {
    for (const [platform] of platforms) {
      await platform.start();
      // Shuffled insertion order: pages must come out in the platform's order, not the order of listing.
      for (let i = 0; i < LISTINGS; i += 1) {
        const n = (i * 7_919) % LISTINGS;
        platform.setListing(`SKU-${String(n).padStart(5, '0')}`, n % 17);
      }
    }
  });

  afterAll(async () => {
    for (const [platform] of platforms) await platform.stop();
  });

  it.each(platforms.map(([platform, adapter]) => [platform.name, platform, adapter] as const))(
    'given %s with many listings, when read page by page, then every listing comes back exactly once with its quantity',
    async (_name, platform, adapter) => {
      const listed = await listedOn(adapter(), 50);

      expect(listed.size).toBe(LISTINGS);
      for (const [sku, listing] of platform.listings) expect(listed.get(sku)).toBe(listing.quantity);
    },
  );

  it.each(platforms.map(([platform, adapter]) => [platform.name, platform, adapter] as const))(
    'given %s was read once, when listings are added, removed and edited, then the next read shows exactly the change',
    async (_name, platform, adapter) => {
      await listedOn(adapter(), 100);

      platform.listings.delete('SKU-00003');
      platform.setListing('SKU-00007', 99);
      platform.setListing('NEW-1', 5);
      platform.setListing('NEW-2', 6);
      const listed = await listedOn(adapter(), 100);

      expect(listed.size).toBe(LISTINGS + 1);
      expect(listed.has('SKU-00003')).toBe(false);
      expect(listed.get('SKU-00007')).toBe(99);
      expect(listed.get('NEW-1')).toBe(5);
      expect(listed.get('NEW-2')).toBe(6);
    },
  );

  it('given a listing edited in place, when a stock call addresses it by the platform SKU id, then the same listing changes', async () => {
    const listing = pdd.setListing('SKU-00010', 1);
    const adapter = platforms[1][1]();

    const [result] = await adapter.push([
      { sku: 'SKU-00010', quantity: 42, skuVersion: 1, publishedAt: Date.now() },
    ]);

    expect(result.outcome).toBe('acknowledged');
    expect(pdd.listings.get('SKU-00010')).toBe(listing);
    expect(listing.quantity).toBe(42);
  });
});
