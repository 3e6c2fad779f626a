/**
 * A token bucket per platform and app key: `ratePerSecond` tokens refill continuously up to `burst`. Platforms
 * count calls per app key, so one bucket is shared by every push of that key; a batch call costs one token.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(ratePerSecond > 0) || !(burst >= 1))
      throw new Error('a token bucket needs a positive rate and a burst of at least 1');
    this.tokens = burst;
    this.updatedAt = now();
  }

  /** Takes `n` tokens if they are there. */
  tryTake(n = 1): boolean {
    this.refill();
    if (this.tokens < n) return false;
    this.tokens -= n;
    return true;
  }

  /** Milliseconds until `n` tokens are available (0 when they are now). */
  msUntilAvailable(n = 1): number {
    this.refill();
    if (this.tokens >= n) return 0;
    return Math.ceil(((n - this.tokens) / this.ratePerSecond) * 1000);
  }

  /** Waits for and takes `n` tokens. */
  async take(n = 1, sleep: (ms: number) => Promise<void> = defaultSleep): Promise<void> {
    for (;;) {
      if (this.tryTake(n)) return;
      await sleep(Math.max(1, this.msUntilAvailable(n)));
    }
  }

  /** Tokens left now (fractional). */
  available(): number {
    this.refill();
    return this.tokens;
  }

  private refill(): void {
    const now = this.now();
    const elapsed = Math.max(0, now - this.updatedAt) / 1000;
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.ratePerSecond);
    this.updatedAt = now;
  }
}

export const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
