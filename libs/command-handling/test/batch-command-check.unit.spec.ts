import { BatchCommandHandler, type BatchCommand } from '@libs/command-handling';
import { add, counterDecider, type CounterCommand } from './counter-decider';
import { RecordingEventStore } from './recording-event-store';

describe('BatchCommandHandler: a command with a check', () => {
  const setup = () => {
    const store = new RecordingEventStore();
    const handler = new BatchCommandHandler(store, counterDecider, {
      snapshotType: 'counter.v1',
      retryBackoffMs: 1,
    });
    return { store, handler };
  };
  const cmd = (commandId: string, amount: number, check?: BatchCommand<CounterCommand>['check']) => ({
    streamId: 'a',
    commandId,
    command: add(amount),
    ...(check ? { check } : {}),
  });

  it('fails the command whose decided events the check refuses, before anything of it is stored', async () => {
    const { store, handler } = setup();
    const refuseBig = (events: readonly { type: string; data: unknown }[]) => {
      if (events.some((e) => (e.data as { amount: number }).amount > 100))
        throw new Error('answer too large');
    };
    const result = await handler.handleBatch([
      cmd('c1', 5, refuseBig),
      cmd('c2', 500, refuseBig),
      cmd('c3', 1, refuseBig),
    ]);
    expect(result.items.map((i) => i.status)).toEqual(['applied', 'failed', 'applied']);
    expect((result.items[1].error as Error).message).toBe('answer too large');
    // The refused command left no trace: the stream holds the other two, and its state never saw the 500.
    expect(store.inner.events.map((e) => (e.data as { amount: number }).amount)).toEqual([5, 1]);
    expect(result.streams.get('a')?.state).toEqual({ total: 6, events: 2 });
  });

  it('is not asked about a command already applied by an earlier delivery', async () => {
    const { handler } = setup();
    await handler.handleBatch([cmd('c1', 5)]);
    const check = jest.fn();
    const result = await handler.handleBatch([cmd('c1', 5, check)]);
    expect(result.items[0].status).toBe('duplicate');
    expect(check).not.toHaveBeenCalled();
  });
});
