import { EventContext, InventoryEvent } from './inventory-events';
import { InventoryState } from './inventory-state';
import { isEndless } from './stock-levels';

/**
 * 库存预警 on on-hand stock, not on availability: on hand moves only on receipts, sales, adjustments and
 * voids, so a burst of reservations and cancellations cannot make the alert flap, and it clears exactly
 * when a restock (or a count correction) lifts stock above the threshold. The alert is latched: it is
 * raised once when a stock movement leaves on hand at or under the threshold and stays raised, silent,
 * until stock is back above it. Endless stock never alerts. A changed threshold is judged at once: raised
 * over the stock it raises the alert, lowered under it (or removed) it clears it.
 */
export function withLowStockSignals(
  state: InventoryState,
  events: InventoryEvent[],
  context: EventContext,
): InventoryEvent[] {
  if (state.kind === null) return events;
  // Without a threshold the alert is never raised (a removed threshold clears it in the same answer).
  if (state.lowStockThreshold === null && !changesSettings(events)) return events;
  const after = levelAfter(state, events);
  if (after === undefined) return events;
  const { threshold } = after;
  const before = watchedLevel(state);
  const low = threshold !== null && after.level !== null && after.level <= threshold;
  // A new threshold judges the stock as it stands, but only stock that has moved since registration:
  // an SKU that never received anything does not alert, whatever its threshold.
  const crossed = after.level !== before || (after.thresholdChanged && hasStockMoved(state));
  if (!state.lowStockAlertActive && low && crossed) {
    const data = { sku: context.sku, at: context.at, actor: null, onHand: after.onHand, threshold };
    return [...events, { type: 'LowStockAlerted', data }];
  }
  if (state.lowStockAlertActive && !low) {
    // A removed threshold clears under the one the alert was raised with.
    const data = {
      sku: context.sku,
      at: context.at,
      actor: null,
      onHand: after.onHand,
      threshold: threshold ?? state.lowStockThreshold ?? 0,
    };
    return [...events, { type: 'LowStockCleared', data }];
  }
  return events;
}

function changesSettings(events: readonly InventoryEvent[]): boolean {
  return events.length > 0 && events[0]?.type === 'SkuSettingsChanged';
}

/**
 * True once on-hand stock (or endlessness) has changed since registration: a receipt, a card-key import
 * or an adjustment happened. Every other movement (a sale, a void) needs one of these first.
 */
function hasStockMoved(state: InventoryState): boolean {
  return state.counters.received > 0 || state.units.size > 0 || state.adjustments.size > 0;
}

/**
 * On-hand stock, endlessness and threshold after the decided events, without evolving them: this runs
 * on every sale of a hot SKU. Undefined when no event moved stock nor changed the settings. The property tests hold it to the evolved state.
 */
function levelAfter(
  state: InventoryState,
  events: readonly InventoryEvent[],
): { onHand: number; level: number | null; threshold: number | null; thresholdChanged: boolean } | undefined {
  let moved = false;
  let threshold = state.lowStockThreshold;
  let thresholdChanged = false;
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
      case 'OrderRefunded':
        onHand += event.data.returnedQuantity;
        break;
      case 'CardKeyReplaced':
        onHand -= 1;
        break;
      case 'KeysAllocatedManually':
        onHand -= event.data.unitIds.length;
        break;
      case 'SkuSettingsChanged':
        thresholdChanged = event.data.lowStockThreshold !== threshold;
        threshold = event.data.lowStockThreshold;
        break;
      case 'SkuRegistered':
      case 'StockReserved':
      case 'ReservationRejected':
      case 'ReservationsRejected':
      case 'DeliveryRecorded':
      case 'DeliveryRepeated':
      case 'ReservationReleased':
      case 'CancelledBeforePlacement':
      case 'ReservationExpired':
      case 'CardKeyRedeemed':
      case 'ChannelPolicySet':
      case 'DedicatedPoolOpened':
      case 'DedicatedPoolClosed':
      case 'LowStockAlerted':
      case 'LowStockCleared':
      case 'CommandRejected':
      case 'BooksClosed':
      case 'OrdersRecalled':
      case 'SupplyConfigured':
      case 'SupplierStockObserved':
      case 'SupplierForwardStarted':
      case 'SupplierForwardFulfilled':
      case 'SupplierForwardFailed':
      case 'SupplierForwardingExhausted':
      case 'SupplierLateFulfilment':
      case 'PricingSet':
        continue;
      default: {
        const unreachable: never = event;
        return unreachable;
      }
    }
    moved = true;
  }
  if (!moved) return undefined;
  const endless =
    state.kind === 'unlimited' || state.kind === 'supplier' || (state.kind === 'cardKey' && loops > 0);
  return { onHand, level: endless ? null : onHand, threshold, thresholdChanged };
}

function watchedLevel(state: InventoryState): number | null {
  // A supplier-backed SKU holds nothing of its own: its suppliers' stock is theirs to watch.
  return state.kind === null || state.kind === 'supplier' || isEndless(state) ? null : state.counters.onHand;
}
