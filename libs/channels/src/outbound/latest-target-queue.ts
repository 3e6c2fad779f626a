import type { StockTarget } from './stock-target';

export type OfferResult = 'queued' | 'replaced' | 'stale';

/**
 * The push queue of one channel. It holds at most one target per SKU, the one with the highest version, so a
 * platform that was throttled for minutes catches up with one call per SKU carrying the latest value instead of
 * replaying every intermediate one. A target older than the last one sent, or not newer than the last one the
 * platform acknowledged, is dropped: a full-set push of an old value would move the listing backwards.
 */
export class LatestTargetQueue {
  private readonly pending = new Map<string, StockTarget>();
  private readonly lastPushed = new Map<string, number>();
  private readonly lastAcked = new Map<string, number>();
  /**
   * SKUs taken by a push loop and not yet done. A newer target for one waits: with several loops, its push could
   * otherwise reach the platform before the older one and be overwritten by it — a full-set value moving the
   * listing backwards, acknowledged and never sent again.
   */
  private readonly inFlight = new Set<string>();

  /** Restores what was recorded before a restart. */
  seed(sku: string, pushedVersion: number | null, ackedVersion: number | null): void {
    if (pushedVersion !== null) this.lastPushed.set(sku, pushedVersion);
    if (ackedVersion !== null) this.lastAcked.set(sku, ackedVersion);
  }

  offer(target: StockTarget): OfferResult {
    if (this.isStale(target)) return 'stale';
    const current = this.pending.get(target.sku);
    if (current && current.skuVersion >= target.skuVersion) return 'stale';
    // Keeping the original publish time of a replaced target would overstate latency; the newest one counts.
    this.pending.set(target.sku, target);
    return current ? 'replaced' : 'queued';
  }

  /**
   * A reconciliation correction: the platform's listing drifted from a target it had acknowledged (an edit by
   * hand), so the same version may go again. Still refused when a newer version was sent, acknowledged or is
   * waiting, so a correction never moves a listing backwards.
   */
  reassert(target: StockTarget): OfferResult {
    const pushed = this.lastPushed.get(target.sku);
    const acked = this.lastAcked.get(target.sku);
    if (
      (pushed !== undefined && target.skuVersion < pushed) ||
      (acked !== undefined && target.skuVersion < acked)
    )
      return 'stale';
    const current = this.pending.get(target.sku);
    if (current && current.skuVersion >= target.skuVersion) return 'stale';
    this.pending.set(target.sku, target);
    return current ? 'replaced' : 'queued';
  }

  /**
   * Removes and returns up to `max` targets, oldest-queued SKU first (a SKU keeps its place when replaced).
   * With `batchKeyOf`, only targets sharing the oldest one's key are taken (Taobao: SKUs of one item go in one
   * call), so a batch is always one API call.
   */
  take(max: number, batchKeyOf?: (sku: string) => string): StockTarget[] {
    const batch: StockTarget[] = [];
    let key: string | undefined;
    for (const [sku, target] of this.pending) {
      if (batch.length >= max) break;
      if (this.inFlight.has(sku)) continue;
      if (batchKeyOf) {
        key ??= batchKeyOf(sku);
        if (batchKeyOf(sku) !== key) continue;
      }
      batch.push(target);
      this.pending.delete(sku);
      this.inFlight.add(sku);
    }
    return batch;
  }

  /** The push of these targets is over (acknowledged, refused, failed or put back): their SKUs may go again. */
  done(targets: readonly StockTarget[]): void {
    for (const t of targets) this.inFlight.delete(t.sku);
  }

  /** Whether take() would hand out anything: a target waits whose SKU is not being pushed. */
  hasReady(): boolean {
    for (const sku of this.pending.keys()) if (!this.inFlight.has(sku)) return true;
    return false;
  }

  markPushed(target: StockTarget): void {
    if ((this.lastPushed.get(target.sku) ?? -1) < target.skuVersion)
      this.lastPushed.set(target.sku, target.skuVersion);
  }

  /** The platform answered: the SKU is no longer in flight. */
  markAcknowledged(target: StockTarget): void {
    this.inFlight.delete(target.sku);
    if ((this.lastAcked.get(target.sku) ?? -1) < target.skuVersion)
      this.lastAcked.set(target.sku, target.skuVersion);
  }

  /** Puts back targets whose push failed (no longer in flight), unless a newer target for the SKU arrived meanwhile. */
  retry(targets: readonly StockTarget[]): void {
    for (const t of targets) {
      this.inFlight.delete(t.sku);
      if ((this.lastAcked.get(t.sku) ?? -1) >= t.skuVersion) continue;
      const newer = this.pending.get(t.sku);
      if (newer && newer.skuVersion >= t.skuVersion) continue;
      this.pending.set(t.sku, t);
    }
  }

  get size(): number {
    return this.pending.size;
  }

  lastPushedVersion(sku: string): number | undefined {
    return this.lastPushed.get(sku);
  }

  lastAckedVersion(sku: string): number | undefined {
    return this.lastAcked.get(sku);
  }

  private isStale(target: StockTarget): boolean {
    const pushed = this.lastPushed.get(target.sku);
    const acked = this.lastAcked.get(target.sku);
    // Equal to the last pushed version is allowed: that push may have failed or never been acknowledged.
    return (
      (pushed !== undefined && target.skuVersion < pushed) ||
      (acked !== undefined && target.skuVersion <= acked)
    );
  }
}
