import { VersionConflictError } from '@libs/event-store';
import { ConflictRetriesExhaustedError } from './errors';

const MAX_BACKOFF_MS = 200;

/**
 * Runs `attempt` until it does not throw a version conflict, at most `maxAttempts` times. Only conflicts are
 * retried: they mean "someone else appended first, decide again on fresh state"; anything else is the caller's.
 */
export async function retryOnVersionConflict<T>(
  maxAttempts: number,
  backoffMs: number,
  attempt: (attemptNumber: number) => Promise<T>,
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (!(error instanceof VersionConflictError)) throw error;
      if (n >= maxAttempts) throw new ConflictRetriesExhaustedError(n, error);
      // Full jitter: writers that collided should not collide again in lockstep.
      const delay = Math.random() * Math.min(backoffMs * 2 ** (n - 1), MAX_BACKOFF_MS);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
