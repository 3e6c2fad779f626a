/**
 * Hard upper bounds the decider enforces on every quantity, whatever the channel, API or setting says.
 * They keep every counter a safe integer (far below 2^53) and every event small: an order is at most a
 * million units, so even an `unlimited` SKU or a loop key never produces an allocation that cannot be
 * held in memory, and a read model that sums quantities in 64-bit columns cannot overflow.
 *
 * Above a bound the command is refused with a stable reason code: QUANTITY_TOO_LARGE for an order line or
 * order, STOCK_LIMIT_EXCEEDED for a receipt, import or adjustment that would pass the stock ceiling.
 */

/** The most one order line may ask for. */
export const MAX_LINE_QUANTITY = 1_000_000;

/** The most one order may ask for, summed over its lines (per SKU: each SKU decides its own part). */
export const MAX_ORDER_QUANTITY = 1_000_000;

/** The most lines one order may have for one SKU (the channel-event schema allows 100). */
export const MAX_ORDER_LINES = 100;

/**
 * The most card-key entries (added plus reported) one CardKeysImported event carries. A larger import is recorded
 * as several events (`part` 1..`parts`) decided together, so no event row approaches 1 MB (an entry is at most
 * two 128-character identifiers) and a reader never holds a whole 100,000-key upload in one event.
 */
export const MAX_UNITS_PER_IMPORT_EVENT = 1_000;

/** Counted stock on hand never passes this: a receipt, import or positive adjustment that would is refused. */
export const MAX_ON_HAND = 1_000_000_000_000;

/**
 * The lifetime total of counted units received. With on hand capped, this keeps `received` (and so
 * `delivered` and `adjusted`, which it bounds in practice) a safe integer for the life of the SKU.
 */
export const MAX_RECEIVED = 1_000_000_000_000_000;

/** True when adding `incoming` counted units would pass MAX_ON_HAND (or, for a receipt, MAX_RECEIVED). */
export function exceedsStockLimits(
  state: { readonly counters: { readonly onHand: number; readonly received: number } },
  incoming: number,
  isReceipt = true,
): boolean {
  if (state.counters.onHand + incoming > MAX_ON_HAND) return true;
  return isReceipt && state.counters.received + incoming > MAX_RECEIVED;
}
