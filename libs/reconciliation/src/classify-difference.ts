/**
 * Kinds of difference between what a channel lists and what StockSync says it should list. Stable strings:
 * analysts group by them.
 */
export const DIFFERENCE_CLASSES = [
  /** Our newest target was never acknowledged by the platform (still queued, or the push lags). */
  'stale_push',
  /** The platform acknowledged our target and now shows something else: edited by hand on the platform. */
  'edited_on_platform',
  /** The last push failed or was refused (PDD promotion slot, …). */
  'failed_push',
  /** The platform lists a SKU StockSync has no target for on that channel. */
  'listing_unknown_to_us',
  /** StockSync has a target for a SKU the platform does not list. */
  'sku_unknown_to_platform',
  /** The read model disagrees with a rebuild of the SKU from the event store. */
  'projection_mismatch',
] as const;
export type DifferenceClass = (typeof DIFFERENCE_CLASSES)[number];

export interface Target {
  quantity: number;
  version: number;
}

export interface PushState {
  lastAckedVersion: number | null;
  lastErrorCode: string | null;
}

export interface Listing {
  quantity: number;
  /** A delisted item shows 0 to buyers whatever its stored quantity (WeChat's way of listing 0). */
  listed: boolean;
}

export interface Difference {
  class: DifferenceClass;
  /** Whether pushing the target (full set) corrects it; unknown listings are reported for a person to decide. */
  correctable: boolean;
}

export function listedQuantity(listing: Listing): number {
  return listing.listed ? listing.quantity : 0;
}

/** Compares one (channel, SKU); null when the listing shows exactly the target. */
export function classifyDifference(
  target: Target | undefined,
  push: PushState | undefined,
  listing: Listing | undefined,
): Difference | null {
  if (!target && !listing) return null;
  if (!target) return { class: 'listing_unknown_to_us', correctable: false };
  if (!listing) return { class: 'sku_unknown_to_platform', correctable: false };
  if (listedQuantity(listing) === target.quantity) return null;
  if (push?.lastErrorCode) return { class: 'failed_push', correctable: true };
  if (push?.lastAckedVersion == null || push.lastAckedVersion < target.version)
    return { class: 'stale_push', correctable: true };
  return { class: 'edited_on_platform', correctable: true };
}
