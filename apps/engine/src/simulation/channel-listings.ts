import { ChannelTargetsTopic, type MessageBus } from '@libs/messaging';

export interface Listing {
  quantity: number;
  skuVersion: number;
  /** From the stock change (the target message's occurredAt) to this listing being updated. */
  lagMs: number;
  updatedAt: number;
}

/**
 * What each simulated platform currently shows: the latest full-set target per channel and SKU, an older
 * version never overwriting a newer one — what a connector does before it calls the platform.
 */
export class ChannelListings {
  readonly listings = new Map<string, Map<string, Listing>>();
  readonly lags: number[] = [];

  async attach(bus: MessageBus, groupId = 'simulated-platforms'): Promise<void> {
    await bus.subscribe(ChannelTargetsTopic, groupId, async (batch) => {
      const now = Date.now();
      for (const { envelope } of batch.messages) {
        const { channel, sku, quantity, skuVersion } = envelope.payload;
        const perChannel = this.listings.get(channel) ?? new Map<string, Listing>();
        this.listings.set(channel, perChannel);
        const current = perChannel.get(sku);
        if (current && current.skuVersion > skuVersion) continue;
        const lagMs = Math.max(0, now - Date.parse(envelope.occurredAt));
        perChannel.set(sku, { quantity, skuVersion, lagMs, updatedAt: now });
        this.lags.push(lagMs);
        if (this.lags.length > 10_000) this.lags.splice(0, 5_000);
      }
    });
  }

  listed(channel: string, sku: string): Listing | undefined {
    return this.listings.get(channel)?.get(sku);
  }
}
