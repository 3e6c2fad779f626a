import { DeliveryLinks, PlatformCallError, ShopAdapter, TaobaoAdapter } from '@libs/channels';
import { ShopSimulator, TaobaoSimulator } from '@libs/platform-simulators';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the control routes answer several shapes; the test reads the fields it needs
type Answer = Record<string, any>;

async function control(url: string, path: string, body?: unknown): Promise<{ status: number; json: Answer }> {
  const r = await fetch(`${url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, json: (await r.json()) as Answer };
}

describe('simulator fault control over HTTP', () => {
  const shop = new ShopSimulator('shop-secret');
  const taobao = new TaobaoSimulator('tb-key', 'tb-secret');
  let shopAdapter: ShopAdapter;
  let taobaoAdapter: TaobaoAdapter;

  beforeAll(async () => {
    await shop.start();
    await taobao.start();
    shopAdapter = new ShopAdapter({ baseUrl: shop.url, apiSecret: 'shop-secret', timeoutMs: 300 });
    taobaoAdapter = new TaobaoAdapter({
      baseUrl: taobao.url,
      appKey: 'tb-key',
      appSecret: 'tb-secret',
      timeoutMs: 300,
      deliveryLinks: new DeliveryLinks({ secret: 'x'.repeat(32), pageUrl: 'https://deliver.example' }),
    });
  });

  afterAll(async () => {
    await shop.stop();
    await taobao.stop();
  });

  afterEach(async () => {
    await control(shop.url, '/_sim/faults/reset', {});
  });

  const push = () =>
    shopAdapter.push([{ sku: 'SKU-1', quantity: 3, skuVersion: 1, publishedAt: Date.now() }]);
  const failureOf = (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      (err: unknown) => err as PlatformCallError,
    );

  it('given a 429 with a huge Retry-After set over HTTP, when the adapter pushes, then it sees the platform ask for it', async () => {
    const set = await control(shop.url, '/_sim/faults', { tooManyRequests: 1, retryAfterSeconds: 3_000_000 });
    expect(set.status).toBe(200);

    const failure = await failureOf(push());

    expect(failure).toMatchObject({ code: 'HTTP_429', retryable: true, retryAfterMs: 3_000_000_000 });
    expect(await push()).toEqual([{ sku: 'SKU-1', outcome: 'acknowledged' }]);
  });

  it('given N server errors and a hang, when the adapter pushes, then it gets N 503s, a timeout, then success', async () => {
    await control(shop.url, '/_sim/faults', { serverErrors: 2, hangs: 1 });

    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await failureOf(push()))?.code);

    expect(codes.sort()).toEqual(['HTTP_503', 'HTTP_503', 'TIMEOUT']);
    expect(await push()).toHaveLength(1);
    const calls = await control(shop.url, '/_sim/calls');
    expect(calls.json.calls.map((c: { result: string }) => c.result)).toEqual(
      expect.arrayContaining(['hang', 'http-503', 'ok']),
    );
  });

  it('refuses an unknown fault or a negative count', async () => {
    expect((await control(shop.url, '/_sim/faults', { meteorStrike: 1 })).status).toBe(400);
    expect((await control(shop.url, '/_sim/faults', { serverErrors: -1 })).status).toBe(400);
  });

  it('given deliveries, repeats and delivery faults, when the log is read over HTTP, then it holds ids and fingerprints only, repeats marked', async () => {
    await control(taobao.url, '/_sim/faults', { deliveryTooManyRequests: 1, deliveryFailures: 1 });
    const cards = [{ unitId: 'u-1', secret: 'S3CRET-1' }];

    const faults = [
      await failureOf(taobaoAdapter.deliverCardKeys('T-1', 'SKU-K', cards)),
      await failureOf(taobaoAdapter.deliverCardKeys('T-1', 'SKU-K', cards)),
    ];
    await taobaoAdapter.deliverCardKeys('T-1', 'SKU-K', cards);
    await taobaoAdapter.deliverCardKeys('T-1', 'SKU-K', cards);
    await taobaoAdapter.deliverCardKeys('T-2', 'SKU-L', [{ unitId: 'loop-1', secret: 'LOOP', copies: 3 }]);
    const log = await control(taobao.url, '/_sim/delivery-log?since=0');

    expect(faults.map((f) => f?.code)).toEqual(['HTTP_429', 'HTTP_503']);
    expect(log.json.channel).toBe('taobao');
    expect(
      log.json.deliveries.map(
        ({ at: _at, secretFingerprint, ...rest }: { at: number; secretFingerprint: string }) => ({
          ...rest,
          fp: secretFingerprint.length,
        }),
      ),
    ).toEqual([
      { channel: 'taobao', orderId: 'T-1', sku: 'SKU-K', unitId: 'u-1', copies: 1, duplicate: false, fp: 16 },
      { channel: 'taobao', orderId: 'T-1', sku: 'SKU-K', unitId: 'u-1', copies: 1, duplicate: true, fp: 16 },
      {
        channel: 'taobao',
        orderId: 'T-2',
        sku: 'SKU-L',
        unitId: 'loop-1',
        copies: 3,
        duplicate: false,
        fp: 16,
      },
    ]);
    expect(JSON.stringify(log.json)).not.toContain('S3CRET');
  });
});
