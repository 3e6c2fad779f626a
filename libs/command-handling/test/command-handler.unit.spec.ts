import {
  CommandHandler,
  ConflictRetriesExhaustedError,
  deterministicEventId,
  uuidV5,
} from '@libs/command-handling';
import { add, counterDecider } from './counter-decider';
import { RecordingEventStore } from './recording-event-store';

const options = { snapshotType: 'counter.v1', snapshotEvery: 3, retryBackoffMs: 1 };

function setup(overrides: Partial<typeof options & { maxAttempts: number }> = {}) {
  const store = new RecordingEventStore();
  return { store, handler: new CommandHandler(store, counterDecider, { ...options, ...overrides }) };
}

describe('CommandHandler', () => {
  describe('on a new stream', () => {
    it('decides on the initial state and appends at version 0', async () => {
      const { store, handler } = setup();
      const result = await handler.handle('sku-1', add(5));
      expect(result).toMatchObject({
        events: [{ type: 'Added', data: { amount: 5 } }],
        state: { total: 5, events: 1 },
        version: 1,
        duplicate: false,
        attempts: 1,
      });
      expect(result.recorded.map((e) => e.version)).toEqual([1]);
      expect(store.inner.events).toHaveLength(1);
    });
  });

  describe('on a stream with history', () => {
    it('decides on the state its events build', async () => {
      const { handler } = setup();
      await handler.handle('sku-1', add(5));
      const result = await handler.handle('sku-1', add(-7));
      expect(result.events).toEqual([
        { type: 'Rejected', data: { amount: -7, reason: 'would_go_negative' } },
      ]);
      expect(result.state).toEqual({ total: 5, events: 2 });
      expect(result.version).toBe(2);
    });

    it('appends nothing when the decider returns no events', async () => {
      const { store, handler } = setup();
      await handler.handle('sku-1', add(1));
      const result = await handler.handle('sku-1', { type: 'Nothing' });
      expect(result).toMatchObject({ events: [], version: 1, state: { total: 1 } });
      expect(store.calls.appendToStream).toBe(1);
    });
  });

  describe('when another writer appends first', () => {
    it('reloads and decides again on the fresh state', async () => {
      const { store, handler } = setup();
      await handler.handle('sku-1', add(1));
      store.interfere(2);
      const result = await handler.handle('sku-1', add(2));
      expect(result.attempts).toBe(3);
      expect(result.state.total).toBe(1 + 100 + 100 + 2);
      expect(result.version).toBe(4);
    });

    it('gives up after maxAttempts with COMMAND_HANDLING.RETRIES_EXHAUSTED', async () => {
      const { store, handler } = setup({ maxAttempts: 3 });
      store.interfere(3);
      const error = await handler.handle('sku-1', add(2)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConflictRetriesExhaustedError);
      expect(error).toMatchObject({ code: 'COMMAND_HANDLING.RETRIES_EXHAUSTED', attempts: 3 });
      expect(store.calls.appendToStream).toBe(3);
    });

    it('does not retry anything but a version conflict', async () => {
      const { store, handler } = setup();
      await expect(handler.handle('sku-1', { type: 'Explode' })).rejects.toThrow('decider bug');
      await expect(handler.handle('sku-1', add(1), { commandId: 'c' })).resolves.toMatchObject({
        attempts: 1,
      });
      store.interfere(1, () => [{ eventId: 'not-a-uuid', type: 'Added', data: {} }]);
      await expect(handler.handle('sku-1', add(1))).rejects.toMatchObject({
        code: 'EVENT_STORE.INVALID_APPEND',
      });
      expect(store.calls.appendToStream).toBe(2);
    });
  });

  describe('when a command is redelivered', () => {
    it('returns the first outcome and appends nothing', async () => {
      const { store, handler } = setup();
      const first = await handler.handle('sku-1', add(3), { commandId: 'order-9:paid' });
      await handler.handle('sku-1', add(1));
      const again = await handler.handle('sku-1', add(3), { commandId: 'order-9:paid' });
      expect(again.duplicate).toBe(true);
      expect(again.events).toEqual(first.events);
      expect(again.recorded.map((e) => e.eventId)).toEqual(first.recorded.map((e) => e.eventId));
      expect(again.state.total).toBe(4);
      expect(store.inner.events).toHaveLength(2);
    });

    it('records the command as the cause of its events', async () => {
      const { handler } = setup();
      const result = await handler.handle('sku-1', add(3), {
        commandId: 'cmd-1',
        metadata: { correlationId: 'corr-1', actor: 'taobao' },
      });
      expect(result.recorded[0].metadata).toEqual({
        correlationId: 'corr-1',
        actor: 'taobao',
        commandId: 'cmd-1',
        causationId: 'cmd-1',
      });
      expect(result.recorded[0].eventId).toBe(deterministicEventId('sku-1', 'cmd-1', 0));
    });
  });

  describe('snapshots', () => {
    it('saves one each time the version crosses a multiple of snapshotEvery', async () => {
      const { store, handler } = setup();
      for (let i = 0; i < 7; i++) await handler.handle('sku-1', add(1));
      expect(store.calls.saveSnapshot).toBe(2);
      expect(await store.loadSnapshot('sku-1', 'counter.v1')).toMatchObject({
        version: 6,
        state: { total: 6 },
      });
    });

    it('loads from the snapshot and replays only the tail', async () => {
      const { store, handler } = setup();
      for (let i = 0; i < 7; i++) await handler.handle('sku-1', add(1));
      store.calls.readStream.length = 0;
      expect(await handler.load('sku-1')).toEqual({ state: { total: 7, events: 7 }, version: 7 });
      expect(store.calls.readStream[0].fromVersion).toBe(7);
    });

    it('ignores a snapshot of another state type', async () => {
      const { store } = setup();
      const v1 = new CommandHandler(store, counterDecider, options);
      for (let i = 0; i < 3; i++) await v1.handle('sku-1', add(2));
      const v2 = new CommandHandler(store, counterDecider, { ...options, snapshotType: 'counter.v2' });
      store.calls.readStream.length = 0;
      expect((await v2.load('sku-1')).state.total).toBe(6);
      expect(store.calls.readStream[0].fromVersion).toBe(1);
    });

    it('never fails a command because a snapshot could not be saved', async () => {
      const { store } = setup();
      const errors: unknown[] = [];
      const handler = new CommandHandler(store, counterDecider, {
        ...options,
        onSnapshotError: (e) => errors.push(e),
      });
      store.saveSnapshot = async () => {
        throw new Error('disk full');
      };
      for (let i = 0; i < 3; i++) await handler.handle('sku-1', add(1));
      expect(errors).toHaveLength(1);
    });
  });

  it('rejects invalid options at construction', () => {
    expect(
      () => new CommandHandler(new RecordingEventStore(), counterDecider, { ...options, maxAttempts: 0 }),
    ).toThrow('maxAttempts');
  });
});

describe('deterministic event ids', () => {
  it('implement UUID v5 (RFC 4122 test vector)', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });

  it('depend on stream, command and index only', () => {
    const id = deterministicEventId('sku-1', 'cmd', 0);
    expect(deterministicEventId('sku-1', 'cmd', 0)).toBe(id);
    expect(
      new Set([id, deterministicEventId('sku-1', 'cmd', 1), deterministicEventId('sku-2', 'cmd', 0)]).size,
    ).toBe(3);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
