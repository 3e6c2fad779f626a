import { closedOrderLookups, orderRecordFromHistory } from './close-books';
import { decide } from './decide';
import { Decider } from './decider';
import { evolve } from './evolve';
import { InventoryCommand } from './inventory-commands';
import { InventoryEvent } from './inventory-events';
import { initialInventoryState, InventoryState, reviveInventoryState } from './inventory-state';

/** One decider per SKU stream. */
export const inventoryDecider: Decider<InventoryCommand, InventoryState, InventoryEvent> = {
  decide,
  evolve,
  initialState: initialInventoryState,
  revive: reviveInventoryState,
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
