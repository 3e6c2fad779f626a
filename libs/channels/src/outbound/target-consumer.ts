import { ChannelTargetsTopic, type MessageBatch } from '@libs/messaging';
import type { ChannelPusher } from './channel-pusher';
import type { StockTarget } from './stock-target';

/**
 * The stock.channel-targets handler of one connector: keeps its own channel's targets and hands them to the
 * pusher, which records them as desired before this resolves (and the offsets are committed).
 */
export function channelTargetHandler(pusher: ChannelPusher) {
  return async (batch: MessageBatch<typeof ChannelTargetsTopic>): Promise<void> => {
    const targets: StockTarget[] = [];
    for (const m of batch.messages) {
      const p = m.envelope.payload;
      if (p.channel !== pusher.channel) continue;
      targets.push({
        sku: p.sku,
        quantity: p.quantity,
        ...(p.price === undefined ? {} : { price: p.price }),
        skuVersion: p.skuVersion,
        publishedAt: Date.parse(m.envelope.occurredAt) || Number(m.timestamp),
      });
    }
    if (targets.length > 0) await pusher.offer(targets);
  };
}

/**
 * The subscription options of a connector's stock.channel-targets consumer: the topic is keyed channel:SKU and
 * shared by every channel, so a connector skips the other channels' records before decoding them.
 */
export function channelTargetSubscription(channel: string): { acceptKey: (key: string) => boolean } {
  const own = `${channel}:`;
  return { acceptKey: (key) => key.startsWith(own) };
}
