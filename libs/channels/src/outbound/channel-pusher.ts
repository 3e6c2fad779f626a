import { type BackoffPolicy, clampDelayMs, isTransientError, retry, sleep } from '@libs/resilience';
import type { ChannelMetrics } from '../channel-metrics';
import { CircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker';
import { LatestTargetQueue, type OfferResult } from './latest-target-queue';
import type { PlatformAdapter } from './platform-adapter';
import { PlatformCallError } from './platform-errors';
import type { PushStateStore } from './push-state-store';
import { clampRetryAfter, DEFAULT_MAX_RETRY_AFTER_MS, retryDelayMs } from './retry-after';
import type { PriceResult, PushItemResult, StockTarget } from './stock-target';
import { TokenBucket } from './token-bucket';

export interface ChannelPusherOptions {
  /** Calls per second allowed for the platform app key, and the burst. */
  ratePerSecond: number;
  burst: number;
  /** Calls in flight at once. */
  concurrency: number;
  backoff: BackoffPolicy;
  circuit: CircuitBreakerOptions;
  /** The longest wait a platform's Retry-After or ban may impose on the channel (default 10 minutes). */
  maxRetryAfterMs?: number;
}

export interface PusherLogger {
  warn(obj: object, msg: string): void;
}

/**
 * Drains one channel's push queue into its platform: token bucket, batching to the adapter's limit, circuit
 * breaker, and backoff that honours Retry-After. Everything here belongs to one channel, so a platform that is
 * throttled or down only ever waits on itself.
 */
export class ChannelPusher {
  readonly queue = new LatestTargetQueue();
  readonly breaker: CircuitBreaker;
  private readonly bucket: TokenBucket;
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly idlers = new Set<() => void>();
  private consecutiveFailures = 0;
  private retryNotBefore = 0;
  private stopping = new AbortController();
  /** Targets waiting to be sent again because their price call failed. */
  private readonly priceRetries = new Set<ReturnType<typeof setTimeout>>();

  constructor(
    private readonly adapter: PlatformAdapter,
    private readonly store: PushStateStore,
    private readonly metrics: ChannelMetrics,
    private readonly options: ChannelPusherOptions,
    private readonly logger?: PusherLogger,
  ) {
    const channel = adapter.channel;
    this.bucket = new TokenBucket(options.ratePerSecond, options.burst);
    this.breaker = new CircuitBreaker(options.circuit, Date.now, (state) =>
      metrics.setCircuit(channel, state),
    );
    metrics.setCircuit(channel, 'closed');
  }

  get channel(): string {
    return this.adapter.channel;
  }

  /** Restores the recorded state and re-queues targets that were received but never acknowledged. */
  async start(): Promise<void> {
    for (const row of await this.store.load(this.channel)) {
      this.queue.seed(row.sku, row.lastPushedVersion, row.lastAckedVersion);
      if (row.desiredVersion !== null && row.desiredQuantity !== null) {
        this.queue.offer({
          sku: row.sku,
          quantity: row.desiredQuantity,
          ...(row.desiredPrice === null ? {} : { price: row.desiredPrice }),
          skuVersion: row.desiredVersion,
          publishedAt: row.desiredPublishedAt ?? Date.now(),
        });
      }
    }
    this.running = true;
    this.stopping = new AbortController();
    this.loops = Array.from({ length: Math.max(1, this.options.concurrency) }, () => this.loop());
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopping.abort();
    for (const timer of this.priceRetries) clearTimeout(timer);
    this.priceRetries.clear();
    for (const wakeUp of [...this.idlers]) wakeUp();
    await Promise.all(this.loops);
  }

  /**
   * The price's answer never holds back the acknowledged quantity. A refusal is counted and logged for the operator
   * to correct. A failure sends the same target again after the backoff's longest wait (its quantity is full-set, so
   * it is the same again), outside the circuit: a price call that keeps failing must not stop the stock pushes.
   */
  private onPriceAnswer(target: StockTarget, price: PriceResult): void {
    const channel = this.channel;
    this.metrics.pricePushes.inc({ channel, result: price.outcome });
    if (price.outcome === 'acknowledged') return;
    this.metrics.pushErrors.inc({ channel, code: price.code });
    this.logger?.warn(
      { channel, sku: target.sku, code: price.code, reason: price.message },
      price.outcome === 'refused'
        ? 'platform refused a selling price'
        : 'selling price not set; sent again later',
    );
    if (price.outcome === 'failed') {
      const timer = setTimeout(() => {
        this.priceRetries.delete(timer);
        if (!this.running) return;
        this.queue.reassert(target);
        for (const wakeUp of [...this.idlers]) wakeUp();
      }, this.options.backoff.maxMs);
      this.priceRetries.add(timer);
    }
  }

  /**
   * Queues again every SKU whose latest desired target was refused or failed for good (a PDD promotion slot that
   * has ended, a SKU listed since): reconciliation's retry. Returns how many were queued.
   */
  async requeueUnacknowledged(): Promise<number> {
    let queued = 0;
    for (const row of await this.store.load(this.channel)) {
      if (row.desiredVersion === null || row.desiredQuantity === null || row.lastErrorCode === null) continue;
      if (row.lastAckedVersion !== null && row.lastAckedVersion >= row.desiredVersion) continue;
      const result = this.queue.offer({
        sku: row.sku,
        quantity: row.desiredQuantity,
        ...(row.desiredPrice === null ? {} : { price: row.desiredPrice }),
        skuVersion: row.desiredVersion,
        publishedAt: Date.now(),
      });
      if (result !== 'stale') queued += 1;
    }
    for (const wakeUp of [...this.idlers]) wakeUp();
    return queued;
  }

  /**
   * Reconciliation's corrections: each target (as published, with its SKU version) is recorded as desired and
   * queued again even if the platform acknowledged that version, because its listing no longer shows it. It then
   * goes out like any push: token bucket, circuit breaker, push state. A version older than one already sent or
   * waiting is refused as stale. Answers at once; the push follows.
   */
  async correct(
    targets: readonly StockTarget[],
  ): Promise<{ sku: string; skuVersion: number; result: OfferResult }[]> {
    await this.store.recordDesired(this.channel, targets);
    const results = targets.map((t) => ({
      sku: t.sku,
      skuVersion: t.skuVersion,
      result: this.queue.reassert(t),
    }));
    for (const r of results) this.metrics.targets.inc({ channel: this.channel, result: r.result });
    for (const wakeUp of [...this.idlers]) wakeUp();
    return results;
  }

  /** Waits for and spends one call of the platform's rate budget (a listing read on the operations route). */
  spendCall(): Promise<void> {
    return this.bucket.take(1);
  }

  /** Records the targets as desired (durably, before the caller commits its offsets), then queues them. */
  async offer(targets: readonly StockTarget[]): Promise<void> {
    await this.store.recordDesired(this.channel, targets);
    for (const t of targets) this.metrics.targets.inc({ channel: this.channel, result: this.queue.offer(t) });
    for (const wakeUp of [...this.idlers]) wakeUp();
  }

  private async loop(): Promise<void> {
    while (this.running) {
      if (!this.queue.hasReady()) {
        await this.idle();
        continue;
      }
      const backoffLeft = this.retryNotBefore - Date.now();
      if (backoffLeft > 0) {
        await this.sleep(backoffLeft);
        continue;
      }
      // Tokens first, then the circuit: a half-open trial slot is only taken when the call can go out now.
      const waitMs = this.bucket.msUntilAvailable();
      if (waitMs > 0) {
        await this.sleep(waitMs);
        continue;
      }
      if (!this.breaker.tryAcquire()) {
        await this.sleep(Math.max(10, this.breaker.msUntilTrial()));
        continue;
      }
      this.bucket.tryTake();
      const batch = this.queue.take(this.adapter.maxBatchSize, this.adapter.batchKeyOf?.bind(this.adapter));
      if (batch.length === 0) {
        this.breaker.releaseTrial();
        continue;
      }
      try {
        await this.pushBatch(batch);
      } finally {
        // Its SKUs may go again; a newer target that waited for this push wakes a loop.
        this.queue.done(batch);
        for (const wakeUp of [...this.idlers]) wakeUp();
      }
    }
  }

  private idle(): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        this.idlers.delete(done);
        resolve();
      };
      this.idlers.add(done);
    });
  }

  private async pushBatch(batch: StockTarget[]): Promise<void> {
    const channel = this.channel;
    for (const t of batch) this.queue.markPushed(t);
    try {
      await this.store.recordPushed(channel, batch);
    } catch (err) {
      // Our database, not the platform: retry later without counting it against the platform's circuit.
      this.breaker.releaseTrial();
      this.queue.retry(batch);
      this.retryNotBefore = Date.now() + this.options.backoff.initialMs;
      this.logger?.warn({ channel, err: (err as Error).message }, 'push state not recorded; push postponed');
      return;
    }
    // Only the platform call is in this try: a failure of our own database afterwards is not the platform's and
    // must neither open its circuit nor push the batch again.
    let results: PushItemResult[];
    try {
      results = await this.adapter.push(batch, () => this.bucket.take(1));
    } catch (err) {
      await this.onCallFailed(batch, err);
      return;
    }
    this.breaker.onSuccess();
    this.consecutiveFailures = 0;
    this.metrics.pushCalls.inc({ channel, result: 'ok' });
    const bySku = new Map(batch.map((t) => [t.sku, t]));
    const acked: StockTarget[] = [];
    const refused = new Map<string, string[]>();
    const now = Date.now();
    for (const result of results) {
      const target = bySku.get(result.sku);
      if (!target) continue;
      if (result.outcome === 'acknowledged') {
        acked.push(target);
        this.queue.markAcknowledged(target);
        this.metrics.pushes.inc({ channel, result: 'acknowledged' });
        this.metrics.targetToAck.observe({ channel }, Math.max(0, now - target.publishedAt) / 1000);
        if (result.price) this.onPriceAnswer(target, result.price);
      } else {
        // A refusal is the platform's decision about this SKU, not a failure of the call: recorded, alerted
        // through the metric, and left for reconciliation to retry.
        this.metrics.pushes.inc({ channel, result: 'refused' });
        this.metrics.pushErrors.inc({ channel, code: result.code });
        refused.set(result.code, [...(refused.get(result.code) ?? []), result.sku]);
        this.logger?.warn(
          { channel, sku: result.sku, code: result.code, reason: result.message },
          'platform refused a stock update',
        );
      }
    }
    // A target the platform's answer did not mention is neither acknowledged nor refused: push it again.
    const answered = new Set(results.map((r) => r.sku));
    this.queue.retry(batch.filter((t) => !answered.has(t.sku)));
    for (const [code, skus] of refused)
      await this.persist('error', { code, skus: skus.length }, () =>
        this.store.recordError(channel, skus, code),
      );
    await this.persist('acknowledged', { skus: acked.length }, () =>
      this.store.recordAcknowledged(channel, acked),
    );
  }

  /**
   * A push-state write after the platform answered. A passing database error is retried a few times; one that
   * persists is logged and left: the in-memory queue already knows the outcome, and the recorded state catches up
   * with the SKU's next target (or a restart pushes the desired value again, which the platform takes as a
   * full-set quantity). Never thrown: a push loop must outlive its database.
   */
  private async persist(write: string, context: object, fn: () => Promise<void>): Promise<void> {
    try {
      await retry(fn, {
        attempts: 3,
        initialMs: this.options.backoff.initialMs,
        maxMs: this.options.backoff.maxMs,
        shouldRetry: isTransientError,
        signal: this.stopping.signal,
      });
    } catch (err) {
      this.logger?.warn(
        { channel: this.channel, write, ...context, err: (err as Error).message },
        'push state not recorded',
      );
    }
  }

  private async onCallFailed(batch: StockTarget[], err: unknown): Promise<void> {
    const channel = this.channel;
    const failure =
      err instanceof PlatformCallError
        ? err
        : new PlatformCallError('UNEXPECTED', (err as Error).message, true);
    this.metrics.pushCalls.inc({ channel, result: 'failed' });
    this.metrics.pushErrors.inc({ channel, code: failure.code });
    this.logger?.warn(
      { channel, code: failure.code, skus: batch.length, retryable: failure.retryable },
      'stock push failed',
    );
    if (failure.retryable) {
      this.breaker.onFailure();
      this.consecutiveFailures += 1;
      this.queue.retry(batch);
      this.metrics.pushes.inc({ channel, result: 'failed' }, batch.length);
      const maxMs = this.options.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS;
      const asked = clampRetryAfter(failure.retryAfterMs, maxMs);
      if (asked.clamped) {
        this.metrics.retryAfterClamped.inc({ channel });
        this.logger?.warn(
          { channel, code: failure.code, askedMs: failure.retryAfterMs, waitMs: asked.delayMs },
          'platform asked to wait longer than CONNECTOR_MAX_RETRY_AFTER_MS; waiting the maximum',
        );
      }
      const delay = retryDelayMs(this.consecutiveFailures, this.options.backoff, asked.delayMs);
      this.retryNotBefore = Math.max(this.retryNotBefore, Date.now() + delay);
    } else {
      this.metrics.pushes.inc({ channel, result: 'dropped' }, batch.length);
      await this.persist('error', { code: failure.code, skus: batch.length }, () =>
        this.store.recordError(
          channel,
          batch.map((t) => t.sku),
          failure.code,
        ),
      );
    }
  }

  /** Waits, or returns at once on stop; never asks setTimeout for more than it can count. */
  private sleep(ms: number): Promise<void> {
    return sleep(clampDelayMs(ms, MAX_WAIT_MS), this.stopping.signal);
  }
}

/** One wait of the push loop; a longer one (a clamped Retry-After near its maximum) is slept in several turns. */
const MAX_WAIT_MS = 60_000;
