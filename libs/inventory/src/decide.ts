import { decideAdjustStock } from './decisions/adjust-stock';
import { decideChangeSkuSettings } from './decisions/change-sku-settings';
import { decideRedeemCardKey, decideVoidCardKey } from './decisions/card-key-lifecycle';
import { decideSetChannelPolicy } from './decisions/channel-policy';
import { contextOf, rejectCommand } from './decisions/decision-helpers';
import { decideCloseDedicatedPool, decideOpenDedicatedPool } from './decisions/dedicated-pools';
import {
  decideConfirmReservation,
  decideExpireReservations,
  decideRecordDelivery,
  decideReleaseReservation,
} from './decisions/order-lifecycle';
import {
  decideAllocateCardKeys,
  decideRedeliverOrder,
  decideRefundOrder,
  decideReplaceCardKey,
} from './decisions/operator-actions';
import { decideRegisterSku } from './decisions/register-sku';
import { decideImportCardKeys, decideReceiveStock } from './decisions/receive-stock';
import { decideReserveStock } from './decisions/reserve-stock';
import { decideSetPricing } from './decisions/pricing';
import {
  decideConfigureSupply,
  decideObserveSupplierStock,
  decideRecordForwardResult,
  decideReleaseHold,
} from './decisions/supply';
import { recalledEvent } from './close-books';
import { decideCloseBooks } from './decisions/close-books';
import { evolve } from './evolve';
import { InventoryCommand } from './inventory-commands';
import { InventoryEvent } from './inventory-events';
import { InventoryState } from './inventory-state';
import { withLowStockSignals } from './low-stock';

/**
 * Pure: the answer depends only on the command (which carries "now") and the state. Never throws for a
 * business reason; a command that cannot be carried out is answered with a rejection event, and a
 * command that is already done (a redelivery) is answered with no events at all.
 */
export function decide(command: InventoryCommand, state: InventoryState): InventoryEvent[] {
  if (state.sku !== null && command.data.sku !== state.sku) return rejectCommand(command, 'SKU_MISMATCH');
  const recalled = recalledEvent(command, state);
  if (recalled === null) return withLowStockSignals(state, decideCommand(command, state), contextOf(command));
  const withRecalled = evolve(state, recalled);
  return [
    recalled,
    ...withLowStockSignals(withRecalled, decideCommand(command, withRecalled), contextOf(command)),
  ];
}

function decideCommand(command: InventoryCommand, state: InventoryState): InventoryEvent[] {
  switch (command.type) {
    case 'RegisterSku':
      return decideRegisterSku(command, state);
    case 'ChangeSkuSettings':
      return decideChangeSkuSettings(command, state);
    case 'ReceiveStock':
      return decideReceiveStock(command, state);
    case 'ImportCardKeys':
      return decideImportCardKeys(command, state);
    case 'ReserveStock':
      return decideReserveStock(command, state);
    case 'ConfirmReservation':
      return decideConfirmReservation(command, state);
    case 'RecordDelivery':
      return decideRecordDelivery(command, state);
    case 'ReleaseReservation':
      return decideReleaseReservation(command, state);
    case 'ExpireReservations':
      return decideExpireReservations(command, state);
    case 'AdjustStock':
      return decideAdjustStock(command, state);
    case 'RedeemCardKey':
      return decideRedeemCardKey(command, state);
    case 'VoidCardKey':
      return decideVoidCardKey(command, state);
    case 'RefundOrder':
      return decideRefundOrder(command, state);
    case 'RedeliverOrder':
      return decideRedeliverOrder(command, state);
    case 'ReplaceCardKey':
      return decideReplaceCardKey(command, state);
    case 'AllocateCardKeys':
      return decideAllocateCardKeys(command, state);
    case 'ReleaseHold':
      return decideReleaseHold(command, state);
    case 'SetChannelPolicy':
      return decideSetChannelPolicy(command, state);
    case 'OpenDedicatedPool':
      return decideOpenDedicatedPool(command, state);
    case 'CloseDedicatedPool':
      return decideCloseDedicatedPool(command, state);
    case 'CloseBooks':
      return decideCloseBooks(command, state);
    case 'ConfigureSupply':
      return decideConfigureSupply(command, state);
    case 'ObserveSupplierStock':
      return decideObserveSupplierStock(command, state);
    case 'RecordForwardResult':
      return decideRecordForwardResult(command, state);
    case 'SetPricing':
      return decideSetPricing(command, state);
    default: {
      const unreachable: never = command;
      return unreachable;
    }
  }
}
