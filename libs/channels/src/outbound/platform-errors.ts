/**
 * A call to the platform failed as a whole. `retryable` failures (throttling, 5xx, timeouts, network) are
 * retried with backoff and count against the circuit; the others (bad credentials, malformed request) are
 * recorded and the targets dropped until the next change, since repeating them cannot succeed.
 */
export class PlatformCallError extends Error {
  constructor(
    /** Stable code for metrics and the push-state table, e.g. `HTTP_503`, `THROTTLED`, `TIMEOUT`, `300000`. */
    readonly code: string,
    message: string,
    readonly retryable: boolean,
    /** What the platform asked us to wait (Retry-After, or a documented throttle window). */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'PlatformCallError';
  }
}
