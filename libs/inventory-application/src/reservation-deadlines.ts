import { mapValues, type InventoryEvent, type InventoryState } from '@libs/inventory';
import { PeriodicTask } from '@libs/resilience';
import type { InventoryMetrics } from './inventory-metrics';
import { expiryRequest, type LaneRequest } from './lane-commands';

/**
 * The owner's reservation clock: for each SKU it has decided, the earliest moment one of its unpaid reservations
 * lapses, learnt from the states it holds. Kept cheap on the hot path: a new reservation only lowers the SKU's
 * deadline; the exact next deadline is read from the state (one pass over its open reservations) only the first
 * time this process sees the SKU and after an expiry was decided for it.
 */
export class ReservationDeadlines {
  private readonly deadlines = new Map<string, number>();

  /**
   * After a batch: what the owner decided for `sku` and the state that left. `expiryAsked`: the batch held an
   * expiry for the SKU, so its deadline is read again even when nothing lapsed (the order was paid meanwhile).
   */
  observe(sku: string, events: readonly InventoryEvent[], state: InventoryState, expiryAsked = false): void {
    let rescan = expiryAsked || !this.deadlines.has(sku);
    let earliest = this.deadlines.get(sku) ?? Infinity;
    for (const e of events) {
      if (e.type === 'StockReserved') earliest = Math.min(earliest, e.data.expiresAt);
      else if (e.type === 'ReservationExpired') rescan = true;
    }
    if (rescan) earliest = earliestOpen(state);
    if (earliest === Infinity) this.deadlines.delete(sku);
    else this.deadlines.set(sku, earliest);
  }

  /**
   * SKUs whose deadline has passed, at most `limit`. Each is pushed `retryMs` ahead: the expiry decided for it
   * sets its true next deadline, and if that request is lost the SKU comes back once `retryMs` has passed.
   */
  takeDue(now: number, limit: number, retryMs: number): string[] {
    const due: string[] = [];
    for (const [sku, at] of this.deadlines) {
      if (due.length >= limit) break;
      if (at <= now) {
        due.push(sku);
        this.deadlines.set(sku, now + retryMs);
      }
    }
    return due;
  }

  /** Forget a SKU (its partition went to another owner, which learns it from the state it loads). */
  forget(sku: string): void {
    this.deadlines.delete(sku);
  }

  get size(): number {
    return this.deadlines.size;
  }
}

function earliestOpen(state: InventoryState): number {
  let earliest = Infinity;
  for (const at of mapValues(state.openReservations)) if (at < earliest) earliest = at;
  return earliest;
}

export interface ExpiryDriverOptions {
  intervalMs: number;
  /** Expiry requests per tick; the rest wait for the next one. */
  maxPerTick?: number;
  /** How long a requested SKU waits before it is requested again if no answer moved its deadline. */
  retryMs?: number;
  onError?(error: unknown): void;
}

/**
 * Sends the owner's due expiries into the SKU lane (stock.channel-events, keyed by SKU), so the expiry is decided by
 * the SKU's one writer in order with its orders, like any other command.
 */
export class ReservationExpiryDriver {
  private readonly loop: PeriodicTask;

  constructor(
    private readonly deadlines: ReservationDeadlines,
    private readonly send: (requests: LaneRequest[]) => Promise<unknown>,
    private readonly options: ExpiryDriverOptions,
    private readonly clock: () => number = Date.now,
    private readonly metrics?: InventoryMetrics,
  ) {
    this.loop = new PeriodicTask(() => this.tick(), {
      intervalMs: options.intervalMs,
      onError: (err) => options.onError?.(err),
    });
  }

  /** Requests the due expiries once; resolves with how many SKUs were asked. */
  async tick(): Promise<number> {
    const now = this.clock();
    const due = this.deadlines.takeDue(now, this.options.maxPerTick ?? 1_000, this.options.retryMs ?? 30_000);
    if (due.length === 0) return 0;
    await this.send(due.map((sku) => expiryRequest(sku, now, 'reservation-expiry')));
    this.metrics?.expiryRequests.inc({ source: 'owner' }, due.length);
    return due.length;
  }

  start(): void {
    this.loop.start();
  }

  /** Resolves once the tick under way, if any, has finished. */
  stop(): Promise<void> {
    return this.loop.stop();
  }
}
