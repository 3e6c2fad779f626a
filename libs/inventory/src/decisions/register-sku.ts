import { RegisterSku } from '../inventory-commands';
import { SkuRegistered } from '../inventory-events';
import { InventoryState } from '../inventory-state';
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
    // A redelivered registration is answered with silence; a different one is a conflict.
    const same = state.kind === kind && state.lowStockThreshold === threshold && state.perOrderCap === cap;
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
