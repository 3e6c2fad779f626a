import {
  ChannelMetrics,
  ChannelPusher,
  LatestTargetQueue,
  type PlatformAdapter,
  type PushStateStore,
  type StockTarget,
} from '@libs/channels';
import { Registry } from 'prom-client';
import { parseCorrections } from '../src/nest/corrections';

const t = (sku: string, skuVersion: number, quantity = skuVersion): StockTarget => ({
  sku,
  skuVersion,
  quantity,
  publishedAt: 0,
});

describe('a reconciliation correction in the push queue', () => {
  it('given the platform acknowledged version 5 and its listing drifted since, when version 5 is reasserted, then it is queued again', () => {
    const q = new LatestTargetQueue();
    q.offer(t('A', 5));
    const [sent] = q.take(1);
    q.markPushed(sent);
    q.markAcknowledged(sent);
    expect(q.offer(t('A', 5))).toBe('stale');
    expect(q.reassert(t('A', 5))).toBe('queued');
    expect(q.take(1)).toEqual([t('A', 5)]);
  });

  it('given a newer version was sent or acknowledged, when an older one is reasserted, then it is refused (a correction never moves a listing backwards)', () => {
    const q = new LatestTargetQueue();
    q.offer(t('A', 6));
    const [sent] = q.take(1);
    q.markPushed(sent);
    expect(q.reassert(t('A', 5))).toBe('stale');
    q.markAcknowledged(sent);
    expect(q.reassert(t('A', 5))).toBe('stale');
  });

  it('given a newer target is waiting in the queue, when an older one is reasserted, then the newer one stays', () => {
    const q = new LatestTargetQueue();
    q.offer(t('A', 7));
    expect(q.reassert(t('A', 6))).toBe('stale');
    expect(q.reassert(t('A', 7))).toBe('stale');
    expect(q.take(1)).toEqual([t('A', 7)]);
  });
});

describe('channel pusher: corrections go through the push path', () => {
  function setUp() {
    const recorded: { write: string; skus: string[] }[] = [];
    const store = {
      load: async () => [
        {
          sku: 'A',
          desiredVersion: 5,
          desiredQuantity: 9,
          desiredPublishedAt: 0,
          lastPushedVersion: 5,
          lastAckedVersion: 5,
          lastAckedQuantity: 9,
          lastErrorCode: null,
        },
      ],
      recordDesired: async (_c: string, ts: readonly StockTarget[]) =>
        void recorded.push({ write: 'desired', skus: ts.map((x) => x.sku) }),
      recordPushed: async (_c: string, ts: readonly StockTarget[]) =>
        void recorded.push({ write: 'pushed', skus: ts.map((x) => x.sku) }),
      recordAcknowledged: async (_c: string, ts: readonly StockTarget[]) =>
        void recorded.push({ write: 'acked', skus: ts.map((x) => x.sku) }),
      recordError: async (_c: string, skus: readonly string[]) =>
        void recorded.push({ write: 'error', skus: [...skus] }),
    } as unknown as PushStateStore;
    const pushes: StockTarget[][] = [];
    const adapter: PlatformAdapter = {
      channel: 'shop',
      maxBatchSize: 10,
      push: async (targets) => {
        pushes.push([...targets]);
        return targets.map((x) => ({ sku: x.sku, outcome: 'acknowledged' as const }));
      },
      readListings: async () => ({ items: [] }),
      deliverCardKeys: async () => undefined,
    };
    const metrics = ChannelMetrics.for(new Registry());
    const pusher = new ChannelPusher(adapter, store, metrics, {
      ratePerSecond: 1_000,
      burst: 100,
      concurrency: 1,
      backoff: { initialMs: 1, maxMs: 5 },
      circuit: { failureThreshold: 100, openMs: 100 },
    });
    return { pusher, pushes, recorded };
  }

  it('given the acknowledged target of a SKU, when it is corrected, then it is recorded as desired, pushed through the queue and its push and acknowledgement recorded', async () => {
    const { pusher, pushes, recorded } = setUp();
    await pusher.start();
    const results = await pusher.correct([t('A', 5, 9), t('B', 3, 2)]);
    expect(results).toEqual([
      { sku: 'A', skuVersion: 5, result: 'queued' },
      { sku: 'B', skuVersion: 3, result: 'queued' },
    ]);
    await waitFor(() => recorded.some((r) => r.write === 'acked'));
    await pusher.stop();
    expect(
      pushes
        .flat()
        .map((x) => `${x.sku}@${x.skuVersion}=${x.quantity}`)
        .sort(),
    ).toEqual(['A@5=9', 'B@3=2']);
    expect(recorded.map((r) => r.write)).toEqual(['desired', 'pushed', 'acked']);
  });

  it('given a version older than the acknowledged one, when it is corrected, then nothing is pushed', async () => {
    const { pusher, pushes } = setUp();
    await pusher.start();
    expect(await pusher.correct([t('A', 4, 100)])).toEqual([{ sku: 'A', skuVersion: 4, result: 'stale' }]);
    await pusher.stop();
    expect(pushes).toEqual([]);
  });
});

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!check()) throw new Error('condition not reached');
}

describe('a POST /corrections body', () => {
  it('given targets with sku, quantity and version, then they are read with the request time as publish time', () => {
    expect(
      parseCorrections({ targets: [{ sku: 'A', quantity: 0, skuVersion: 3 }], waitMs: 500 }, 42),
    ).toEqual({
      ok: true,
      targets: [{ sku: 'A', quantity: 0, skuVersion: 3, publishedAt: 42 }],
      waitMs: 500,
    });
  });

  it.each([
    ['no targets', {}],
    ['an empty list', { targets: [] }],
    [
      'more than 1,000',
      { targets: Array.from({ length: 1001 }, (_, i) => ({ sku: `S${i}`, quantity: 1, skuVersion: 1 })) },
    ],
    ['a negative quantity', { targets: [{ sku: 'A', quantity: -1, skuVersion: 1 }] }],
    ['a fractional quantity', { targets: [{ sku: 'A', quantity: 1.5, skuVersion: 1 }] }],
    ['version 0', { targets: [{ sku: 'A', quantity: 1, skuVersion: 0 }] }],
    ['an empty sku', { targets: [{ sku: '', quantity: 1, skuVersion: 1 }] }],
    ['a wait over a minute', { targets: [{ sku: 'A', quantity: 1, skuVersion: 1 }], waitMs: 60_001 }],
  ])('given %s, then it is refused', (_label, body) => {
    expect(parseCorrections(body)).toMatchObject({ ok: false });
  });
});
