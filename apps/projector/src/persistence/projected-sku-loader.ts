import type { Queryable } from '@libs/database';
import type { EventStore } from '@libs/event-store';
import { inventoryDecider, type InventoryState } from '@libs/inventory';
import { skuStreamId } from '@libs/inventory-application';
import { toInventoryEvent } from '../projection/inventory-event';
import { unprojectedSku, type ProjectedSku } from '../projection/projected-sku';

/**
 * Gives the projected state of the SKUs a batch touches: from memory when recently used, else from
 * projection_sku_state (the state saved at `state_version`) plus the stream's events up to the projected
 * version, read back from the event store. Runs before the batch transaction opens: on the embedded engine the
 * pool has one connection, and the transaction must not wait for a second.
 */
export class ProjectedSkuLoader {
  private readonly cache = new Map<string, ProjectedSku>();

  constructor(
    private readonly db: Queryable,
    private readonly store: EventStore,
    private readonly capacity = 10_000,
  ) {}

  async load(skus: readonly string[]): Promise<Map<string, ProjectedSku>> {
    const found = new Map<string, ProjectedSku>();
    const missing: string[] = [];
    for (const sku of skus) {
      const hit = this.cache.get(sku);
      if (hit) found.set(sku, hit);
      else missing.push(sku);
    }
    if (missing.length === 0) return found;
    const { rows } = await this.db.query<{
      sku: string;
      version: string;
      state_version: string;
      state: InventoryState | null;
    }>('SELECT sku, version, state_version, state FROM projection_sku_state WHERE sku = ANY($1::text[])', [
      missing,
    ]);
    const stored = new Map(rows.map((r) => [r.sku, r]));
    await Promise.all(
      missing.map(async (sku) => {
        const row = stored.get(sku);
        if (row === undefined) {
          found.set(sku, unprojectedSku(sku));
          return;
        }
        const savedVersion = Number(row.state_version);
        const base = row.state ?? inventoryDecider.initialState();
        found.set(sku, await this.replayTail(sku, base, savedVersion, Number(row.version)));
      }),
    );
    return found;
  }

  /** Keeps the states the batch ended with, once its transaction has committed. */
  remember(entries: readonly ProjectedSku[]): void {
    if (this.capacity <= 0) return;
    for (const entry of entries) {
      this.cache.delete(entry.sku);
      this.cache.set(entry.sku, entry);
    }
    while (this.cache.size > this.capacity) this.cache.delete(this.cache.keys().next().value as string);
  }

  forget(): void {
    this.cache.clear();
  }

  private async replayTail(
    sku: string,
    state: InventoryState,
    savedVersion: number,
    version: number,
  ): Promise<ProjectedSku> {
    if (version <= savedVersion) return { sku, version, state, savedVersion };
    const tail = await this.store.readStream(skuStreamId(sku), {
      fromVersion: savedVersion + 1,
      maxCount: version - savedVersion,
    });
    let folded = state;
    for (const recorded of tail) {
      const event = toInventoryEvent(recorded);
      if (event !== null) folded = inventoryDecider.evolve(folded, event);
    }
    const reached = tail.length === 0 ? savedVersion : tail[tail.length - 1].version;
    if (reached !== version) {
      throw new Error(`SKU ${sku}: projected to version ${version} but its stream ends at ${reached}`);
    }
    return { sku, version, state: folded, savedVersion };
  }
}
