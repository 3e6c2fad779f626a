import { ChangeSkuSettings } from '../inventory-commands';
import { InventoryEvent, SkuSettingsChanged } from '../inventory-events';
import { InventoryState } from '../inventory-state';
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
  // Settings already in place are a redelivery (or a no-op edit): nothing to record.
  if (threshold === state.lowStockThreshold && cap === state.perOrderCap) return [];
  const changed: SkuSettingsChanged = {
    type: 'SkuSettingsChanged',
    data: { lowStockThreshold: threshold, perOrderCap: cap, ...contextOf(command) },
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
