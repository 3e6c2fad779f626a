/**
 * Resolves after `ms`, or at once when the signal aborts. Never rejects: a shutdown that aborts a backoff wait
 * should let the caller notice `signal.aborted` and return, not unwind through an AbortError.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', done, { once: true });
  });
}
