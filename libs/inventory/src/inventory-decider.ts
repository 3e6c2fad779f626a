import { closedOrderLookups, orderRecordFromHistory } from './close-books';
import { decide } from './decide';
import { Decider } from './decider';
import { evolve } from './evolve';
import { InventoryCommand } from './inventory-commands';
import { InventoryEvent, mergedRejections, ReservationRejected } from './inventory-events';
import { initialInventoryState, InventoryState, reviveInventoryState } from './inventory-state';

/** One decider per SKU stream. */
export const inventoryDecider: Decider<InventoryCommand, InventoryState, InventoryEvent> = {
  decide,
  evolve,
  initialState: initialInventoryState,
  revive: reviveInventoryState,
  // Many rejections of one batch are stored as one event: in a flash sale they are most of the orders.
  compaction: {
    mergeable: (events) => events.length === 1 && events[0].type === 'ReservationRejected',
    merge: (events) => mergedRejections(events as ReservationRejected[]),
  },
  recall: {
    keysFor: (command, state) => closedOrderLookups(command, state).map((order) => order.channelOrderId),
    withHistory: (command, state, history) => {
      const recalled = closedOrderLookups(command, state)
        .map((order) => orderRecordFromHistory(order, history, evolve))
        .filter((record) => record !== null);
      return recalled.length === 0
        ? command
        : ({ ...command, data: { ...command.data, recalled } } as InventoryCommand);
    },
  },
};
