import { exceedsStockLimits, MAX_ON_HAND } from '../bounds';
import { AdjustStock } from '../inventory-commands';
import { InventoryEvent, StockAdjusted } from '../inventory-events';
import { InventoryState } from '../inventory-state';
import { mapHas } from '../persistent-map';
import { ADJUSTMENT_REASONS } from '../stock-kind';
import { generalAvailable } from '../stock-levels';
import { contextOf, isId, noteOf, preconditionFailure, rejectCommand } from './decision-helpers';

/**
 * A count correction or a reconciliation result, for counted quantity stock. Card keys are corrected
 * one by one with VoidCardKey, since each is a distinct unit. A decrease may not eat into what is
 * reserved or set aside in an open dedicated pool: both are promises already made.
 */
export function decideAdjustStock(command: AdjustStock, state: InventoryState): InventoryEvent[] {
  const failure = preconditionFailure(command, state);
  if (failure !== null) return rejectCommand(command, failure);
  const { adjustmentId, delta, reason } = command.data;
  if (state.kind !== 'quantity') return rejectCommand(command, 'KIND_MISMATCH');
  if (!isId(adjustmentId)) return rejectCommand(command, 'INVALID_REFERENCE');
  if (mapHas(state.adjustments, adjustmentId)) return [];
  if (typeof delta !== 'number' || !Number.isSafeInteger(delta) || delta === 0) {
    return rejectCommand(command, 'INVALID_QUANTITY');
  }
  if (Math.abs(delta) > MAX_ON_HAND) return rejectCommand(command, 'STOCK_LIMIT_EXCEEDED');
  // A positive correction is not a receipt: it adds to on hand but not to the lifetime received total.
  if (delta > 0 && exceedsStockLimits(state, delta, false)) {
    return rejectCommand(command, 'STOCK_LIMIT_EXCEEDED');
  }
  if (!ADJUSTMENT_REASONS.includes(reason)) return rejectCommand(command, 'INVALID_SETTING');
  if (generalAvailable(state) + delta < 0) return rejectCommand(command, 'BELOW_RESERVED');
  const adjusted: StockAdjusted = {
    type: 'StockAdjusted',
    data: { adjustmentId, delta, reason, note: noteOf(command.data.note), ...contextOf(command) },
  };
  return [adjusted];
}
