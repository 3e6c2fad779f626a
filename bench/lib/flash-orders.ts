import { randomUUID } from 'node:crypto';
import { ChannelEventsTopic, type MessageBus, type OutgoingMessage } from '@libs/messaging';

export const FLASH_CHANNELS = ['taobao', 'pinduoduo', 'miniprogram', 'shop'];

/**
 * Publishes `orders` one-unit placements of `sku`, four channels concurrently in chunks (the order they interleave
 * in is the broker's). Each order id ends with its send time in epoch milliseconds, so a consumer in another
 * process can measure produced → answered without sharing memory.
 */
export async function publishFlashOrders(
  bus: MessageBus,
  sku: string,
  orders: number,
  chunk: number,
  deadline: number,
): Promise<void> {
  const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
  await Promise.all(
    FLASH_CHANNELS.map(async (channel, c) => {
      const step = FLASH_CHANNELS.length;
      for (let i = c; i < orders && Date.now() < deadline; i += step * chunk) {
        const sentAt = Math.round(performance.timeOrigin + performance.now());
        const batch: OutgoingMessage<typeof ChannelEventsTopic>[] = [];
        for (let j = i; j < Math.min(orders, i + step * chunk); j += step) {
          batch.push({
            type: 'order.placed',
            eventId: randomUUID(),
            payload: {
              channel,
              channelOrderId: `${channel}-${j}-${sentAt}`,
              sku,
              lines: [{ quantity: 1 }],
              expiresAt,
            },
          });
        }
        await bus.publish(ChannelEventsTopic, batch);
      }
    }),
  );
}

/** The send time a flash order id carries (see publishFlashOrders). */
export function sentAtOf(channelOrderId: string): number {
  return Number(channelOrderId.slice(channelOrderId.lastIndexOf('-') + 1));
}
