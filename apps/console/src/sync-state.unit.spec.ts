import { channelLagMs, skuLagMs } from './sync-state';
import type { ChannelRow } from './types';

const row = (over: Partial<ChannelRow>): ChannelRow => ({
  channel: 'shop',
  target: 5,
  targetVersion: 7,
  targetPublishedAt: '2026-11-30T10:00:00.000Z',
  lastPushed: 5,
  lastPushedVersion: 7,
  lastPushedAt: '2026-11-30T10:00:00.100Z',
  lastAcked: 5,
  lastAckedVersion: 7,
  lastAckedAt: '2026-11-30T10:00:00.200Z',
  lastErrorCode: null,
  lastErrorAt: null,
  ...over,
});
const now = Date.parse('2026-11-30T10:00:03.000Z');

describe('sync lag', () => {
  it('given the latest target acknowledged, then the channel is in step', () => {
    expect(channelLagMs(row({}), now)).toBeNull();
  });

  it('given a newer target not yet acknowledged, then the lag runs from when the target was published', () => {
    expect(channelLagMs(row({ targetVersion: 8 }), now)).toBe(3000);
  });

  it('given a channel never acknowledged and no target, then there is nothing to be behind', () => {
    expect(channelLagMs(row({ targetVersion: null, lastAckedVersion: null }), now)).toBeNull();
    expect(channelLagMs(row({ lastAckedVersion: null }), now)).toBe(3000);
  });

  it("a SKU's lag is its slowest channel's", () => {
    const late = row({ targetVersion: 9, targetPublishedAt: '2026-11-30T09:59:59.000Z' });
    expect(skuLagMs([row({}), row({ targetVersion: 8 }), late], now)).toBe(4000);
    expect(skuLagMs([row({})], now)).toBeNull();
  });
});
