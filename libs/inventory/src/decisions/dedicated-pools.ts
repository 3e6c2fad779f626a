import { CloseDedicatedPool, OpenDedicatedPool } from '../inventory-commands';
import { DedicatedPoolClosed, DedicatedPoolOpened, InventoryEvent } from '../inventory-events';
import { InventoryState } from '../inventory-state';
import { own } from '../own';
import { generalAvailable, poolFree } from '../stock-levels';
import {
  contextOf,
  isId,
  isPositiveCount,
  optionalLimit,
  preconditionFailure,
  rejectCommand,
} from './decision-helpers';

/**
 * 独立库存池: moves counted units out of general availability for a promotion. Only orders that name
 * the pool can reserve from it. A pool id is used once: a closed pool is not reopened.
 */
export function decideOpenDedicatedPool(command: OpenDedicatedPool, state: InventoryState): InventoryEvent[] {
  const failure = preconditionFailure(command, state);
  if (failure !== null) return rejectCommand(command, failure);
  const { poolId, quantity, perOrderCap } = command.data;
  if (state.kind === 'unlimited' || state.kind === 'supplier') return rejectCommand(command, 'KIND_MISMATCH');
  if (!isId(poolId)) return rejectCommand(command, 'INVALID_REFERENCE');
  const cap = optionalLimit(perOrderCap, isPositiveCount);
  const existing = own(state.pools, poolId);
  if (existing !== undefined) {
    if (existing.status === 'closed') return rejectCommand(command, 'POOL_CLOSED');
    const same = existing.quantity === quantity && existing.perOrderCap === cap;
    return same ? [] : rejectCommand(command, 'POOL_ALREADY_EXISTS');
  }
  if (!isPositiveCount(quantity)) return rejectCommand(command, 'INVALID_QUANTITY');
  if (cap === false) return rejectCommand(command, 'INVALID_SETTING');
  if (generalAvailable(state) < quantity) return rejectCommand(command, 'INSUFFICIENT_STOCK');
  const opened: DedicatedPoolOpened = {
    type: 'DedicatedPoolOpened',
    data: { poolId, quantity, perOrderCap: cap, ...contextOf(command) },
  };
  return [opened];
}

/**
 * Returns the pool's unreserved rest to general stock. Reservations already taken from it stay valid;
 * if they are released or expire later, their units go back to general stock too.
 */
export function decideCloseDedicatedPool(
  command: CloseDedicatedPool,
  state: InventoryState,
): InventoryEvent[] {
  const failure = preconditionFailure(command, state);
  if (failure !== null) return rejectCommand(command, failure);
  const { poolId } = command.data;
  const pool = isId(poolId) ? own(state.pools, poolId) : undefined;
  if (pool === undefined) return rejectCommand(command, 'POOL_NOT_FOUND');
  if (pool.status === 'closed') return [];
  const closed: DedicatedPoolClosed = {
    type: 'DedicatedPoolClosed',
    data: { poolId, returned: poolFree(pool), ...contextOf(command) },
  };
  return [closed];
}
