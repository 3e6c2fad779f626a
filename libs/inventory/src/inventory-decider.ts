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
};
