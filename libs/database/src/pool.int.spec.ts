import { isTransientError } from '@libs/resilience';
import { createTestDatabase, type TestDatabase } from '@libs/testing';
import type { Pool } from 'pg';
import { runMigrations } from './migrations';
import { createPool } from './pool';

describe('createPool against PostgreSQL', () => {
  let db: TestDatabase;
  const pools: Pool[] = [];
  const pool = (options: Parameters<typeof createPool>[0]) => {
    const p = createPool(options);
    p.on('error', () => undefined);
    pools.push(p);
    return p;
  };

  beforeAll(async () => {
    db = await createTestDatabase('pool_timeouts', 1);
  });

  afterAll(async () => {
    await Promise.all(pools.map((p) => p.end()));
    await db.drop();
  });

  const setting = async (p: Pool, name: string) =>
    (await p.query<{ setting: string }>(`SELECT current_setting($1) AS setting`, [name])).rows[0].setting;

  it('given timeouts, then every connection runs with them as its session defaults', async () => {
    const p = pool({ url: db.url, max: 2, statementTimeoutMs: 1500, idleInTransactionTimeoutMs: 2500 });
    expect(await setting(p, 'statement_timeout')).toBe('1500ms');
    expect(await setting(p, 'idle_in_transaction_session_timeout')).toBe('2500ms');
  });

  it('given no statement timeout, then statements are not capped but idle transactions are', async () => {
    const p = pool({ url: db.url, max: 1 });
    expect(await setting(p, 'statement_timeout')).toBe('0');
    expect(await setting(p, 'idle_in_transaction_session_timeout')).toBe('1min');
  });

  it('given a statement longer than the timeout, then it fails with 57014, which counts as transient', async () => {
    const p = pool({ url: db.url, max: 1, statementTimeoutMs: 200 });
    const failure = await p.query('SELECT pg_sleep(5)').catch((err: unknown) => err);
    expect(failure).toMatchObject({ code: '57014' });
    expect(isTransientError(failure)).toBe(true);
  });

  it('given every connection is taken, then waiting for one fails after the connect timeout, as a transient error', async () => {
    const p = pool({ url: db.url, max: 1, connectTimeoutMs: 300 });
    const held = await p.connect();
    try {
      const failure = await p.query('SELECT 1').catch((err: unknown) => err);
      expect((failure as Error).message).toContain('timeout exceeded when trying to connect');
      expect(isTransientError(failure)).toBe(true);
    } finally {
      held.release();
    }
  });

  it('given the server ends an idle connection, then the pool drops it and the process carries on', async () => {
    const p = createPool({ url: db.url, max: 1 });
    pools.push(p);
    const pid = (await p.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    const admin = pool({ url: db.url, max: 1 });
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    // The pool listens for its clients' errors itself (an unhandled 'error' event would end the process).
    expect(p.listenerCount('error')).toBeGreaterThan(0);
    let answer: number | undefined;
    for (let i = 0; i < 50 && answer === undefined; i++) {
      answer = await p
        .query<{ one: number }>('SELECT 1 AS one')
        .then((r) => r.rows[0].one)
        .catch(() => undefined);
    }
    expect(answer).toBe(1);
  });

  it('given a migration run, then the connection goes back with the pool statement timeout restored', async () => {
    const p = pool({ url: db.url, max: 1, statementTimeoutMs: 1500 });
    await runMigrations(p, {
      component: 'pool-timeouts',
      migrations: [{ version: 1, name: 'create t', up: 'CREATE TABLE t (id int)' }],
    });
    expect(await setting(p, 'statement_timeout')).toBe('1500ms');
  });
});
