import { BatchCommandHandler, type CommandHandlingOptions } from '@libs/command-handling';
import type { EventStore } from '@libs/event-store';
import { inventoryDecider, type InventoryCommand, type InventoryEvent, type InventoryState } from '@libs/inventory';
import { INVENTORY_SNAPSHOT_TYPE } from './sku-stream';

export type InventoryBatchHandler = BatchCommandHandler<InventoryCommand, InventoryState, InventoryEvent>;

export function createInventoryBatchHandler(
  store: EventStore,
  options: Partial<CommandHandlingOptions> = {},
): InventoryBatchHandler {
  return new BatchCommandHandler(store, inventoryDecider, { snapshotType: INVENTORY_SNAPSHOT_TYPE, ...options });
}
