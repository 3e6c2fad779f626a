import { inventoryDecider, type InventoryState } from '@libs/inventory';

/** What the projector knows about one SKU stream between batches. */
export interface ProjectedSku {
  readonly sku: string;
  /** The last projected event of the stream; 0 before the first. */
  readonly version: number;
  /** The decider state after `version`. */
  readonly state: InventoryState;
  /** Version of the state stored in projection_sku_state (0: none stored yet). */
  readonly savedVersion: number;
}

export function unprojectedSku(sku: string): ProjectedSku {
  return { sku, version: 0, state: inventoryDecider.initialState(), savedVersion: 0 };
}
