import { loopAllocationsOf } from './inventory-events';
import { InventoryState, LoopAllocation, OrderRecord } from './inventory-state';
import { orderKey } from './order-key';
import { mapGet } from './persistent-map';
import { ReasonCode } from './reason-codes';

/**
 * What the engine answered for an order. A repeated reserve, confirm or release of the same
 * (channel, order id) emits nothing, so this is where its caller reads the answer.
 */
export type OrderOutcome =
  | { readonly status: 'rejected'; readonly reason: ReasonCode }
  | { readonly status: 'reserved'; readonly quantity: number; readonly expiresAt: number }
  | {
      readonly status: 'confirmed' | 'delivered';
      readonly quantity: number;
      readonly allocatedUnitIds: readonly string[];
      readonly loopUnits: readonly LoopAllocation[];
    }
  | { readonly status: 'released' | 'expired'; readonly quantity: number }
  /** Refunded after payment: the keys it still has (delivered) stay its own. */
  | {
      readonly status: 'refunded' | 'awaiting-keys' | 'forwarding';
      readonly quantity: number;
      readonly allocatedUnitIds: readonly string[];
      readonly loopUnits: readonly LoopAllocation[];
    };

export function orderRecordOf(
  state: InventoryState,
  channel: string,
  channelOrderId: string,
): OrderRecord | null {
  return mapGet(state.orders, orderKey(channel, channelOrderId)) ?? null;
}

export function outcomeOf(
  state: InventoryState,
  channel: string,
  channelOrderId: string,
): OrderOutcome | null {
  const record = orderRecordOf(state, channel, channelOrderId);
  if (record === null) return null;
  switch (record.status) {
    case 'rejected':
      return { status: 'rejected', reason: record.reason ?? 'INSUFFICIENT_STOCK' };
    case 'reserved':
      return { status: 'reserved', quantity: record.quantity, expiresAt: record.expiresAt ?? 0 };
    case 'confirmed':
    case 'delivered':
    case 'refunded':
    case 'awaiting-keys':
    case 'forwarding':
      return {
        status: record.status,
        quantity: record.quantity,
        allocatedUnitIds: record.allocatedUnitIds,
        loopUnits: loopAllocationsOf(record),
      };
    case 'released':
    case 'expired':
      return { status: record.status, quantity: record.quantity };
    default: {
      const unreachable: never = record.status;
      return unreachable;
    }
  }
}
