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
 * scripts and password-guessing (the purpose here), not for billing. Memory is bounded: past `maxBuckets` keys
 * the least recently used bucket is dropped (a dropped key starts again with a full bucket).
 */
export class TokenBucketRateLimiter {
  /** In least-recently-used order: a used bucket is moved to the end. */
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly clock: () => number = Date.now,
    private readonly maxBuckets = 10_000,
  ) {
    if (!(perSecond > 0) || !(burst >= 1)) throw new Error('rate limiter needs perSecond > 0 and burst >= 1');
    if (!(maxBuckets >= 1)) throw new Error('rate limiter needs maxBuckets >= 1');
  }

  /** Buckets held now (at most maxBuckets). */
  get size(): number {
    return this.buckets.size;
  }

  /** Takes `cost` tokens from the key's bucket if they are there. */
  take(key: string, cost = 1): RateDecision {
    const bucket = this.refilled(key);
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    while (this.buckets.size > this.maxBuckets)
      this.buckets.delete(this.buckets.keys().next().value as string);
    if (bucket.tokens >= cost) {
      bucket.tokens -= cost;
      return { allowed: true, retryAfterSeconds: 0, remaining: Math.floor(bucket.tokens) };
    }
    return this.refusal(bucket, cost);
  }

  /** Whether `cost` tokens are there, without taking them or creating a bucket. */
  peek(key: string, cost = 1): RateDecision {
    if (!this.buckets.has(key))
      return { allowed: true, retryAfterSeconds: 0, remaining: Math.floor(this.burst) };
    const bucket = this.refilled(key);
    if (bucket.tokens >= cost)
      return { allowed: true, retryAfterSeconds: 0, remaining: Math.floor(bucket.tokens) };
    return this.refusal(bucket, cost);
  }

  private refilled(key: string): Bucket {
    const now = this.clock();
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, updatedAt: now };
    const elapsed = Math.max(0, now - bucket.updatedAt) / 1000;
    bucket.tokens = Math.min(this.burst, bucket.tokens + elapsed * this.perSecond);
    bucket.updatedAt = now;
    return bucket;
  }

  private refusal(bucket: Bucket, cost: number): RateDecision {
    const missing = cost - bucket.tokens;
    return {
      allowed: false,
      retryAfterSeconds: Math.max(1, Math.ceil(missing / this.perSecond)),
      remaining: 0,
    };
  }
}
