export interface RateDecision {
  allowed: boolean;
  /** Seconds until one token is available again (0 when allowed). */
  retryAfterSeconds: number;
  remaining: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * One token bucket per key, in memory: `burst` tokens at most, refilled at `perSecond`. Per process — behind a
 * load balancer with n instances a key gets up to n times the rate, which is fine for a guard against runaway
 * scripts (the purpose here), not for billing.
 */
export class TokenBucketRateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly clock: () => number = Date.now,
    /** Buckets idle long enough to be full again are dropped once the map grows past this. */
    private readonly maxBuckets = 10_000,
  ) {
    if (!(perSecond > 0) || !(burst >= 1)) throw new Error('rate limiter needs perSecond > 0 and burst >= 1');
  }

  take(key: string, cost = 1): RateDecision {
    const now = this.clock();
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, updatedAt: now };
    const elapsed = Math.max(0, now - bucket.updatedAt) / 1000;
    bucket.tokens = Math.min(this.burst, bucket.tokens + elapsed * this.perSecond);
    bucket.updatedAt = now;
    this.buckets.set(key, bucket);
    if (this.buckets.size > this.maxBuckets) this.sweep(now);
    if (bucket.tokens >= cost) {
      bucket.tokens -= cost;
      return { allowed: true, retryAfterSeconds: 0, remaining: Math.floor(bucket.tokens) };
    }
    const missing = cost - bucket.tokens;
    return {
      allowed: false,
      retryAfterSeconds: Math.max(1, Math.ceil(missing / this.perSecond)),
      remaining: 0,
    };
  }

  private sweep(now: number): void {
    const refillMs = (this.burst / this.perSecond) * 1000;
    for (const [key, bucket] of this.buckets) {
      if (now - bucket.updatedAt >= refillMs) this.buckets.delete(key);
    }
  }
}
