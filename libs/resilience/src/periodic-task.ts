import { clampDelayMs } from './backoff';

export interface PeriodicTaskOptions {
  /** The pause from the end of one pass to the start of the next. */
  intervalMs: number;
  /** The wait before the first pass after start(). Default: intervalMs. */
  firstDelayMs?: number;
  /** False: one pass after start() and no more. Default true. */
  repeat?: boolean;
  /** Hears why a pass failed; the loop goes on. */
  onError(error: unknown): void;
  /** Default true: the loop alone does not keep the process alive (a process ends by its own shutdown). */
  unref?: boolean;
}

/**
 * A background pass run again and again until stop(). One pass at a time: the next one is scheduled only when the
 * last has settled, so a pass slower than the interval is never overlapped by the next (and a slow dependency is
 * not asked twice at once). A failed pass goes to `onError` and the loop goes on. stop() resolves once the pass
 * under way, if any, has finished, so a shutdown can stop what the pass uses (the bus, the pool) after it.
 */
export class PeriodicTask {
  private timer?: NodeJS.Timeout;
  private current?: Promise<void>;
  private stopped = true;

  constructor(
    private readonly pass: () => Promise<unknown>,
    private readonly options: PeriodicTaskOptions,
  ) {}

  /** True while a pass is under way. */
  get running(): boolean {
    return this.current !== undefined;
  }

  /** Schedules the first pass after `firstDelayMs`. Starting a started task changes nothing. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(this.options.firstDelayMs ?? this.options.intervalMs);
  }

  /**
   * Runs a pass as soon as possible instead of at the next interval (new work has arrived). Nothing when stopped
   * or when a pass is under way: that pass, or the next, picks the work up.
   */
  runSoon(): void {
    if (!this.stopped && !this.current) this.schedule(0);
  }

  /** No pass starts after this; resolves once the pass under way has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.current;
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    // The clamp: setTimeout fires at once for a delay above 2^31-1 ms, which would turn the loop into a busy one.
    this.timer = setTimeout(() => this.run(), clampDelayMs(ms, Infinity));
    if (this.options.unref !== false) this.timer.unref();
  }

  private run(): void {
    this.timer = undefined;
    // Restarted while the pass of before the stop was still running: its end schedules the next pass.
    if (this.current) return;
    const pass = (async () => {
      try {
        await this.pass();
      } catch (error) {
        this.report(error);
      }
    })();
    this.current = pass.then(() => {
      this.current = undefined;
      if (!this.stopped && this.options.repeat !== false) this.schedule(this.options.intervalMs);
    });
  }

  private report(error: unknown): void {
    try {
      this.options.onError(error);
    } catch {
      // A reporter that throws must not end the loop it reports on.
    }
  }
}
