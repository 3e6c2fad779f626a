import { ChangeSkuSettings } from '../inventory-commands';
import { InventoryEvent, SkuSettingsChanged } from '../inventory-events';
import { InventoryState } from '../inventory-state';
import { DELIVERY_MODES } from '../stock-kind';
import {
  contextOf,
  isCount,
  isPositiveCount,
  optionalLimit,
  preconditionFailure,
  rejectCommand,
} from './decision-helpers';

/**
 * The limits take effect from the next decision: reservations already made keep their quantity, and the
 * low-stock alert is re-judged against the new threshold in the same answer (see low-stock.ts).
 */
export function decideChangeSkuSettings(command: ChangeSkuSettings, state: InventoryState): InventoryEvent[] {
  const failure = preconditionFailure(command, state);
  if (failure !== null) return rejectCommand(command, failure);
  const threshold = keptOr(state.lowStockThreshold, command.data.lowStockThreshold, isCount);
  const cap = keptOr(state.perOrderCap, command.data.perOrderCap, isPositiveCount);
  if (threshold === false || cap === false) return rejectCommand(command, 'INVALID_SETTING');
  const current = state.deliveryMode ?? 'automatic';
  const deliveryMode = command.data.deliveryMode ?? current;
  if (!DELIVERY_MODES.includes(deliveryMode)) return rejectCommand(command, 'INVALID_SETTING');
  // Only card keys are delivered by StockSync: the other kinds have nothing an operator could hand over.
  if (deliveryMode === 'manual' && state.kind !== 'cardKey') return rejectCommand(command, 'KIND_MISMATCH');
  // Settings already in place are a redelivery (or a no-op edit): nothing to record.
  if (threshold === state.lowStockThreshold && cap === state.perOrderCap && deliveryMode === current)
    return [];
  const changed: SkuSettingsChanged = {
    type: 'SkuSettingsChanged',
    data: {
      lowStockThreshold: threshold,
      perOrderCap: cap,
      // Named when it is asked for or not the default, so events of SKUs that never chose one stay as they were.
      ...(command.data.deliveryMode !== undefined || deliveryMode !== 'automatic' ? { deliveryMode } : {}),
      ...contextOf(command),
    },
  };
  return [changed];
}

/** Left out keeps the current value; null removes the limit; anything else must pass `valid`. */
function keptOr(
  current: number | null,
  requested: number | null | undefined,
  valid: (v: unknown) => boolean,
): number | null | false {
  return requested === undefined ? current : optionalLimit(requested, valid);
}
