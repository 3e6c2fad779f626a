import { backoffDelayMs } from '@libs/resilience';
import { type GlobalCheckpoint, type ReadAllResult } from './checkpoint';
import type { RecordedEvent } from './recorded-event';
import { WakeSignal } from './wake-signal';

export interface SubscribeOptions {
  /** The checkpoint the subscriber stored last (START_CHECKPOINT for everything); delivery starts after it. */
  from: GlobalCheckpoint;
  /**
   * Receives the next events in global order. `checkpoint` is the position to store once they are handled,
   * ideally in the same transaction as their effects. A throw means "not handled": the same events come again.
   */
  handle(events: RecordedEvent[], checkpoint: GlobalCheckpoint): Promise<void>;
  /** Events per delivery; default 500. */
  batchSize?: number;
  /** How long to wait when caught up before reading again; default 100 ms. */
  pollIntervalMs?: number;
  /** Backoff ceiling after the first failed read or handle, doubled per failure up to 30 s (full jitter); default 200 ms. */
  retryDelayMs?: number;
  /** Told about every failed read or handle before the retry. */
  onError?(error: unknown, consecutiveFailures: number): void;
}

export interface Subscription {
  /** The position after the last handled delivery. */
  readonly checkpoint: GlobalCheckpoint;
  /** Ends the loop after the delivery in progress, if any, and resolves once it has ended. */
  stop(): Promise<void>;
}

type ReadAll = (from: GlobalCheckpoint, maxCount: number) => Promise<ReadAllResult>;

const MAX_RETRY_DELAY_MS = 30_000;
/**
 * After an append in this process wakes the loop, events can still be held back for a moment by another
 * transaction that is open somewhere in the cluster (the safe-position rule); poll this often for a while rather
 * than waiting a whole poll interval.
 */
const EAGER_POLL_MS = 20;
const EAGER_WINDOW_MS = 5_000;

type WakeReason = 'timeout' | 'append' | 'stop';

/**
 * A subscription that polls the global order. It never skips: it advances only past events it has delivered,
 * and the reader only returns events that can no longer be preceded by a late commit.
 */
export class PollingSubscription implements Subscription {
  private current: GlobalCheckpoint;
  private stopped = false;
  private readonly stopRequested = new WakeSignal();
  private readonly loop: Promise<void>;

  constructor(
    private readonly readAll: ReadAll,
    private readonly appended: WakeSignal,
    private readonly options: SubscribeOptions,
  ) {
    this.current = { ...options.from };
    this.loop = this.run();
  }

  get checkpoint(): GlobalCheckpoint {
    return { ...this.current };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopRequested.notify();
    await this.loop;
  }

  private async run(): Promise<void> {
    const batchSize = this.options.batchSize ?? 500;
    const pollIntervalMs = this.options.pollIntervalMs ?? 100;
    let failures = 0;
    let eagerUntil = 0;
    while (!this.stopped) {
      const seen = this.appended.generation;
      try {
        const { events, checkpoint } = await this.readAll(this.current, batchSize);
        if (events.length > 0 && !this.stopped) {
          await this.options.handle(events, checkpoint);
          this.current = checkpoint;
        }
        failures = 0;
        if (events.length < batchSize) {
          const eager = events.length === 0 && Date.now() < eagerUntil;
          const reason = await this.sleep(
            eager ? Math.min(EAGER_POLL_MS, pollIntervalMs) : pollIntervalMs,
            seen,
          );
          if (reason === 'append') eagerUntil = Date.now() + EAGER_WINDOW_MS;
        }
      } catch (error) {
        failures += 1;
        this.options.onError?.(error, failures);
        const initialMs = this.options.retryDelayMs ?? 200;
        await this.sleep(backoffDelayMs(failures, { initialMs, maxMs: MAX_RETRY_DELAY_MS }));
      }
    }
  }

  /** Sleeps until the timeout, an append in this process (when `seenAppendGeneration` is given), or stop(). */
  private sleep(ms: number, seenAppendGeneration?: number): Promise<WakeReason> {
    if (this.stopped) return Promise.resolve('stop');
    if (seenAppendGeneration !== undefined && seenAppendGeneration !== this.appended.generation) {
      return Promise.resolve('append');
    }
    return new Promise((resolve) => {
      const removers: (() => void)[] = [];
      const wake = (reason: WakeReason) => () => {
        clearTimeout(timer);
        removers.forEach((remove) => remove());
        resolve(reason);
      };
      const timer = setTimeout(wake('timeout'), ms);
      removers.push(this.stopRequested.listen(wake('stop')));
      if (seenAppendGeneration !== undefined) removers.push(this.appended.listen(wake('append')));
    });
  }
}
