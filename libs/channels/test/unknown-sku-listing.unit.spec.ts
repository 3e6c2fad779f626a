import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PinduoduoAdapter } from '../src/platforms/pinduoduo';
import { TaobaoAdapter } from '../src/platforms/taobao';

/**
 * Review M4: a push for a SKU the platform does not list used to page through the whole catalogue on every push,
 * outside the rate budget. Now the scan runs once per TTL for such a SKU, spends calls from the connector's budget,
 * and a 'not-exist' answer forgets only the SKUs of that call.
 */
const LISTINGS = 2_000;
const TTL_MS = 600_000;

describe('learning SKU listings', () => {
  let server: Server;
  let baseUrl = '';
  const calls: string[] = [];
  /** Items whose stock update answers 'not-exist' (Taobao). */
  const goneItems = new Set<string>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const params = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
        const method = params.method ?? params.type;
        calls.push(method);
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(answerTo(method, params)));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  beforeEach(() => {
    calls.length = 0;
    goneItems.clear();
  });

  /** SKU `sku-<n>` belongs to item `item-<n div 2>`: two SKUs per item. */
  function answerTo(method: string, p: Record<string, string>): unknown {
    const page = Number(p.page_no ?? p.page);
    const size = Number(p.page_size);
    const numbers = Array.from(
      { length: Math.max(0, Math.min(size, LISTINGS - (page - 1) * size)) },
      (_, i) => (page - 1) * size + i,
    );
    switch (method) {
      case 'taobao.items.onsale.get':
        return {
          items_onsale_get_response: {
            total_results: LISTINGS,
            items: {
              item: numbers.map((n) => ({
                num_iid: `item-${Math.floor(n / 2)}`,
                approve_status: 'onsale',
                skus: { sku: [{ outer_id: `sku-${n}`, quantity: 1 }] },
              })),
            },
          },
        };
      case 'taobao.skus.quantity.update':
        return goneItems.has(p.num_iid)
          ? {
              error_response: {
                code: 15,
                msg: 'Remote service error',
                sub_code: 'isv.item-not-exist',
                sub_msg: 'gone',
              },
            }
          : { skus_quantity_update_response: { item: { num_iid: p.num_iid } } };
      case 'pdd.goods.list.get':
        return {
          goods_list_get_response: {
            total_count: LISTINGS,
            goods_list: numbers.map((n) => ({
              goods_id: `goods-${n}`,
              sku_list: [{ outer_id: `sku-${n}`, sku_quantity: 1, is_sku_onsale: 1 }],
            })),
          },
        };
      case 'pdd.goods.quantity.update':
        return { goods_quantity_update_response: { is_success: true } };
      default:
        return { error_response: { code: 22, msg: `unknown ${method}` } };
    }
  }

  const target = (sku: string) => ({ sku, quantity: 5, skuVersion: 1, publishedAt: 0 });
  const listingCalls = () =>
    calls.filter((m) => m === 'taobao.items.onsale.get' || m === 'pdd.goods.list.get').length;
  const pages = LISTINGS / 100;

  const adapters = [
    [
      'Taobao',
      'TAOBAO.SKU_NOT_LISTED',
      (now: () => number) =>
        new TaobaoAdapter({
          baseUrl,
          appKey: 'k',
          appSecret: 's',
          timeoutMs: 2_000,
          unknownSkuTtlMs: TTL_MS,
          now,
        }),
    ],
    [
      'Pinduoduo',
      'PDD.SKU_NOT_LISTED',
      (now: () => number) =>
        new PinduoduoAdapter({
          baseUrl,
          clientId: 'k',
          clientSecret: 's',
          timeoutMs: 2_000,
          unknownSkuTtlMs: TTL_MS,
          now,
        }),
    ],
  ] as const;

  describe.each(adapters)('%s', (_name, notListed, make) => {
    it('given a SKU not listed, when it is pushed 10 times within the TTL, then the catalogue is read once', async () => {
      const adapter = make(() => 1_000);
      for (let i = 0; i < 10; i++) {
        expect(await adapter.push([target('nope')])).toEqual([
          expect.objectContaining({ sku: 'nope', outcome: 'refused', code: notListed }),
        ]);
      }
      expect(listingCalls()).toBe(pages);
    });

    it('given a SKU not listed, when the TTL has passed, then the next push reads the catalogue again', async () => {
      let clock = 1_000;
      const adapter = make(() => clock);
      await adapter.push([target('nope')]);
      clock += TTL_MS - 1;
      await adapter.push([target('nope')]);
      expect(listingCalls()).toBe(pages);
      clock += 1;
      await adapter.push([target('nope')]);
      expect(listingCalls()).toBe(2 * pages);
    });

    it('given the connector budget, when the adapter learns its listings, then every page read spends one call', async () => {
      const adapter = make(() => 1_000);
      let spent = 0;
      await adapter.push([target('sku-7')], async () => {
        spent += 1;
      });
      expect(spent).toBe(pages);
      expect(listingCalls()).toBe(pages);
    });

    it('given a listed SKU and one not listed in one push, when both were seen before, then the listed one goes out and no scan runs', async () => {
      const adapter = make(() => 1_000);
      await adapter.push([target('sku-1999')]);
      await adapter.push([target('nope')]);
      const results = await adapter.push([target('sku-1999'), target('nope')]);
      expect(results).toHaveLength(2);
      expect(results).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ sku: 'nope', outcome: 'refused' }),
          { sku: 'sku-1999', outcome: 'acknowledged' },
        ]),
      );
      expect(listingCalls()).toBe(2 * pages);
    });
  });

  it("given Taobao answers 'not-exist' for one item, when other SKUs are pushed, then only that item's SKUs are forgotten", async () => {
    const adapter = new TaobaoAdapter({
      baseUrl,
      appKey: 'k',
      appSecret: 's',
      timeoutMs: 2_000,
      unknownSkuTtlMs: TTL_MS,
    });
    await adapter.push([target('sku-0'), target('sku-10')]);
    expect(listingCalls()).toBe(pages);
    goneItems.add('item-0');
    expect(await adapter.push([target('sku-0')])).toEqual([
      expect.objectContaining({ sku: 'sku-0', outcome: 'refused' }),
    ]);
    expect(await adapter.push([target('sku-10')])).toEqual([{ sku: 'sku-10', outcome: 'acknowledged' }]);
    expect(listingCalls()).toBe(pages);
  });
});
