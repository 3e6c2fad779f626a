import { randomUUID } from 'node:crypto';
import {
  EventIdConflictError,
  InvalidAppendError,
  START_CHECKPOINT,
  VersionConflictError,
  type EventStore,
  type EventToAppend,
  type GlobalCheckpoint,
  type RecordedEvent,
} from '@libs/event-store';

export interface ContractSubject {
  store: EventStore;
  /** Called once after the suite. */
  close?(): Promise<void>;
}

export interface ContractOptions {
  /** Concurrent writers racing on one stream; the PostgreSQL suite adds a 64-writer test of its own. */
  concurrentWriters?: number;
}

/**
 * What every EventStore adapter must do. One store serves the whole suite, so each test uses fresh stream ids
 * and reads the global order from the end it found when it started.
 */
export function eventStoreContract(
  name: string,
  factory: () => Promise<ContractSubject>,
  options: ContractOptions = {},
): void {
  describe(`EventStore contract: ${name}`, () => {
    let subject: ContractSubject;
    let store: EventStore;

    beforeAll(async () => {
      subject = await factory();
      store = subject.store;
    });
    afterAll(async () => {
      await subject?.close?.();
    });

    describe('appending to one stream', () => {
      it('numbers a new stream from 1 and reads it back as written', async () => {
        const s = streamId();
        const result = await store.appendToStream(s, 'no_stream', [
          event('Received', { qty: 5 }, { correlationId: 'c-1', actor: 'ops' }),
          event('Reserved', { qty: 2, lines: [{ sku: 'a' }] }),
        ]);
        expect(result.duplicate).toBe(false);
        expect(result.nextExpectedVersion).toBe(2);
        expect(result.events.map((e) => e.version)).toEqual([1, 2]);

        const read = await store.readStream(s);
        expect(read.map(strip)).toEqual(result.events.map(strip));
        expect(read[0]).toMatchObject({
          streamId: s,
          type: 'Received',
          data: { qty: 5 },
          metadata: { correlationId: 'c-1', actor: 'ops' },
        });
        expect(read[0].occurredAt).toBeInstanceOf(Date);
        expect(read[0].recordedAt).toBeInstanceOf(Date);
      });

      it('appends at the expected version and rejects a stale one with VERSION_CONFLICT', async () => {
        const s = streamId();
        await store.appendToStream(s, 0, [event('A')]);
        await store.appendToStream(s, 1, [event('B')]);
        const stale = store.appendToStream(s, 1, [event('C')]);
        await expect(stale).rejects.toBeInstanceOf(VersionConflictError);
        await expect(stale).rejects.toMatchObject({
          code: 'EVENT_STORE.VERSION_CONFLICT',
          streamId: s,
          expectedVersion: 1,
          actualVersion: 2,
        });
        expect((await store.readStream(s)).map((e) => e.type)).toEqual(['A', 'B']);
      });

      it("treats 'no_stream' as version 0 and 'any' as no check", async () => {
        const s = streamId();
        await store.appendToStream(s, 'any', [event('A')]);
        await expect(store.appendToStream(s, 'no_stream', [event('B')])).rejects.toBeInstanceOf(
          VersionConflictError,
        );
        const result = await store.appendToStream(s, 'any', [event('C')]);
        expect(result.events[0].version).toBe(2);
      });

      it('treats an append of no events as a version check that writes nothing', async () => {
        const s = streamId();
        await store.appendToStream(s, 'no_stream', [event('A')]);
        expect(await store.appendToStream(s, 1, [])).toMatchObject({ nextExpectedVersion: 1, events: [] });
        await expect(store.appendToStream(s, 0, [])).rejects.toBeInstanceOf(VersionConflictError);
        expect(await store.readStream(s)).toHaveLength(1);
      });

      it('reads a stream from a version, bounded by a count', async () => {
        const s = streamId();
        await store.appendToStream(
          s,
          'no_stream',
          range(10).map((i) => event('N', { i })),
        );
        const page = await store.readStream(s, { fromVersion: 4, maxCount: 3 });
        expect(page.map((e) => e.version)).toEqual([4, 5, 6]);
        expect(await store.readStream(s, { fromVersion: 11 })).toEqual([]);
        expect(await store.readStream(streamId())).toEqual([]);
      });

      it('reads a stream backwards, newest first, from a version or from its end, bounded by a count', async () => {
        const s = streamId();
        await store.appendToStream(
          s,
          'no_stream',
          range(10).map((i) => event('N', { i })),
        );
        const versions = async (options: Parameters<EventStore['readStream']>[1]) =>
          (await store.readStream(s, { ...options, direction: 'backwards' })).map((e) => e.version);
        expect(await versions({})).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
        expect(await versions({ maxCount: 3 })).toEqual([10, 9, 8]);
        expect(await versions({ fromVersion: 4 })).toEqual([4, 3, 2, 1]);
        expect(await versions({ fromVersion: 6, maxCount: 3 })).toEqual([6, 5, 4]);
        expect(await versions({ fromVersion: 2, maxCount: 3 })).toEqual([2, 1]);
        expect(await versions({ fromVersion: 40, maxCount: 2 })).toEqual([10, 9]);
        expect(await versions({ fromVersion: 0 })).toEqual([]);
        const [newest] = await store.readStream(s, { direction: 'backwards', maxCount: 1 });
        expect(newest).toEqual((await store.readStream(s, { fromVersion: 10 }))[0]);
        expect(await store.readStream(streamId(), { direction: 'backwards', maxCount: 5 })).toEqual([]);
      });
    });

    describe('idempotency by event id', () => {
      it('absorbs a re-append of stored events, even at a stale expected version', async () => {
        const s = streamId();
        const batch = [event('A'), event('B')];
        const first = await store.appendToStream(s, 'no_stream', batch);
        await store.appendToStream(s, 2, [event('C')]);

        const again = await store.appendToStream(s, 'no_stream', batch);
        expect(again.duplicate).toBe(true);
        expect(again.events.map(strip)).toEqual(first.events.map(strip));
        expect(again.nextExpectedVersion).toBe(2);
        expect((await store.readStream(s)).map((e) => e.type)).toEqual(['A', 'B', 'C']);
      });

      it('absorbs ten redeliveries of one event as one', async () => {
        const s = streamId();
        const sale = event('Sold', { qty: 1 });
        for (let i = 0; i < 10; i++) await store.appendToStream(s, 'any', [sale]);
        expect(await store.readStream(s)).toHaveLength(1);
        expect(await store.readEventsByIds([sale.eventId])).toHaveLength(1);
      });

      it('accepts an upper-case id as the same id', async () => {
        const s = streamId();
        const e = event('A');
        await store.appendToStream(s, 'no_stream', [e]);
        const again = await store.appendToStream(s, 'any', [{ ...e, eventId: e.eventId.toUpperCase() }]);
        expect(again.duplicate).toBe(true);
      });

      it('rejects a mix of stored and new events with EVENT_ID_CONFLICT (partial_duplicate)', async () => {
        const s = streamId();
        const stored = event('A');
        await store.appendToStream(s, 'no_stream', [stored]);
        const fresh = event('B');
        await expect(store.appendToStream(s, 1, [stored, fresh])).rejects.toMatchObject({
          code: 'EVENT_STORE.EVENT_ID_CONFLICT',
          reason: 'partial_duplicate',
          eventIds: [stored.eventId],
        });
        expect(await store.readEventsByIds([fresh.eventId])).toEqual([]);
      });

      it('rejects an id already stored in another stream with EVENT_ID_CONFLICT (other_stream)', async () => {
        const e = event('A');
        await store.appendToStream(streamId(), 'no_stream', [e]);
        const error = await store.appendToStream(streamId(), 'no_stream', [e]).catch((err: unknown) => err);
        expect(error).toBeInstanceOf(EventIdConflictError);
        expect(error).toMatchObject({ reason: 'other_stream', eventIds: [e.eventId] });
      });
    });

    describe('appending to many streams in one transaction', () => {
      it('writes every stream and returns results in input order', async () => {
        const [a, b, c] = [streamId(), streamId(), streamId()];
        await store.appendToStream(b, 'no_stream', [event('B0')]);
        const results = await store.appendToStreams([
          { streamId: a, expectedVersion: 'no_stream', events: [event('A1'), event('A2')] },
          { streamId: b, expectedVersion: 1, events: [event('B1')] },
          { streamId: c, expectedVersion: 'any', events: [event('C1')] },
        ]);
        expect(results.map((r) => [r.streamId, r.nextExpectedVersion])).toEqual([
          [a, 2],
          [b, 2],
          [c, 1],
        ]);
        expect((await store.readStream(b)).map((e) => e.type)).toEqual(['B0', 'B1']);
      });

      it('writes nothing when one stream conflicts', async () => {
        const [a, b] = [streamId(), streamId()];
        await store.appendToStream(b, 'no_stream', [event('B0')]);
        const first = event('A1');
        await expect(
          store.appendToStreams([
            { streamId: a, expectedVersion: 'no_stream', events: [first] },
            { streamId: b, expectedVersion: 0, events: [event('B1')] },
          ]),
        ).rejects.toMatchObject({ code: 'EVENT_STORE.VERSION_CONFLICT', streamId: b });
        expect(await store.readStream(a)).toEqual([]);
        expect(await store.readEventsByIds([first.eventId])).toEqual([]);
      });

      it('absorbs a replayed stream while writing the new ones of the same transaction', async () => {
        const [a, b] = [streamId(), streamId()];
        const replayed = [event('A1')];
        await store.appendToStream(a, 'no_stream', replayed);
        const results = await store.appendToStreams([
          { streamId: a, expectedVersion: 'no_stream', events: replayed },
          { streamId: b, expectedVersion: 'no_stream', events: [event('B1')] },
        ]);
        expect(results.map((r) => r.duplicate)).toEqual([true, false]);
        expect(await store.readStream(a)).toHaveLength(1);
      });

      it('rejects malformed appends with INVALID_APPEND before writing', async () => {
        const s = streamId();
        await expect(
          store.appendToStreams([
            { streamId: s, expectedVersion: 'any', events: [event('A')] },
            { streamId: s, expectedVersion: 'any', events: [event('B')] },
          ]),
        ).rejects.toBeInstanceOf(InvalidAppendError);
        await expect(
          store.appendToStream(s, 'any', [{ eventId: 'not-a-uuid', type: 'A', data: {} }]),
        ).rejects.toMatchObject({ code: 'EVENT_STORE.INVALID_APPEND' });
        const twice = event('A');
        await expect(store.appendToStream(s, 'any', [twice, twice])).rejects.toBeInstanceOf(
          InvalidAppendError,
        );
        await expect(store.appendToStream(s, -1, [event('A')])).rejects.toBeInstanceOf(InvalidAppendError);
        expect(await store.readStream(s)).toEqual([]);
      });
    });

    describe('concurrent writers on one stream', () => {
      it('lets exactly one of many writers at the same expected version win', async () => {
        const s = streamId();
        await store.appendToStream(s, 'no_stream', [event('Seed')]);
        const writers = options.concurrentWriters ?? 16;
        const outcomes = await Promise.allSettled(
          range(writers).map((i) => store.appendToStream(s, 1, [event('Race', { writer: i })])),
        );
        const winners = outcomes.filter((o) => o.status === 'fulfilled');
        const losers = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
        expect(winners).toHaveLength(1);
        expect(losers.every((o) => o.reason instanceof VersionConflictError)).toBe(true);
        expect((await store.readStream(s)).map((e) => e.version)).toEqual([1, 2]);
      });
    });

    describe('reading the global order', () => {
      it('returns appended events after a checkpoint, in batches, without repeats', async () => {
        const start = await endOfLog(store);
        const s = streamId();
        await store.appendToStream(
          s,
          'no_stream',
          range(5).map((i) => event('N', { i })),
        );
        await store.appendToStream(
          s,
          5,
          range(2).map((i) => event('M', { i })),
        );

        // An empty page is not the end: readAll stops below every transaction still open on the server (another
        // suite's, in another database of the same cluster), and goes on once it ends.
        const seen: RecordedEvent[] = [];
        let checkpoint = start;
        const deadline = Date.now() + 10_000;
        while (seen.filter((e) => e.streamId === s).length < 7 && Date.now() < deadline) {
          const page = await store.readAll(checkpoint, 3);
          expect(page.events.length).toBeLessThanOrEqual(3);
          seen.push(...page.events);
          checkpoint = page.checkpoint;
          if (page.events.length === 0) await sleep(10);
        }
        const ours = seen.filter((e) => e.streamId === s);
        expect(ours.map((e) => e.version)).toEqual([1, 2, 3, 4, 5, 6, 7]);
        expect(new Set(seen.map((e) => e.eventId)).size).toBe(seen.length);
        expect(isGlobalOrder(seen)).toBe(true);
      });

      it('returns the same checkpoint when there is nothing new', async () => {
        const end = await endOfLog(store);
        const page = await store.readAll(end, 10);
        expect(page.events).toEqual([]);
        expect(page.checkpoint).toEqual(end);
      });

      it('finds stored events by id', async () => {
        const s = streamId();
        const [a, b] = [event('A'), event('B')];
        await store.appendToStream(s, 'no_stream', [a, b]);
        const found = await store.readEventsByIds([b.eventId, randomUUID(), 'junk', a.eventId]);
        expect(found.map((e) => e.eventId).sort()).toEqual([a.eventId, b.eventId].sort());
      });

      it("finds a stream's events by lookup key, in version order, and no other stream's", async () => {
        const [s, other] = [streamId(), streamId()];
        await store.appendToStream(s, 'no_stream', [
          event('Placed', { channelOrderId: 'o1' }),
          event('Placed', { channelOrderId: 'o2' }),
          event('Imported', { batchId: 'b1' }),
          event('Paid', { channelOrderId: 'o1' }),
          event('Odd', { channelOrderId: 7 }),
          event('ManyRejected', { channelOrderIds: ['o7', 'o1', 'o8'] }),
          event('ManyRejected', { channelOrderIds: ['o7'] }),
        ]);
        await store.appendToStream(other, 'no_stream', [event('Placed', { channelOrderId: 'o1' })]);
        const found = await store.readStreamEventsByKey(s, ['o1', 'o9']);
        expect(found.map((e) => [e.streamId, e.version, e.type])).toEqual([
          [s, 1, 'Placed'],
          [s, 4, 'Paid'],
          [s, 6, 'ManyRejected'],
        ]);
        expect(await store.readStreamEventsByKey(s, [])).toEqual([]);
        expect(await store.readStreamEventsByKey(streamId(), ['o1'])).toEqual([]);
      });
    });

    describe('subscriptions', () => {
      it('delivers existing then new events in global order and stops', async () => {
        const start = await endOfLog(store);
        const s = streamId();
        await store.appendToStream(s, 'no_stream', [event('Before1'), event('Before2')]);
        const delivered: RecordedEvent[] = [];
        const subscription = store.subscribe({
          from: start,
          batchSize: 2,
          pollIntervalMs: 20,
          handle: async (events) => {
            delivered.push(...events);
          },
        });
        await store.appendToStream(s, 2, [event('After1')]);
        await store.appendToStream(s, 3, [event('After2')]);
        await waitFor(() => delivered.filter((e) => e.streamId === s).length === 4);
        await subscription.stop();
        expect(delivered.filter((e) => e.streamId === s).map((e) => e.type)).toEqual([
          'Before1',
          'Before2',
          'After1',
          'After2',
        ]);
        expect(isGlobalOrder(delivered)).toBe(true);
        const last = delivered[delivered.length - 1];
        expect(subscription.checkpoint).toEqual({
          transactionId: last.transactionId,
          globalPosition: last.globalPosition,
        });
      });

      it('resumes from a stored checkpoint without repeating what was handled', async () => {
        const start = await endOfLog(store);
        const s = streamId();
        await store.appendToStream(s, 'no_stream', [event('One'), event('Two')]);
        let stored: GlobalCheckpoint = start;
        const first = store.subscribe({
          from: start,
          pollIntervalMs: 20,
          handle: async (_events, checkpoint) => {
            stored = checkpoint;
          },
        });
        await waitFor(() => stored !== start);
        await first.stop();

        await store.appendToStream(s, 2, [event('Three')]);
        const resumed: RecordedEvent[] = [];
        const second = store.subscribe({
          from: stored,
          pollIntervalMs: 20,
          handle: async (events) => {
            resumed.push(...events);
          },
        });
        await waitFor(() => resumed.some((e) => e.type === 'Three'));
        await second.stop();
        expect(resumed.filter((e) => e.streamId === s).map((e) => e.type)).toEqual(['Three']);
      });

      it('redelivers events whose handler threw, and reports the error', async () => {
        const start = await endOfLog(store);
        const s = streamId();
        await store.appendToStream(s, 'no_stream', [event('Flaky')]);
        let calls = 0;
        const errors: unknown[] = [];
        const handled: string[] = [];
        const subscription = store.subscribe({
          from: start,
          pollIntervalMs: 10,
          retryDelayMs: 5,
          onError: (error) => errors.push(error),
          handle: async (events) => {
            if (++calls < 3) throw new Error('projection down');
            handled.push(...events.filter((e) => e.streamId === s).map((e) => e.type));
          },
        });
        await waitFor(() => handled.length > 0);
        await subscription.stop();
        expect(handled).toEqual(['Flaky']);
        expect(errors).toHaveLength(2);
      });

      it('stops promptly while idle', async () => {
        const subscription = store.subscribe({
          from: await endOfLog(store),
          pollIntervalMs: 10_000,
          handle: async () => undefined,
        });
        await sleep(30);
        const started = Date.now();
        await subscription.stop();
        expect(Date.now() - started).toBeLessThan(1_000);
      });
    });

    describe('snapshots', () => {
      it('loads the latest snapshot of a stream and type, and never goes back to an older one', async () => {
        const s = streamId();
        expect(await store.loadSnapshot(s, 'counter.v1')).toBeNull();
        await store.saveSnapshot({ streamId: s, type: 'counter.v1', version: 10, state: { total: 10 } });
        await store.saveSnapshot({ streamId: s, type: 'counter.v1', version: 20, state: { total: 20 } });
        await store.saveSnapshot({ streamId: s, type: 'counter.v1', version: 15, state: { total: 15 } });
        expect(await store.loadSnapshot(s, 'counter.v1')).toEqual({
          streamId: s,
          type: 'counter.v1',
          version: 20,
          state: { total: 20 },
        });
        expect(await store.loadSnapshot(s, 'counter.v2')).toBeNull();
      });
    });
  });
}

export function streamId(): string {
  return `sku-${randomUUID()}`;
}

export function event(type: string, data: unknown = {}, metadata = {}): EventToAppend {
  return { eventId: randomUUID(), type, data, metadata };
}

export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Reads the global order to its current end. */
export async function endOfLog(store: EventStore): Promise<GlobalCheckpoint> {
  let checkpoint: GlobalCheckpoint = START_CHECKPOINT;
  for (;;) {
    const page = await store.readAll(checkpoint, 10_000);
    if (page.events.length === 0) return page.checkpoint;
    checkpoint = page.checkpoint;
  }
}

export function isGlobalOrder(events: RecordedEvent[]): boolean {
  return events.every(
    (e, i) =>
      i === 0 ||
      e.transactionId > events[i - 1].transactionId ||
      (e.transactionId === events[i - 1].transactionId && e.globalPosition > events[i - 1].globalPosition),
  );
}

export async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Dates compared by value; the rest as is. */
function strip(e: RecordedEvent) {
  return { ...e, occurredAt: e.occurredAt.getTime(), recordedAt: e.recordedAt.getTime() };
}
