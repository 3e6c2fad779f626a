import { TokenBucketRateLimiter } from './rate-limiter';

describe('TokenBucketRateLimiter', () => {
  let now: number;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000_000;
  });

  it('allows a burst, then refuses with the seconds until the next token', () => {
    const limiter = new TokenBucketRateLimiter(2, 3, clock);
    expect([1, 2, 3].map(() => limiter.take('k').allowed)).toEqual([true, true, true]);
    expect(limiter.take('k')).toEqual({ allowed: false, retryAfterSeconds: 1, remaining: 0 });
  });

  it('refills at the configured rate, never above the burst', () => {
    const limiter = new TokenBucketRateLimiter(2, 3, clock);
    for (let i = 0; i < 3; i++) limiter.take('k');
    now += 500; // one token back
    expect(limiter.take('k').allowed).toBe(true);
    expect(limiter.take('k').allowed).toBe(false);
    now += 60_000;
    expect(limiter.take('k').remaining).toBe(2);
  });

  it('keeps one bucket per key', () => {
    const limiter = new TokenBucketRateLimiter(1, 1, clock);
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);
    expect(limiter.take('b').allowed).toBe(true);
  });

  it('forgets idle buckets once it holds too many, without losing a limit in force', () => {
    const limiter = new TokenBucketRateLimiter(1, 1, clock, 2);
    limiter.take('a');
    now += 5_000;
    limiter.take('b');
    limiter.take('c'); // sweeps 'a', idle long enough to be full again
    expect(limiter.take('b').allowed).toBe(false);
    expect(limiter.take('a').allowed).toBe(true);
  });

  it('holds at most maxBuckets buckets even when every one is in use (least recently used dropped first)', () => {
    const limiter = new TokenBucketRateLimiter(1, 1, clock, 100);
    for (let i = 0; i < 10_000; i++) limiter.take(`source-${i}`);
    expect(limiter.size).toBeLessThanOrEqual(100);
    // The most recent sources are still limited; the oldest were forgotten.
    expect(limiter.take('source-9999').allowed).toBe(false);
    expect(limiter.take('source-0').allowed).toBe(true);
  });

  it('peek tells whether a token is there without taking it', () => {
    const limiter = new TokenBucketRateLimiter(1, 2, clock);
    expect(limiter.peek('k')).toEqual({ allowed: true, retryAfterSeconds: 0, remaining: 2 });
    limiter.take('k');
    limiter.take('k');
    expect(limiter.peek('k')).toEqual({ allowed: false, retryAfterSeconds: 1, remaining: 0 });
    expect(limiter.peek('other').allowed).toBe(true);
    expect(limiter.size).toBe(1);
  });

  it('refuses a nonsensical configuration', () => {
    expect(() => new TokenBucketRateLimiter(0, 1)).toThrow();
  });
});
