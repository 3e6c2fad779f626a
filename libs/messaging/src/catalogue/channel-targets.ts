import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { defineTopic } from './define-topic';
import { IsChannel, IsIdentifier } from './fields';

/*
 * stock.channel-targets: the full-set quantity each channel should list for each SKU, written by the projector
 * (through its outbox) and read by the connectors. Compacted: the broker keeps at least the latest target per
 * channel:SKU, so a connector that starts from the beginning learns every current target.
 */

export class ChannelTargetSet {
  @IsChannel()
  channel!: string;

  @IsIdentifier()
  sku!: string;

  /** Full-set quantity to list; never negative, a safe integer (1e300 is an integer too). */
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  quantity!: number;

  /**
   * The channel's selling price in fen (integer minor units), when the SKU has a price rule for the channel; absent
   * otherwise. A connector whose platform takes prices sets it with the quantity; the others ignore it.
   */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000_000_000)
  price?: number;

  /** The SKU stream version this target was computed at: a connector drops a push older than the last one sent. */
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  skuVersion!: number;
}

export const ChannelTargetsTopic = defineTopic({
  id: 'channelTargets',
  name: 'stock.channel-targets',
  description: 'Latest full-set quantity per channel and SKU, tagged with the SKU version.',
  defaultPartitions: 6,
  cleanupPolicy: 'compact',
  keyDescription: 'channel:SKU',
  key: (payload) => `${payload.channel}:${payload.sku}`,
  messages: {
    'channel-target.set': { schemaVersion: 1, payload: ChannelTargetSet },
  },
});
