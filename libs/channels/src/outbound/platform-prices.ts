import { PlatformCallError } from './platform-errors';
import type { PriceResult, StockTarget } from './stock-target';

/**
 * The selling prices a marketplace has answered, per SKU, so an adapter calls the platform's price API only when a
 * target carries a price it has not answered yet. Stock targets are pushed on every sale; the price changes rarely,
 * and each price call costs the same rate budget as a stock call.
 *
 * Kept in memory: after a restart the first target of each SKU sends its price once more, which the platforms take
 * as the same value again. A refused price is remembered too, so the same refused value is not sent on every sale;
 * a different price is sent.
 */
export class PlatformPrices {
  private readonly answered = new Map<string, number>();

  /** The price to send with this target, or undefined when it carries none or the platform has answered it. */
  toSend(target: StockTarget): number | undefined {
    if (target.price === undefined || this.answered.get(target.sku) === target.price) return undefined;
    return target.price;
  }

  /** Records the platform's answer to a price call; a failed call records nothing (the price is sent again). */
  answer(sku: string, price: number, result: PriceResult): PriceResult {
    if (result.outcome !== 'failed') this.answered.set(sku, price);
    return result;
  }

  /**
   * Sends the target's price by `call` when the platform has not answered it yet, paying for the call from the rate
   * budget first, and records the answer. Undefined when nothing was sent.
   */
  async send(
    target: StockTarget,
    spendExtraCall: (() => Promise<void>) | undefined,
    call: (fen: number) => Promise<PriceResult>,
  ): Promise<PriceResult | undefined> {
    const fen = this.toSend(target);
    if (fen === undefined) return undefined;
    await spendExtraCall?.();
    let result: PriceResult;
    try {
      result = await call(fen);
    } catch (err) {
      // A timeout or a lost connection on the price call: the quantity already stands.
      if (!(err instanceof PlatformCallError)) throw err;
      result = priceAnswerOf(err);
    }
    return this.answer(target.sku, fen, result);
  }

  /** A SKU's item was found gone or moved: its price is sent again with its next target. */
  forget(sku: string): void {
    this.answered.delete(sku);
  }
}

/** Fen as the yuan string the Taobao API takes ("200.07"), by integer arithmetic only. */
export function yuanOf(fen: number): string {
  return `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
}

/**
 * The answer to a failed price call: a failure worth retrying (throttling, 5xx, a timeout) is `failed`, and the price
 * is sent again later; any other is the platform refusing this price for this SKU, which a retry cannot change.
 */
export function priceAnswerOf(failure: PlatformCallError): PriceResult {
  return {
    outcome: failure.retryable ? 'failed' : 'refused',
    code: failure.code,
    message: failure.message,
  };
}
