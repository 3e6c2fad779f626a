import { VersionConflictError } from '@libs/event-store';
import { retry } from '@libs/resilience';
import { ConflictRetriesExhaustedError } from './errors';

const MAX_BACKOFF_MS = 200;

/**
 * Runs `attempt` until it does not throw a version conflict, at most `maxAttempts` times. Only conflicts are
 * retried: they mean "someone else appended first, decide again on fresh state"; anything else is the caller's.
 * Full jitter: writers that collided should not collide again in lockstep.
 */
export async function retryOnVersionConflict<T>(
  maxAttempts: number,
  backoffMs: number,
  attempt: (attemptNumber: number) => Promise<T>,
): Promise<T> {
  try {
    return await retry(attempt, {
      attempts: maxAttempts,
      initialMs: backoffMs,
      maxMs: MAX_BACKOFF_MS,
      shouldRetry: (error) => error instanceof VersionConflictError,
    });
  } catch (error) {
    if (error instanceof VersionConflictError)
      throw new ConflictRetriesExhaustedError(Math.max(1, maxAttempts), error);
    throw error;
  }
}
