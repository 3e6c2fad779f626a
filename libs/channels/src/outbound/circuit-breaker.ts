export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failed calls that open the circuit. */
  failureThreshold: number;
  /** How long the circuit stays open before one trial call is let through. */
  openMs: number;
}

/**
 * One circuit per channel. While a platform keeps failing, its pusher stops calling it (queued targets keep
 * coalescing meanwhile) and probes with one call after `openMs`; the other channels have circuits of their own,
 * so a failing platform never delays them.
 */
export class CircuitBreaker {
  private state: CircuitState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private trialInFlight = false;

  constructor(
    private readonly options: CircuitBreakerOptions,
    private readonly now: () => number = Date.now,
    private readonly onStateChange: (state: CircuitState) => void = () => undefined,
  ) {}

  get current(): CircuitState {
    if (this.state === 'open' && this.now() - this.openedAt >= this.options.openMs)
      this.transition('half-open');
    return this.state;
  }

  /** Whether a call may be made now; in half-open only one trial call at a time. */
  tryAcquire(): boolean {
    const state = this.current;
    if (state === 'closed') return true;
    if (state === 'half-open' && !this.trialInFlight) {
      this.trialInFlight = true;
      return true;
    }
    return false;
  }

  /** Milliseconds until the circuit lets a trial call through (0 when it would now). */
  msUntilTrial(): number {
    if (this.current !== 'open') return 0;
    return Math.max(0, this.openedAt + this.options.openMs - this.now());
  }

  /** Gives back a trial slot that was acquired but not used. */
  releaseTrial(): void {
    this.trialInFlight = false;
  }

  onSuccess(): void {
    this.failures = 0;
    this.trialInFlight = false;
    if (this.state !== 'closed') this.transition('closed');
  }

  onFailure(): void {
    this.trialInFlight = false;
    this.failures += 1;
    if (this.state === 'half-open' || this.failures >= this.options.failureThreshold) {
      this.openedAt = this.now();
      this.transition('open');
    }
  }

  private transition(state: CircuitState): void {
    if (this.state === state) return;
    this.state = state;
    this.onStateChange(state);
  }
}
