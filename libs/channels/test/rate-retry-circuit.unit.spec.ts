import {
  CircuitBreaker,
  clampRetryAfter,
  parseRetryAfterMs,
  retryDelayMs,
  TokenBucket,
  type CircuitState,
} from '@libs/channels';

describe('token bucket', () => {
  it('allows a burst, then refills at the configured rate', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 3, () => now);
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(bucket.msUntilAvailable()).toBe(100);
    now += 100;
    expect(bucket.tryTake()).toBe(true);
    now += 10_000;
    expect(bucket.available()).toBe(3);
  });

  it('take() waits for a token instead of failing', async () => {
    let now = 0;
    const bucket = new TokenBucket(2, 1, () => now);
    bucket.tryTake();
    const slept: number[] = [];
    await bucket.take(1, async (ms) => {
      slept.push(ms);
      now += ms;
    });
    expect(slept).toEqual([500]);
  });
});

describe('Retry-After', () => {
  const policy = { initialMs: 100, maxMs: 5_000 };

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-06-01T12:00:00Z');
    expect(parseRetryAfterMs('3', now)).toBe(3_000);
    expect(parseRetryAfterMs('Mon, 01 Jun 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfterMs('soon', now)).toBeUndefined();
    expect(parseRetryAfterMs(undefined, now)).toBeUndefined();
  });

  it('is clamped to the configured maximum, and an unreadably large value never reaches setTimeout', () => {
    expect(clampRetryAfter(parseRetryAfterMs('3000000'), 600_000)).toEqual({
      delayMs: 600_000,
      clamped: true,
    });
    expect(clampRetryAfter(parseRetryAfterMs('9'.repeat(400)), 600_000)).toEqual({
      delayMs: 600_000,
      clamped: true,
    });
    expect(clampRetryAfter(2 ** 40, Number.POSITIVE_INFINITY)).toEqual({
      delayMs: 2 ** 31 - 1,
      clamped: true,
    });
    expect(clampRetryAfter(30_000, 600_000)).toEqual({ delayMs: 30_000, clamped: false });
    expect(clampRetryAfter(undefined, 600_000)).toEqual({ delayMs: undefined, clamped: false });
  });

  it('waits at least as long as the platform asked', () => {
    expect(retryDelayMs(1, policy, 30_000, () => 1)).toBe(30_000);
    expect(retryDelayMs(6, policy, 10, () => 1)).toBe(3_200);
  });
});

describe('circuit breaker', () => {
  function breaker() {
    let now = 0;
    const states: CircuitState[] = [];
    const b = new CircuitBreaker(
      { failureThreshold: 3, openMs: 1_000 },
      () => now,
      (s) => states.push(s),
    );
    return { b, states, advance: (ms: number) => (now += ms) };
  }

  describe('when closed', () => {
    it('opens after the threshold of consecutive failures, not before', () => {
      const { b, states } = breaker();
      b.onFailure();
      b.onFailure();
      b.onSuccess();
      b.onFailure();
      b.onFailure();
      expect(b.tryAcquire()).toBe(true);
      b.onFailure();
      expect(b.current).toBe('open');
      expect(b.tryAcquire()).toBe(false);
      expect(states).toEqual(['open']);
    });
  });

  describe('when open', () => {
    it('lets one trial through after the open time; success closes, failure reopens', () => {
      const { b, states, advance } = breaker();
      for (let i = 0; i < 3; i++) b.onFailure();
      advance(999);
      expect(b.msUntilTrial()).toBe(1);
      advance(1);
      expect(b.tryAcquire()).toBe(true);
      expect(b.tryAcquire()).toBe(false);
      b.onFailure();
      expect(b.current).toBe('open');
      advance(1_000);
      expect(b.tryAcquire()).toBe(true);
      b.onSuccess();
      expect(b.current).toBe('closed');
      expect(states).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
    });
  });
});
