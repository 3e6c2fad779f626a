import { backoffDelayMs } from './backoff';
import { sleep } from './sleep';
import { isTransientError } from './transient-error';

export interface RetryOptions {
  /** Total attempts, the first included; at least 1. */
  attempts: number;
  initialMs: number;
  maxMs: number;
  /** Aborting stops the waiting and the retrying: the last error is thrown at once. */
  signal?: AbortSignal;
  /** Which errors are worth another attempt. Defaults to `isTransientError`: bad input fails the same way twice. */
  shouldRetry?: (err: unknown) => boolean;
  /** Called before each wait, e.g. to log or count the failure. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  /** Source of jitter, for tests. */
  random?: () => number;
}

/**
 * Runs `fn` until it resolves, retrying the errors `shouldRetry` accepts with full-jitter exponential backoff.
 * Throws the last error once `attempts` are used up, the error is not retryable, or the signal aborted.
 * `fn` receives the attempt number, starting at 1.
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const shouldRetry = opts.shouldRetry ?? isTransientError;
  const attempts = Math.max(1, Math.floor(opts.attempts));
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= attempts || opts.signal?.aborted || !shouldRetry(err)) throw err;
      const delayMs = backoffDelayMs(attempt, { initialMs: opts.initialMs, maxMs: opts.maxMs }, opts.random);
      opts.onRetry?.(err, attempt, delayMs);
      await sleep(delayMs, opts.signal);
      if (opts.signal?.aborted) throw err;
    }
  }
}
