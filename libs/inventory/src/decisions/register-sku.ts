import { RegisterSku } from '../inventory-commands';
import { SkuRegistered } from '../inventory-events';
import { InventoryState, SkuSettings } from '../inventory-state';
import { STOCK_KINDS } from '../stock-kind';
import {
  contextOf,
  isCount,
  isId,
  isInstant,
  isPositiveCount,
  optionalLimit,
  rejectCommand,
} from './decision-helpers';

export function decideRegisterSku(command: RegisterSku, state: InventoryState) {
  const { sku, now, kind, lowStockThreshold, perOrderCap } = command.data;
  if (!isInstant(now)) return rejectCommand(command, 'INVALID_TIME');
  if (!isId(sku)) return rejectCommand(command, 'INVALID_REFERENCE');
  const threshold = optionalLimit(lowStockThreshold, isCount);
  const cap = optionalLimit(perOrderCap, isPositiveCount);
  if (state.kind !== null) {
    // A redelivered registration is answered with silence, even after ChangeSkuSettings, and so is
    // one asking for the settings in force; any other is a conflict.
    const same =
      state.kind === kind &&
      (sameSettings(state, threshold, cap) || sameSettings(state.registeredSettings, threshold, cap));
    return same ? [] : rejectCommand(command, 'ALREADY_REGISTERED');
  }
  if (!STOCK_KINDS.includes(kind) || threshold === false || cap === false) {
    return rejectCommand(command, 'INVALID_SETTING');
  }
  const registered: SkuRegistered = {
    type: 'SkuRegistered',
    data: { kind, lowStockThreshold: threshold, perOrderCap: cap, ...contextOf(command) },
  };
  return [registered];
}

function sameSettings(
  settings: SkuSettings | null,
  threshold: number | null | false,
  cap: number | null | false,
): boolean {
  return settings !== null && settings.lowStockThreshold === threshold && settings.perOrderCap === cap;
}
