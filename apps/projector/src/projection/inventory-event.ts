import type { RecordedEvent } from '@libs/event-store';
import type { InventoryEvent, InventoryEventType } from '@libs/inventory';
import { EventProjectionError, QuarantineReasons } from './projection-failure';

/** Written as a record so that a new event type in the domain fails to compile here until it is listed. */
const KNOWN_TYPES: Record<InventoryEventType, true> = {
  SkuRegistered: true,
  SkuSettingsChanged: true,
  StockReceived: true,
  CardKeysImported: true,
  StockReserved: true,
  ReservationRejected: true,
  ReservationsRejected: true,
  ReservationConfirmed: true,
  DeliveryRecorded: true,
  ReservationReleased: true,
  ReservationExpired: true,
  StockAdjusted: true,
  CardKeyRedeemed: true,
  CardKeyVoided: true,
  ChannelPolicySet: true,
  DedicatedPoolOpened: true,
  DedicatedPoolClosed: true,
  LowStockAlerted: true,
  LowStockCleared: true,
  CommandRejected: true,
  CancelledBeforePlacement: true,
  BooksClosed: true,
  OrdersRecalled: true,
  OrderRefunded: true,
  DeliveryRepeated: true,
  CardKeyReplaced: true,
  KeysAllocatedManually: true,
  SupplyConfigured: true,
  SupplierStockObserved: true,
  SupplierForwardStarted: true,
  SupplierForwardFulfilled: true,
  SupplierForwardFailed: true,
  SupplierForwardingExhausted: true,
  SupplierLateFulfilment: true,
  PricingSet: true,
};

/**
 * The domain event inside a stored one, or null for a type this build does not know (written by a newer
 * version): evolving it would corrupt the fold, so it is counted and passed over instead.
 */
export function toInventoryEvent(recorded: RecordedEvent): InventoryEvent | null {
  if (!Object.prototype.hasOwnProperty.call(KNOWN_TYPES, recorded.type)) return null;
  if (typeof recorded.data !== 'object' || recorded.data === null) return null;
  return { type: recorded.type, data: recorded.data } as InventoryEvent;
}

/**
 * The domain event inside a stored one, for the fold: an event it cannot read stops the SKU there (it is set
 * aside, see the projector), since passing over it would leave that SKU's rows wrong without anyone knowing.
 */
export function decodeInventoryEvent(recorded: RecordedEvent): InventoryEvent {
  if (!Object.prototype.hasOwnProperty.call(KNOWN_TYPES, recorded.type)) {
    throw new EventProjectionError(
      recorded,
      QuarantineReasons.UNKNOWN_EVENT_TYPE,
      'this build does not know the type',
    );
  }
  if (typeof recorded.data !== 'object' || recorded.data === null || Array.isArray(recorded.data)) {
    throw new EventProjectionError(recorded, QuarantineReasons.UNDECODABLE_EVENT, 'data is not an object');
  }
  return { type: recorded.type, data: recorded.data } as InventoryEvent;
}

/** Business time of an event: the deciding command's `now`; the store's occurredAt if that is missing. */
export function eventTime(event: InventoryEvent | null, recorded: RecordedEvent): Date {
  const at = event?.data.at;
  return typeof at === 'number' && Number.isFinite(at) ? new Date(at) : recorded.occurredAt;
}
