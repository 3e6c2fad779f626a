/** A full-set quantity a channel should list for one SKU, tagged with the SKU version it was computed at. */
export interface StockTarget {
  sku: string;
  quantity: number;
  /** The selling price in fen, when the SKU has one for this channel (pushed where the platform takes prices). */
  price?: number;
  skuVersion: number;
  /** When the projector published the target (epoch ms): the start of the target-to-ack latency. */
  publishedAt: number;
}

/**
 * What a marketplace did with a target's selling price, where it takes prices by a call of its own after the stock
 * call. Neither a refusal (a price outside what the platform allows for the item) nor a failure (throttling, 5xx, a
 * timeout: worth trying again) undoes the acknowledged quantity.
 */
export type PriceResult =
  { outcome: 'acknowledged' } | { outcome: 'refused' | 'failed'; code: string; message: string };

/** What the platform did with one SKU of a push. */
export type PushItemResult =
  /** `price`: present when the adapter sent the target's price by a call of its own (absent: not sent or unchanged). */
  | { sku: string; outcome: 'acknowledged'; price?: PriceResult }
  /** The platform refused this SKU for a business reason (PDD promotion slot…): not retried, left for reconciliation. */
  | { sku: string; outcome: 'refused'; code: string; message: string };

/** One listing as the platform shows it, for reconciliation. */
export interface ListedStock {
  sku: string;
  quantity: number;
  /** false when the item is delisted (WeChat: how a 0 is expressed). */
  listed: boolean;
}

export interface ListingPage {
  items: ListedStock[];
  /** Absent on the last page. */
  nextCursor?: string;
}
