import { RedeemCardKey, VoidCardKey } from '../inventory-commands';
import { CardKeyRedeemed, CardKeyVoided, InventoryEvent } from '../inventory-events';
import { InventoryState } from '../inventory-state';
import { mapGet } from '../persistent-map';
import { generalAvailable } from '../stock-levels';
import { contextOf, isId, noteOf, preconditionFailure, rejectCommand } from './decision-helpers';

/** 核销: marks a delivered key as used by its buyer. Redeeming it again changes nothing. */
export function decideRedeemCardKey(command: RedeemCardKey, state: InventoryState): InventoryEvent[] {
  const failure = preconditionFailure(command, state);
  if (failure !== null) return rejectCommand(command, failure);
  const { unitId } = command.data;
  if (state.kind !== 'cardKey') return rejectCommand(command, 'KIND_MISMATCH');
  const unit = isId(unitId) ? mapGet(state.units, unitId) : undefined;
  if (unit === undefined) return rejectCommand(command, 'UNIT_NOT_FOUND');
  if (unit.loop) return rejectCommand(command, 'UNIT_IS_LOOP_KEY');
  switch (unit.status) {
    case 'redeemed':
      return [];
    case 'voided':
      return rejectCommand(command, 'UNIT_VOIDED');
    case 'available':
      return rejectCommand(command, 'UNIT_NOT_DELIVERED');
    case 'allocated':
    case 'delivered': {
      const order = unit.orderKey === null ? undefined : mapGet(state.orders, unit.orderKey);
      const redeemed: CardKeyRedeemed = {
        type: 'CardKeyRedeemed',
        data: {
          unitId,
          channel: order?.channel ?? '',
          channelOrderId: order?.channelOrderId ?? '',
          ...contextOf(command),
        },
      };
      return [redeemed];
    }
    default: {
      const unreachable: never = unit.status;
      return unreachable;
    }
  }
}

/**
 * Takes a key out of use (found invalid, leaked, withdrawn). An unsold key leaves stock, counted as an
 * adjustment, and only if that does not dig into reserved or pooled stock. The last live loop key cannot
 * go while orders still count on it.
 */
export function decideVoidCardKey(command: VoidCardKey, state: InventoryState): InventoryEvent[] {
  const failure = preconditionFailure(command, state);
  if (failure !== null) return rejectCommand(command, failure);
  const { unitId } = command.data;
  if (state.kind !== 'cardKey') return rejectCommand(command, 'KIND_MISMATCH');
  const unit = isId(unitId) ? mapGet(state.units, unitId) : undefined;
  if (unit === undefined) return rejectCommand(command, 'UNIT_NOT_FOUND');
  if (unit.status === 'voided') return [];
  if (unit.status === 'redeemed') return rejectCommand(command, 'UNIT_ALREADY_REDEEMED');
  if (unit.loop) {
    const lastLoop = state.loopUnitIds.length === 1;
    if (lastLoop && state.counters.endlessReserved > 0) return rejectCommand(command, 'LOOP_KEY_IN_USE');
  } else if (unit.status === 'available' && generalAvailable(state) < 1) {
    return rejectCommand(command, 'BELOW_RESERVED');
  }
  const voided: CardKeyVoided = {
    type: 'CardKeyVoided',
    data: {
      unitId,
      previousStatus: unit.status,
      loop: unit.loop,
      note: noteOf(command.data.note),
      ...contextOf(command),
    },
  };
  return [voided];
}
