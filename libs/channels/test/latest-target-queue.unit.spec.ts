import fc from 'fast-check';
import { LatestTargetQueue, type StockTarget } from '@libs/channels';

const t = (sku: string, skuVersion: number, quantity = skuVersion): StockTarget => ({
  sku,
  skuVersion,
  quantity,
  publishedAt: 0,
});

describe('the push queue', () => {
  describe('when targets for one SKU pile up', () => {
    it('keeps only the highest version, in the place the SKU first took', () => {
      const q = new LatestTargetQueue();
      expect(q.offer(t('A', 1))).toBe('queued');
      expect(q.offer(t('B', 1))).toBe('queued');
      expect(q.offer(t('A', 3))).toBe('replaced');
      expect(q.offer(t('A', 2))).toBe('stale');
      expect(q.take(10)).toEqual([t('A', 3), t('B', 1)]);
      expect(q.size).toBe(0);
    });
  });

  describe('while a push of a SKU is in flight (several push loops)', () => {
    it('given SKU A taken for a push, when a newer target for A arrives, then no other loop takes it until the first push is done; other SKUs still go', () => {
      const q = new LatestTargetQueue();
      q.offer(t('A', 5, 0));
      const first = q.take(1);
      expect(first).toEqual([t('A', 5, 0)]);
      q.offer(t('A', 6, 20));
      q.offer(t('B', 1));
      // A second loop: a push of A v6 now could land before A v5 and leave the listing at 0.
      expect(q.hasReady()).toBe(true);
      expect(q.take(10)).toEqual([t('B', 1)]);
      expect(q.hasReady()).toBe(false);
      expect(q.take(10)).toEqual([]);
      q.done(first);
      expect(q.hasReady()).toBe(true);
      expect(q.take(10)).toEqual([t('A', 6, 20)]);
    });
  });

  describe('after a push was sent', () => {
    it('drops anything older than the last version sent, and the acknowledged version itself', () => {
      const q = new LatestTargetQueue();
      q.offer(t('A', 5));
      const [sent] = q.take(1);
      q.markPushed(sent);
      expect(q.offer(t('A', 4))).toBe('stale');
      expect(q.offer(t('A', 5))).toBe('queued'); // the push may have failed: the same version may go again
      q.done([sent]);
      q.take(1);
      q.markAcknowledged(sent);
      expect(q.offer(t('A', 5))).toBe('stale');
      expect(q.offer(t('A', 6))).toBe('queued');
    });

    it('puts a failed push back unless a newer target arrived meanwhile', () => {
      const q = new LatestTargetQueue();
      q.offer(t('A', 1));
      q.offer(t('B', 1));
      const batch = q.take(2);
      q.offer(t('B', 2));
      q.retry(batch);
      expect(q.take(10)).toEqual([t('B', 2), t('A', 1)]);
    });
  });

  describe('restored after a restart', () => {
    it('refuses what the platform already acknowledged', () => {
      const q = new LatestTargetQueue();
      q.seed('A', 7, 6);
      expect(q.offer(t('A', 6))).toBe('stale');
      expect(q.offer(t('A', 7))).toBe('queued');
    });
  });

  it('never hands out a version lower than one it handed out before, and ends on the latest', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('A', 'B', 'C'), fc.integer({ min: 0, max: 50 }), fc.boolean()), {
          maxLength: 200,
        }),
        (ops) => {
          const q = new LatestTargetQueue();
          const highestOffered = new Map<string, number>();
          const lastTaken = new Map<string, number>();
          for (const [sku, version, drain] of ops) {
            q.offer(t(sku, version));
            highestOffered.set(sku, Math.max(highestOffered.get(sku) ?? -1, version));
            if (drain) {
              for (const x of q.take(2)) {
                expect(x.skuVersion).toBeGreaterThanOrEqual(lastTaken.get(x.sku) ?? -1);
                lastTaken.set(x.sku, x.skuVersion);
                q.markPushed(x);
                q.markAcknowledged(x);
              }
            }
          }
          for (const x of q.take(100)) lastTaken.set(x.sku, x.skuVersion);
          for (const [sku, v] of highestOffered) expect(lastTaken.get(sku)).toBe(v);
        },
      ),
    );
  });
});

describe('the push queue with a batch key', () => {
  it('takes only targets that share the oldest target’s key, up to the limit', () => {
    const q = new LatestTargetQueue();
    const itemOf = (sku: string) => sku.slice(0, 1);
    for (const sku of ['A1', 'B1', 'A2', 'A3', 'B2']) q.offer(t(sku, 1));
    expect(q.take(2, itemOf).map((x) => x.sku)).toEqual(['A1', 'A2']);
    expect(q.take(20, itemOf).map((x) => x.sku)).toEqual(['B1', 'B2']);
    expect(q.take(20, itemOf).map((x) => x.sku)).toEqual(['A3']);
  });
});
