import { ChannelPolicy, InventoryState } from './inventory-state';
import { generalAvailable, isEndless } from './stock-levels';

/** Listed for an endless SKU on a channel whose policy does not say otherwise. */
export const DEFAULT_UNLIMITED_LISTED = 9999;

export const DEFAULT_CHANNEL_POLICY: ChannelPolicy = {
  bufferQuantity: 0,
  sharePercent: 100,
  maxListed: null,
  endWhenAtOrBelow: null,
  unlimitedListed: DEFAULT_UNLIMITED_LISTED,
};

export type Availability =
  { readonly endless: true } | { readonly endless: false; readonly quantity: number };

/** What the channels share: general availability, i.e. after dedicated pools have taken their part. */
export function availabilityForChannels(state: InventoryState): Availability {
  if (isEndless(state)) return { endless: true };
  return { endless: false, quantity: Math.max(0, generalAvailable(state)) };
}

/**
 * The quantity one channel lists. The order of the steps is part of the contract:
 *   1. start from availability after dedicated pools;
 *   2. subtract the channel's buffer (safety stock);
 *   3. take its share, sharePercent %, rounded down;
 *   4. cap at maxListed;
 *   5. if at or under endWhenAtOrBelow, list 0;
 *   6. never below 0.
 * Endless stock lists `unlimitedListed`, still capped at maxListed.
 */
export function channelTarget(availability: Availability, policy: ChannelPolicy): number {
  if (availability.endless) {
    return policy.maxListed === null
      ? policy.unlimitedListed
      : Math.min(policy.unlimitedListed, policy.maxListed);
  }
  let listed = availability.quantity - policy.bufferQuantity;
  listed = Math.floor((listed * policy.sharePercent) / 100);
  if (policy.maxListed !== null) listed = Math.min(listed, policy.maxListed);
  if (policy.endWhenAtOrBelow !== null && listed <= policy.endWhenAtOrBelow) listed = 0;
  return Math.max(0, listed);
}

/** A target for every channel that has a policy; a channel without one is not listed by this SKU. */
export function channelTargets(state: InventoryState): Record<string, number> {
  const availability = availabilityForChannels(state);
  const targets: Record<string, number> = {};
  for (const [channel, policy] of Object.entries(state.channelPolicies)) {
    Object.defineProperty(targets, channel, {
      value: channelTarget(availability, policy),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return targets;
}
