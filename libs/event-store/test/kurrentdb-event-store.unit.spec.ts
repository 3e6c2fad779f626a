import {
  InvalidAppendError,
  KurrentDbEventStore,
  START_CHECKPOINT,
  VersionConflictError,
  type RecordedEvent,
} from '@libs/event-store';
import { endOfLog, event, eventStoreContract, streamId, waitFor } from './event-store.contract';
import { FakeKurrentDbGateway } from './fake-kurrentdb-gateway';

// The adapter's own logic (lookup links, pre-checked multi-stream appends, $all paging and filtering, the push
// subscription) against KurrentDB's behaviour as modelled in memory. The real server: the .int suite.
eventStoreContract('KurrentDB adapter on an in-memory gateway', async () => ({
  store: new KurrentDbEventStore(new FakeKurrentDbGateway()),
}));

describe('KurrentDB adapter: what it adds to the server', () => {
  let gateway: FakeKurrentDbGateway;
  let store: KurrentDbEventStore;
  beforeEach(() => {
    gateway = new FakeKurrentDbGateway();
    store = new KurrentDbEventStore(gateway);
  });

  it('leaves the earlier streams written when a later one fails midway, findable by id so a retry absorbs them', async () => {
    const [a, b] = [streamId(), streamId()];
    const [a1, b1] = [event('A1'), event('B1')];
    gateway.failNextAppend.add(b);
    await expect(
      store.appendToStreams([
        { streamId: a, expectedVersion: 'no_stream', events: [a1] },
        { streamId: b, expectedVersion: 'no_stream', events: [b1] },
      ]),
    ).rejects.toThrow(/connection lost/);
    expect((await store.readStream(a)).map((e) => e.eventId)).toEqual([a1.eventId]);
    expect(await store.readStream(b)).toEqual([]);
    expect((await store.readEventsByIds([a1.eventId, b1.eventId])).map((e) => e.eventId)).toEqual([
      a1.eventId,
    ]);

    const retry = await store.appendToStreams([
      { streamId: a, expectedVersion: 'no_stream', events: [a1] },
      { streamId: b, expectedVersion: 'no_stream', events: [b1] },
    ]);
    expect(retry.map((r) => r.duplicate)).toEqual([true, false]);
    expect(await store.readStream(a)).toHaveLength(1);
  });

  it('reports a writer that moved a later stream after the check as a version conflict, the earlier stream kept', async () => {
    const [a, b] = [streamId(), streamId()];
    const inner = gateway.append.bind(gateway);
    // Another writer appends to b between this call's check and its write to b.
    jest.spyOn(gateway, 'append').mockImplementation(async (stream, records, expected) => {
      if (stream === b && expected === 'no_stream')
        await inner(b, [{ ...records[0], id: crypto.randomUUID() }], 'any');
      return inner(stream, records, expected);
    });
    const error = await store
      .appendToStreams([
        { streamId: a, expectedVersion: 'no_stream', events: [event('A1')] },
        { streamId: b, expectedVersion: 'no_stream', events: [event('B1')] },
      ])
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(VersionConflictError);
    expect(error).toMatchObject({ streamId: b, actualVersion: 1 });
    expect(await store.readStream(a)).toHaveLength(1);
  });

  it('writes the lookup link before the event: an append lost after the link is not found, and its retry is stored once', async () => {
    const s = streamId();
    const e = event('Sold');
    gateway.failNextAppend.add(s);
    await expect(store.appendToStream(s, 'no_stream', [e])).rejects.toThrow(/connection lost/);
    expect(gateway.streamNames()).toContain(`$eventid-${e.eventId}`);
    expect(await store.readEventsByIds([e.eventId])).toEqual([]);

    await store.appendToStream(s, 'no_stream', [e]);
    expect(await store.readStream(s)).toHaveLength(1);
    expect(await store.readEventsByIds([e.eventId])).toHaveLength(1);
    expect(await store.appendToStream(s, 'any', [e])).toMatchObject({ duplicate: true });
  });

  it("ignores the link of a writer that lost its race: it leads to the winner's event", async () => {
    const s = streamId();
    await store.appendToStream(s, 'no_stream', [event('Seed')]);
    const [winner, loser] = [event('W'), event('L')];
    await store.appendToStream(s, 1, [winner]);
    await expect(store.appendToStream(s, 1, [loser])).rejects.toBeInstanceOf(VersionConflictError);
    expect(await store.readEventsByIds([loser.eventId])).toEqual([]);
    // The loser retries at the right version: found, once, where it landed.
    await store.appendToStream(s, 2, [loser]);
    expect((await store.readEventsByIds([loser.eventId])).map((e) => e.version)).toEqual([3]);
  });

  it("links an 'any' append that raced to where it really landed", async () => {
    const s = streamId();
    await store.appendToStream(s, 'no_stream', [event('Seed')]);
    const inner = gateway.append.bind(gateway);
    const e = event('Late');
    jest.spyOn(gateway, 'append').mockImplementation(async (stream, records, expected) => {
      if (stream === s && records[0].id === e.eventId)
        await inner(s, [{ ...records[0], id: crypto.randomUUID() }], 'any');
      return inner(stream, records, expected);
    });
    await store.appendToStream(s, 'any', [e]);
    expect((await store.readEventsByIds([e.eventId])).map((x) => x.version)).toEqual([3]);
  });

  it('keeps its own streams and system records out of readAll', async () => {
    const s = streamId();
    await store.appendToStream(s, 'no_stream', [event('A'), event('B')]);
    await store.saveSnapshot({ streamId: s, type: 't.v1', version: 2, state: {} });
    expect(gateway.streamNames().filter((n) => n.startsWith('$')).length).toBeGreaterThan(2);
    const { events } = await store.readAll(START_CHECKPOINT, 100);
    expect(events.map((e) => e.streamId)).toEqual([s, s]);
  });

  it('pages through $all past skipped records until it has maxCount events', async () => {
    const s = streamId();
    for (let i = 0; i < 40; i++) await store.appendToStream(s, i, [event('N', { i })]);
    const page = await store.readAll(START_CHECKPOINT, 30);
    expect(page.events.map((e) => e.version)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    const rest = await store.readAll(page.checkpoint, 100);
    expect(rest.events.map((e) => e.version)).toEqual(Array.from({ length: 10 }, (_, i) => i + 31));
  });

  it('delivers only streams with the given prefixes, on reads and on the subscription', async () => {
    const prefixed = new KurrentDbEventStore(gateway, { streamPrefixes: ['sku-'] });
    await prefixed.appendToStream('order-1', 'no_stream', [event('O')]);
    await prefixed.appendToStream('sku-1', 'no_stream', [event('S')]);
    expect((await prefixed.readAll(START_CHECKPOINT, 10)).events.map((e) => e.streamId)).toEqual(['sku-1']);
    const seen: string[] = [];
    const sub = prefixed.subscribe({
      from: START_CHECKPOINT,
      handle: async (es) => void seen.push(...es.map((e) => e.streamId)),
    });
    await waitFor(() => seen.length > 0);
    await sub.stop();
    expect(seen).toEqual(['sku-1']);
  });

  it('reopens a dropped subscription from the last handled checkpoint: no gap, no repeat', async () => {
    const s = streamId();
    const from = await endOfLog(store);
    await store.appendToStream(s, 'no_stream', [event('A'), event('B'), event('C')]);
    gateway.failSubscriptionAfter = 1;
    const delivered: RecordedEvent[] = [];
    const errors: unknown[] = [];
    const sub = store.subscribe({
      from,
      batchSize: 1,
      retryDelayMs: 1,
      onError: (error) => errors.push(error),
      handle: async (events) => void delivered.push(...events),
    });
    await waitFor(() => delivered.length === 3);
    await store.appendToStream(s, 3, [event('D')]);
    await waitFor(() => delivered.length === 4);
    await sub.stop();
    expect(delivered.map((e) => e.type)).toEqual(['A', 'B', 'C', 'D']);
    expect(errors).toEqual([new Error('subscription dropped')]);
  });

  it('keeps one snapshot event per stream ($maxCount 1): a snapshot of another type replaces it', async () => {
    const s = streamId();
    await store.saveSnapshot({ streamId: s, type: 'sku.v1', version: 10, state: { n: 1 } });
    await store.saveSnapshot({ streamId: s, type: 'sku.v2', version: 12, state: { n: 2 } });
    expect(gateway.streamNames()).toContain(`$$$snapshot-${s}`);
    expect(await store.loadSnapshot(s, 'sku.v1')).toBeNull();
    expect(await store.loadSnapshot(s, 'sku.v2')).toEqual({
      streamId: s,
      type: 'sku.v2',
      version: 12,
      state: { n: 2 },
    });
  });

  it('saves a snapshot after losing the optimistic race to another saver', async () => {
    const s = streamId();
    await store.saveSnapshot({ streamId: s, type: 't', version: 1, state: 1 });
    const other = new KurrentDbEventStore(gateway);
    const inner = gateway.readStream.bind(gateway);
    let raced = false;
    jest.spyOn(gateway, 'readStream').mockImplementation(async (stream, request) => {
      const items = await inner(stream, request);
      if (stream === `$snapshot-${s}` && !raced) {
        raced = true;
        await other.saveSnapshot({ streamId: s, type: 't', version: 2, state: 2 });
      }
      return items;
    });
    await store.saveSnapshot({ streamId: s, type: 't', version: 3, state: 3 });
    expect(await store.loadSnapshot(s, 't')).toMatchObject({ version: 3, state: 3 });
  });

  it('refuses application streams named like the server streams', async () => {
    await expect(store.appendToStream('$sku-1', 'any', [event('A')])).rejects.toBeInstanceOf(
      InvalidAppendError,
    );
  });

  it('says which server versions it needs when stream reads carry no log position', async () => {
    const s = streamId();
    await store.appendToStream(s, 'no_stream', [event('A')]).catch(() => undefined);
    gateway.omitStreamPositions = true;
    await expect(store.readStream(s)).rejects.toThrow(/EventStoreDB 22.10 or later, or KurrentDB/);
  });
});
