import { backoffDelayMs } from '@libs/resilience';
import { compareCheckpoints, type GlobalCheckpoint } from '../checkpoint';
import type { RecordedEvent } from '../recorded-event';
import type { SubscribeOptions, Subscription } from '../subscription';
import { WakeSignal } from '../wake-signal';

/** A live feed of the global order after a checkpoint; the events are already filtered and mapped. */
export interface EventFeed extends AsyncIterable<RecordedEvent> {
  close(): Promise<void>;
}

const MAX_RETRY_DELAY_MS = 30_000;
const STOPPED = Symbol('stopped');
const NOTHING_READY = Symbol('nothing ready');

/**
 * A subscription on a server push feed (KurrentDB's catch-up subscription to `$all`). The server streams
 * events; this gathers what has already arrived into batches of at most `batchSize`, hands each batch to
 * `handle`, and advances only past handled batches. A throwing `handle` gets the same batch again after a
 * backoff; a failed feed is reopened from the last handled checkpoint, so nothing is skipped and nothing handled
 * comes twice.
 */
export class PushSubscription implements Subscription {
  private current: GlobalCheckpoint;
  private stopped = false;
  private readonly stopRequested = new WakeSignal();
  private readonly loop: Promise<void>;

  constructor(
    private readonly open: (from: GlobalCheckpoint) => EventFeed,
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
    let failures = 0;
    while (!this.stopped) {
      let feed: EventFeed | undefined;
      try {
        feed = this.open(this.current);
        await this.consume(
          feed,
          () => (failures = 0),
          (error) => this.failed(error, ++failures),
        );
        if (!this.stopped) throw new Error('the event store ended the subscription');
      } catch (error) {
        await this.failed(error, ++failures);
      } finally {
        await feed?.close().catch(() => undefined);
      }
    }
  }

  /** Returns when stopped or when the feed ends; throws when the feed fails. */
  private async consume(
    feed: EventFeed,
    onHandled: () => void,
    onHandleFailure: (error: unknown) => Promise<void>,
  ): Promise<void> {
    const batchSize = this.options.batchSize ?? 500;
    const events = feed[Symbol.asyncIterator]();
    let pending: Promise<IteratorResult<RecordedEvent>> | undefined;
    let ended = false;
    const next = () => (pending ??= events.next());

    while (!this.stopped && !ended) {
      const first = await this.untilStopped(next());
      if (first === STOPPED) return;
      pending = undefined;
      if (first.done) return;
      const batch: RecordedEvent[] = [];
      if (compareCheckpoints(first.value, this.current) > 0) batch.push(first.value);
      // Take whatever else has already arrived, without waiting for the server to send more.
      let failure: unknown;
      while (batch.length < batchSize) {
        let ready: IteratorResult<RecordedEvent> | typeof NOTHING_READY;
        try {
          ready = await Promise.race([next(), nextTurn()]);
        } catch (error) {
          // Hand over what arrived before the feed broke; the reopened feed starts after it.
          failure = error;
          break;
        }
        if (ready === NOTHING_READY) break;
        pending = undefined;
        if (ready.done) {
          ended = true;
          break;
        }
        if (compareCheckpoints(ready.value, this.current) > 0) batch.push(ready.value);
      }
      if (batch.length > 0) {
        const checkpoint = checkpointAfter(batch);
        for (;;) {
          try {
            await this.options.handle(batch, checkpoint);
            this.current = checkpoint;
            onHandled();
            break;
          } catch (error) {
            await onHandleFailure(error);
            if (this.stopped) return;
          }
        }
      }
      if (failure !== undefined) throw failure;
    }
  }

  private async failed(error: unknown, consecutiveFailures: number): Promise<void> {
    this.options.onError?.(error, consecutiveFailures);
    const initialMs = this.options.retryDelayMs ?? 200;
    await this.pause(backoffDelayMs(consecutiveFailures, { initialMs, maxMs: MAX_RETRY_DELAY_MS }));
  }

  /** Sleeps, but not past stop(): a 30 s backoff must not hold up a shutdown. */
  private pause(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        remove();
        resolve();
      };
      const timer = setTimeout(done, ms);
      const remove = this.stopRequested.listen(done);
    });
  }

  private untilStopped<T>(promise: Promise<T>): Promise<T | typeof STOPPED> {
    if (this.stopped) return Promise.resolve(STOPPED);
    return new Promise((resolve, reject) => {
      const remove = this.stopRequested.listen(() => {
        remove();
        resolve(STOPPED);
      });
      promise.then(
        (value) => {
          remove();
          resolve(value);
        },
        (error: unknown) => {
          remove();
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }
}

function checkpointAfter(batch: RecordedEvent[]): GlobalCheckpoint {
  const last = batch[batch.length - 1];
  return { transactionId: last.transactionId, globalPosition: last.globalPosition };
}

/** Resolves after the events already received (queued as resolved promises and I/O callbacks) were seen. */
function nextTurn(): Promise<typeof NOTHING_READY> {
  return new Promise((resolve) => setImmediate(() => resolve(NOTHING_READY)));
}
