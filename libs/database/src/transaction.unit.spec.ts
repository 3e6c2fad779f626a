import type { Pool, PoolClient } from 'pg';
import { inTransaction, withTransaction } from './transaction';

/** A client that records statements and fails the ones it is told to; enough to check the control flow. */
function fakePool(failOn: Partial<Record<string, Error>> = {}) {
  const statements: string[] = [];
  const released: Array<Error | boolean | undefined> = [];
  const client = {
    async query(text: string) {
      statements.push(text);
      const failure = failOn[text];
      if (failure) throw failure;
      return { rows: [], rowCount: 0 };
    },
    release(err?: Error | boolean) {
      released.push(err);
    },
    on: () => undefined,
    removeListener: () => undefined,
  } as unknown as PoolClient;
  const pool = { connect: async () => client } as unknown as Pool;
  return { pool, client, statements, released };
}

describe('withTransaction', () => {
  it('given fn resolves, then BEGIN, the work and COMMIT run, the result is returned and the client released', async () => {
    const { pool, statements, released } = fakePool();
    const result = await withTransaction(pool, async (c) => {
      await c.query('INSERT 1');
      return 42;
    });
    expect(result).toBe(42);
    expect(statements).toEqual(['BEGIN', 'INSERT 1', 'COMMIT']);
    expect(released).toEqual([undefined]);
  });

  it('given fn throws, then it rolls back, rethrows the original error and keeps the healthy client', async () => {
    const { pool, statements, released } = fakePool();
    await expect(
      withTransaction(pool, async () => {
        throw new Error('duplicate key');
      }),
    ).rejects.toThrow('duplicate key');
    expect(statements).toEqual(['BEGIN', 'ROLLBACK']);
    expect(released).toEqual([undefined]);
  });

  it('given ROLLBACK fails too, then the original error wins and the client is destroyed', async () => {
    const lost = new Error('Connection terminated unexpectedly');
    const { pool, released } = fakePool({ ROLLBACK: lost });
    await expect(
      withTransaction(pool, async () => {
        throw new Error('the work failed');
      }),
    ).rejects.toThrow('the work failed');
    expect(released).toEqual([lost]);
  });

  it('given COMMIT fails, then the error propagates after a rollback attempt', async () => {
    const { pool, statements, released } = fakePool({ COMMIT: new Error('could not serialize access') });
    await expect(withTransaction(pool, async () => 1)).rejects.toThrow('could not serialize access');
    expect(statements).toEqual(['BEGIN', 'COMMIT', 'ROLLBACK']);
    expect(released).toEqual([undefined]);
  });

  it('given BEGIN fails, then fn never runs and the client is destroyed', async () => {
    const dead = new Error('Connection terminated');
    const { pool, released } = fakePool({ BEGIN: dead });
    const fn = jest.fn();
    await expect(withTransaction(pool, fn)).rejects.toBe(dead);
    expect(fn).not.toHaveBeenCalled();
    expect(released).toEqual([dead]);
  });
});

describe('inTransaction', () => {
  it('given a held client, then it wraps the work and leaves releasing to the caller', async () => {
    const { client, statements, released } = fakePool();
    await expect(inTransaction(client, async () => 'done')).resolves.toBe('done');
    expect(statements).toEqual(['BEGIN', 'COMMIT']);
    expect(released).toEqual([]);
  });
});
