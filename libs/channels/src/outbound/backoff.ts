export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

/**
 * Exponential backoff with full jitter: a delay drawn uniformly from [0, min(max, initial·2^(attempt-1))].
 * Full jitter keeps many SKUs or connectors that failed together from retrying together. `attempt` starts at 1.
 */
export function backoffDelayMs(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(random() * ceiling);
}

/**
 * The delay a Retry-After header asks for: delta-seconds or an HTTP date. Undefined when absent or unreadable.
 */
export function parseRetryAfterMs(header: string | undefined | null, nowMs = Date.now()): number | undefined {
  if (header === undefined || header === null || header.trim() === '') return undefined;
  const text = header.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/** The platform's Retry-After wins when it asks for longer than our own backoff: it knows when it reopens. */
export function retryDelayMs(
  attempt: number,
  policy: BackoffPolicy,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  const own = backoffDelayMs(attempt, policy, random);
  return retryAfterMs === undefined ? own : Math.max(own, retryAfterMs);
}
