import { backoffDelayMs, type BackoffPolicy, clampDelayMs } from '@libs/resilience';

/** How long a platform may ask a channel to wait unless configured otherwise (CONNECTOR_MAX_RETRY_AFTER_MS). */
export const DEFAULT_MAX_RETRY_AFTER_MS = 10 * 60_000;

/**
 * The delay a Retry-After header asks for: delta-seconds or an HTTP date. Undefined when absent or unreadable.
 * Whatever it says still goes through `clampRetryAfter` before anyone waits on it.
 */
export function parseRetryAfterMs(header: string | undefined | null, nowMs = Date.now()): number | undefined {
  if (header === undefined || header === null || header.trim() === '') return undefined;
  const text = header.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/**
 * What a platform asked us to wait (Retry-After, a Taobao ban, a documented throttle window), bounded by
 * `maxMs`: one answer from a proxy, a CDN or a misconfigured shop must not stop a channel for days, and a
 * value above 2^31-1 ms must never reach setTimeout (which would fire at once, a busy loop). `clamped` says the
 * platform asked for more (or for something unreadable), for the metric and the log.
 */
export function clampRetryAfter(
  askedMs: number | undefined,
  maxMs: number,
): { delayMs: number | undefined; clamped: boolean } {
  if (askedMs === undefined) return { delayMs: undefined, clamped: false };
  const delayMs = clampDelayMs(askedMs, maxMs);
  return { delayMs, clamped: !(askedMs <= delayMs) };
}

/** The platform's (clamped) Retry-After wins when it asks for longer than our own backoff: it knows when it reopens. */
export function retryDelayMs(
  attempt: number,
  policy: BackoffPolicy,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  const own = backoffDelayMs(attempt, policy, random);
  return retryAfterMs === undefined ? own : Math.max(own, retryAfterMs);
}
