import type { StreamState } from '@libs/command-handling';
import { closableCount, MIN_BOOKS_HORIZON_MS, type InventoryState } from '@libs/inventory';
import { closeBooksRequest, type LaneRequest } from './lane-commands';

export interface BooksCloserOptions {
  /**
   * How long a settled order stays in its SKU's state: longer than any platform re-sends a notice about it. An
   * order older than that is still answered correctly (its record is read back from the stream); it only costs
   * a lookup.
   */
  horizonMs: number;
  /** A SKU is asked to close its books once at least this many of its orders could leave; fewer are not worth it. */
  minClosable: number;
}

/** The metric the closer feeds (InventoryMetrics.booksClosingRequests). */
export interface BooksClosingMetrics {
  booksClosingRequests: { inc(value?: number): void };
}

/**
 * The owner's side of bounded state: looks through the SKU states it holds in memory (the stream-state cache,
 * i.e. the SKUs it decided recently, which is where histories grow) and asks, through the lane, each SKU with
 * enough old settled orders to close its books. Deciding it in the lane keeps one writer per stream.
 */
export class BooksCloser {
  constructor(
    private readonly states: { entries(): Iterable<[string, StreamState<InventoryState>]> },
    private readonly send: (requests: LaneRequest[]) => Promise<void>,
    private readonly options: BooksCloserOptions,
    private readonly clock: () => number = Date.now,
    private readonly metrics?: BooksClosingMetrics,
  ) {
    if (!(options.horizonMs >= MIN_BOOKS_HORIZON_MS)) {
      throw new Error(
        `the books' horizon must be at least ${MIN_BOOKS_HORIZON_MS} ms, got ${options.horizonMs}`,
      );
    }
  }

  /** One pass; resolves with the number of SKUs asked. */
  async runOnce(): Promise<number> {
    const now = this.clock();
    const before = now - this.options.horizonMs;
    const requests: LaneRequest[] = [];
    for (const [, { state }] of [...this.states.entries()]) {
      if (state.sku === null || state.kind === null) continue;
      // Cheap filter first: settled orders are the ones without an open reservation.
      if (state.orders.size - state.openReservations.size < this.options.minClosable) continue;
      if (closableCount(state, before) < this.options.minClosable) continue;
      requests.push(closeBooksRequest(state.sku, before, now, 'system:books-closer'));
    }
    if (requests.length > 0) await this.send(requests);
    this.metrics?.booksClosingRequests.inc(requests.length);
    return requests.length;
  }
}
