import type { GlobalCheckpoint, RecordedEvent } from '@libs/event-store';
import { PushSubscription, type EventFeed } from '../src/kurrentdb/push-subscription';
import { waitFor } from './event-store.contract';

function recorded(n: number): RecordedEvent {
  return {
    eventId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    streamId: 'sku-1',
    version: n,
    type: 'N',
    data: { n },
    metadata: {},
    occurredAt: new Date(0),
    recordedAt: new Date(0),
    transactionId: n * 10,
    globalPosition: n * 10 - 1,
  };
}

/** A feed the test pushes into; `opened` records where each (re)open started. */
class ScriptedFeeds {
  readonly opened: GlobalCheckpoint[] = [];
  private queue: (RecordedEvent | Error)[] = [];
  private wake?: () => void;

  push(...items: (RecordedEvent | Error)[]): void {
    this.queue.push(...items);
    this.wake?.();
  }

  open = (from: GlobalCheckpoint): EventFeed => {
    this.opened.push(from);
    let closed = false;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const feeds = this;
    return {
      async *[Symbol.asyncIterator]() {
        while (!closed) {
          const item = feeds.queue.shift();
          if (item instanceof Error) throw item;
          if (item) yield item;
          else await new Promise<void>((resolve) => (feeds.wake = resolve));
        }
      },
      close: async () => {
        closed = true;
        feeds.wake?.();
      },
    };
  };
}

describe('PushSubscription', () => {
  it('hands over what has arrived in batches of at most batchSize, in order', async () => {
    const feeds = new ScriptedFeeds();
    feeds.push(...[1, 2, 3, 4, 5].map(recorded));
    const batches: number[][] = [];
    const sub = new PushSubscription(feeds.open, {
      from: { transactionId: 0, globalPosition: 0 },
      batchSize: 2,
      handle: async (events) => void batches.push(events.map((e) => e.version)),
    });
    await waitFor(() => batches.flat().length === 5);
    await sub.stop();
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
    expect(sub.checkpoint).toEqual({ transactionId: 50, globalPosition: 49 });
  });

  it('gives a batch whose handler threw to the handler again, and moves on only after it succeeded', async () => {
    const feeds = new ScriptedFeeds();
    feeds.push(recorded(1), recorded(2));
    const calls: number[][] = [];
    const stored: GlobalCheckpoint[] = [];
    const sub = new PushSubscription(feeds.open, {
      from: { transactionId: 0, globalPosition: 0 },
      retryDelayMs: 1,
      handle: async (events, checkpoint) => {
        calls.push(events.map((e) => e.version));
        if (calls.length === 1) throw new Error('projection down');
        stored.push(checkpoint);
      },
    });
    await waitFor(() => stored.length === 1);
    await sub.stop();
    expect(calls).toEqual([
      [1, 2],
      [1, 2],
    ]);
    expect(stored).toEqual([{ transactionId: 20, globalPosition: 19 }]);
    expect(feeds.opened).toHaveLength(1);
  });

  it('reopens a failed feed from the last handled checkpoint and drops anything at or before it', async () => {
    const feeds = new ScriptedFeeds();
    feeds.push(recorded(1), new Error('connection reset'));
    const seen: number[] = [];
    const errors: unknown[] = [];
    const sub = new PushSubscription(feeds.open, {
      from: { transactionId: 0, globalPosition: 0 },
      retryDelayMs: 1,
      onError: (error, failures) => errors.push([String(error), failures]),
      handle: async (events) => void seen.push(...events.map((e) => e.version)),
    });
    await waitFor(() => feeds.opened.length === 2);
    // A server that resends the checkpoint's own event must not make it come twice.
    feeds.push(recorded(1), recorded(2));
    await waitFor(() => seen.length === 2);
    await sub.stop();
    expect(seen).toEqual([1, 2]);
    expect(feeds.opened[1]).toEqual({ transactionId: 10, globalPosition: 9 });
    expect(errors).toEqual([['Error: connection reset', 1]]);
  });

  it('stops at once while waiting out a long backoff', async () => {
    const feeds = new ScriptedFeeds();
    feeds.push(new Error('down'));
    const errors: unknown[] = [];
    const sub = new PushSubscription(feeds.open, {
      from: { transactionId: 0, globalPosition: 0 },
      retryDelayMs: 60_000,
      onError: (error) => errors.push(error),
      handle: async () => undefined,
    });
    await waitFor(() => errors.length === 1);
    const started = Date.now();
    await sub.stop();
    expect(Date.now() - started).toBeLessThan(500);
  });
});
