import type { ChannelRow } from './types';

/**
 * How far a channel is behind its target: null when it has acknowledged the latest target (or has none yet),
 * otherwise how long the latest target has waited for the platform's acknowledgement, in ms.
 */
export function channelLagMs(channel: ChannelRow, now: number): number | null {
  if (channel.targetVersion === null) return null;
  if (channel.lastAckedVersion !== null && channel.lastAckedVersion >= channel.targetVersion) return null;
  const since = channel.targetPublishedAt ? Date.parse(channel.targetPublishedAt) : Number.NaN;
  return Number.isNaN(since) ? 0 : Math.max(0, now - since);
}

/** The SKU's sync lag: its slowest channel's, or null when every channel is in step. */
export function skuLagMs(channels: readonly ChannelRow[], now: number): number | null {
  let worst: number | null = null;
  for (const c of channels) {
    const lag = channelLagMs(c, now);
    if (lag !== null && (worst === null || lag > worst)) worst = lag;
  }
  return worst;
}
