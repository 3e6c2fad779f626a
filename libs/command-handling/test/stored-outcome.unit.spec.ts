import { randomUUID } from 'node:crypto';
import { deterministicEventId, storedOutcome } from '@libs/command-handling';
import { RecordingEventStore } from './recording-event-store';

const STREAM = 'sku-HOT';

/** A stream where command `cmd-1` stored `outcome` events, followed by `after` events of other commands. */
async function streamWith(outcome: number, after: number): Promise<RecordingEventStore> {
  const store = new RecordingEventStore();
  await store.appendToStream(
    STREAM,
    'any',
    Array.from({ length: outcome }, (_, k) => ({
      eventId: deterministicEventId(STREAM, 'cmd-1', k),
      type: 'Added',
      data: { k },
    })),
  );
  await store.appendToStream(
    STREAM,
    'any',
    Array.from({ length: after }, () => ({ eventId: randomUUID(), type: 'Added', data: {} })),
  );
  store.calls.readStream.length = 0;
  return store;
}

const idOf = (k: number) => deterministicEventId(STREAM, 'cmd-1', k);

describe('storedOutcome: the events a repeated command stored the first time', () => {
  it('given a command that stored 2 events on a hot stream, when it is repeated, then its outcome is read without reading the stream after it', async () => {
    const store = await streamWith(2, 2_000);
    const [first] = await store.readEventsByIds([idOf(0)]);

    const outcome = await storedOutcome(store, STREAM, first, idOf);

    expect(outcome.map((e) => e.eventId)).toEqual([idOf(0), idOf(1)]);
    // A page of a few events, not a thousand: a repeated placement on a busy SKU read 1,000 rows each.
    const rowsAsked = store.calls.readStream.reduce((n, o) => n + (o.maxCount ?? Infinity), 0);
    expect(rowsAsked).toBeLessThanOrEqual(8);
  });

  it('given a command that stored more events than one small page, when it is repeated, then every one of them is found', async () => {
    const store = await streamWith(37, 50);
    const [first] = await store.readEventsByIds([idOf(0)]);

    const outcome = await storedOutcome(store, STREAM, first, idOf);

    expect(outcome.map((e) => e.eventId)).toEqual(Array.from({ length: 37 }, (_, k) => idOf(k)));
  });

  it('given a command whose outcome ends the stream, when it is repeated, then it is found whole', async () => {
    const store = await streamWith(4, 0);
    const [first] = await store.readEventsByIds([idOf(0)]);

    expect(await storedOutcome(store, STREAM, first, idOf)).toHaveLength(4);
  });
});
