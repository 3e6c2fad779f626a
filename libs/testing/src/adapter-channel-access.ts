import type { PlatformAdapter } from '@libs/channels';
import type { ChannelAccess } from '@libs/reconciliation';

/**
 * A stand-in for a connector in reconciliation tests and benchmarks: reads and pushes with the platform adapter
 * directly. Production has no such path (the reconciler reaches a platform only through its connector); this
 * isolates the run's own logic from the connector hop.
 */
export function adapterChannelAccess(adapter: PlatformAdapter): ChannelAccess {
  return {
    channel: adapter.channel,
    maxBatchSize: adapter.maxBatchSize,
    readListings: (cursor, size) => adapter.readListings(cursor, size),
    correct: async (targets) =>
      (await adapter.push(targets.map((t) => ({ ...t, publishedAt: Date.now() })))).map((r) =>
        r.outcome === 'acknowledged'
          ? { sku: r.sku, result: 'acknowledged' as const }
          : { sku: r.sku, result: 'refused' as const, code: r.code },
      ),
  };
}
