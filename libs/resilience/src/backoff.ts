/** How far apart retries are spaced: the first ceiling, and the ceiling no retry waits longer than. */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

/**
 * Exponential backoff with full jitter: a delay drawn uniformly from [0, min(max, initial·2^(attempt-1))].
 * Full jitter keeps many callers that failed together (partitions, SKUs, connectors) from retrying in lockstep.
 * `attempt` starts at 1.
 */
export function backoffDelayMs(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  if (!(policy.initialMs > 0)) return 0;
  // 2 ** large overflows to Infinity, which the clamp caps; a non-integer or negative attempt counts as 1.
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  const ceiling = clampDelayMs(policy.initialMs * 2 ** exponent, policy.maxMs);
  return Math.round(random() * ceiling);
}

/**
 * A delay fit for setTimeout: at least 0 and at most `maxMs`. Non-finite input becomes `maxMs`, because
 * setTimeout treats Infinity, NaN and anything above 2^31-1 ms as 1 ms and would turn a wait into a busy loop.
 */
export function clampDelayMs(ms: number, maxMs: number): number {
  const ceiling = Number.isFinite(maxMs) ? Math.min(Math.max(0, maxMs), MAX_TIMER_MS) : MAX_TIMER_MS;
  if (!Number.isFinite(ms)) return ceiling;
  return Math.min(Math.max(0, ms), ceiling);
}

/** The longest delay setTimeout honours (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;
