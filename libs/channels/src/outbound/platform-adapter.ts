import type { ListingPage, PushItemResult, StockTarget } from './stock-target';

/** A card key handed to the buyer: revealed from the vault just before the call, never stored by the connector. */
export interface CardKeyToDeliver {
  unitId: string;
  secret: string;
  /** A loop key bought several times in one order: how many copies (absent means one). */
  copies?: number;
}

/** The seller's answer to a platform's after-sales case, decided on the case's ticket. */
export interface AfterSalesAnswerCall {
  channelOrderId: string;
  platformCaseId: string;
  /** `accepted`: the ticket was resolved (refund or replacement agreed); `refused`: it was rejected. */
  answer: 'accepted' | 'refused';
  note: string;
}

/**
 * What a connector needs from one platform, written against that platform's real API semantics. Adapters never
 * decide what to push (that is the queue's job) and never retry (that is the pusher's): they make one call and
 * say what happened.
 */
export interface PlatformAdapter {
  /** The channel code used on the topics (`taobao`, `pinduoduo`, `miniprogram`, `shop`). */
  readonly channel: string;
  /** SKUs one push call may carry (Taobao: 20; PDD and WeChat: 1). */
  readonly maxBatchSize: number;
  /** SKUs that may share one call have the same key (Taobao: the item); absent when any SKUs may. */
  batchKeyOf?(sku: string): string;
  /**
   * Pushes full-set quantities. Resolves with one result per target (acknowledged or refused); throws
   * PlatformCallError when the call as a whole failed. One call is paid for by the caller's rate limiter; an
   * adapter that needs another stock call for the same push awaits `spendExtraCall` first.
   */
  push(targets: readonly StockTarget[], spendExtraCall?: () => Promise<void>): Promise<PushItemResult[]>;
  /** One page of listed stock, for reconciliation. */
  readListings(cursor: string | undefined, pageSize: number): Promise<ListingPage>;
  /**
   * Delivers card keys of one order. Must be idempotent on (order id, unit id): a delivery repeated after a
   * crash must not hand the buyer a second key.
   */
  deliverCardKeys(channelOrderId: string, sku: string, cards: readonly CardKeyToDeliver[]): Promise<void>;
  /**
   * Sends the answer to an after-sales case; absent where our adapter has no such call (the answer is then given
   * in the platform's own seller console). Must be idempotent per case: an answer is sent at least once.
   */
  answerAfterSales?(answer: AfterSalesAnswerCall): Promise<void>;
}

/** Every listing of a platform, page by page. */
export async function* readAllListings(
  adapter: PlatformAdapter,
  pageSize = 100,
): AsyncGenerator<ListingPage> {
  let cursor: string | undefined;
  do {
    const page = await adapter.readListings(cursor, pageSize);
    yield page;
    cursor = page.nextCursor;
  } while (cursor !== undefined);
}
