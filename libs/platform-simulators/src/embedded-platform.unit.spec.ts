import { startEmbeddedPlatform } from './embedded-platform';
import { ShopSimulator } from './shop-simulator';

describe('an in-process simulated platform', () => {
  const saved = process.env.STOCKSYNC_EMBEDDED;
  afterEach(() => {
    if (saved === undefined) delete process.env.STOCKSYNC_EMBEDDED;
    else process.env.STOCKSYNC_EMBEDDED = saved;
  });

  it('given production mode (no STOCKSYNC_EMBEDDED), when started, then it refuses: it would acknowledge every push', async () => {
    delete process.env.STOCKSYNC_EMBEDDED;
    let outcome: unknown = 'not started';
    try {
      const platform = await startEmbeddedPlatform(({ appSecret }) => new ShopSimulator(appSecret));
      await platform.stop();
      outcome = 'started';
    } catch (err) {
      outcome = err;
    }
    expect(String(outcome)).toMatch(/STOCKSYNC_EMBEDDED=1/);
  });

  it('given embedded mode, when started, then it serves on loopback', async () => {
    process.env.STOCKSYNC_EMBEDDED = '1';
    const platform = await startEmbeddedPlatform(({ appSecret }) => new ShopSimulator(appSecret));
    try {
      expect(platform.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
    } finally {
      await platform.stop();
    }
  });
});
