import { EventContext, InventoryEvent } from './inventory-events';
import { InventoryState } from './inventory-state';
import { isEndless } from './stock-levels';

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
  const threshold = state.lowStockThreshold;
  if (threshold === null || state.kind === null) return events;
  const after = levelAfter(state, events);
  if (after === undefined) return events;
  const before = watchedLevel(state);
  const data = { sku: context.sku, at: context.at, actor: null, onHand: after.onHand, threshold };
  if (
    !state.lowStockAlertActive &&
    after.level !== null &&
    after.level <= threshold &&
    after.level !== before
  ) {
    return [...events, { type: 'LowStockAlerted', data }];
  }
  if (state.lowStockAlertActive && (after.level === null || after.level > threshold)) {
    return [...events, { type: 'LowStockCleared', data }];
  }
  return events;
}

/**
 * On-hand stock and endlessness after the decided events, without evolving them: this runs on every
 * sale of a hot SKU. Undefined when no event moved stock. The property tests hold it to the evolved state.
 */
function levelAfter(
  state: InventoryState,
  events: readonly InventoryEvent[],
): { onHand: number; level: number | null } | undefined {
  let moved = false;
  let onHand = state.counters.onHand;
  let loops = state.loopUnitIds.length;
  for (const event of events) {
    switch (event.type) {
      case 'StockReceived':
        onHand += event.data.quantity;
        break;
      case 'CardKeysImported':
        for (const unit of event.data.units) {
          if (unit.loop) loops += 1;
          else onHand += 1;
        }
        break;
      case 'ReservationConfirmed':
        if (state.kind === 'quantity') onHand -= event.data.quantity;
        else onHand -= event.data.allocatedUnitIds.length;
        break;
      case 'StockAdjusted':
        onHand += event.data.delta;
        break;
      case 'CardKeyVoided':
        if (event.data.loop) loops -= 1;
        else if (event.data.previousStatus === 'available') onHand -= 1;
        break;
      case 'SkuRegistered':
      case 'StockReserved':
      case 'ReservationRejected':
      case 'DeliveryRecorded':
      case 'ReservationReleased':
      case 'ReservationExpired':
      case 'CardKeyRedeemed':
      case 'ChannelPolicySet':
      case 'DedicatedPoolOpened':
      case 'DedicatedPoolClosed':
      case 'LowStockAlerted':
      case 'LowStockCleared':
      case 'CommandRejected':
        continue;
      default: {
        const unreachable: never = event;
        return unreachable;
      }
    }
    moved = true;
  }
  if (!moved) return undefined;
  const endless = state.kind === 'unlimited' || (state.kind === 'cardKey' && loops > 0);
  return { onHand, level: endless ? null : onHand };
}

function watchedLevel(state: InventoryState): number | null {
  return state.kind === null || isEndless(state) ? null : state.counters.onHand;
}
