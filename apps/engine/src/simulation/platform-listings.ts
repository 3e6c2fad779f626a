import { type ChannelPusher, type PlatformAdapter, readAllListings } from '@libs/channels';
import type { ChannelListings } from './channel-listings';

export interface PlatformListing {
  quantity: number;
  listed: boolean;
}

/** One connector as the view sees it: its platform (for the listing read) and its push queue (for the acks). */
export interface ConnectorHandle {
  adapter: PlatformAdapter;
  pusher: ChannelPusher;
}

/**
 * What the simulated platforms themselves show, read the way the reconciler reads them: each connector's paged
 * listing read against its platform. Beside the latest targets, with the version each platform last
 * acknowledged, it shows the platforms converging on the truth (or, while a push is on its way, not yet).
 */
export class PlatformListings {
  private readonly listings = new Map<string, Map<string, PlatformListing>>();
  private readonly connectors: Map<string, ConnectorHandle>;

  constructor(connectors: readonly ConnectorHandle[]) {
    this.connectors = new Map(connectors.map((c) => [c.adapter.channel, c]));
  }

  /** Reads every platform's listings now (the view calls it just before comparing, so both are current). */
  async refresh(): Promise<void> {
    try {
      await Promise.all(
        [...this.connectors.values()].map(async ({ adapter }) => {
          const seen = new Map<string, PlatformListing>();
          for await (const page of readAllListings(adapter, 100)) {
            for (const item of page.items)
              seen.set(item.sku, { quantity: item.quantity, listed: item.listed });
          }
          this.listings.set(adapter.channel, seen);
        }),
      );
    } catch {
      // A platform that does not answer keeps showing its last read; the next refresh tries again.
    }
  }

  /** The quantity a buyer sees on the platform: 0 when delisted. */
  shown(channel: string, sku: string): number | undefined {
    const listing = this.listings.get(channel)?.get(sku);
    return listing === undefined ? undefined : listing.listed ? listing.quantity : 0;
  }

  /** Whether the platform acknowledged the latest target the engine saw for this SKU. */
  acknowledged(channel: string, sku: string, targets: ChannelListings): boolean {
    const target = targets.listed(channel, sku);
    const acked = this.connectors.get(channel)?.pusher.queue.lastAckedVersion(sku);
    return target === undefined || (acked !== undefined && acked >= target.skuVersion);
  }

  /**
   * Per channel, how many SKUs the platform shows at their latest target version, and how long the oldest target
   * not yet acknowledged has been waiting (a push on its way is normal; one that keeps waiting is not).
   */
  compare(
    channels: readonly string[],
    skus: readonly string[],
    targets: ChannelListings,
    now = Date.now(),
  ): { inStep: Map<string, number>; oldestWaitingMs: number } {
    const inStep = new Map<string, number>();
    let oldestWaitingMs = 0;
    for (const channel of channels) {
      let n = 0;
      for (const sku of skus) {
        if (this.acknowledged(channel, sku, targets)) n++;
        else oldestWaitingMs = Math.max(oldestWaitingMs, now - targets.listed(channel, sku)!.updatedAt);
      }
      inStep.set(channel, n);
    }
    return { inStep, oldestWaitingMs };
  }
}
