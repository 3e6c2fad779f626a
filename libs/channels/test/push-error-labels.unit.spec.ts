import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { ChannelMetrics } from '../src/channel-metrics';
import { PlatformCallError } from '../src/outbound/platform-errors';
import { ShopAdapter } from '../src/platforms/shop';

/**
 * A 分站 decides the `code` of its error answers. Counted as it comes, every new code would be a new time series
 * for as long as the process lives; the metric keeps a bounded set and counts the rest as "other".
 */
describe('stocksync_channel_push_errors_total code label', () => {
  let server: Server;
  let n = 0;
  let adapter: ShopAdapter;

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        n += 1;
        res.statusCode = 400;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ code: `HOSTILE_${n}_${'Z'.repeat(n % 3)}`, message: 'no' }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    adapter = new ShopAdapter({
      baseUrl: `http://127.0.0.1:${port}`,
      apiSecret: 's'.repeat(32),
      timeoutMs: 5_000,
    });
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('given a shop answering a new error code on every push, the series stay bounded', async () => {
    const registry = new Registry();
    const metrics = ChannelMetrics.for(registry);
    const codes = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const failure = await adapter
        .push([{ sku: 'S1', quantity: 1, skuVersion: 1, publishedAt: Date.now() } as never])
        .then(
          () => undefined,
          (err: unknown) => err,
        );
      expect(failure).toBeInstanceOf(PlatformCallError);
      const code = (failure as PlatformCallError).code;
      codes.add(code);
      // What the push path does with a failed call.
      metrics.pushErrors.inc({ channel: 'shop', code });
    }
    metrics.pushErrors.inc({ channel: 'shop', code: 'TIMEOUT' });
    expect(codes.size).toBe(300);

    const values = (await metrics.pushErrors.get()).values;
    expect(values.length).toBeLessThanOrEqual(64 + 1 + 1);
    expect(values.find((v) => v.labels.code === 'other')?.value).toBeGreaterThan(0);
    // Our own transport codes keep their series whatever the platform sent before.
    expect(values.find((v) => v.labels.code === 'TIMEOUT')?.value).toBe(1);
    expect(values.reduce((sum, v) => sum + v.value, 0)).toBe(301);
  });

  it('a forged order.rejected reason never becomes a series: unknown reason codes count as "other"', async () => {
    const metrics = ChannelMetrics.for(new Registry());
    for (let i = 0; i < 100; i++) metrics.paidOrdersRejected.inc({ channel: 'shop', reason: `FORGED_${i}` });
    metrics.paidOrdersRejected.inc({ channel: 'shop', reason: 'INSUFFICIENT_STOCK' });
    const values = (await metrics.paidOrdersRejected.get()).values;
    expect(values.map((v) => [v.labels.reason, v.value]).sort()).toEqual([
      ['INSUFFICIENT_STOCK', 1],
      ['other', 100],
    ]);
  });
});
