import fc from 'fast-check';
import { backoffDelayMs, clampDelayMs } from './backoff';

describe('backoffDelayMs', () => {
  it('given any attempt and jitter, when computed, then it lies in [0, min(max, initial·2^(attempt-1))]', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 600_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, initialMs, maxMs, r) => {
          const delay = backoffDelayMs(attempt, { initialMs, maxMs }, () => r);
          const ceiling = initialMs === 0 ? 0 : Math.min(maxMs, initialMs * 2 ** (attempt - 1));
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(Math.round(ceiling));
          expect(Number.isFinite(delay)).toBe(true);
        },
      ),
    );
  });

  it('given the largest jitter, when attempts grow, then the delay doubles until the cap', () => {
    const policy = { initialMs: 100, maxMs: 1000 };
    const almostOne = () => 0.999999;
    expect([1, 2, 3, 4, 5, 50].map((a) => backoffDelayMs(a, policy, almostOne))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });

  it('given an attempt below 1, when computed, then it counts as the first', () => {
    expect(backoffDelayMs(0, { initialMs: 100, maxMs: 1000 }, () => 0.5)).toBe(50);
    expect(backoffDelayMs(-3, { initialMs: 100, maxMs: 1000 }, () => 0.5)).toBe(50);
  });
});

describe('clampDelayMs', () => {
  it('given any number, when clamped, then it is a finite delay in [0, max]', () => {
    fc.assert(
      fc.property(fc.double(), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (ms, maxMs) => {
        const clamped = clampDelayMs(ms, maxMs);
        expect(Number.isFinite(clamped)).toBe(true);
        expect(clamped).toBeGreaterThanOrEqual(0);
        expect(clamped).toBeLessThanOrEqual(maxMs);
      }),
    );
  });

  it('given values inside and outside the range, then it keeps, floors at 0 or caps', () => {
    expect(clampDelayMs(250, 1000)).toBe(250);
    expect(clampDelayMs(-5, 1000)).toBe(0);
    expect(clampDelayMs(5000, 1000)).toBe(1000);
    expect(clampDelayMs(Number.NaN, 1000)).toBe(1000);
    expect(clampDelayMs(Number.POSITIVE_INFINITY, 1000)).toBe(1000);
  });

  it('given a cap beyond what setTimeout honours, then the delay still fits a timer', () => {
    expect(clampDelayMs(1e12, Number.POSITIVE_INFINITY)).toBe(2 ** 31 - 1);
  });
});
