import { orderKey } from './order-key';

/**
 * A cancel that overtakes its placement (the placement notice was delayed or retried) is remembered as a
 * tombstone so that the placement, when it comes, is refused instead of holding stock for a cancelled order.
 *
 * Tombstones are bounded two ways, both applied whenever one is added: one older than
 * EARLY_CANCELLATION_TTL_MS (counted from the newest cancel's own time) is forgotten — platforms stop
 * retrying a placement long before — and at most MAX_EARLY_CANCELLATIONS are kept per SKU, oldest dropped
 * first. A tombstone is also dropped as soon as its placement is answered: the order record remembers it.
 */
export const EARLY_CANCELLATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;
export const MAX_EARLY_CANCELLATIONS = 1_000;

/**
 * Order key → the cancel's time (epoch ms). A state saved before tombstones existed (the projector keeps its
 * own, unversioned) has none: every function here reads a missing map as empty.
 */
export type EarlyCancellations = Readonly<Record<string, number>>;

export function isCancelledBeforePlacement(
  cancellations: EarlyCancellations,
  channel: string,
  channelOrderId: string,
): boolean {
  return (
    cancellations != null &&
    Object.prototype.hasOwnProperty.call(cancellations, orderKey(channel, channelOrderId))
  );
}

export function addEarlyCancellation(
  cancellations: EarlyCancellations,
  key: string,
  at: number,
): EarlyCancellations {
  const horizon = at - EARLY_CANCELLATION_TTL_MS;
  const kept = Object.entries(cancellations ?? {}).filter(([k, when]) => when >= horizon && k !== key);
  kept.push([key, at]);
  if (kept.length > MAX_EARLY_CANCELLATIONS) {
    kept.sort(([, a], [, b]) => a - b);
    kept.splice(0, kept.length - MAX_EARLY_CANCELLATIONS);
  }
  return Object.fromEntries(kept);
}

export function removeEarlyCancellation(cancellations: EarlyCancellations, key: string): EarlyCancellations {
  if (cancellations == null || !Object.prototype.hasOwnProperty.call(cancellations, key))
    return cancellations;
  const { [key]: _answered, ...rest } = cancellations;
  return rest;
}
