import { evolve } from './evolve';
import { EventContext, InventoryEvent } from './inventory-events';
import { InventoryState } from './inventory-state';
import { isEndless } from './stock-levels';

const STOCK_MOVING: ReadonlySet<InventoryEvent['type']> = new Set<InventoryEvent['type']>([
  'StockReceived',
  'CardKeysImported',
  'ReservationConfirmed',
  'StockAdjusted',
  'CardKeyVoided',
]);

/**
 * 库存预警 on on-hand stock, not on availability: on hand moves only on receipts, sales, adjustments and
 * voids, so a burst of reservations and cancellations cannot make the alert flap, and it clears exactly
 * when a restock (or a count correction) lifts stock above the threshold. The alert is latched: it is
 * raised once when a stock movement leaves on hand at or under the threshold and stays raised, silent,
 * until stock is back above it. Endless stock never alerts.
 */
export function withLowStockSignals(
  state: InventoryState,
  events: InventoryEvent[],
  context: EventContext,
): InventoryEvent[] {
  if (!events.some((event) => STOCK_MOVING.has(event.type))) return events;
  const next = events.reduce(evolve, state);
  const threshold = next.lowStockThreshold;
  if (threshold === null) return events;
  const before = watchedLevel(state);
  const after = watchedLevel(next);
  const data = { ...context, actor: null, onHand: next.counters.onHand, threshold };
  if (!next.lowStockAlertActive && after !== null && after <= threshold && after !== before) {
    return [...events, { type: 'LowStockAlerted', data }];
  }
  if (next.lowStockAlertActive && (after === null || after > threshold)) {
    return [...events, { type: 'LowStockCleared', data }];
  }
  return events;
}

function watchedLevel(state: InventoryState): number | null {
  return state.kind === null || isEndless(state) ? null : state.counters.onHand;
}
