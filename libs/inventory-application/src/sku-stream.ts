/** One event stream per SKU; every writer names streams through this function. */
export function skuStreamId(sku: string): string {
  return `sku-${sku}`;
}

/** Names the shape of snapshotted inventory state; bump it whenever InventoryState changes shape. */
export const INVENTORY_SNAPSHOT_TYPE = 'inventory.sku.v3';
