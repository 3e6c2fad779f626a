import type { ListingPage } from '../outbound/stock-target';

/** How long a SKU the platform does not list is answered "not listed" before the catalogue is read again. */
export const DEFAULT_UNKNOWN_SKU_TTL_MS = 600_000;
const LEARNING_PAGE_SIZE = 100;

export interface ListingIndexOptions {
  /** 0 turns the negative cache off: every push of an unknown SKU reads the catalogue again. */
  unknownSkuTtlMs?: number;
  now?: () => number;
}

/**
 * Which platform item (Taobao num_iid, PDD goods_id) carries each SKU, learnt by reading the whole listing.
 * That read costs one call per page, so it is rationed: a SKU the platform does not list is remembered as such
 * for a TTL (a policy for an unlisted SKU would otherwise page through the catalogue on every push), every page
 * spends a call of the connector's rate budget (the pusher's `spendExtraCall`), and concurrent pushes share one read.
 */
export class ListingIndex {
  private readonly itemOfSku = new Map<string, string>();
  private readonly unlistedUntil = new Map<string, number>();
  private readonly ttlMs: number;
  private readonly now: () => number;
  private reading?: Promise<void>;

  constructor(options: ListingIndexOptions = {}) {
    this.ttlMs = options.unknownSkuTtlMs ?? DEFAULT_UNKNOWN_SKU_TTL_MS;
    this.now = options.now ?? Date.now;
  }

  itemOf(sku: string): string | undefined {
    return this.itemOfSku.get(sku);
  }

  /** Called by every listing read (the learning scan and the reconciler's reads alike). */
  learn(sku: string, item: string): void {
    this.itemOfSku.set(sku, item);
    this.unlistedUntil.delete(sku);
  }

  /** The platform said the item no longer exists: only these SKUs are learnt again. */
  forget(skus: readonly string[]): void {
    for (const sku of skus) this.itemOfSku.delete(sku);
  }

  /**
   * Reads the whole listing if any SKU is neither known nor recently found missing; those still unknown afterwards
   * are remembered as not listed until the TTL passes.
   */
  async learnMissing(
    skus: readonly string[],
    readListings: (cursor: string | undefined, pageSize: number) => Promise<ListingPage>,
    spendCall: () => Promise<void> = () => Promise.resolve(),
  ): Promise<void> {
    const now = this.now();
    const missing = skus.filter((s) => !this.itemOfSku.has(s) && (this.unlistedUntil.get(s) ?? 0) <= now);
    if (missing.length === 0) return;
    await this.readAll(readListings, spendCall);
    const until = this.now() + this.ttlMs;
    for (const [sku, expiry] of this.unlistedUntil) if (expiry <= now) this.unlistedUntil.delete(sku);
    if (this.ttlMs > 0)
      for (const sku of missing) if (!this.itemOfSku.has(sku)) this.unlistedUntil.set(sku, until);
  }

  private readAll(
    readListings: (cursor: string | undefined, pageSize: number) => Promise<ListingPage>,
    spendCall: () => Promise<void>,
  ): Promise<void> {
    this.reading ??= (async () => {
      let cursor: string | undefined;
      do {
        await spendCall();
        cursor = (await readListings(cursor, LEARNING_PAGE_SIZE)).nextCursor;
      } while (cursor !== undefined);
    })().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }
}
