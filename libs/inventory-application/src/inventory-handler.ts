import { BatchCommandHandler, StreamStateCache, type CommandHandlingOptions } from '@libs/command-handling';
import type { EventStore } from '@libs/event-store';
import {
  inventoryDecider,
  type InventoryCommand,
  type InventoryEvent,
  type InventoryState,
} from '@libs/inventory';
import { INVENTORY_SNAPSHOT_TYPE } from './sku-stream';

export type InventoryBatchHandler = BatchCommandHandler<InventoryCommand, InventoryState, InventoryEvent>;

export interface InventoryHandlerOptions extends Partial<CommandHandlingOptions> {
  /** SKUs whose state stays in memory between batches; 0 reloads every batch. Default 10,000. */
  cachedSkus?: number;
  /** A cache of the caller's (the books closer reads it); `cachedSkus` is then ignored. */
  cache?: StreamStateCache<InventoryState>;
}

export function createInventoryBatchHandler(
  store: EventStore,
  { cachedSkus = 10_000, cache: given, ...options }: InventoryHandlerOptions = {},
): InventoryBatchHandler {
  const cache = given ?? (cachedSkus > 0 ? new StreamStateCache<InventoryState>(cachedSkus) : undefined);
  return new BatchCommandHandler(
    store,
    inventoryDecider,
    { snapshotType: INVENTORY_SNAPSHOT_TYPE, snapshotEvery: 1000, ...options },
    cache,
  );
}
